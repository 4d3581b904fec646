"""The creator's first hour, with the mouse only: from the welcome screen to an exported video.

The welcome screen shows at start; a click on the lighthouse card opens the template as a new
project; a click on Run renders it; the Export button, Browse and Export write the MP4 where the
user chose. The gallery here holds the real templates, the lighthouse one made small for speed
(every node and wire stays; only sizes, lengths and encoder effort shrink, as in
tests/test_templates.py), so the whole path runs in seconds.
"""

from __future__ import annotations

import json
import shutil

import av
import pytest
from dialog_driving import button_named, click, toolbar_button, when_shown
from gui_helpers import wait_idle
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog

from studio import templates
from studio.gui.export_dialog import ExportDialog
from studio.gui.welcome import WelcomeScreen, show_welcome

SMALL_LIGHTHOUSE = {  # node type -> params for speed (tests/test_templates.py's SMALL)
    "image.generate": {"width": 160, "height": 90},
    "video.from_image": {"duration": 0.5, "fps": "24"},
    "audio.music": {"duration": 2.0},
    "audio.speech": {"rate": 2.5},
    "compose.timeline": {
        "quality": "draft",
        "fps": "24",
        "clip_duration": 0.5,
        "transition_seconds": 0.1,
    },
    "export.video": {"quality": "draft"},
}


@pytest.fixture
def small_gallery(tmp_path, monkeypatch):
    """The real gallery, its lighthouse template made small."""
    folder = tmp_path / "templates"
    shutil.copytree(templates.templates_dir(), folder)
    path = folder / "lighthouse.json"
    data = json.loads(path.read_text("utf-8"))
    for node in data["nodes"].values():
        node["params"].update(SMALL_LIGHTHOUSE.get(node["type"], {}))
    data["nodes"]["narration_text"]["params"]["template"] = "{subject} keeps its watch."
    path.write_text(json.dumps(data), "utf-8")
    monkeypatch.setattr(templates, "templates_dir", lambda: folder)
    return folder


def facts(path) -> dict:
    with av.open(str(path)) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        frames = sum(1 for _ in container.decode(video))
        container.seek(0)
        samples = sum(f.samples for f in container.decode(audio))
        return {
            "video": video.codec_context.name,
            "audio": audio.codec_context.name,
            "size": (video.codec_context.width, video.codec_context.height),
            "picture_seconds": frames / float(video.average_rate),
            "sound_seconds": samples / audio.sample_rate,
        }


@pytest.mark.timeout(240)
def test_lighthouse_from_the_welcome_screen_to_an_mp4_with_the_mouse_only(
    qtbot, window, small_gallery, tmp_path, monkeypatch
):
    show_welcome(window)  # as the studio starts (studio/gui/app.py)
    qtbot.waitUntil(lambda: window.findChild(WelcomeScreen) is not None)
    screen = window.findChild(WelcomeScreen)
    qtbot.waitExposed(screen)
    card = next(c for c in screen.cards if c.title.text() == "Lighthouse explainer")
    QTest.mouseMove(card, QPoint(60, 60))
    QTest.mouseClick(card, Qt.MouseButton.LeftButton, pos=QPoint(60, 60))
    qtbot.waitUntil(lambda: len(window.document.graph.nodes) == 15)
    document = window.document
    assert document.path is None and document.project_dir is not None  # a new project

    click(toolbar_button(window, "run_all"))
    qtbot.waitUntil(lambda: window.runner.busy, timeout=30_000)
    wait_idle(qtbot, window, timeout=200_000)
    graph = document.graph
    not_done = {n: window.states.get(n).error for n in graph.nodes}
    not_done = {n: e for n, e in not_done.items() if window.states.get(n).state != "done"}
    assert not_done == {}
    rendered = document.project_dir / "lighthouse.mp4"  # Run All: the node's own file
    assert rendered.is_file()

    chosen = tmp_path / "out" / "My lighthouse.mp4"
    chosen.parent.mkdir()
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(chosen), ""))
    )

    def export(dialog: ExportDialog) -> None:
        assert dialog.node.currentData() == ("export", True)
        click(button_named(dialog, "Browse…"))
        click(button_named(dialog, "Export"))

    shown = when_shown(lambda w: isinstance(w, ExportDialog), export)
    click(toolbar_button(window, "export"))
    assert shown
    wait_idle(qtbot, window, timeout=60_000)
    assert window.states.get("export").state == "done", window.states.get("export").error
    assert graph.nodes["export"].params["path"] == "lighthouse.mp4"  # left as it was

    seen = facts(chosen)
    timeline = window.states.get("timeline").outputs["video"].meta
    narration = window.states.get("narration").outputs["audio"].meta
    assert (seen["video"], seen["audio"]) == ("h264", "aac")
    assert seen["size"] == (1280, 720)
    assert seen["picture_seconds"] == pytest.approx(timeline["duration"], abs=0.05)
    assert seen["sound_seconds"] == pytest.approx(seen["picture_seconds"], abs=0.1)
    assert seen["picture_seconds"] >= narration["duration"]  # the video fits the narration
