"""The canvas: adding nodes, connecting ports with type checks, reconnecting and detaching."""

from __future__ import annotations

from gui_helpers import brief_prompt
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest


def view_point(window, scene_point: QPointF) -> QPoint:
    return window.view.mapFromScene(scene_point)


def drag_with_mouse(qtbot, window, start: QPointF, end: QPointF) -> None:
    viewport = window.view.viewport()
    a, b = view_point(window, start), view_point(window, end)
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a)
    for i in range(1, 6):
        QTest.mouseMove(viewport, a + (b - a) * i / 5)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, b)


def test_node_search_adds_the_chosen_node_where_asked(qtbot, window):
    window.open_search(QPointF(120, 80))
    assert window.search.isVisible()
    qtbot.keyClicks(window.search.field, "prompt")
    first = window.search.results.item(0).data(Qt.ItemDataRole.UserRole)
    assert first == "text.prompt"
    qtbot.keyClick(window.search.field, Qt.Key.Key_Return)
    assert not window.search.isVisible()
    (node_id,) = window.document.graph.nodes
    assert window.document.graph.nodes[node_id].type == "text.prompt"
    assert window.document.graph.positions[node_id] == (120.0, 80.0)
    assert window.scene.selected_node_ids() == [node_id]
    assert window.isWindowModified()


def test_double_click_and_tab_open_the_search(qtbot, window):
    QTest.mouseDClick(
        window.view.viewport(),
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
        QPoint(200, 200),
    )
    assert window.search.isVisible()
    window.search.hide()
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key.Key_Tab)
    assert window.search.isVisible()


def test_dragging_with_the_mouse_connects_compatible_ports(qtbot, window):
    brief = window.add_node("text.brief", (0.0, 0.0))
    prompt = window.add_node("text.prompt", (400.0, 0.0))
    window.view.fit_all()
    out = window.scene.nodes[brief].outputs["brief"]
    inp = window.scene.nodes[prompt].inputs["brief"]
    drag_with_mouse(qtbot, window, out.anchor(), inp.anchor())
    edges = window.document.graph.edges
    assert [(e.src, e.src_port, e.dst, e.dst_port) for e in edges] == [
        (brief, "brief", prompt, "brief")
    ]
    assert len(window.scene.edges) == 1


def test_incompatible_ports_are_dimmed_and_refuse_the_edge(qtbot, window):
    brief = window.add_node("text.brief", (0.0, 0.0))
    image = window.add_node("image.generate", (400.0, 0.0))
    motion = window.add_node("video.from_image", (400.0, 400.0))
    scene = window.scene
    out = scene.nodes[brief].outputs["subject"]
    scene.begin_edge_drag_from_port(out, out.anchor())
    assert not scene.nodes[image].inputs["prompt"].dimmed  # text into text
    assert scene.nodes[motion].inputs["image"].dimmed  # text into image: no
    others = [p for name, p in scene.nodes[brief].outputs.items() if name != "subject"]
    assert all(p.dimmed for p in others) and not out.dimmed  # outputs never take it
    scene.finish_edge_drag(scene.nodes[motion].inputs["image"].anchor())
    assert window.document.graph.edges == []
    assert not scene.nodes[motion].inputs["image"].dimmed  # undimmed after the drag


def test_dropping_an_edge_on_empty_canvas_offers_matching_nodes(qtbot, window):
    image = window.add_node("image.generate", (0.0, 0.0))
    scene = window.scene
    out = scene.nodes[image].outputs["image"]
    scene.begin_edge_drag_from_port(out, out.anchor())
    scene.finish_edge_drag(QPointF(600, 300))
    assert window.search.isVisible()
    offered = [
        window.search.results.item(i).data(Qt.ItemDataRole.UserRole)
        for i in range(window.search.results.count())
    ]
    assert "video.from_image" in offered and "compose.timeline" in offered
    assert "text.prompt" not in offered and "audio.speech" not in offered
    qtbot.keyClicks(window.search.field, "from image")
    qtbot.keyClick(window.search.field, Qt.Key.Key_Return)
    (edge,) = window.document.graph.edges
    new = edge.dst
    assert window.document.graph.nodes[new].type == "video.from_image"
    assert (edge.src, edge.src_port, edge.dst_port) == (image, "image", "image")
    window.document.undo_stack.undo()  # one step removes the node and its edge
    assert set(window.document.graph.nodes) == {image} and not window.document.graph.edges


def test_dragging_a_connected_input_detaches_or_reconnects(qtbot, window):
    brief, prompt = brief_prompt(window)
    other = window.add_node("text.prompt", (400.0, 400.0))
    scene = window.scene
    inp = scene.nodes[prompt].inputs["brief"]
    # Pick the edge up by its input end and drop it on another prompt: reconnect.
    scene.begin_edge_drag_from_port(inp, inp.anchor())
    scene.finish_edge_drag(scene.nodes[other].inputs["a"].anchor())
    assert [(e.src, e.dst, e.dst_port) for e in window.document.graph.edges] == [
        (brief, other, "a")
    ]
    # Drop the end on empty canvas: detach.
    end = scene.nodes[other].inputs["a"]
    scene.begin_edge_drag_from_port(end, end.anchor())
    scene.finish_edge_drag(QPointF(900, 900))
    assert window.document.graph.edges == []
    assert not window.search.isVisible()
    window.document.undo_stack.undo()
    window.document.undo_stack.undo()
    assert [(e.src, e.dst, e.dst_port) for e in window.document.graph.edges] == [
        (brief, prompt, "brief")
    ]


def test_grabbing_an_edge_near_its_end_reconnects_it(qtbot, window):
    _brief, prompt = brief_prompt(window)
    scene = window.scene
    (edge_item,) = scene.edges.values()
    near_end = scene.nodes[prompt].inputs["brief"].anchor() + QPointF(-8, 0)
    scene.begin_edge_reconnect(edge_item, edge_item.src, near_end)
    assert not edge_item.isVisible()
    scene.finish_edge_drag(scene.nodes[prompt].inputs["c"].anchor())
    assert [(e.dst, e.dst_port) for e in window.document.graph.edges] == [(prompt, "c")]


def test_a_single_input_takes_one_edge_and_loops_are_refused(qtbot, window):
    brief, prompt = brief_prompt(window)
    second = window.add_node("text.brief", (0.0, 400.0))
    assert window.scene.connect_ports(second, "brief", prompt, "brief")
    assert [(e.src, e.dst_port) for e in window.document.graph.edges] == [(second, "brief")]
    window.document.undo_stack.undo()
    assert [(e.src, e.dst_port) for e in window.document.graph.edges] == [(brief, "brief")]
    loop_back = window.add_node("text.prompt", (800.0, 0.0))
    assert window.scene.connect_ports(prompt, "text", loop_back, "a")
    messages = []
    window.scene.message.connect(messages.append)
    assert not window.scene.connect_ports(loop_back, "text", prompt, "a")
    assert "loop" in messages[0]


def test_nodes_show_state_and_unknown_types_greyed(qtbot, window, tmp_path):
    from studio.graph.fileformat import dumps_graph
    from studio.graph.model import Graph, Node

    graph = Graph()
    graph.add_node(Node("brief_1", "text.brief", {}), (0, 0))
    graph.add_node(Node("mystery", "fancy.upscale", {"factor": 4}, pack="fancy-pack"), (400, 0))
    graph.connect("brief_1", "brief", "mystery", "text")
    path = tmp_path / "g.json"
    path.write_text(dumps_graph(graph))
    assert window.open_path(path)
    item = window.scene.nodes["mystery"]
    assert item.spec is None and "fancy-pack" in item.toolTip()
    assert "text" in item.inputs  # a port grown from the edge, so the edge still draws
    assert len(window.scene.edges) == 1
    window.states.set_state("brief_1", "failed", error="no paint left")
    assert "no paint left" in window.scene.nodes["brief_1"].toolTip()
