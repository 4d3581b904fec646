"""Before any run, the inspector marks template variables no input gives, and width/height of
Image to Video follow its size preset (greyed unless "custom")."""

from __future__ import annotations

from gui_helpers import brief_prompt
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from studio.gui.param_editors import UNKNOWN_VARIABLE_COLOUR


def colour_at(editor, text: str) -> str:
    """The colour the highlighter gives the first character of `text` in a TextEditor."""
    document = editor.edit.document()
    block = document.begin()
    start = block.text().index(text)
    for fmt in block.layout().formats():
        if fmt.start <= start < fmt.start + fmt.length:
            return fmt.format.foreground().color().name()
    return ""


def test_a_variable_that_names_no_input_is_marked_while_typing(qtbot, window):
    _brief, prompt = brief_prompt(window)
    window.scene.select_nodes([prompt])
    editor = window.inspector.editors["template"]
    assert editor.problems.isHidden()  # {subject}, {style}, {mood}, {palette}: all from the brief
    editor.edit.setFocus()
    editor.edit.moveCursor(editor.edit.textCursor().MoveOperation.End)
    QTest.keyClicks(editor.edit, ", {moood}")
    assert not editor.problems.isHidden()
    text = editor.problems.text()
    assert "{moood} names no input" in text and "did you mean {mood}?" in text
    assert editor.problems.objectName() == "Error"
    assert colour_at(editor, "{moood}") == UNKNOWN_VARIABLE_COLOUR.name()
    assert colour_at(editor, "{subject}") != UNKNOWN_VARIABLE_COLOUR.name()
    # Fixing the typo clears the mark, without a run.
    for _ in range(3):
        QTest.keyClick(editor.edit, Qt.Key.Key_Backspace)
    QTest.keyClicks(editor.edit, "d}")
    assert editor.edit.toPlainText().endswith("{mood}")
    assert editor.problems.isHidden()


def test_a_variable_whose_input_is_not_connected_is_marked_and_cleared_by_a_wire(qtbot, window):
    prompt = window.add_node("text.prompt", (0.0, 0.0))
    window.document.graph.set_param(prompt, "template", "{a} and {subject}")
    window.scene.select_nodes([prompt])
    editor = window.inspector.editors["template"]
    text = editor.problems.text()
    assert "{a} is not set yet: connect the 'a' input" in text
    assert "{subject} is not set yet: connect a brief" in text
    assert editor.problems.objectName() == "Warning"
    brief = window.add_node("text.brief", (-400.0, 0.0))
    assert window.scene.connect_ports(brief, "brief", prompt, "brief")
    window.scene.select_nodes([prompt])
    editor = window.inspector.editors["template"]
    assert "{subject}" not in editor.problems.text() and "{a}" in editor.problems.text()
    assert window.scene.connect_ports(brief, "subject", prompt, "a")
    assert editor.problems.isHidden()


def test_image_to_video_size_follows_the_preset_unless_custom(qtbot, window):
    node = window.add_node("video.from_image", (0.0, 0.0))
    window.scene.select_nodes([node])
    editors = window.inspector.editors
    width, height, preset = editors["width"], editors["height"], editors["preset"]
    assert not width.isEnabled() and not height.isEnabled()
    assert (width.spin.value(), height.spin.value()) == (1920, 1080)
    assert "Set by the preset" in width.toolTip()
    # Choose the vertical preset with the keyboard, as a user would in the combo box.
    preset.combo.setFocus()
    index = preset.combo.findText("1080x1920")
    while preset.combo.currentIndex() < index:
        QTest.keyClick(preset.combo, Qt.Key.Key_Down)
    assert window.document.graph.nodes[node].params["preset"] == "1080x1920"
    assert (width.spin.value(), height.spin.value()) == (1080, 1920)
    # The shown size is the preset's; the node's own width/height params are not rewritten.
    assert "width" not in window.document.graph.nodes[node].params or (
        window.document.graph.nodes[node].params["width"] == 1280
    )
    index = preset.combo.findText("custom")
    while preset.combo.currentIndex() < index:
        QTest.keyClick(preset.combo, Qt.Key.Key_Down)
    assert width.isEnabled() and height.isEnabled()
    assert (width.spin.value(), height.spin.value()) == (1280, 720)  # its own values again
    window.document.undo_stack.undo()
    assert not width.isEnabled()
