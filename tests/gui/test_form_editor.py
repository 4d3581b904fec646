"""Editing the app-mode form in the studio: the inspector's ▣ marks follow every change (undo and
redo too), and the Form panel lists the fields to reorder, rename, edit and remove, one undo step
each.

Driven through the real widgets: the inspector's right-click menu, the panel's list and buttons,
keys typed into its fields."""

from __future__ import annotations

import json

from gui_helpers import click_menu
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from test_app_mode import click, click_action, right_click_label, small_graph, type_into

from studio.cli import main
from studio.graph.form import describe_fields
from studio.gui.settings import GuiSettings


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


# -- the Form panel ------------------------------------------------------------------------------
def names(window) -> list[str]:
    return [f.name for f in window.document.graph.form.fields]


def pick_row(qtbot, editor, name: str) -> None:
    """Click a field in the panel's list."""
    items = [editor.list.item(i) for i in range(editor.list.count())]
    item = next(i for i in items if i.data(Qt.ItemDataRole.UserRole) == name)
    rect = editor.list.visualItemRect(item)
    QTest.mouseClick(editor.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert editor.selected_name() == name


def test_the_form_panel_reorders_edits_and_removes_fields_one_undo_step_each(
    qtbot, window, tmp_path
):
    assert window.open_path(small_graph(tmp_path))
    click_menu(qtbot, window, "View", "Form")
    editor = window.form_editor
    qtbot.waitUntil(editor.isVisible)
    rows = [editor.list.item(i).text() for i in range(editor.list.count())]
    assert [r.split("   ")[0] for r in rows] == ["Title", "Length", "Motion"]
    assert editor.title.text() == "Little card" and editor.result.currentData() == "clip"
    stack = window.document.undo_stack
    steps = stack.count()

    def one_more_step() -> None:
        nonlocal steps
        assert stack.count() == steps + 1, stack.text(stack.count() - 1)
        steps += 1

    # Reorder: Motion up, one step; undo and redo follow in the panel.
    pick_row(qtbot, editor, "motion")
    click(editor.up)
    assert names(window) == ["title", "motion", "seconds"]
    one_more_step()
    assert editor.selected_name() == "motion" and editor.list.currentRow() == 1
    window.undo_group.undo()
    assert names(window) == ["title", "seconds", "motion"]
    assert [editor.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(3)] == [
        "title",
        "seconds",
        "motion",
    ]
    window.undo_group.redo()
    click(editor.down)  # and back down
    assert names(window) == ["title", "seconds", "motion"]
    one_more_step()
    assert not editor.down.isEnabled()  # the last field goes no further

    # The label, then the help (committed when the focus leaves it).
    pick_row(qtbot, editor, "title")
    type_into(qtbot, editor.label, "Your words")
    QTest.keyClick(editor.label, Qt.Key.Key_Return)
    assert window.document.graph.form.field("title").label == "Your words"
    one_more_step()
    assert editor.list.currentItem().text().startswith("Your words")
    type_into(qtbot, editor.help, "Keep it short.")
    QTest.keyClick(editor.help, Qt.Key.Key_Tab)
    assert window.document.graph.form.field("title").help == "Keep it short."
    one_more_step()
    window.undo_group.undo()
    assert window.document.graph.form.field("title").help == "The words on the card."
    assert editor.help.toPlainText() == "The words on the card."
    window.undo_group.redo()

    # Allowed values: checked against the setting; a wrong one is refused and said.
    pick_row(qtbot, editor, "motion")
    assert editor.choices.isVisible()
    type_into(qtbot, editor.choices, "pan_right, spin")
    QTest.keyClick(editor.choices, Qt.Key.Key_Return)
    assert editor.message.isVisible() and "'spin'" in editor.message.text()
    assert stack.count() == steps and window.document.graph.form.field("motion").choices == ()
    type_into(qtbot, editor.choices, "pan_left, pan_right")
    QTest.keyClick(editor.choices, Qt.Key.Key_Return)
    assert window.document.graph.form.field("motion").choices == ("pan_left", "pan_right")
    assert not editor.message.isVisible()
    one_more_step()
    pick_row(qtbot, editor, "seconds")
    assert not editor.choices.isVisible()  # a number takes its own range, not a list

    # The form's title and its result node.
    type_into(qtbot, editor.title, "Your card")
    QTest.keyClick(editor.title, Qt.Key.Key_Return)
    assert window.document.graph.form.title == "Your card"
    one_more_step()
    assert [editor.result.itemData(i) for i in range(editor.result.count())] == [
        None,
        "card",
        "clip",
    ]
    editor.result.setFocus()
    QTest.keyClick(editor.result, Qt.Key.Key_Up)  # clip -> card
    assert window.document.graph.form.result == "card"
    one_more_step()
    window.undo_group.undo()
    assert window.document.graph.form.result == "clip" and editor.result.currentData() == "clip"

    # Remove, one step; undo puts it back where it was.
    pick_row(qtbot, editor, "seconds")
    click(editor.remove)
    assert names(window) == ["title", "motion"]
    window.undo_group.undo()
    assert names(window) == ["title", "seconds", "motion"]
    window.undo_group.redo()

    # App mode shows the form as edited.
    click_menu(qtbot, window, "View", "App Mode…")
    app = window.app_window
    qtbot.waitUntil(app.isVisible)
    assert app.title.text() == "Your card"
    assert list(app.form.editors) == ["title", "motion"]
    assert app.form.editors["title"].label.text() == "Your words"
    motion = app.form.editors["motion"].editor
    assert [motion.itemText(i) for i in range(motion.count())] == ["pan_left", "pan_right"]
    app.close()


def test_the_form_panel_says_how_to_add_a_field_and_follows_add_to_form(qtbot, window):
    click_menu(qtbot, window, "View", "Form")
    editor = window.form_editor
    qtbot.waitUntil(editor.isVisible)
    assert editor.empty.isVisible() and "Add to Form" in editor.empty.text()
    assert not editor.remove.isEnabled() and not editor.details.isEnabled()
    brief = window.add_node("text.brief", (0.0, 0.0))
    window.scene.select_nodes([brief])
    window.docks["inspector"].raise_()
    _label, menu = right_click_label(qtbot, window, "Subject")
    click_action(qtbot, menu, "Add to Form…")
    dialog = window.inspector.form_dialog
    qtbot.waitUntil(dialog.isVisible)
    click(dialog.buttons.button(dialog.buttons.StandardButton.Ok))
    assert editor.list.count() == 1 and not editor.empty.isVisible()
    assert editor.selected_name() == "subject"


def test_the_form_panel_renames_a_field_checked_one_undo_step_and_saved(
    qtbot, window, tmp_path, capsys
):
    path = small_graph(tmp_path)
    # App mode has a value remembered for the field under its old name.
    settings = GuiSettings.load()
    settings.form_values[str(path.resolve())] = {"title": "Remembered words"}
    settings.save()
    assert window.open_path(path)
    click_menu(qtbot, window, "View", "Form")
    editor = window.form_editor
    qtbot.waitUntil(editor.isVisible)
    stack = window.document.undo_stack
    steps = stack.count()
    pick_row(qtbot, editor, "title")
    assert editor.name.text() == "title"

    # Renamed on Enter: one undo step; the field stays chosen, under its new name.
    type_into(qtbot, editor.name, "words")
    QTest.keyClick(editor.name, Qt.Key.Key_Return)
    assert names(window) == ["words", "seconds", "motion"]
    assert stack.count() == steps + 1
    assert editor.selected_name() == "words" and editor.name.text() == "words"
    assert "--form words=" in editor.where.text()
    assert "--form words=" in editor.list.currentItem().toolTip()
    listing = describe_fields(window.document.graph, window.registry)
    assert "  words  (text)  Title" in listing and "  title  (" not in listing

    # Undo and Redo: the panel follows at once.
    window.undo_group.undo()
    assert names(window) == ["title", "seconds", "motion"]
    assert editor.selected_name() == "title" and editor.name.text() == "title"
    window.undo_group.redo()
    assert names(window) == ["words", "seconds", "motion"]
    assert editor.selected_name() == "words" and editor.name.text() == "words"

    # Not a field name, or one taken: refused with the reason, the box back, nothing changed.
    type_into(qtbot, editor.name, "Your Words")
    QTest.keyClick(editor.name, Qt.Key.Key_Return)
    assert editor.message.isVisible()
    assert "'Your Words' cannot be a field name" in editor.message.text()
    assert "lowercase letters" in editor.message.text()
    assert editor.message.text().endswith("Not changed.")
    assert editor.name.text() == "words"
    assert names(window) == ["words", "seconds", "motion"] and stack.count() == steps + 1
    type_into(qtbot, editor.name, "motion")
    QTest.keyClick(editor.name, Qt.Key.Key_Tab)  # leaving the box commits too
    assert editor.message.isVisible()
    assert "already has a field named 'motion'" in editor.message.text()
    assert editor.name.text() == "words"
    assert names(window) == ["words", "seconds", "motion"] and stack.count() == steps + 1
    type_into(qtbot, editor.name, "")
    QTest.keyClick(editor.name, Qt.Key.Key_Return)
    assert "needs a name" in editor.message.text() and editor.name.text() == "words"
    assert names(window) == ["words", "seconds", "motion"] and stack.count() == steps + 1

    # Leaving the box: committed as well.
    type_into(qtbot, editor.name, "card_words")
    QTest.keyClick(editor.name, Qt.Key.Key_Tab)
    assert names(window) == ["card_words", "seconds", "motion"]
    assert stack.count() == steps + 2 and not editor.message.isVisible()

    # Saved: the file's form section and `studio render --form-help` use the new name.
    window.document.save(path)
    saved = json.loads(path.read_text())
    assert [f["name"] for f in saved["form"]["fields"]] == ["card_words", "seconds", "motion"]
    assert saved["form"]["fields"][0]["node"] == "card"
    assert main(["render", str(path), "--form-help"]) == 0
    out = capsys.readouterr().out
    assert "  card_words  (text)  Title" in out and "  title  (" not in out

    # App mode's remembered value went with the field.
    click_menu(qtbot, window, "View", "App Mode…")
    app = window.app_window
    qtbot.waitUntil(app.isVisible)
    assert list(app.form.editors) == ["card_words", "seconds", "motion"]
    assert app.form.editors["card_words"].editor.toPlainText() == "Remembered words"
    app.close()
