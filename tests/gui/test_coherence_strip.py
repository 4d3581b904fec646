"""The coherence check's strip in the window: one row per modality coloured by mood, the clash
marked on its segment, and a suggestion applied with one click (one undoable edit) only when
chosen."""

from __future__ import annotations

from gui_helpers import wait_idle
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QStyleOptionGraphicsItem

from studio.gui.previews.coherence_strip import CoherenceStripItem, mood_colour

WORDS = "The tide comes in. The boats sit in the harbour. The lamps are lit along the quay."


def build(window) -> dict[str, str]:
    graph = window.document.graph
    ids: dict[str, str] = {}
    pictures = (
        "waves on the sea at night, moon and stars",
        "a desert at noon, golden sand",
        "a dark forest at night",
    )
    ids["check"] = window.add_node("check.coherence", (900.0, 300.0))
    graph.set_param(ids["check"], "fit_to_narration", False)
    graph.set_param(ids["check"], "clip_duration", 4.0)
    for n, text in enumerate(pictures, start=1):
        prompt = window.add_node("text.prompt", (0.0, 300.0 * n))
        graph.set_param(prompt, "template", text)
        image = window.add_node("image.generate", (300.0, 300.0 * n))
        graph.set_param(image, "width", 320)
        graph.set_param(image, "height", 180)
        graph.set_param(image, "seed", 2)
        assert window.scene.connect_ports(prompt, "text", image, "prompt")
        assert window.scene.connect_ports(image, "image", ids["check"], "clips")
        if n == 2:
            brief = window.add_node("text.brief", (-300.0, 600.0))
            graph.set_param(brief, "mood", "happy")
            graph.set_param(brief, "palette", "amber, gold")
            assert window.scene.connect_ports(brief, "brief", image, "brief")
    ids["mood"] = window.add_node("text.prompt", (0.0, 1300.0))
    graph.set_param(ids["mood"], "template", "somber, sad")
    ids["music"] = window.add_node("audio.music", (300.0, 1300.0))
    graph.set_param(ids["music"], "duration", 12.0)
    assert window.scene.connect_ports(ids["mood"], "text", ids["music"], "prompt")
    assert window.scene.connect_ports(ids["music"], "audio", ids["check"], "music")
    words = window.add_node("text.prompt", (0.0, 1600.0))
    graph.set_param(words, "template", WORDS)
    assert window.scene.connect_ports(words, "text", ids["check"], "captions")
    return ids


def paint(item) -> QImage:
    size = item.boundingRect().size().toSize()
    image = QImage(size, QImage.Format.Format_ARGB32)
    image.fill(0)
    painter = QPainter(image)
    item.paint(painter, QStyleOptionGraphicsItem(), None)
    painter.end()
    return image


def test_the_strip_marks_the_mismatched_segment_and_applies_a_suggestion_on_click(qtbot, window):
    ids = build(window)
    window.run_all()
    wait_idle(qtbot, window, timeout=120_000)
    assert window.states.get(ids["check"]).state == "done", window.states.get(ids["check"]).error
    strip = window.scene.nodes[ids["check"]].preview_item
    assert isinstance(strip, CoherenceStripItem)
    report = strip.report
    assert report["flagged_segments"] == [2], strip.strip.text
    segments = report["segments"]
    # The cells are painted in their mood's colour: amber for the happy desert, blue for the
    # somber music under it.
    picture = paint(strip)
    for row, name in enumerate(("picture", "music")):
        cell = strip.cell_rect(segments[1], row).center().toPoint()
        mood = segments[1][name]
        assert picture.pixel(cell) == mood_colour(mood["valence"], mood["energy"]).rgba()
    assert mood_colour(segments[1]["picture"]["valence"], 0).hue() == 36
    assert mood_colour(segments[1]["music"]["valence"], 0).hue() == 212
    assert "1 mismatch in segment 2" in strip.toolTip()

    # Nothing changed by itself; the menu of segment 2 offers the edits this graph allows.
    assert window.document.graph.nodes[ids["mood"]].params["template"] == "somber, sad"
    menu = strip.segment_menu(segments[1])
    texts = {a.text(): a for a in menu.actions() if a.text()}
    enabled = [t for t, a in texts.items() if a.isEnabled()]
    assert f"Set the music's prompt to 'joyful' (node {ids['mood']})" in enabled
    assert (
        "Set the mood of the music's brief to 'joyful' — nothing is connected to the brief "
        f"of node {ids['music']}" in texts
    )
    assert not texts[
        "Set the mood of the music's brief to 'joyful' — nothing is connected to the brief "
        f"of node {ids['music']}"
    ].isEnabled()
    texts[f"Set the music's prompt to 'joyful' (node {ids['mood']})"].trigger()
    assert window.document.graph.nodes[ids["mood"]].params["template"] == "joyful"
    assert window.statusBar().currentMessage().startswith("Set the music's prompt to 'joyful'")
    window.document.undo_stack.undo()
    assert window.document.graph.nodes[ids["mood"]].params["template"] == "somber, sad"
    # A coherent segment says so.
    quiet = strip.segment_menu(segments[0])
    assert next(a.text() for a in quiet.actions()) == "Segment 1: coherent"
