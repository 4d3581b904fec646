"""The inspector builds an editor for every param kind from the node's spec."""

from __future__ import annotations

from PySide6.QtGui import QColor

from studio.api import Capability, NodeSpec, Output, Param, PortType
from studio.gui.inspector import ProviderEditor
from studio.gui.param_editors import (
    BoolEditor,
    ChoiceEditor,
    ColorEditor,
    FileEditor,
    NumberEditor,
    SeedEditor,
    StringEditor,
    TextEditor,
)


async def _run(ctx, inputs, params):
    return {"text": ""}


EVERY_KIND = NodeSpec(
    id="test.every_kind",
    title="Every Kind",
    category="Test",
    version=1,
    run=_run,
    outputs=(Output("text", PortType.TEXT),),
    params=(
        Param.int("count", 3, help="A count.", minimum=1, maximum=9),
        Param.float("gain", 0.5, help="A gain.", minimum=0.0, maximum=2.0),
        Param.float("free", 1.5, help="No range."),
        Param.bool("loop", True, help="Loop?"),
        Param.string("name", "x", help="A name."),
        Param.text("template", "{subject} in {style}", help="A template."),
        Param.choice("mode", "b", ("a", "b", "c"), help="A mode."),
        Param.seed(help="A seed."),
        Param.file("picture", kinds=("image",), help="A picture."),
        Param.color("tint", "#1e90ff", help="A tint."),
        Param.provider(Capability.IMAGE),
    ),
)


def test_every_param_kind_gets_its_editor(qtbot, make_window):
    from studio.engine.registry import load_registry

    registry = load_registry()
    registry.register(EVERY_KIND, pack="tests")
    window = make_window(registry)
    node = window.add_node("test.every_kind", (0.0, 0.0))
    editors = window.inspector.editors
    kinds = {name: type(editor) for name, editor in editors.items()}
    assert kinds == {
        "count": NumberEditor,
        "gain": NumberEditor,
        "free": NumberEditor,
        "loop": BoolEditor,
        "name": StringEditor,
        "template": TextEditor,
        "mode": ChoiceEditor,
        "seed": SeedEditor,
        "picture": FileEditor,
        "tint": ColorEditor,
        "provider": ProviderEditor,
    }
    assert editors["count"].slider is not None and editors["free"].slider is None
    assert (editors["count"].spin.minimum(), editors["count"].spin.maximum()) == (1, 9)
    assert "Images (" in editors["picture"].file_filter()
    assert editors["tint"].button.text() == "#1e90ff"
    assert [editors["mode"].combo.itemText(i) for i in range(3)] == ["a", "b", "c"]
    assert editors["mode"].combo.currentText() == "b"
    params = window.document.graph.nodes[node].params

    editors["gain"].slider.setValue(750)  # three quarters of 0..2
    assert params["gain"] == 1.5 and editors["gain"].spin.value() == 1.5
    editors["loop"].box.setChecked(False)
    assert params["loop"] is False
    editors["mode"].combo.activated.emit(2)
    editors["mode"].combo.setCurrentIndex(2)
    assert params["mode"] == "c"
    editors["seed"].roll()
    rolled = params["seed"]
    assert rolled == editors["seed"].spin.value()
    editors["tint"].set_value("#ffffff")
    assert QColor(editors["tint"].value).lightness() == 255


def test_template_variables_are_highlighted_and_listed(qtbot, window):
    node = window.add_node("text.prompt", (0.0, 0.0))
    editor = window.inspector.editors["template"]
    editor.edit.setPlainText("{subject} at {{literal}} with {mood}")
    assert editor.uses.text() == "uses {subject}, {mood}"
    block = editor.edit.document().firstBlock()
    formats = [(f.start, f.length) for f in block.layout().formats()]
    assert (0, len("{subject}")) in formats
    assert all(start != 13 for start, _ in formats)  # {{literal}} is not a variable
    assert window.document.graph.nodes[node].params["template"].endswith("{mood}")


def test_provider_combo_shows_readiness_and_offers_add_key(qtbot, window):
    window.add_node("image.generate", (0.0, 0.0))
    editor = window.inspector.editors["provider"]
    ids = [editor.combo.itemData(i) for i in range(editor.combo.count())]
    assert ids[0] == "offline" and "fal" in ids
    qtbot.waitUntil(lambda: "fal" in editor.readiness, timeout=30_000)
    assert editor.readiness["offline"].ready
    assert not editor.readiness["fal"].ready  # the tests have no keys
    fal = ids.index("fal")
    assert "key" in editor.combo.itemText(fal)
    editor.combo.setCurrentIndex(fal)
    # The window's way to add a key, not the terminal's command.
    assert "Add key…" in editor.status.text() and "FAL_KEY" in editor.status.text()
    assert "studio keys" not in editor.status.text()
    asked = []
    window.inspector.key_requested.disconnect()
    window.inspector.key_requested.connect(asked.append)
    editor.status.linkActivated.emit("settings")
    assert asked == ["fal"]


def test_editors_follow_undo_and_selection(qtbot, window):
    a = window.add_node("text.brief", (0.0, 0.0))
    window.inspector.editors["mood"].line.setText("stormy")
    window.inspector.editors["mood"].line.textEdited.emit("stormy")
    assert window.document.graph.nodes[a].params["mood"] == "stormy"
    window.document.undo_stack.undo()
    assert window.inspector.editors["mood"].line.text() == "calm, hopeful"
    window.scene.clearSelection()
    assert window.inspector.editors == {}


def test_string_with_suggestions_offers_them_and_takes_free_text(qtbot, window):
    node = window.add_node("audio.speech", (0.0, 0.0))
    editor = window.inspector.editors["voice"]
    spec = window.registry.get("audio.speech")
    offered = [editor.combo.itemText(i) for i in range(editor.combo.count())]
    assert offered == list(spec.param("voice").suggestions)
    editor.combo.activated.emit(1)
    assert window.document.graph.nodes[node].params["voice"] == offered[1]
    editor.line.setText("Rachel")
    editor.line.textEdited.emit("Rachel")  # an ElevenLabs voice, typed
    assert window.document.graph.nodes[node].params["voice"] == "Rachel"


def test_typing_a_decimal_into_a_float_editor_keeps_every_key(qtbot, window):
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QKeySequence
    from PySide6.QtTest import QTest

    node = window.add_node("image.title_card", (0.0, 0.0))
    spin = window.inspector.editors["dim"].spin
    spin.setFocus()
    QTest.keySequence(spin, QKeySequence.StandardKey.SelectAll)
    QTest.keyClicks(spin, "0.8")  # "0" is a valid value already: its echo must not eat "."
    QTest.keyClick(spin, Qt.Key.Key_Return)
    assert spin.text() == "0.800"
    assert window.document.graph.nodes[node].params["dim"] == 0.8
