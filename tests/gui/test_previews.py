"""Inline previews decode off the event loop and play in place."""

from __future__ import annotations

import pytest
from gui_helpers import write_mp4, write_png, write_wav
from PySide6.QtCore import QPointF, QSizeF, Qt

from studio.api import Artifact
from studio.engine.cache import file_digest
from studio.gui.previews import LIVE_PREVIEW, make_preview, preview_value
from studio.gui.previews.audio import AudioPreview
from studio.gui.previews.image import ImagePreview
from studio.gui.previews.media_player import multimedia_error
from studio.gui.previews.text import TextPreview
from studio.gui.previews.video import VideoPreview

SIZE = QSizeF(224, 120)


def artifact(path, kind, **meta):
    return Artifact(kind, path, file_digest(path), meta)


def test_preview_value_prefers_outputs_then_the_live_preview(qapp, registry):
    spec = registry.get("text.brief")
    assert preview_value(spec, {}) is None
    assert preview_value(spec, {LIVE_PREVIEW: "drafting"}) == "drafting"
    assert preview_value(spec, {"brief": "all", "subject": "s"}) == "all"
    assert isinstance(make_preview("hello", SIZE), TextPreview)


def test_long_text_scrolls_inside_its_box(qtbot, qloop):
    preview = TextPreview("\n".join(f"line {i}" for i in range(60)), SIZE)
    assert preview.wants_wheel
    top = preview.body.y()
    preview.scroll_by(-100)
    assert preview.body.y() == top - 100
    preview.scroll_by(-100_000)  # never past the end
    assert preview.body.y() + preview.body.boundingRect().height() >= SIZE.height() - 12
    assert not TextPreview("short", SIZE).wants_wheel


def test_image_thumbnail_loads_off_the_loop(qtbot, qloop, tmp_path):
    path = write_png(tmp_path / "wide.png", size=(800, 200), colour=(10, 200, 30))
    preview = make_preview([artifact(path, "image"), artifact(path, "image")], SIZE)
    assert isinstance(preview, ImagePreview) and preview.count == 2
    qtbot.waitUntil(lambda: preview.pixmap is not None, timeout=30_000)
    assert preview.pixmap.width() == 448 and preview.pixmap.height() == 112  # fit, 2x for DPI
    assert preview.pixmap.toImage().pixelColor(10, 10).green() == 200


def test_broken_image_shows_its_error(qtbot, qloop, tmp_path):
    path = tmp_path / "broken.png"
    path.write_bytes(b"not a png at all")
    preview = ImagePreview(artifact(path, "image"), SIZE)
    qtbot.waitUntil(lambda: bool(preview.error), timeout=30_000)
    assert "broken.png" in preview.error


def test_audio_waveform_is_drawn_from_the_samples(qtbot, qloop, tmp_path):
    path = write_wav(tmp_path / "ramp.wav", seconds=1.0)
    preview = AudioPreview(artifact(path, "audio"), SIZE)
    qtbot.waitUntil(lambda: preview.peaks is not None, timeout=30_000)
    peaks = preview.peaks
    assert preview.duration == pytest.approx(1.0, abs=0.02)
    assert peaks[-1] > 0.9 and peaks[0] < 0.15  # the tone swells from quiet to loud
    preview.seek(0.5)
    assert preview.start_fraction == 0.5


def test_video_poster_frame(qtbot, qloop, tmp_path):
    path = write_mp4(tmp_path / "clip.mp4")
    preview = VideoPreview(artifact(path, "video"), SIZE)
    qtbot.waitUntil(lambda: preview.poster is not None, timeout=30_000)
    assert preview.duration == pytest.approx(1.0, abs=0.1)
    first = preview.poster.toImage().pixelColor(
        preview.poster.width() // 2, preview.poster.height() // 2
    )
    assert first.red() > 200 and first.blue() < 60  # the first frame is red


@pytest.mark.skipif(bool(multimedia_error()), reason="QtMultimedia cannot load here")
def test_video_and_audio_play_in_place(qtbot, qloop, tmp_path):
    clip = VideoPreview(artifact(write_mp4(tmp_path / "clip.mp4", frames=48), "video"), SIZE)
    assert clip.toggle_playback()
    qtbot.waitUntil(lambda: clip.frame is not None, timeout=10_000)  # frames reach the item
    clip.player.seek(0.9, clip.duration)
    qtbot.waitUntil(lambda: clip.player.position_s() > 1.0, timeout=10_000)
    clip.dispose()
    sound = AudioPreview(artifact(write_wav(tmp_path / "tone.wav", seconds=2.0), "audio"), SIZE)
    sound.seek(0.5)
    assert sound.toggle_playback()
    qtbot.waitUntil(lambda: sound.player.position_s() >= 0.9, timeout=10_000)
    assert sound._fraction() >= 0.45
    sound.dispose()


def test_preview_clicks_reach_the_play_button(qtbot, window, tmp_path):
    path = write_wav(tmp_path / "tone.wav", seconds=1.0)
    window.add_files([path], QPointF(0, 0))
    (node_id,) = window.document.graph.nodes
    assert window.document.graph.nodes[node_id].type == "audio.load"
    window._save_to(tmp_path / "g.json")
    window.run_all()
    qtbot.waitUntil(lambda: window.states.get(node_id).state == "done", timeout=10_000)
    preview = window.scene.nodes[node_id].preview_item
    assert isinstance(preview, AudioPreview)
    qtbot.waitUntil(lambda: preview.peaks is not None, timeout=30_000)
    window.view.fit_all()
    button = preview.mapToScene(preview.bar.button.center())
    from PySide6.QtTest import QTest

    QTest.mouseClick(
        window.view.viewport(),
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
        window.view.mapFromScene(button),
    )
    if multimedia_error():
        assert "playback unavailable" in preview.error
    else:
        qtbot.waitUntil(
            lambda: preview.player is not None and preview.player.playing, timeout=10_000
        )
        preview.dispose()
