"""Components in the window: Make component (Ctrl+Shift+G) with its dialog, undo and redo, going
in (double-click, Tab) and out (breadcrumb, Esc, Shift+Tab), edits inside that every use follows,
nesting, and the exposed params in the inspector. Driven with the mouse and keys."""

from __future__ import annotations

import json
import shutil

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from studio.graph.fileformat import graph_to_dict
from studio.paths import resources_dir

SHOT = ["prompt_wide", "image_wide", "motion_wide"]


def open_lighthouse(window, tmp_path):
    path = tmp_path / "lighthouse.json"  # a copy: the example itself opens as a new project
    shutil.copy(resources_dir() / "examples" / "lighthouse.json", path)
    assert window.open_path(path)
    return window.document.graph


def snapshot(graph) -> str:
    return json.dumps(graph_to_dict(graph), sort_keys=True)


def click_node(qtbot, window, node_id, double=False):
    item = window.scene.nodes[node_id]
    window.view.frame([node_id])
    qtbot.wait(10)
    point = window.view.mapFromScene(item.mapToScene(item.width / 2, 12))
    if double:
        QTest.mouseDClick(window.view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    else:
        QTest.mouseClick(window.view.viewport(), Qt.MouseButton.LeftButton, pos=point)


def make_with_keys(qtbot, window, node_ids, title, ticks=()):
    """Select, press Ctrl+Shift+G, fill the dialog, click Make component."""
    window.scene.select_nodes(node_ids)
    focus_canvas(window)
    QTest.keyClick(
        window.view,
        Qt.Key.Key_G,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    qtbot.waitUntil(lambda: window.components.actions.dialog is not None)
    dialog = window.components.actions.dialog
    qtbot.waitUntil(dialog.isVisible)
    dialog.title_edit.selectAll()
    QTest.keyClicks(dialog.title_edit, title)
    for node_id, param in ticks:
        dialog.tick(node_id, param)
    QTest.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.components.actions.dialog is None)
    made = [
        n for n, node in window.edited.graph.nodes.items() if node.type.startswith("component:")
    ]
    return made


def focus_canvas(window):
    """Keyboard focus on the canvas, as a click on it gives."""
    window.activateWindow()
    window.view.setFocus()
    QTest.qWait(10)
    assert window.view.hasFocus()


def undo(window):
    focus_canvas(window)
    QTest.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)


def redo(window):
    focus_canvas(window)
    QTest.keyClick(
        window.view,
        Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )


def test_make_component_with_ctrl_shift_g_then_undo_and_redo(qtbot, window, tmp_path):
    graph = open_lighthouse(window, tmp_path)
    before = snapshot(graph)
    made = make_with_keys(
        qtbot,
        window,
        SHOT,
        "Scene shot",
        ticks=[("prompt_wide", "template"), ("image_wide", "seed"), ("motion_wide", "motion")],
    )
    assert len(made) == 1
    node_id = made[0]
    assert not set(SHOT) & set(graph.nodes)
    definition = graph.components["scene_shot"]
    assert definition.title == "Scene shot"
    assert [(p.name, p.type.value) for p in definition.inputs] == [("brief", "text")]
    assert [(p.name, p.type.value) for p in definition.outputs] == [("video", "video")]
    assert [p.name for p in definition.params] == ["template", "seed", "motion"]
    wires = {(e.src, e.src_port, e.dst, e.dst_port, e.order) for e in graph.edges}
    assert ("brief", "brief", node_id, "brief", 0) in wires
    assert (node_id, "video", "timeline", "clips", 0) in wires  # the first clip, as before
    item = window.scene.nodes[node_id]
    assert set(item.inputs) == {"brief"} and set(item.outputs) == {"video"}
    assert window.scene.selected_node_ids() == [node_id]
    # The inspector shows the exposed params, with the inner values.
    editors = window.inspector.editors
    assert set(editors) == {"template", "seed", "motion"}
    assert editors["seed"].spin.value() == 11

    undo(window)
    assert snapshot(graph) == before
    assert set(SHOT) <= set(window.scene.nodes) and node_id not in window.scene.nodes
    assert len(window.scene.edges) == len(graph.edges)
    redo(window)
    assert node_id in graph.nodes and "scene_shot" in graph.components
    assert node_id in window.scene.nodes and not set(SHOT) & set(window.scene.nodes)


def test_an_exposed_param_is_edited_in_the_inspector_like_any_other(qtbot, window, tmp_path):
    graph = open_lighthouse(window, tmp_path)
    (node_id,) = make_with_keys(qtbot, window, SHOT, "Scene shot", ticks=[("image_wide", "seed")])
    click_node(qtbot, window, node_id)
    spin = window.inspector.editors["seed"].spin
    spin.lineEdit().selectAll()
    QTest.keyClicks(spin, "99")
    assert graph.nodes[node_id].params == {"seed": 99}
    from studio.graph.components import flatten

    assert flatten(graph).nodes[f"{node_id}/image_wide"].params["seed"] == 99
    undo(window)
    assert graph.nodes[node_id].params == {}


def test_enter_edit_inside_and_every_use_follows(qtbot, window, tmp_path):
    graph = open_lighthouse(window, tmp_path)
    (first,) = make_with_keys(qtbot, window, SHOT, "Scene shot", ticks=[("image_wide", "seed")])
    # A second use of it, from node search (the graph's own components are listed).
    window.open_search(window.view.mapToScene(200, 200))
    QTest.keyClicks(window.search.field, "scene shot")
    assert window.search.results.count() >= 1
    assert window.search.results.item(0).text().startswith("Scene shot")
    QTest.keyClick(window.search.field, Qt.Key.Key_Return)
    second = next(n for n in graph.nodes if n.startswith("scene_shot") and n != first)

    click_node(qtbot, window, first, double=True)
    assert window.components.depth == 1
    assert window.edited.graph is graph.components["scene_shot"].graph
    assert set(window.scene.nodes) == {"inputs", "outputs", *SHOT}
    crumb = window.components.breadcrumb
    assert crumb.isVisible() and crumb.current.text() == "<b>Scene shot</b>"
    assert "2 uses" in crumb.hint.text()

    # Edit inside: the motion of the shot (the inspector of the inner node).
    click_node(qtbot, window, "motion_wide")
    window.inspector.editors["motion"].value_edited.emit("pan_right", False)
    from studio.graph.components import flatten

    flat = flatten(graph)
    assert flat.nodes[f"{first}/motion_wide"].params["motion"] == "pan_right"
    assert flat.nodes[f"{second}/motion_wide"].params["motion"] == "pan_right"
    # A wire removed inside and put back by undo: one history for inside and out.
    edge = next(e for e in window.edited.graph.edges if e.dst == "motion_wide")
    window.scene.clearSelection()
    window.scene.edges[edge].setSelected(True)
    focus_canvas(window)
    QTest.keyClick(window.view, Qt.Key.Key_Delete)
    assert edge not in window.edited.graph.edges
    undo(window)
    assert edge in window.edited.graph.edges and edge in window.scene.edges

    # Out by the breadcrumb: the node we came from is selected.
    QTest.mouseClick(crumb.buttons[0], Qt.MouseButton.LeftButton)
    assert window.components.depth == 0 and not crumb.isVisible()
    assert window.edited is window.document
    assert window.scene.selected_node_ids() == [first]
    # In with Tab, out with Esc; in again, out with Shift+Tab.
    focus_canvas(window)
    QTest.keyClick(window.view, Qt.Key.Key_Tab)
    assert window.components.depth == 1
    QTest.keyClick(window.view, Qt.Key.Key_Escape)
    assert window.components.depth == 0
    QTest.keyClick(window.view, Qt.Key.Key_Tab)
    assert window.components.depth == 1
    QTest.keyClick(window.view, Qt.Key.Key_Backtab)
    assert window.components.depth == 0
    # The edit made inside is one undo step at the top too.
    assert flatten(graph).nodes[f"{second}/motion_wide"].params["motion"] == "pan_right"


def test_undo_past_make_component_while_inside_leaves_it(qtbot, window, tmp_path):
    graph = open_lighthouse(window, tmp_path)
    before = snapshot(graph)
    (node_id,) = make_with_keys(qtbot, window, SHOT, "Scene shot")
    click_node(qtbot, window, node_id, double=True)
    assert window.components.depth == 1
    undo(window)
    assert window.components.depth == 0
    assert snapshot(graph) == before
    assert set(SHOT) <= set(window.scene.nodes)


def test_components_nest(qtbot, window, tmp_path):
    graph = open_lighthouse(window, tmp_path)
    (outer,) = make_with_keys(qtbot, window, SHOT, "Scene shot")
    click_node(qtbot, window, outer, double=True)
    inner_made = make_with_keys(qtbot, window, ["image_wide", "motion_wide"], "Picture motion")
    assert len(inner_made) == 1
    assert set(graph.components) == {"scene_shot", "picture_motion"}
    assert graph.components["scene_shot"].used_components() == {"picture_motion"}
    click_node(qtbot, window, inner_made[0], double=True)
    assert window.components.depth == 2
    crumb = window.components.breadcrumb
    assert [b.text() for b in crumb.buttons] == ["Graph", "Scene shot"]
    assert set(window.scene.nodes) == {"inputs", "outputs", "image_wide", "motion_wide"}
    # Node search inside does not offer the components that hold this one.
    window.open_search(window.view.mapToScene(100, 100))
    titles = [window.search.results.item(i).text() for i in range(window.search.results.count())]
    assert not any(t.startswith(("Scene shot", "Picture motion")) for t in titles)
    window.search.hide()
    QTest.mouseClick(crumb.buttons[1], Qt.MouseButton.LeftButton)
    assert window.components.depth == 1 and window.scene.selected_node_ids() == inner_made
    QTest.mouseClick(window.components.breadcrumb.buttons[0], Qt.MouseButton.LeftButton)
    assert window.components.depth == 0
    from studio.graph.components import flatten

    flat = flatten(graph)
    assert f"{outer}/{inner_made[0]}/image_wide" in flat.nodes
    assert f"{outer}/prompt_wide" in flat.nodes


@pytest.mark.parametrize("cancel", [True])
def test_cancelling_the_dialog_changes_nothing(qtbot, window, tmp_path, cancel):
    graph = open_lighthouse(window, tmp_path)
    before = snapshot(graph)
    window.scene.select_nodes(SHOT)
    window.actions_by_name["make_component"].trigger()
    dialog = window.components.actions.dialog
    qtbot.waitUntil(dialog.isVisible)
    QTest.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.components.actions.dialog is None)
    assert snapshot(graph) == before and not window.document.is_modified


# -- the component library ------------------------------------------------------------------------
def publish_with_menu(qtbot, window, node_id, name=None):
    """Right-click the component node, Publish to Library…, confirm the name."""
    from studio.gui.context_menu import canvas_menu

    item = window.scene.nodes[node_id]
    window.view.frame([node_id])
    point = window.view.mapFromScene(item.mapToScene(item.width / 2, 12))
    menu = canvas_menu(window, point)
    action = next(a for a in menu.actions() if a.text() == "Publish to Library…")
    action.trigger()
    dialog = window.components.actions.dialog
    qtbot.waitUntil(dialog.isVisible)
    if name is not None:
        dialog.setTextValue(name)
    QTest.keyClick(dialog, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.components.actions.dialog is None)


def add_from_search(window, words, at=(300, 300)):
    window.open_search(window.view.mapToScene(*at))
    QTest.keyClicks(window.search.field, words)
    texts = [window.search.results.item(i).text() for i in range(window.search.results.count())]
    QTest.keyClick(window.search.field, Qt.Key.Key_Return)
    return texts


def test_publish_then_insert_from_search_in_a_new_graph(qtbot, window, tmp_path):
    from studio.graph.library import list_library

    graph = open_lighthouse(window, tmp_path)
    (node_id,) = make_with_keys(qtbot, window, SHOT, "Scene shot", ticks=[("image_wide", "seed")])
    publish_with_menu(qtbot, window, node_id)
    entries, problems = list_library()
    assert [(e.name, e.version, e.title) for e in entries] == [("scene_shot", 1, "Scene shot")]
    assert not problems
    definition = graph.components["scene_shot"]
    assert (definition.library, definition.version) == ("scene_shot", 1)
    undo(window)  # the graph's record of the publication is one undo step
    assert definition.library is None
    redo(window)
    assert definition.library == "scene_shot"

    window.new_document()
    assert window.document.graph is not graph and not window.document.graph.nodes
    texts = add_from_search(window, "scene shot")
    assert texts[0].startswith("Scene shot    ·  Components")
    new_graph = window.document.graph
    (added,) = new_graph.nodes
    assert new_graph.nodes[added].type == "component:scene_shot"
    copy = new_graph.components["scene_shot"]
    assert (copy.library, copy.version, copy.title) == ("scene_shot", 1, "Scene shot")
    assert set(window.scene.nodes[added].inputs) == {"brief"}
    # Its help is the library's, and search finds it by a word of it too.
    window.search.hide()
    undo(window)
    assert not new_graph.nodes and not new_graph.components
    # Once the graph has the same version, search lists that copy once (not the library's too).
    redo(window)
    texts = add_from_search(window, "scene shot")
    assert sum(t.startswith("Scene shot") for t in texts) == 1
    assert len(new_graph.components) == 1 and len(new_graph.nodes) == 2


def without_motion(graph):
    """A copy of the graph's "Scene shot" as a library version 2 would be: no 'motion' setting
    (returns the graph to publish and the definition to change further)."""
    from studio.graph.components import copy_definition
    from studio.graph.model import Graph

    newer = Graph()
    newer.components = {"scene_shot": copy_definition(graph.components["scene_shot"])}
    definition = newer.components["scene_shot"]
    definition.params = [p for p in definition.params if p.name != "motion"]
    return newer, definition


def test_opening_a_graph_with_an_older_library_version_offers_the_update(qtbot, window, tmp_path):
    from studio.graph import library

    graph = open_lighthouse(window, tmp_path)
    (node_id,) = make_with_keys(
        qtbot, window, SHOT, "Scene shot", ticks=[("image_wide", "seed"), ("motion_wide", "motion")]
    )
    click_node(qtbot, window, node_id)
    window.inspector.editors["motion"].value_edited.emit("pan_left", False)
    publish_with_menu(qtbot, window, node_id)
    assert window.save()
    saved = window.document.path
    # Version 2 in the library: the motion is no longer exposed, the seed is different inside.
    newer, definition = without_motion(graph)
    definition.graph.nodes["image_wide"].params["seed"] = 4242
    assert library.publish(newer, "scene_shot").version == 2

    window.new_document()
    bar = window.components.actions.update_bar
    assert not bar.isVisible()
    assert window.open_path(saved)
    assert bar.isVisible()
    text = bar.text.text()
    assert "Scene shot (v1 → v2)" in text
    assert "no longer has the param 'motion'" in text
    QTest.mouseClick(bar.update_button, Qt.MouseButton.LeftButton)
    assert bar.isVisible() and not bar.update_button.isVisible()  # it says what it did
    assert "Updated Scene shot (v2)" in bar.text.text()
    updated = window.document.graph.components["scene_shot"]
    assert updated.version == 2
    assert updated.graph.nodes["image_wide"].params["seed"] == 4242
    assert [p.name for p in updated.params] == ["seed"]
    assert set(window.inspector.editors or {}) <= {"seed"}
    assert any("removed the setting 'motion'" in line for _l, line in window.run_log.lines)
    undo(window)
    assert window.document.graph.components["scene_shot"].version == 1
