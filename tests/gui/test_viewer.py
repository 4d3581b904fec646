"""The viewer: a double-click on a preview or Space on a node shows the result full size; video
plays, steps and scrubs (frames decoded by PyAV off the event loop), images zoom to 100 % and pan,
audio scrubs on its waveform, one player plays at a time, and a result can be revealed, copied
and its path taken."""

from __future__ import annotations

from pathlib import Path

import pytest
from gui_helpers import wait_idle, write_mp4, write_png, write_wav
from PySide6.QtCore import QObject, QPoint, QPointF, Qt, QUrl, Slot
from PySide6.QtGui import QContextMenuEvent, QDesktopServices
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMenu

from studio.gui.previews.media_player import multimedia_error
from studio.gui.viewer.sound import sound_unavailable_reason

LEFT, NONE = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier


def loaded_node(qtbot, window, path: Path) -> str:
    """A load node for `path`, run, its preview ready (as a user drops a file and runs)."""
    window.add_files([path], QPointF(0, 0))
    (node_id,) = window.document.graph.nodes
    window._save_to(path.parent / "graph.json")
    window.run_all()
    wait_idle(qtbot, window)
    assert window.states.get(node_id).state == "done"
    preview = window.scene.nodes[node_id].preview_item
    for ready in ("poster", "pixmap", "peaks"):
        if hasattr(preview, ready):
            qtbot.waitUntil(lambda r=ready: getattr(preview, r) is not None, timeout=30_000)
    window.view.fit_all()
    return node_id


def double_click_preview(window, node_id: str) -> None:
    preview = window.scene.nodes[node_id].preview_item
    centre = preview.mapToScene(preview.boundingRect().center() - QPointF(0, 20))
    QTest.mouseDClick(window.view.viewport(), LEFT, NONE, window.view.mapFromScene(centre))


def colour_at_centre(qtbot, page) -> tuple[int, int, int]:
    """The colour in the middle of the picture on screen, once the frame shown is painted."""
    qtbot.waitUntil(lambda: page.view.painted_image is page.frame.image, timeout=10_000)
    image = page.view.painted_image
    colour = image.pixelColor(image.width() // 2, image.height() // 2)
    return colour.red(), colour.green(), colour.blue()


def settle(qtbot, ms: int = 300) -> None:
    qtbot.wait(ms)


@pytest.fixture
def video_page(qtbot, window, tmp_path):
    """The viewer showing a 2 s clip (48 frames at 24 fps, red to blue), first frame on screen."""
    node_id = loaded_node(qtbot, window, write_mp4(tmp_path / "clip.mp4", frames=48))
    double_click_preview(window, node_id)
    page = window.viewer.panel.video_page
    qtbot.waitUntil(lambda: page.view.painted_image is not None, timeout=30_000)
    return page


def test_a_double_click_on_a_video_preview_shows_its_first_frame_in_the_viewer(
    qtbot, window, tmp_path
):
    node_id = loaded_node(qtbot, window, write_mp4(tmp_path / "clip.mp4", frames=48))
    assert not window.viewer.dock.isVisible()
    double_click_preview(window, node_id)
    panel = window.viewer.panel
    assert window.viewer.dock.isVisible() and panel.stack.currentWidget() is panel.video_page
    page = panel.video_page
    assert page.view.loading  # the spinner shows until the worker's first frame arrives
    qtbot.waitUntil(lambda: page.view.painted_image is not None, timeout=30_000)
    assert not page.view.loading and page.frame.index == 0
    red, _green, blue = colour_at_centre(qtbot, page)
    assert red > 200 and blue < 60  # the clip's first frame is red
    assert page.first_frame_seconds is not None
    assert page.view.painted_image.size().toTuple() == (160, 96)  # never scaled up when decoded
    assert page.time_label.text() == "0:00.00 / 0:02.00  ·  frame 1 of 48"
    assert panel.title.text() == "Load Video"
    assert page.hasFocus()  # Space now plays the clip


def test_space_j_k_l_and_arrows_drive_the_video(qtbot, video_page):
    page = video_page
    QTest.keyClick(page, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: page.frame.index == 1, timeout=10_000)
    QTest.keyClick(page, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)  # a second on
    qtbot.waitUntil(lambda: page.frame.index == 25, timeout=10_000)
    QTest.keyClick(page, Qt.Key.Key_Left)
    qtbot.waitUntil(lambda: page.frame.index == 24, timeout=10_000)
    QTest.keyClick(page, Qt.Key.Key_Home)
    qtbot.waitUntil(lambda: page.frame.index == 0, timeout=10_000)

    QTest.keyClick(page, Qt.Key.Key_Space)  # play
    assert page.playing and page.rate == 1.0
    qtbot.waitUntil(lambda: page.frame.index >= 12, timeout=10_000)
    QTest.keyClick(page, Qt.Key.Key_K)  # pause: the picture stays where it is
    assert not page.playing
    settle(qtbot)
    stopped = page.frame.index
    settle(qtbot)
    assert page.frame.index == stopped

    QTest.keyClick(page, Qt.Key.Key_L)
    QTest.keyClick(page, Qt.Key.Key_L)  # L again: twice the speed
    assert page.playing and page.rate == 2.0 and page.rate_label.text() == "2×"
    QTest.keyClick(page, Qt.Key.Key_J)  # J: backwards
    assert page.rate == -1.0
    turned = page.frame.index
    qtbot.waitUntil(lambda: page.frame.index < turned - 3, timeout=10_000)
    QTest.keyClick(page, Qt.Key.Key_Space)
    assert not page.playing
    QTest.keyClick(page, Qt.Key.Key_End)
    qtbot.waitUntil(lambda: page.frame.index == 47, timeout=10_000)
    red, _green, blue = colour_at_centre(qtbot, page)
    assert blue > 200 and red < 60  # the last frame is blue
    QTest.keyClick(page, Qt.Key.Key_Space)  # at the end, play starts over
    qtbot.waitUntil(lambda: not page.playing, timeout=10_000)  # ...and stops at the end again
    assert page.frame.index == 47 and page.frame.last


def test_the_transport_buttons_step_and_play(qtbot, video_page):
    page = video_page
    QTest.mouseClick(page.forward_button, LEFT)
    QTest.mouseClick(page.forward_button, LEFT)
    qtbot.waitUntil(lambda: page.frame.index == 2, timeout=10_000)
    QTest.mouseClick(page.back_button, LEFT)
    qtbot.waitUntil(lambda: page.frame.index == 1, timeout=10_000)
    QTest.mouseClick(page.play_button, LEFT)
    assert page.playing and page.play_button.accessibleName() == "pause"
    QTest.mouseClick(page.play_button, LEFT)
    assert not page.playing and page.play_button.accessibleName() == "play"


def test_frames_follow_the_viewer_size_whatever_its_width(qtbot, window, tmp_path):
    node_id = loaded_node(
        qtbot, window, write_mp4(tmp_path / "wide.mp4", frames=4, size=(640, 360))
    )
    double_click_preview(window, node_id)
    page = window.viewer.panel.video_page
    qtbot.waitUntil(lambda: page.view.painted_image is not None, timeout=30_000)
    dock = window.viewer.dock
    dock.setFloating(True)
    for width in (531, 547, 613):  # rows FFmpeg pads when scaled to these widths
        dock.resize(width, 480)
        qtbot.waitUntil(
            lambda: page.frame is not None and page.frame.image.width() < 640, timeout=10_000
        )
        assert page.error == ""
        image = page.frame.image
        assert image.width() <= page.view.width() and image.width() % 16 == 0
        assert abs(image.width() / image.height() - 640 / 360) < 0.02  # the shape is kept
        red, _green, blue = colour_at_centre_of(image)
        assert red > 200 and blue < 60
        dock.resize(900, 700)  # back to full size, so the next width decodes anew
        qtbot.waitUntil(lambda: page.frame.image.width() == 640, timeout=10_000)


def colour_at_centre_of(image) -> tuple[int, int, int]:
    colour = image.pixelColor(image.width() // 2, image.height() // 2)
    return colour.red(), colour.green(), colour.blue()


def test_dragging_the_scrub_bar_shows_the_frame_under_the_mouse(qtbot, video_page):
    page = video_page
    bar = page.scrub
    y = bar.height() // 2
    QTest.mousePress(bar, LEFT, NONE, QPoint(int(bar.x_for(0.5)), y))
    QTest.mouseMove(bar, QPoint(int(bar.x_for(1.0)), y))
    QTest.mouseMove(bar, QPoint(int(bar.x_for(1.5)), y))
    QTest.mouseRelease(bar, LEFT, NONE, QPoint(int(bar.x_for(1.5)), y))
    qtbot.waitUntil(lambda: page.frame.index == 36, timeout=10_000)  # 1.5 s at 24 fps
    assert page.time_label.text().startswith("0:01.50 / 0:02.00")
    red, _green, blue = colour_at_centre(qtbot, page)
    assert blue > red  # three quarters of the way from red to blue


@pytest.mark.skipif(not multimedia_error(), reason="QtMultimedia can play here")
def test_without_a_sound_system_the_viewer_says_so_and_plays_the_picture(qtbot, window, tmp_path):
    node_id = loaded_node(qtbot, window, write_mp4_with_sound(tmp_path / "talk.mp4"))
    double_click_preview(window, node_id)
    page = window.viewer.panel.video_page
    qtbot.waitUntil(lambda: page.view.painted_image is not None, timeout=30_000)
    qtbot.waitUntil(lambda: page.sound is not None, timeout=10_000)
    note = page.sound_label.text()
    assert note == sound_unavailable_reason() + " The picture plays without it."
    assert "libpulse" in note and "apt install libpulse0" in note
    QTest.keyClick(page, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: page.frame.index > 10, timeout=10_000)  # silent, but it plays


@pytest.mark.skipif(bool(multimedia_error()), reason="QtMultimedia cannot load here")
def test_a_clip_with_sound_plays_it_with_the_picture(qtbot, window, tmp_path):
    node_id = loaded_node(qtbot, window, write_mp4_with_sound(tmp_path / "talk.mp4"))
    double_click_preview(window, node_id)
    page = window.viewer.panel.video_page
    qtbot.waitUntil(lambda: page.sound is not None, timeout=30_000)
    assert page.sound.available and not page.sound_label.isVisible()
    QTest.keyClick(page, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: page.sound.position_s() > 0.5, timeout=10_000)
    assert abs(page.clock.now() - page.sound.position_s()) < 0.3  # the picture follows it
    QTest.keyClick(page, Qt.Key.Key_K)
    assert not page.sound.playing


def test_space_on_a_selected_image_node_opens_it_at_100_percent_and_it_pans(
    qtbot, window, tmp_path
):
    big = write_png(tmp_path / "wide.png", size=(2400, 1600), colour=(20, 140, 220))
    node_id = loaded_node(qtbot, window, big)
    window.scene.select_nodes([node_id])
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key.Key_Space)
    panel = window.viewer.panel
    assert window.viewer.dock.isVisible() and panel.stack.currentWidget() is panel.image_page
    page = panel.image_page
    qtbot.waitUntil(lambda: page.image is not None, timeout=30_000)
    assert page.info_label.text() == "2400×1600"
    canvas = page.canvas
    assert canvas.fitted and canvas.zoom < 0.5  # the whole picture fits first
    QTest.keyClick(page, Qt.Key.Key_1)
    assert canvas.zoom == pytest.approx(1.0) and page.zoom_label.text() == "100 %"
    before = (canvas.horizontalScrollBar().value(), canvas.verticalScrollBar().value())
    viewport = canvas.viewport()
    start = viewport.rect().center()
    QTest.mousePress(viewport, LEFT, NONE, start)
    for step in range(1, 6):
        QTest.mouseMove(viewport, start + QPoint(-40 * step, -30 * step))
    QTest.mouseRelease(viewport, LEFT, NONE, start + QPoint(-200, -150))
    after = (canvas.horizontalScrollBar().value(), canvas.verticalScrollBar().value())
    assert after[0] > before[0] + 100 and after[1] > before[1] + 100  # dragged left-up: panned
    QTest.keyClick(page, Qt.Key.Key_F)
    assert canvas.fitted and canvas.zoom < 0.5
    QTest.mouseClick(page.actual_button, LEFT)
    assert canvas.zoom == pytest.approx(1.0)


def test_space_held_for_a_drag_pans_the_canvas_and_does_not_open_the_viewer(
    qtbot, window, tmp_path
):
    node_id = loaded_node(qtbot, window, write_png(tmp_path / "p.png"))
    window.scene.select_nodes([node_id])
    view = window.view
    view.setFocus()
    QTest.keyPress(view, Qt.Key.Key_Space)
    centre = view.viewport().rect().center()
    QTest.mousePress(view.viewport(), LEFT, NONE, centre)
    QTest.mouseMove(view.viewport(), centre + QPoint(80, 0))
    QTest.mouseRelease(view.viewport(), LEFT, NONE, centre + QPoint(80, 0))
    QTest.keyRelease(view, Qt.Key.Key_Space)
    assert not window.viewer.dock.isVisible()


def test_the_audio_waveform_scrubs_and_says_when_sound_cannot_play(qtbot, window, tmp_path):
    node_id = loaded_node(qtbot, window, write_wav(tmp_path / "tone.wav", seconds=2.0))
    double_click_preview(window, node_id)
    panel = window.viewer.panel
    page = panel.audio_page
    assert panel.stack.currentWidget() is page
    qtbot.waitUntil(lambda: page.wave.peaks is not None, timeout=30_000)
    assert page.wave.peaks[-1] > 0.9 and page.wave.peaks[0] < 0.15  # the tone swells
    wave = page.wave
    y = wave.height() // 2
    QTest.mousePress(wave, LEFT, NONE, QPoint(wave.width() // 4, y))
    QTest.mouseMove(wave, QPoint(wave.width() // 2, y))
    assert page.position == pytest.approx(1.0, abs=0.02)
    assert page.time_label.text() == "0:01.00 / 0:02.00"
    QTest.mouseRelease(wave, LEFT, NONE, QPoint(wave.width() // 2, y))
    QTest.keyClick(page, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    assert page.position == pytest.approx(2.0, abs=0.02)
    if multimedia_error():
        assert not page.play_button.isEnabled()
        assert page.sound_label.text() == sound_unavailable_reason()
    else:
        QTest.keyClick(page, Qt.Key.Key_Home)
        QTest.keyClick(page, Qt.Key.Key_Space)
        qtbot.waitUntil(lambda: page.position > 0.3, timeout=10_000)  # the playhead follows


@pytest.mark.skipif(bool(multimedia_error()), reason="QtMultimedia cannot load here")
def test_one_player_plays_at_a_time(qtbot, window, tmp_path):
    clip_node = loaded_node(qtbot, window, write_mp4(tmp_path / "clip.mp4", frames=96))
    sound = write_wav(tmp_path / "tone.wav", seconds=4.0)
    window.add_files([sound], QPointF(400, 0))
    sound_node = next(n for n in window.document.graph.nodes if n != clip_node)
    window.run_all()
    wait_idle(qtbot, window)
    double_click_preview(window, clip_node)
    page = window.viewer.panel.video_page
    qtbot.waitUntil(lambda: page.view.painted_image is not None, timeout=30_000)
    QTest.keyClick(page, Qt.Key.Key_Space)
    assert page.playing
    inline = window.scene.nodes[sound_node].preview_item
    window.view.fit_all()
    button = window.view.mapFromScene(inline.mapToScene(inline.bar.button.center()))
    QTest.mouseClick(window.view.viewport(), LEFT, NONE, button)  # the inline ▶
    qtbot.waitUntil(lambda: inline.player is not None and inline.player.playing, timeout=10_000)
    assert not page.playing  # the viewer stopped for it
    page.setFocus()
    QTest.keyClick(page, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not inline.player.playing, timeout=10_000)  # and the other way round
    assert page.playing


def test_a_result_is_revealed_copied_and_its_path_taken_from_a_right_click(qtbot, window, tmp_path):
    picture = write_png(tmp_path / "picture.png", size=(64, 48))
    node_id = loaded_node(qtbot, window, picture)
    artifact = window.states.get(node_id).outputs["image"]
    item = window.scene.nodes[node_id]
    at = window.view.mapFromScene(item.mapToScene(item.preview_rect.center()))
    menu = right_click(window.view.viewport(), at)
    names = [a.text() for a in menu.actions() if a.text()]
    assert names[-4:] == ["View Result (Space)", "Reveal in Folder", "Save a Copy As…", "Copy Path"]

    action(menu, "Copy Path").trigger()
    assert QApplication.clipboard().text() == str(artifact.path)

    opened: list[str] = []
    catcher = UrlCatcher(opened)
    QDesktopServices.setUrlHandler("file", catcher, "open_url")
    try:
        action(right_click(window.view.viewport(), at), "Reveal in Folder").trigger()
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert opened == [artifact.path.parent.as_uri()]

    target = tmp_path / "out" / "mine"
    target.parent.mkdir()
    asked: list[Path] = []
    window.viewer.actions.ask_path = lambda parent, suggested: (
        asked.append(suggested) or str(target)
    )
    action(right_click(window.view.viewport(), at), "Save a Copy As…").trigger()
    copy = target.with_suffix(artifact.path.suffix)
    qtbot.waitUntil(copy.exists, timeout=30_000)
    assert copy.read_bytes() == artifact.path.read_bytes()
    assert asked == [Path.home() / artifact.path.name]
    assert not list(target.parent.glob(".*.tmp"))  # written atomically, nothing left over
    # A copy keeps its bytes, so it is never named as another format (a PNG called .jpg).
    messages: list[str] = []
    window.viewer.actions.notify = messages.append
    window.viewer.actions.ask_path = lambda parent, suggested: str(target.with_suffix(".jpg"))
    action(right_click(window.view.viewport(), at), "Save a Copy As…").trigger()
    assert messages and messages[-1].startswith("Not saved: a copy stays PNG")
    assert not target.with_suffix(".jpg").exists()

    action(right_click(window.view.viewport(), at), "View Result (Space)").trigger()
    page = window.viewer.panel.image_page
    qtbot.waitUntil(lambda: page.image is not None, timeout=30_000)
    viewer_menu = right_click(page, page.rect().center())  # the same actions in the viewer
    assert [a.text() for a in viewer_menu.actions()] == [
        "Reveal in Folder",
        "Save a Copy As…",
        "Copy Path",
    ]


def test_the_viewer_follows_its_node_stale_after_an_edit_new_after_a_run(qtbot, window):
    card = window.add_node("image.title_card", (0.0, 0.0))
    window.inspector.editors["width"].spin.setValue(320)
    window.inspector.editors["height"].spin.setValue(180)
    window.run_all()
    wait_idle(qtbot, window)
    window.viewer.open_node(card)
    page = window.viewer.panel.image_page
    qtbot.waitUntil(lambda: page.image is not None, timeout=30_000)
    first = page.artifacts[0].digest
    window.inspector.editors["font_size"].spin.setValue(40)
    assert window.viewer.panel.stale_label.isVisible()
    assert page.artifacts[0].digest == first  # the old picture stays until the re-run
    window.run_all()
    wait_idle(qtbot, window)
    assert not window.viewer.panel.stale_label.isVisible()
    assert page.artifacts[0].digest != first


def test_text_results_show_in_full(qtbot, window):
    brief = window.add_node("text.brief", (0.0, 0.0))
    window.run_all()
    wait_idle(qtbot, window)
    double_click_preview(window, brief)
    panel = window.viewer.panel
    assert panel.stack.currentWidget() is panel.text
    assert panel.text.toPlainText().startswith("subject: a lighthouse on a cliff at dusk")
    assert panel.output_combo.isVisible()  # the brief has five text outputs to choose from
    panel.output_combo.setCurrentText("mood")
    assert panel.text.toPlainText() == "calm, hopeful"


# -- helpers -------------------------------------------------------------------------------------
class UrlCatcher(QObject):
    """Stands in for the file manager: QDesktopServices hands it the URLs it would open."""

    def __init__(self, into: list[str]) -> None:
        super().__init__()
        self.into = into

    @Slot(QUrl)
    def open_url(self, url: QUrl) -> None:
        self.into.append(url.toString())


def right_click(widget, pos: QPoint) -> QMenu:
    """Right-click as the window system does (a context-menu event); the menu that pops up."""
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, pos, widget.mapToGlobal(pos))
    QApplication.sendEvent(widget, event)
    menu = QApplication.activePopupWidget()
    assert isinstance(menu, QMenu)
    menu.close()
    return menu


def action(menu: QMenu, text: str):
    return next(a for a in menu.actions() if a.text() == text)


def write_mp4_with_sound(path: Path, seconds: float = 2.0) -> Path:
    """An H.264 + AAC clip: a grey picture and a 440 Hz tone."""
    import av
    import numpy as np

    rate, fps = 48_000, 24
    with av.open(str(path), "w") as container:
        video = container.add_stream("libx264", rate=fps)
        video.width, video.height, video.pix_fmt = 160, 96, "yuv420p"
        audio = container.add_stream("aac", rate=rate)
        picture = np.full((96, 160, 3), 128, dtype=np.uint8)
        for _ in range(int(seconds * fps)):
            for packet in video.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")):
                container.mux(packet)
        t = np.arange(int(seconds * rate)) / rate
        tone = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
        for start in range(0, tone.size, 1024):
            frame = av.AudioFrame.from_ndarray(
                tone[start : start + 1024].reshape(1, -1), format="fltp", layout="mono"
            )
            frame.sample_rate = rate
            for packet in audio.encode(frame):
                container.mux(packet)
        for stream in (video, audio):
            for packet in stream.encode():
                container.mux(packet)
    return path
