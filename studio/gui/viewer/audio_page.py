"""The viewer's audio page: the whole waveform, a playhead to drag, and sound where it can play.

Click or drag on the waveform (or the bar below it) to scrub; Space plays or pauses; Left and
Right move a tenth of a second, Shift a full second; Home and End jump to the ends.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QLineF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from studio.gui.previews import loader
from studio.gui.previews.media_player import take_turn
from studio.gui.viewer.sound import SoundTrack
from studio.gui.viewer.widgets import (
    BACKGROUND,
    PLAYHEAD,
    TEXT,
    ScrubBar,
    clock_text,
    set_icon,
    tool_button,
)

if TYPE_CHECKING:
    from studio.api import Artifact

BUCKETS = 1200
WAVE = QColor("#3fd49a")
WAVE_PLAYED = QColor("#9ff0cf")
FOLLOW_MS = 30


class WaveformView(QWidget):
    """Peaks drawn across the width; click or drag to move the playhead (`scrubbed`, seconds)."""

    scrubbed = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.peaks: list[float] | None = None
        self.duration = 0.0
        self.position = 0.0
        self.message = "reading samples…"
        self.setMinimumSize(200, 120)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setCursor(Qt.CursorShape.IBeamCursor)

    def seconds_at(self, x: float) -> float:
        return max(0.0, min(1.0, x / max(1, self.width()))) * self.duration

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), BACKGROUND)
        if not self.peaks:
            painter.setPen(TEXT)
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.message)
            painter.end()
            return
        w, h = self.width(), self.height()
        mid = h / 2
        playhead = w * (self.position / self.duration if self.duration else 0.0)
        step = w / len(self.peaks)
        lines_played: list[QLineF] = []
        lines_ahead: list[QLineF] = []
        for i, peak in enumerate(self.peaks):
            x = i * step + step / 2
            line = QLineF(x, mid - peak * mid * 0.92, x, mid + peak * mid * 0.92 + 0.5)
            (lines_played if x <= playhead else lines_ahead).append(line)
        painter.setPen(QPen(WAVE_PLAYED, max(1.0, step * 0.8)))
        painter.drawLines(lines_played)
        painter.setPen(QPen(WAVE, max(1.0, step * 0.8)))
        painter.drawLines(lines_ahead)
        painter.setPen(QPen(PLAYHEAD, 1.5))
        painter.drawLine(QLineF(playhead, 0, playhead, h))
        painter.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.duration:
            self.scrubbed.emit(self.seconds_at(event.position().x()))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton and self.duration:
            self.scrubbed.emit(self.seconds_at(event.position().x()))


class AudioPage(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.wave = WaveformView()
        self.scrub = ScrubBar()
        self.play_button = tool_button("Play", "Play or pause (Space)", "play")
        self.time_label = QLabel("0:00.00 / 0:00.00")
        self.sound_label = QLabel("")
        self.sound_label.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.play_button)
        row.addStretch(1)
        row.addWidget(self.time_label)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.wave, 1)
        column.addWidget(self.scrub)
        column.addLayout(row)
        column.addWidget(self.sound_label)
        self.play_button.clicked.connect(self.toggle_playback)
        self.wave.scrubbed.connect(self.seek)
        self.scrub.scrubbed.connect(self.seek)
        self.artifact: Artifact | None = None
        self.sound: SoundTrack | None = None
        self.position = 0.0
        self.duration = 0.0
        self.error = ""
        self._follow = QTimer(self)
        self._follow.setInterval(FOLLOW_MS)
        self._follow.timeout.connect(self._follow_sound)

    def load(self, artifact: Artifact) -> None:
        self.unload()
        self.artifact = artifact
        self.error = ""
        self.duration = float(artifact.meta.get("duration", 0.0) or 0.0)
        self.wave.peaks, self.wave.message = None, "reading samples…"
        self.sound = SoundTrack(artifact.path, True, self)
        self.sound_label.setText(self.sound.reason)
        self.sound_label.setVisible(bool(self.sound.reason))
        self.play_button.setEnabled(self.sound.available)
        self.play_button.setToolTip(
            "Play or pause (Space)" if self.sound.available else self.sound.reason
        )
        self._set_position(0.0)
        loader.load(
            ("wave", artifact.digest, BUCKETS),
            loader.waveform,
            artifact.path,
            BUCKETS,
            on_done=partial(self._loaded, artifact),
            what=f"waveform of {artifact.path.name}",
            on_error=self._failed,
        )

    def unload(self) -> None:
        self.pause()
        if self.sound is not None:
            self.sound.close()
            self.sound.deleteLater()
            self.sound = None
        self.artifact = None

    def _loaded(self, artifact: Artifact, result: tuple[list[float], float]) -> None:
        if artifact is not self.artifact:
            return
        self.wave.peaks, duration = result
        self.duration = self.duration or duration
        self.wave.duration = self.duration
        self.scrub.set_duration(self.duration)
        self._set_position(self.position)

    def _failed(self, message: str) -> None:
        self.error = message
        self.wave.message = f"Cannot read the sound: {message}"
        self.wave.update()

    @property
    def playing(self) -> bool:
        return self.sound is not None and self.sound.playing

    def toggle_playback(self) -> None:
        if self.sound is None or not self.sound.available:
            return
        if self.playing:
            self.pause()
        else:
            take_turn(self)
            start = 0.0 if self.position >= self.duration - 0.01 else self.position
            self.sound.play_from(start)
            self._follow.start()
            set_icon(self.play_button, "pause")

    def pause(self) -> None:
        self._follow.stop()
        if self.sound is not None:
            self.sound.pause()
        set_icon(self.play_button, "play")

    def pause_playback(self) -> None:
        self.pause()

    def seek(self, seconds: float) -> None:
        self._set_position(seconds)
        if self.sound is not None:
            self.sound.seek(self.position)

    def _follow_sound(self) -> None:
        if self.sound is not None:
            self._set_position(self.sound.position_s())
            if not self.sound.playing and self.position > 0:
                self.pause()  # it reached the end

    def _set_position(self, seconds: float) -> None:
        self.position = max(0.0, min(self.duration, seconds)) if self.duration else 0.0
        self.wave.position = self.position
        self.wave.update()
        self.scrub.set_position(self.position)
        self.time_label.setText(f"{clock_text(self.position)} / {clock_text(self.duration)}")

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        big = event.modifiers() & Qt.KeyboardModifier.ShiftModifier
        if key == Qt.Key.Key_Space:
            self.toggle_playback()
        elif key == Qt.Key.Key_K:
            self.pause()
        elif key == Qt.Key.Key_L:
            if not self.playing:
                self.toggle_playback()
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            sign = -1 if key == Qt.Key.Key_Left else 1
            self.seek(self.position + sign * (1.0 if big else 0.1))
        elif key == Qt.Key.Key_Home:
            self.seek(0.0)
        elif key == Qt.Key.Key_End:
            self.seek(self.duration)
        else:
            super().keyPressEvent(event)
            return
        event.accept()
