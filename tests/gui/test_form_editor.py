"""Editing the app-mode form in the studio: the inspector's ▣ marks follow every change (undo and
redo too), and the Form panel lists the fields to reorder, edit and remove, one undo step each.

Driven through the real widgets: the inspector's right-click menu, the panel's list and buttons,
keys typed into its fields."""

from __future__ import annotations

from test_app_mode import click, click_action, right_click_label


def marked(window, param: str) -> bool:
    return window.inspector.labels[param].text().endswith("▣")


def test_the_inspector_mark_follows_undo_and_redo_without_reselecting(qtbot, window):
    brief = window.add_node("text.brief", (0.0, 0.0))
    window.scene.select_nodes([brief])
    assert not marked(window, "subject")
    _label, menu = right_click_label(qtbot, window, "Subject")
    click_action(qtbot, menu, "Add to Form…")
    dialog = window.inspector.form_dialog
    qtbot.waitUntil(dialog.isVisible)
    click(dialog.buttons.button(dialog.buttons.StandardButton.Ok))
    assert marked(window, "subject")
    assert "In the app-mode form" in window.inspector.labels["subject"].toolTip()
    window.undo_group.undo()
    assert window.document.graph.form is None
    assert not marked(window, "subject")  # no reselecting needed
    assert "In the app-mode form" not in window.inspector.labels["subject"].toolTip()
    window.undo_group.redo()
    assert marked(window, "subject")
    # Removing through the menu unmarks it at once too.
    _label, menu = right_click_label(qtbot, window, "Subject")
    click_action(qtbot, menu, "Remove")
    assert not marked(window, "subject")
    assert window.inspector.node_id == brief
