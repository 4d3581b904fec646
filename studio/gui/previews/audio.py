"""Audio preview: a waveform drawn from the samples, with play/pause and click-to-seek."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QLineF, QRectF, QSizeF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QGraphicsSceneMouseEvent

from studio.gui.previews import loader
from studio.gui.previews.base import (
    CONTROL_HEIGHT,
    PLAYHEAD_COLOUR,
    PlaybackBar,
    PreviewItem,
    clock,
)
from studio.gui.previews.media_player import Player, multimedia_error

if TYPE_CHECKING:
    from studio.api import Artifact

WAVE_COLOUR = QColor("#3fd49a")
BUCKETS = 224


class AudioPreview(PreviewItem):
    def __init__(self, artifact: Artifact, size: QSizeF) -> None:
        super().__init__(size)
        self.artifact = artifact
        self.peaks: list[float] | None = None
        self.duration = float(artifact.meta.get("duration", 0.0) or 0.0)
        self.wave_pixmap: QPixmap | None = None
        self.player: Player | None = None
        self.start_fraction = 0.0  # where playback starts if the user clicked before playing
        self.wave_rect = QRectF(4, 4, size.width() - 8, size.height() - CONTROL_HEIGHT - 8)
        self.bar = PlaybackBar(size.width(), size.height() - CONTROL_HEIGHT)
        self.setToolTip(
            f"{artifact.path.name}\nClick ▶ to play; click the waveform to seek; "
            "double-click for the viewer."
        )
        loader.load(
            ("wave", artifact.digest, BUCKETS),
            loader.waveform,
            artifact.path,
            BUCKETS,
            on_done=self._loaded,
            what=f"waveform of {artifact.path.name}",
            on_error=self.set_error,
        )

    def _loaded(self, result: tuple[list[float], float]) -> None:
        self.peaks, duration = result
        self.duration = self.duration or duration
        self.wave_pixmap = None  # drawn once, on the next paint
        self.update()

    def _draw_wave(self) -> QPixmap:
        """The waveform as a pixmap, so a repaint is one blit, not hundreds of lines."""
        scale = 2
        pixmap = QPixmap(int(self.wave_rect.width() * scale), int(self.wave_rect.height() * scale))
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.scale(scale, scale)
        painter.setPen(QPen(WAVE_COLOUR, 1.2))
        peaks = self.peaks or []
        w, h = self.wave_rect.width(), self.wave_rect.height()
        mid = h / 2
        step = w / max(1, len(peaks))
        painter.drawLines(
            [
                QLineF(
                    i * step + step / 2,
                    mid - p * mid * 0.95,
                    i * step + step / 2,
                    mid + p * mid * 0.95 + 0.5,
                )
                for i, p in enumerate(peaks)
            ]
        )
        painter.end()
        return pixmap

    def paint(self, painter: QPainter, option, widget=None) -> None:
        self.paint_background(painter)
        if self.peaks is None:
            self.paint_caption(painter, self.error or "reading samples…", self.wave_rect)
        else:
            if self.wave_pixmap is None:
                self.wave_pixmap = self._draw_wave()
            painter.drawPixmap(self.wave_rect, self.wave_pixmap, QRectF(self.wave_pixmap.rect()))
        fraction = self._fraction()
        x = self.wave_rect.left() + self.wave_rect.width() * fraction
        painter.setPen(QPen(PLAYHEAD_COLOUR, 1.5))
        painter.drawLine(QLineF(x, self.wave_rect.top(), x, self.wave_rect.bottom()))
        playing = bool(self.player and self.player.playing)
        self.bar.paint(
            painter,
            playing,
            fraction,
            f"{clock(fraction * self.duration)} / {clock(self.duration)}",
        )
        if self.error and self.peaks is not None:
            self.paint_caption(painter, self.error, self.wave_rect)

    def _fraction(self) -> float:
        if self.player is not None:
            duration = self.player.duration_s() or self.duration
            return self.player.position_s() / duration if duration else 0.0
        return self.start_fraction

    # -- controls ---------------------------------------------------------------------------------
    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        pos = event.pos()
        if event.button() != Qt.MouseButton.LeftButton:
            event.ignore()
            return
        if self.bar.button.contains(pos):
            self.toggle_playback()
        elif self.bar.rect.contains(pos):
            self.seek(self.bar.fraction_at(pos.x()))
        elif self.wave_rect.contains(pos):
            self.seek((pos.x() - self.wave_rect.left()) / self.wave_rect.width())
        else:
            event.ignore()
            return
        event.accept()

    def seek(self, fraction: float) -> None:
        self.start_fraction = max(0.0, min(1.0, fraction))
        if self.player is not None:
            self.player.seek(self.start_fraction, self.duration)
        self.update()

    def toggle_playback(self) -> bool:
        if self.player is None:
            error = multimedia_error()
            if error:
                self.set_error(error)
                return False
            self.player = Player(self.artifact.path, self.update)
            self.player.seek(self.start_fraction, self.duration)
        self.player.toggle()
        self.update()
        return True

    def dispose(self) -> None:
        if self.player is not None:
            self.player.close()
            self.player = None
