"""Updating a library component takes out what the new version no longer has: the uses' values
for a dropped setting and the wires to a dropped port go, in the same undo step as the update,
the updated graph runs, and the bar says what was removed."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from test_components_gui import (
    SHOT,
    click_node,
    make_with_keys,
    open_lighthouse,
    publish_with_menu,
    snapshot,
    undo,
    without_motion,
)

from studio.graph.components import INPUTS_TYPE, flatten


def test_update_drops_the_settings_and_wires_the_new_version_no_longer_has(qtbot, window, tmp_path):
    from studio.graph import library

    graph = open_lighthouse(window, tmp_path)
    (use,) = make_with_keys(
        qtbot, window, SHOT, "Scene shot", ticks=[("image_wide", "seed"), ("motion_wide", "motion")]
    )
    click_node(qtbot, window, use)
    window.inspector.editors["motion"].value_edited.emit("pan_left", False)
    window.inspector.editors["seed"].value_edited.emit(5, False)
    publish_with_menu(qtbot, window, use)
    assert window.save()
    saved = window.document.path
    # Version 2: no 'motion' setting, and no 'brief' input (its prompt stands alone).
    newer, v2 = without_motion(graph)
    v2.inputs = []
    inputs_id = v2.boundary(INPUTS_TYPE)
    v2.graph.edges = [e for e in v2.graph.edges if e.src != inputs_id]
    assert library.publish(newer, "scene_shot").version == 2

    window.new_document()
    assert window.open_path(saved)
    graph = window.document.graph
    before = snapshot(graph)
    wire = next(e for e in graph.edges if e.dst == use and e.dst_port == "brief")
    bar = window.components.actions.update_bar
    assert bar.isVisible()
    QTest.mouseClick(bar.update_button, Qt.MouseButton.LeftButton)

    assert graph.components["scene_shot"].version == 2
    assert graph.nodes[use].params == {"seed": 5}  # the motion value is gone; the seed stays
    assert wire not in graph.edges and wire not in window.scene.edges
    window.runner.executor.plan(graph, None, window.document.graph_dir)  # raises no problem
    assert f"{use}/motion_wide" in flatten(graph).nodes
    text = bar.text.text()
    assert bar.isVisible() and text.startswith("Updated Scene shot (v2) from the component library")
    assert f"the setting 'motion' of {use}" in text
    assert f"the wire brief.brief → {use}.brief (Scene shot has no 'brief' now)" in text
    assert window.document.is_modified
    QTest.mouseClick(bar.close_button, Qt.MouseButton.LeftButton)
    assert not bar.isVisible()

    undo(window)  # one step puts back the old version, the value and the wire
    assert snapshot(graph) == before
    assert wire in window.scene.edges


def test_update_removes_the_form_fields_that_set_a_dropped_setting(qtbot, window, tmp_path):
    from studio.graph import library
    from studio.graph.form import Form, FormField, form_problems

    graph = open_lighthouse(window, tmp_path)
    (use,) = make_with_keys(
        qtbot, window, SHOT, "Scene shot", ticks=[("image_wide", "seed"), ("motion_wide", "motion")]
    )
    publish_with_menu(qtbot, window, use)
    # The app-mode form offers the shot's motion and seed (no value set on the use itself).
    graph.set_form(
        Form(fields=[FormField("motion", use, "motion"), FormField("seed", use, "seed")])
    )
    assert window.save()
    saved = window.document.path
    newer, _ = without_motion(graph)
    assert library.publish(newer, "scene_shot").version == 2

    window.new_document()
    assert window.open_path(saved)
    graph = window.document.graph
    before = snapshot(graph)
    bar = window.components.actions.update_bar
    QTest.mouseClick(bar.update_button, Qt.MouseButton.LeftButton)

    assert [f.name for f in graph.form.fields] == ["seed"]
    assert form_problems(graph, window.document.registry) == []
    text = bar.text.text()
    assert f"the form field 'motion' (it set {use}.motion)" in text
    assert any("the form field 'motion'" in line for _l, line in window.run_log.lines)

    undo(window)  # the same step put the field back
    assert snapshot(graph) == before
    assert [f.name for f in graph.form.fields] == ["motion", "seed"]
