"""Image preview: a thumbnail decoded off the event loop (a double-click opens the viewer)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QRectF, QSizeF
from PySide6.QtGui import QImage, QPainter, QPixmap

from studio.gui.previews import loader
from studio.gui.previews.base import PreviewItem

if TYPE_CHECKING:
    from studio.api import Artifact


class ImagePreview(PreviewItem):
    def __init__(self, artifact: Artifact, size: QSizeF, count: int = 1) -> None:
        super().__init__(size)
        self.artifact = artifact
        self.count = count
        self.pixmap: QPixmap | None = None
        self.setToolTip(_describe(artifact, count) + "\nDouble-click to view it full size.")
        w, h = int(size.width() * 2), int(size.height() * 2)  # sharp on high-DPI screens
        loader.load(
            ("thumb", artifact.digest, w, h),
            loader.thumbnail,
            artifact.path,
            w,
            h,
            on_done=self._loaded,
            what=f"preview of {artifact.path.name}",
            on_error=self.set_error,
        )

    def _loaded(self, image: QImage) -> None:
        self.pixmap = QPixmap.fromImage(image)
        self.update()

    def paint(self, painter: QPainter, option, widget=None) -> None:
        self.paint_background(painter)
        if self.pixmap is None:
            self.paint_caption(painter, self.error or "loading…")
            return
        target = _fit(self.pixmap.width(), self.pixmap.height(), self.boundingRect())
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawPixmap(target, self.pixmap, QRectF(self.pixmap.rect()))
        if self.count > 1:
            self.paint_caption(
                painter, f"1 of {self.count}", QRectF(4, self.size.height() - 18, 60, 16)
            )


def _fit(width: int, height: int, box: QRectF) -> QRectF:
    scale = min(box.width() / max(1, width), box.height() / max(1, height))
    w, h = width * scale, height * scale
    return QRectF(box.left() + (box.width() - w) / 2, box.top() + (box.height() - h) / 2, w, h)


def _describe(artifact: Artifact, count: int) -> str:
    meta = artifact.meta
    size = f"{meta['width']}×{meta['height']} " if "width" in meta and "height" in meta else ""
    extra = f" (first of {count})" if count > 1 else ""
    return f"{size}{artifact.path.name}{extra}"
