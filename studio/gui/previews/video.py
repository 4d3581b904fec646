"""Video preview: the first frame as a poster; play/pause and a scrubber play it in place."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QRectF, QSizeF, Qt
from PySide6.QtGui import QImage, QPainter, QPixmap
from PySide6.QtWidgets import QGraphicsSceneMouseEvent

from studio.gui.previews import loader
from studio.gui.previews.base import CONTROL_HEIGHT, PlaybackBar, PreviewItem, clock
from studio.gui.previews.image import _fit
from studio.gui.previews.media_player import Player, multimedia_error

if TYPE_CHECKING:
    from studio.api import Artifact


class VideoPreview(PreviewItem):
    def __init__(self, artifact: Artifact, size: QSizeF) -> None:
        super().__init__(size)
        self.artifact = artifact
        self.poster: QPixmap | None = None
        self.frame: QPixmap | None = None
        self.duration = float(artifact.meta.get("duration", 0.0) or 0.0)
        self.player: Player | None = None
        self.bar = PlaybackBar(size.width(), size.height() - CONTROL_HEIGHT)
        self.picture = QRectF(0, 0, size.width(), size.height() - CONTROL_HEIGHT)
        self.setToolTip(
            f"{artifact.path.name}\nClick ▶ to play; click the bar to seek; "
            "double-click for the viewer."
        )
        w, h = int(size.width() * 2), int(self.picture.height() * 2)
        loader.load(
            ("poster", artifact.digest, w, h),
            loader.video_poster,
            artifact.path,
            w,
            h,
            on_done=self._poster_loaded,
            what=f"poster of {artifact.path.name}",
            on_error=self.set_error,
        )

    def _poster_loaded(self, result: tuple[QImage, float]) -> None:
        image, duration = result
        self.poster = QPixmap.fromImage(image)
        self.duration = self.duration or duration
        self.update()

    def _on_frame(self, frame: Any) -> None:
        image = frame.toImage()
        if image.isNull():
            return
        self.frame = QPixmap.fromImage(
            image.scaled(
                int(self.picture.width() * 2),
                int(self.picture.height() * 2),
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        )
        self.update()

    def paint(self, painter: QPainter, option, widget=None) -> None:
        self.paint_background(painter)
        picture = self.frame or self.poster
        if picture is not None:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawPixmap(
                _fit(picture.width(), picture.height(), self.picture),
                picture,
                QRectF(picture.rect()),
            )
        else:
            self.paint_caption(painter, self.error or "loading…", self.picture)
        position = self.player.position_s() if self.player else 0.0
        duration = (self.player.duration_s() if self.player else 0.0) or self.duration
        playing = bool(self.player and self.player.playing)
        self.bar.paint(
            painter,
            playing,
            position / duration if duration else 0.0,
            f"{clock(position)} / {clock(duration)}",
        )
        if self.error and picture is not None:
            self.paint_caption(painter, self.error, self.picture.adjusted(0, 0, 0, -40))

    # -- controls ---------------------------------------------------------------------------------
    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        pos = event.pos()
        if event.button() != Qt.MouseButton.LeftButton or not self.bar.rect.contains(pos):
            event.ignore()
            return
        event.accept()
        player = self._ensure_player()
        if player is None:
            return
        if self.bar.button.contains(pos):
            player.toggle()
        else:
            player.seek(self.bar.fraction_at(pos.x()), self.duration)
        self.update()

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self.player is not None:
            self.player.seek(self.bar.fraction_at(event.pos().x()), self.duration)

    def _ensure_player(self) -> Player | None:
        """The player, made on first use; None (the reason shown) when playback is unavailable."""
        if self.player is None:
            error = multimedia_error()
            if error:
                self.set_error(error)
                return None
            self.player = Player(self.artifact.path, self.update, self._on_frame)
        return self.player

    def toggle_playback(self) -> bool:
        """Play or pause (what the ▶ button does); False when playback is unavailable."""
        player = self._ensure_player()
        if player is None:
            return False
        player.toggle()
        return True

    def dispose(self) -> None:
        if self.player is not None:
            self.player.close()
            self.player = None
