"""Image preview: a thumbnail decoded off the event loop; double-click opens the full image."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QRectF, QSizeF, Qt
from PySide6.QtGui import QImage, QPainter, QPixmap
from PySide6.QtWidgets import QGraphicsSceneMouseEvent

from studio.gui.previews import loader
from studio.gui.previews.base import PreviewItem

if TYPE_CHECKING:
    from studio.api import Artifact

_viewers: list = []  # open full-size windows (kept alive until closed)


class ImagePreview(PreviewItem):
    def __init__(self, artifact: Artifact, size: QSizeF, count: int = 1) -> None:
        super().__init__(size)
        self.artifact = artifact
        self.count = count
        self.pixmap: QPixmap | None = None
        self.setToolTip(_describe(artifact, count) + "\nDouble-click to open the full image.")
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

    def mouseDoubleClickEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        open_full_view(self.artifact)
        event.accept()


def open_full_view(artifact: Artifact) -> None:
    """A window showing the image at full size (scrollable), loaded off the event loop."""
    from PySide6.QtWidgets import QLabel, QScrollArea

    area = QScrollArea()
    area.setWindowTitle(f"{artifact.path.name} — Multimodal Studio")
    label = QLabel("loading…")
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    area.setWidget(label)
    area.setWidgetResizable(True)
    area.resize(900, 700)
    area.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    _viewers.append(area)
    area.destroyed.connect(lambda *_: _viewers.remove(area) if area in _viewers else None)

    def show(image: QImage) -> None:
        label.setPixmap(QPixmap.fromImage(image))
        area.resize(min(image.width() + 24, 1400), min(image.height() + 24, 1000))

    loader.load(
        ("full", artifact.digest),
        loader.full_image,
        artifact.path,
        on_done=show,
        what=f"opening {artifact.path.name}",
    )
    area.show()


def _fit(width: int, height: int, box: QRectF) -> QRectF:
    scale = min(box.width() / max(1, width), box.height() / max(1, height))
    w, h = width * scale, height * scale
    return QRectF(box.left() + (box.width() - w) / 2, box.top() + (box.height() - h) / 2, w, h)


def _describe(artifact: Artifact, count: int) -> str:
    meta = artifact.meta
    size = f"{meta['width']}×{meta['height']} " if "width" in meta and "height" in meta else ""
    extra = f" (first of {count})" if count > 1 else ""
    return f"{size}{artifact.path.name}{extra}"
