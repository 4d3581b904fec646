"""Every kind of edit goes through the undo stack, undoes to the exact earlier file and redoes."""

from __future__ import annotations

from gui_helpers import brief_prompt
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from studio.graph.fileformat import dumps_graph


def assert_scene_mirrors_model(window) -> None:
    graph, scene = window.document.graph, window.scene
    assert set(scene.nodes) == set(graph.nodes)
    assert set(scene.edges) == set(graph.edges)
    assert [g.graph_group for g in scene.groups] == graph.groups
    for node_id, item in scene.nodes.items():
        x, y = graph.positions.get(node_id, (0.0, 0.0))
        assert (item.pos().x(), item.pos().y()) == (x, y)


def mouse_drag(window, start: QPointF, end: QPointF) -> None:
    viewport = window.view.viewport()
    a, b = window.view.mapFromScene(start), window.view.mapFromScene(end)
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a)
    for i in range(1, 9):
        QTest.mouseMove(viewport, a + (b - a) * i / 8)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, b)


def test_every_edit_undoes_to_the_same_file_and_redoes(qtbot, window):
    doc = window.document
    stack = doc.undo_stack
    snapshots = [dumps_graph(doc.graph)]

    def step(name: str) -> None:
        snapshots.append(dumps_graph(doc.graph))
        assert snapshots[-1] != snapshots[-2], f"{name} changed nothing"
        assert stack.index() == len(snapshots) - 1, f"{name} was not exactly one undo step"
        assert_scene_mirrors_model(window)

    brief = window.add_node("text.brief", (0.0, 0.0))
    step("add")
    prompt = window.add_node("text.prompt", (400.0, 0.0))
    step("add second")
    window.scene.connect_ports(brief, "brief", prompt, "brief")
    step("connect")
    window.view.fit_all()
    header = window.scene.nodes[prompt].scenePos() + QPointF(60, 12)
    mouse_drag(window, header, header + QPointF(80, 120))  # many mouse moves, one undo step
    step("move by mouse")
    x, y = doc.graph.positions[prompt]
    assert abs(x - 480) < 2 and abs(y - 120) < 2

    window.scene.select_nodes([prompt])
    editor = window.inspector.editors["template"].edit
    editor.setFocus()
    editor.moveCursor(editor.textCursor().MoveOperation.End)
    qtbot.keyClicks(editor, " and {a}")  # eight keystrokes merge into one step
    step("param change")
    assert doc.graph.nodes[prompt].params["template"].endswith(" and {a}")

    window.scene.select_nodes([brief, prompt])
    window.group_selection()
    step("group")
    _rename(window, doc.graph.groups[0], "Words")
    step("rename group")
    window.copy()
    window.paste()
    step("paste")
    assert len(doc.graph.nodes) == 4 and len(doc.graph.edges) == 2 and len(doc.graph.groups) == 2
    window.scene.select_nodes([brief, prompt])
    window.align("top")
    step("align")
    window.duplicate()
    step("duplicate")
    (_edge,) = [e for e in doc.graph.edges if e.dst == prompt]
    port = window.scene.nodes[prompt].inputs["brief"]
    window.scene.begin_edge_drag_from_port(port, port.anchor())
    window.scene.finish_edge_drag(QPointF(-2000, -2000))
    step("detach")
    window.scene.connect_ports(brief, "brief", prompt, "brief")
    step("reconnect")
    window.scene.select_nodes([brief])
    window.delete_selection()  # takes the node, its edge and its group membership
    step("delete")
    assert brief not in doc.graph.groups[0].nodes
    window.scene.clearSelection()
    window.scene.groups[0].setSelected(True)
    window.ungroup_selection()
    step("ungroup")

    for i in range(len(snapshots) - 1, 0, -1):
        stack.undo()
        assert dumps_graph(doc.graph) == snapshots[i - 1], f"undo of step {i}"
        assert_scene_mirrors_model(window)
    assert not window.isWindowModified()
    for i in range(1, len(snapshots)):
        stack.redo()
        assert dumps_graph(doc.graph) == snapshots[i], f"redo of step {i}"
        assert_scene_mirrors_model(window)


def _rename(window, group, title) -> None:
    from studio.gui.commands import GroupRenameCommand

    window.document.push(GroupRenameCommand(window.document, group, title))


def test_undo_of_a_param_not_in_the_file_drops_it_again(qtbot, window, tmp_path):
    from studio.graph.model import Graph, Node

    graph = Graph()
    graph.add_node(Node("p", "text.prompt", {}), (0, 0))  # the template is not in the file
    path = tmp_path / "g.json"
    path.write_text(dumps_graph(graph))
    window.open_path(path)
    before = dumps_graph(window.document.graph)
    window.scene.select_nodes(["p"])
    window.inspector.editors["template"].edit.setPlainText("{subject}!")
    assert window.document.graph.nodes["p"].params == {"template": "{subject}!"}
    window.document.undo_stack.undo()
    assert dumps_graph(window.document.graph) == before
    editor_text = window.inspector.editors["template"].edit.toPlainText()
    assert editor_text == window.registry.get("text.prompt").param("template").default


def test_slider_drag_is_one_step_and_editor_follows_undo(qtbot, window):
    node = window.add_node("image.generate", (0.0, 0.0))
    window.scene.select_nodes([node])
    editor = window.inspector.editors["width"]
    start = window.document.undo_stack.index()
    for position in (100, 200, 300, 400):
        editor.slider.setValue(position)
    assert window.document.undo_stack.index() == start + 1
    width = window.document.graph.nodes[node].params["width"]
    assert width == round(64 + (4096 - 64) * 0.4)
    assert editor.spin.value() == width
    window.document.undo_stack.undo()
    assert window.document.graph.nodes[node].params["width"] == 1024
    assert editor.spin.value() == 1024


def test_snapping_and_keyboard_moves(qtbot, window):
    brief, _prompt = brief_prompt(window)
    window.options.set_snap(True)
    window.view.fit_all()
    header = window.scene.nodes[brief].scenePos() + QPointF(60, 12)
    mouse_drag(window, header, header + QPointF(33, 47))
    x, y = window.document.graph.positions[brief]
    assert x % 20 == 0 and y % 20 == 0
    QTest.mouseClick(
        window.view.viewport(),
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
        QPoint(5, 5),
    )
    assert window.scene.selected_node_ids() == []
