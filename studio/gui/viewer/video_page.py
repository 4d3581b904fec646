"""The viewer's video player: frames from PyAV on a worker thread, sound through QtMultimedia.

Keys (Resolve's): Space plays or pauses; L plays forward (again: 2x, 4x, 8x), J backwards,
K pauses; Left/Right step one frame; Shift+Left/Right one second; Home/End jump to the ends.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from studio.gui.previews.media_player import take_turn
from studio.gui.viewer.decoder import Frame, PlaybackClock, VideoDecoder, VideoInfo
from studio.gui.viewer.sound import SoundTrack
from studio.gui.viewer.widgets import FrameView, ScrubBar, clock_text, set_icon, tool_button

if TYPE_CHECKING:
    from studio.api import Artifact

MAX_RATE = 8.0
SLOW_ANSWER_MS = 200  # a frame asked for and not there by then: the spinner shows
SOUND_SYNC_MS = 200


class VideoPage(QWidget):
    first_frame_shown = Signal(float)  # seconds from load() to the first frame on screen

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.view = FrameView()
        self.scrub = ScrubBar()
        self.play_button = tool_button("Play", "Play or pause (Space; J, K, L)", "play")
        self.back_button = tool_button("Back", "One frame back (Left)", "frame-back")
        self.forward_button = tool_button("Forward", "One frame forward (Right)", "frame-forward")
        self.time_label = QLabel("0:00.00 / 0:00.00")
        self.rate_label = QLabel("")
        self.sound_label = QLabel("")
        self.sound_label.setWordWrap(True)
        self.sound_label.setObjectName("ViewerNote")
        controls = QHBoxLayout()
        for widget in (self.back_button, self.play_button, self.forward_button):
            controls.addWidget(widget)
        controls.addStretch(1)
        controls.addWidget(self.rate_label)
        controls.addWidget(self.time_label)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.view, 1)
        column.addWidget(self.scrub)
        column.addLayout(controls)
        column.addWidget(self.sound_label)
        self.play_button.clicked.connect(self.toggle_playback)
        self.back_button.clicked.connect(lambda: self.step(-1))
        self.forward_button.clicked.connect(lambda: self.step(1))
        self.scrub.scrubbed.connect(self.seek)
        self.clock = PlaybackClock()
        self.decoder: VideoDecoder | None = None
        self.sound: SoundTrack | None = None
        self.info: VideoInfo | None = None
        self.artifact: Artifact | None = None
        self.frame: Frame | None = None
        self.playing = False
        self.rate = 0.0
        self.error = ""
        self._serial = 0  # frames answering older commands are dropped
        self._loaded_at = 0.0
        self.first_frame_seconds: float | None = None
        self._resize_timer = QTimer(self)
        self._resize_timer.setSingleShot(True)
        self._resize_timer.setInterval(120)
        self._resize_timer.timeout.connect(self._resized)
        self._slow = QTimer(self)  # a seek far from a keyframe can take a while: show it
        self._slow.setSingleShot(True)
        self._slow.setInterval(SLOW_ANSWER_MS)
        self._slow.timeout.connect(self._still_waiting)
        self._sync_timer = QTimer(self)
        self._sync_timer.setInterval(SOUND_SYNC_MS)
        self._sync_timer.timeout.connect(self._follow_sound)

    # -- loading ----------------------------------------------------------------------------------
    def load(self, artifact: Artifact) -> None:
        """Show a video: the first frame as soon as it is decoded, a spinner until then."""
        self.unload()
        self.artifact = artifact
        self._loaded_at = time.perf_counter()
        self.first_frame_seconds = None
        self.error = ""
        self.view.set_message("")
        self.view.set_image(None)
        self.view.set_loading(True)
        duration = float(artifact.meta.get("duration", 0.0) or 0.0)
        self.scrub.set_duration(duration)
        self.scrub.set_position(0.0)
        self.clock = PlaybackClock()
        self.decoder = VideoDecoder(artifact.path, self.clock, self._target_size())
        signals, queued = self.decoder.signals, Qt.ConnectionType.QueuedConnection
        signals.opened.connect(self._opened, queued)
        signals.frame_ready.connect(self._frame, queued)
        signals.failed.connect(self._failed, queued)
        signals.ended.connect(self._ended, queued)
        self._serial = self.decoder.serial + 1  # start() sends the first command
        self.decoder.start()

    def unload(self) -> None:
        """Stop playing and let the decoder's thread end (the viewer shows something else)."""
        self.pause()
        if self.decoder is not None:
            signals = self.decoder.signals
            for signal, slot in (
                (signals.opened, self._opened),
                (signals.frame_ready, self._frame),
                (signals.failed, self._failed),
                (signals.ended, self._ended),
            ):
                signal.disconnect(slot)
            self.decoder.close()
            self.decoder = None
        if self.sound is not None:
            self.sound.close()
            self.sound.deleteLater()
            self.sound = None
        self.info, self.frame, self.artifact = None, None, None
        self.view.set_loading(False)

    def _opened(self, info: VideoInfo) -> None:
        if self.artifact is None:
            return
        self.info = info
        self.scrub.set_duration(info.duration)
        self.sound = SoundTrack(self.artifact.path, info.has_audio, self)
        self._show_sound_note()
        # A label of fixed size: a new text every frame would otherwise lay the dock out again
        # every frame (half the window's work while playing).
        longest = _time_text(info.duration, info.duration, info.frames, info.frames)
        metrics = self.time_label.fontMetrics()
        self.time_label.setFixedSize(
            metrics.horizontalAdvance(longest.replace("1", "0")) + 8,
            self.time_label.sizeHint().height(),
        )
        self._update_time()

    def _show_sound_note(self) -> None:
        if self.sound is None:
            return
        note = self.sound.reason
        if note and self.info is not None and self.info.has_audio:
            note += " The picture plays without it."
        self.sound_label.setText(note)
        self.sound_label.setVisible(bool(note))

    def _frame(self, frame: Frame) -> None:
        if frame.serial < self._serial or self.decoder is None:
            return  # an answer to an older command (scrubbing moved on)
        self.frame = frame
        self.view.set_image(frame.image)
        if self.view.loading and self.first_frame_seconds is not None:
            self.view.set_loading(False)
        if self.first_frame_seconds is None:
            self.view.set_loading(False)
            self.view.repaint()  # on screen now, so the figure below is what the user sees
            self.first_frame_seconds = time.perf_counter() - self._loaded_at
            self.first_frame_shown.emit(self.first_frame_seconds)
        self.scrub.set_position(frame.time)
        self._update_time()

    def _failed(self, message: str) -> None:
        self.error = f"Cannot play {message}"
        self.view.set_loading(False)
        self.view.set_message(self.error)
        self.pause()

    def _ended(self, serial: int) -> None:
        if serial >= self._serial:
            self.pause()

    # -- transport --------------------------------------------------------------------------------
    @property
    def position(self) -> float:
        return self.frame.time if self.frame is not None else 0.0

    def toggle_playback(self) -> None:
        if self.playing:
            self.pause()
        else:
            self.play(1.0)

    def play(self, rate: float) -> None:
        """Play at `rate` (1, 2, 4, 8; negative: backwards) from the frame shown."""
        if self.decoder is None or self.error:
            return
        take_turn(self)
        start = self.position
        if self.frame is not None and self.frame.last and rate > 0:
            start = 0.0  # at the end, play starts again from the beginning
        elif start <= 0.0 and rate < 0:
            return
        self.clock.start(start, rate)
        if start != self.position:
            self._asked(self.decoder.show_at(start))
        self._asked(self.decoder.play(rate))
        self.playing, self.rate = True, rate
        if self.sound is not None and rate == 1.0:
            self.sound.play_from(start)
            self._sync_timer.start()
        elif self.sound is not None:
            self.sound.pause()  # sound plays at normal speed forwards only
        self._show_transport()

    def pause(self) -> None:
        if not self.playing:
            return
        self.playing, self.rate = False, 0.0
        self.clock.stop()
        self._sync_timer.stop()
        if self.decoder is not None:
            self._serial = self.decoder.pause()
        if self.sound is not None:
            self.sound.pause()
        self._show_transport()

    def pause_playback(self) -> None:
        """Another player started (one plays at a time)."""
        self.pause()

    def step(self, frames: int) -> None:
        if self.decoder is None:
            return
        self.pause()
        self._asked(self.decoder.step(frames))

    def seek(self, seconds: float) -> None:
        """Show the frame at `seconds` (scrubbing); playback goes on from there if playing."""
        if self.decoder is None:
            return
        self.scrub.set_position(seconds)
        self._asked(self.decoder.show_at(seconds))
        if self.playing:
            self.clock.start(seconds, self.rate)
            self._asked(self.decoder.play(self.rate))
            if self.sound is not None and self.rate == 1.0:
                self.sound.seek(seconds)

    def _asked(self, serial: int) -> None:
        """A command that a frame will answer was sent: older frames are dropped from now on."""
        self._serial = serial
        self._slow.start()

    def _still_waiting(self) -> None:
        if self.decoder is not None and (self.frame is None or self.frame.serial < self._serial):
            self.view.set_loading(True)

    def _follow_sound(self) -> None:
        if self.sound is not None and self.sound.playing and self.rate == 1.0:
            self.clock.sync(self.sound.position_s())

    def _show_transport(self) -> None:
        set_icon(self.play_button, "pause" if self.playing else "play")
        rate = "" if not self.playing or self.rate == 1.0 else f"{self.rate:g}×"
        self.rate_label.setText(rate)

    def _update_time(self) -> None:
        duration = self.info.duration if self.info else self.scrub.duration
        frame = self.frame.index + 1 if self.frame is not None else None
        frames = self.info.frames if self.info is not None else None
        self.time_label.setText(_time_text(self.position, duration, frame, frames))

    # -- keys and size ----------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, shift = event.key(), event.modifiers() & Qt.KeyboardModifier.ShiftModifier
        fps = self.info.fps if self.info else 25.0
        if key == Qt.Key.Key_Space:
            self.toggle_playback()
        elif key == Qt.Key.Key_K:
            self.pause()
        elif key == Qt.Key.Key_L:
            faster = self.playing and self.rate > 0
            self.play(min(MAX_RATE, self.rate * 2) if faster else 1.0)
        elif key == Qt.Key.Key_J:
            faster = self.playing and self.rate < 0
            self.play(max(-MAX_RATE, self.rate * 2) if faster else -1.0)
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            sign = -1 if key == Qt.Key.Key_Left else 1
            self.step(sign * (round(fps) if shift else 1))
        elif key == Qt.Key.Key_Home:
            self.pause()
            self.seek(0.0)
        elif key == Qt.Key.Key_End:
            self.pause()
            self.seek(self.info.duration if self.info else self.scrub.duration)
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def _target_size(self) -> tuple[int, int]:
        ratio = self.devicePixelRatioF()
        size = self.view.size()
        return max(16, int(size.width() * ratio)), max(16, int(size.height() * ratio))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._resize_timer.start()

    def _resized(self) -> None:
        if self.decoder is None:
            return
        self.decoder.set_size(*self._target_size())  # a still frame is decoded again, sharp


def _time_text(position: float, duration: float, frame: int | None, frames: int | None) -> str:
    text = f"{clock_text(position)} / {clock_text(duration)}"
    if frame is not None and frames is not None:
        text += f"  ·  frame {frame} of {frames}"
    return text
