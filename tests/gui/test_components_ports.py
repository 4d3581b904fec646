"""A component's ports changed from its inside: a wire dragged from an inner port onto the
inputs or outputs node adds a port (every use gets it), and the boundary node's port menu
renames or removes one (with the wires to it on every use). Each is one undo step."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest
from test_canvas import drag_with_mouse
from test_components_gui import (
    SHOT,
    click_node,
    make_with_keys,
    open_lighthouse,
    redo,
    snapshot,
    undo,
)

from studio.graph.components import flatten
from studio.graph.fileformat import dumps_graph
from studio.graph.validate import validate_graph


def flat_shape(graph):
    """What a run sees: each inner node's type and params, and the wires (so its cache keys)."""
    flat = flatten(graph)
    nodes = {n: (node.type, sorted(node.params.items())) for n, node in flat.nodes.items()}
    return nodes, sorted(flat.edges)


def two_uses(qtbot, window, tmp_path):
    graph = open_lighthouse(window, tmp_path)
    (first,) = make_with_keys(qtbot, window, SHOT, "Scene shot")
    window.open_search(window.view.mapToScene(200, 200))
    QTest.keyClicks(window.search.field, "scene shot")
    QTest.keyClick(window.search.field, Qt.Key.Key_Return)
    second = next(n for n in graph.nodes if n.startswith("scene_shot") and n != first)
    assert window.scene.connect_ports("brief", "brief", second, "brief")
    return graph, first, second


def new_port_slot(window, node_id) -> QPointF:
    """The empty "+ new port" slot under the boundary node's ports, just inside its edge."""
    item = window.scene.nodes[node_id]
    on_right = item.new_port_slot
    assert on_right is not None
    row = len(item.outputs if on_right else item.inputs)
    x = item.width - 8 if on_right else 8.0
    return item.mapToScene(QPointF(x, item._row_y(row)))


def test_dragging_inner_ports_onto_the_boundary_nodes_adds_ports(qtbot, window, tmp_path):
    graph, first, second = two_uses(qtbot, window, tmp_path)
    click_node(qtbot, window, first, double=True)
    assert window.components.depth == 1
    definition = graph.components["scene_shot"]
    before, flat_before = snapshot(graph), flat_shape(graph)
    top_wires = sorted(graph.edges)
    window.view.fit_all()

    # The free 'prompt' input of the motion node, dropped on the inputs node: a new input.
    start = window.scene.nodes["motion_wide"].inputs["prompt"].anchor()
    drag_with_mouse(qtbot, window, start, new_port_slot(window, "inputs"))
    assert [(p.name, p.type.value) for p in definition.inputs] == [
        ("brief", "text"),
        ("prompt", "text"),
    ]
    wire = next(
        e for e in definition.graph.edges if e.dst == "motion_wide" and e.dst_port == "prompt"
    )
    assert (wire.src, wire.src_port) == ("inputs", "prompt")
    assert wire in window.scene.edges  # drawn, from the rebuilt inputs node's new port
    assert set(window.scene.nodes["inputs"].outputs) == {"brief", "prompt"}
    assert window.components.depth == 1  # still inside
    assert "Added the input 'prompt'" in window.statusBar().currentMessage()

    # The image of the picture node, dropped on the outputs node: a new output.
    start = window.scene.nodes["image_wide"].outputs["image"].anchor()
    drag_with_mouse(qtbot, window, start, new_port_slot(window, "outputs"))
    assert [(p.name, p.type.value) for p in definition.outputs] == [
        ("video", "video"),
        ("image", "image"),
    ]
    assert any(
        (e.src, e.src_port, e.dst, e.dst_port) == ("image_wide", "image", "outputs", "image")
        for e in window.scene.edges
    )
    # Nothing outside changed: the same wires, the same nodes and cache keys for a run.
    assert sorted(graph.edges) == top_wires
    assert flat_shape(graph) == flat_before
    spec = window.document.registry.get("component:scene_shot")
    assert [p.name for p in spec.inputs] == ["brief", "prompt"]
    assert [p.name for p in spec.outputs] == ["video", "image"]
    # The motion's prompt is optional, so the new input is: the uses need not wire it.
    assert spec.input("prompt").optional
    problems = validate_graph(graph, window.document.registry, window.document.graph_dir)
    assert not [p for p in problems if p.port == "prompt"]

    # Every use has the new ports, its wires kept.
    QTest.mouseClick(window.components.breadcrumb.buttons[0], Qt.MouseButton.LeftButton)
    for use in (first, second):
        item = window.scene.nodes[use]
        assert set(item.inputs) == {"brief", "prompt"} and set(item.outputs) == {"video", "image"}
    assert len(window.scene.edges) == len(graph.edges)

    undo(window)  # the output
    undo(window)  # the input
    assert snapshot(graph) == before
    assert set(window.scene.nodes[first].inputs) == {"brief"}
    redo(window)
    assert [p.name for p in definition.inputs] == ["brief", "prompt"]


def boundary_port_menu(window, node_id, port, is_output):
    from studio.gui.context_menu import canvas_menu

    item = window.scene.nodes[node_id]
    ports = item.outputs if is_output else item.inputs
    window.view.frame([node_id])
    point = window.view.mapFromScene(ports[port].anchor())
    menu = canvas_menu(window, point)
    return {a.text(): a for a in menu.actions()}


def test_rename_and_remove_a_port_from_the_boundary_nodes_menu(qtbot, window, tmp_path):
    graph, first, second = two_uses(qtbot, window, tmp_path)
    before, flat_before = snapshot(graph), flat_shape(graph)
    click_node(qtbot, window, first, double=True)
    definition = graph.components["scene_shot"]

    actions = boundary_port_menu(window, "inputs", "brief", True)
    assert set(actions) == {"Rename Port…", "Remove Port"}
    actions["Rename Port…"].trigger()
    dialog = window.components.ports.dialog
    qtbot.waitUntil(dialog.isVisible)
    dialog.setTextValue("subject")
    QTest.keyClick(dialog, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.components.ports.dialog is None)
    assert [p.name for p in definition.inputs] == ["subject"]
    assert sorted((e.src, e.dst_port) for e in graph.edges if e.dst in (first, second)) == [
        ("brief", "subject"),
        ("brief", "subject"),
    ]
    inner = sorted(e.dst for e in definition.graph.edges if e.src == "inputs")
    assert inner == ["image_wide", "prompt_wide"]
    assert {e.src_port for e in window.scene.edges if e.src == "inputs"} == {"subject"}
    assert flat_shape(graph) == flat_before  # a name only: a run sees the same graph
    renamed = snapshot(graph)

    # A name that cannot be a port is refused, and nothing changes.
    boundary_port_menu(window, "inputs", "subject", True)["Rename Port…"].trigger()
    dialog = window.components.ports.dialog
    dialog.setTextValue("2 words")
    QTest.keyClick(dialog, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.components.ports.dialog is None)
    assert "cannot name a port" in window.statusBar().currentMessage()
    assert snapshot(graph) == renamed

    boundary_port_menu(window, "inputs", "subject", True)["Remove Port"].trigger()
    assert definition.inputs == []
    assert not [e for e in graph.edges if e.dst in (first, second)]
    assert not [e for e in definition.graph.edges if e.src == "inputs"]
    assert window.scene.nodes["inputs"].outputs == {}
    message = window.statusBar().currentMessage()
    assert message == ("Removed the input 'subject' of Scene shot and 2 wires to it on its uses")
    assert any(message in line for _level, line in window.run_log.lines)
    flatten(graph)  # the graph still unfolds (no wire to a port that is gone)

    undo(window)
    assert snapshot(graph) == renamed
    assert set(window.scene.nodes["inputs"].outputs) == {"subject"}
    undo(window)
    assert snapshot(graph) == before
    assert window.components.depth == 1


def test_removing_a_port_of_a_nested_component_removes_the_wires_in_the_outer_one(
    qtbot, window, tmp_path
):
    graph = open_lighthouse(window, tmp_path)
    before = snapshot(graph)
    (outer,) = make_with_keys(qtbot, window, SHOT, "Scene shot")
    click_node(qtbot, window, outer, double=True)
    (inner,) = make_with_keys(qtbot, window, ["image_wide", "motion_wide"], "Picture motion")
    made = snapshot(graph)
    shot = graph.components["scene_shot"].graph
    assert [e.src for e in shot.edges if e.dst == inner and e.dst_port == "text"] == ["prompt_wide"]
    click_node(qtbot, window, inner, double=True)
    assert window.components.depth == 2

    boundary_port_menu(window, "inputs", "text", True)["Remove Port"].trigger()
    assert [p.name for p in graph.components["picture_motion"].inputs] == ["brief"]
    assert not [e for e in shot.edges if e.dst == inner and e.dst_port == "text"]
    assert "and 1 wire to it on its uses" in window.statusBar().currentMessage()
    flatten(graph)

    undo(window)
    assert snapshot(graph) == made
    assert window.components.depth == 2
    QTest.mouseClick(window.components.breadcrumb.buttons[1], Qt.MouseButton.LeftButton)
    QTest.qWait(10)  # the old breadcrumb buttons are deleted: the canvas keeps the focus
    assert window.view.hasFocus()
    assert any(e.dst == inner and e.dst_port == "text" for e in window.scene.edges)
    undo(window)
    undo(window)
    assert snapshot(graph) == before


def test_removing_a_nested_output_removes_the_outer_output_it_alone_fed(qtbot, window, tmp_path):
    """Inside Scene shot, Picture motion's 'video' is all that feeds Scene shot's 'video':
    removing it removes that output too, and its wire to the timeline, in one undo step."""
    graph = open_lighthouse(window, tmp_path)
    (outer,) = make_with_keys(qtbot, window, SHOT, "Scene shot")
    click_node(qtbot, window, outer, double=True)
    (inner,) = make_with_keys(qtbot, window, ["image_wide", "motion_wide"], "Picture motion")
    shot = graph.components["scene_shot"]
    assert [(e.src, e.dst) for e in shot.graph.edges if e.dst == "outputs"] == [(inner, "outputs")]
    assert any(e.src == outer and e.dst == "timeline" for e in graph.edges)
    registry, graph_dir = window.document.registry, window.document.graph_dir
    assert validate_graph(graph, registry, graph_dir) == []
    saved = dumps_graph(graph)
    click_node(qtbot, window, inner, double=True)
    assert window.components.depth == 2

    boundary_port_menu(window, "outputs", "video", False)["Remove Port"].trigger()

    assert graph.components["picture_motion"].outputs == []
    assert shot.outputs == []  # nothing inside fed it any more
    assert not [e for e in shot.graph.edges if e.dst == "outputs"]
    assert not [e for e in graph.edges if e.src == outer]
    assert [e.src for e in graph.edges if e.dst == "timeline" and e.dst_port == "clips"] == [
        "motion_sea",
        "motion_light",
    ]
    assert validate_graph(graph, registry, graph_dir) == []
    message = window.statusBar().currentMessage()
    assert message == (
        "Removed the output 'video' of Picture motion and 1 wire to it on its uses; as nothing "
        "else fed them, also Scene shot's output 'video'; "
        f"the wire {outer}.video → timeline.clips (Scene shot has no 'video' now)"
    )
    assert any(message in line for _level, line in window.run_log.lines)
    assert window.components.depth == 2  # still inside

    undo(window)  # one step gives everything back
    assert dumps_graph(graph) == saved
    assert [p.name for p in shot.outputs] == ["video"]
    assert window.components.depth == 2
    redo(window)
    assert shot.outputs == [] and validate_graph(graph, registry, graph_dir) == []


def test_the_boundary_node_lights_up_while_a_wire_over_it_would_make_a_port(
    qtbot, window, tmp_path
):
    from studio.graph.types import PortType
    from studio.gui.canvas.style import port_colour

    _graph, first, _second = two_uses(qtbot, window, tmp_path)
    click_node(qtbot, window, first, double=True)
    window.view.fit_all()
    scene = window.scene
    inputs, outputs = scene.nodes["inputs"], scene.nodes["outputs"]
    free_input = scene.nodes["motion_wide"].inputs["prompt"]  # a text input, not wired

    scene.begin_edge_drag_from_port(free_input, free_input.anchor())
    scene.move_edge_drag(new_port_slot(window, "inputs"))
    assert inputs.drop_colour == port_colour(PortType.TEXT)  # a drop here makes an input
    assert outputs.drop_colour is None
    scene.move_edge_drag(outputs.mapToScene(QPointF(outputs.width / 2, 12)))
    assert inputs.drop_colour is None and outputs.drop_colour is None  # the wrong side
    scene.move_edge_drag(scene.nodes["image_wide"].mapToScene(QPointF(20, 12)))
    assert all(item.drop_colour is None for item in scene.nodes.values())  # an ordinary node
    scene.move_edge_drag(new_port_slot(window, "inputs"))
    scene.cancel_edge_drag()  # Esc: nothing stays lit
    assert inputs.drop_colour is None
    assert [p.name for p in _graph.components["scene_shot"].inputs] == ["brief"]
