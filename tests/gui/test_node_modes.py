"""Bypass (Ctrl+B), mute (Ctrl+M), collapse (Alt+C), rename (F2) and colour a node: with keys and
the mouse, undoable, saved in the file, and real when the graph runs."""

from __future__ import annotations

from gui_helpers import brief_prompt, wait_idle
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest

from studio.graph.fileformat import dumps_graph, load_graph


def click_node(window, node_id: str) -> None:
    """Click a node's title bar (left of its badges) with the mouse, as a user selects it."""
    item = window.scene.nodes[node_id]
    window.view.setFocus()
    QTest.mouseClick(
        window.view.viewport(),
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
        window.view.mapFromScene(item.scenePos() + QPointF(60, 12)),
    )
    assert window.scene.selected_node_ids() == [node_id]


def key(window, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    QTest.keyClick(window.view, key, modifier)


def test_ctrl_b_bypasses_and_ctrl_m_mutes_the_selected_node_with_undo(qtbot, window):
    _brief, prompt = brief_prompt(window)
    window.view.fit_all()
    graph, item = window.document.graph, window.scene.nodes[prompt]
    before = dumps_graph(graph)
    click_node(window, prompt)
    key(window, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    assert graph.nodes[prompt].mode == "bypass"
    assert item.opacity() < 0.7  # drawn dimmed
    assert "Bypassed" in item.toolTip()
    key(window, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)  # again: back to normal
    assert graph.nodes[prompt].mode == "normal" and item.opacity() == 1.0
    key(window, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    assert graph.nodes[prompt].mode == "mute" and item.opacity() < 0.5
    for _ in range(3):
        window.document.undo_stack.undo()
    assert dumps_graph(graph) == before and item.opacity() == 1.0


def test_a_bypassed_prompt_passes_the_brief_on_when_run(qtbot, window):
    brief, prompt = brief_prompt(window)
    window.document.graph.nodes[prompt].params["template"] = "NOT USED {subject}"
    window.view.fit_all()
    click_node(window, prompt)
    key(window, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    window.run_all()
    wait_idle(qtbot, window, 60_000)
    status = window.states.get(prompt)
    assert status.state == "bypassed"
    assert status.outputs["text"] == window.states.get(brief).outputs["brief"]
    assert "NOT USED" not in status.outputs["text"]


def test_a_muted_node_does_not_run(qtbot, window):
    brief, prompt = brief_prompt(window)
    window.view.fit_all()
    click_node(window, brief)
    key(window, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    window.run_all()
    wait_idle(qtbot, window, 60_000)
    assert window.states.get(brief).state == "idle" and window.states.get(prompt).state == "idle"
    assert any("0 ran" in text for _level, text in window.run_log.lines)


def test_alt_c_collapses_to_the_title_bar_and_wires_stay_attached(qtbot, window):
    _brief, prompt = brief_prompt(window)
    window.view.fit_all()
    item = window.scene.nodes[prompt]
    (edge_item,) = window.scene.edges.values()
    click_node(window, prompt)
    key(window, Qt.Key.Key_C, Qt.KeyboardModifier.AltModifier)
    assert prompt in window.document.graph.collapsed
    assert item.sceneBoundingRect().height() < 40  # the title bar only
    assert item.preview_item is None or not item.preview_item.isVisible()
    end = edge_item.path().pointAtPercent(1.0)
    assert (end - item.inputs["brief"].anchor()).manhattanLength() < 0.5
    assert abs(item.inputs["brief"].anchor().y() - item.sceneBoundingRect().center().y()) < 3
    key(window, Qt.Key.Key_C, Qt.KeyboardModifier.AltModifier)
    assert prompt not in window.document.graph.collapsed and item.height > 100


def test_f2_renames_in_place_enter_keeps_escape_leaves(qtbot, window):
    brief, _prompt = brief_prompt(window)
    window.view.fit_all()
    click_node(window, brief)
    key(window, Qt.Key.Key_F2)
    editor = window.view.title_editor
    assert editor is not None and editor.isVisible() and editor.text() == "Creative Brief"
    QTest.keyClicks(editor, "Shot list")  # the old title is selected: typing replaces it
    QTest.keyClick(editor, Qt.Key.Key_Return)
    assert window.document.graph.nodes[brief].title == "Shot list"
    assert window.scene.nodes[brief].title == "Shot list"
    key(window, Qt.Key.Key_F2)
    editor = window.view.title_editor
    QTest.keyClicks(editor, "Something else")
    QTest.keyClick(editor, Qt.Key.Key_Escape)
    assert window.document.graph.nodes[brief].title == "Shot list"
    window.document.undo_stack.undo()
    assert window.document.graph.nodes[brief].title is None


def test_colour_from_the_right_click_menu_and_everything_survives_save_and_open(
    qtbot, window, tmp_path
):
    from studio.gui.context_menu import canvas_menu

    brief, prompt = brief_prompt(window)
    window.view.fit_all()
    item = window.scene.nodes[brief]
    menu = canvas_menu(window, window.view.mapFromScene(item.sceneBoundingRect().center()))
    colour = next(a for a in menu.actions() if a.menu() is window.colour_menu).menu()
    green = next(a for a in colour.actions() if a.text() == "Green")
    green.trigger()
    assert window.document.graph.colours[brief] == green.data()
    assert item.header_colour.name() == green.data()
    click_node(window, prompt)
    key(window, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    key(window, Qt.Key.Key_C, Qt.KeyboardModifier.AltModifier)
    path = tmp_path / "looks.json"
    assert window._save_to(path)
    loaded = load_graph(path)
    assert loaded.colours == {brief: green.data()}
    assert loaded.nodes[prompt].mode == "bypass" and loaded.collapsed == {prompt}
    assert window.open_path(path, ask=False)
    reopened = window.scene.nodes[prompt]
    assert reopened.collapsed and reopened.opacity() < 0.7
    assert window.scene.nodes[brief].header_colour.name() == green.data()


def test_copy_paste_keeps_looks_and_pastes_at_the_mouse(qtbot, window):
    brief, _prompt = brief_prompt(window)
    graph = window.document.graph
    graph.set_colour(brief, "#3a7d44")
    window.view.fit_all()
    click_node(window, brief)
    key(window, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    key(window, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    empty = window.view.viewport().rect().bottomLeft() + window.view.viewport().rect().center()
    target = empty / 2
    QTest.mouseMove(window.view.viewport(), target)
    key(window, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    (new,) = window.scene.selected_node_ids()
    assert new != brief and graph.nodes[new].mode == "bypass"
    assert graph.colours[new] == "#3a7d44"
    at = window.view.mapToScene(target)
    x, y = graph.positions[new]
    assert abs(x - at.x()) < 2 and abs(y - at.y()) < 2
