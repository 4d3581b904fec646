"""The viewer's image page: fit or 100 %, wheel zoom at the cursor, drag to pan.

Keys: 1 shows 100 % (one image pixel per screen pixel), F or 0 fits, + and - zoom; a
double-click switches between fit and 100 %. A list of images steps with [ and ].
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QKeyEvent, QMouseEvent, QPainter, QPixmap, QWheelEvent
from PySide6.QtWidgets import (
    QGraphicsPixmapItem,
    QGraphicsScene,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from studio.gui.previews import loader
from studio.gui.viewer.widgets import BACKGROUND, tool_button

if TYPE_CHECKING:
    from studio.api import Artifact

ZOOM_MIN, ZOOM_MAX = 0.02, 32.0


class ImageCanvas(QGraphicsView):
    zoom_changed = Signal(float)  # image pixels per screen pixel (1.0 = 100 %)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.item = QGraphicsPixmapItem()
        self.item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.scene().addItem(self.item)
        self.setBackgroundBrush(BACKGROUND)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys go to the page
        self.fitted = True

    @property
    def zoom(self) -> float:
        """Image pixels per device-independent screen pixel, times the screen's ratio."""
        return self.transform().m11() * self.devicePixelRatioF()

    def set_pixmap(self, pixmap: QPixmap) -> None:
        self.item.setPixmap(pixmap)
        self.scene().setSceneRect(self.item.boundingRect())
        self.fit()

    def fit(self) -> None:
        self.fitted = True
        if not self.item.pixmap().isNull():
            self.fitInView(self.item, Qt.AspectRatioMode.KeepAspectRatio)
        self.zoom_changed.emit(self.zoom)

    def actual_size(self) -> None:
        """100 %: one pixel of the image on one pixel of the screen."""
        self.set_zoom(1.0)

    def set_zoom(self, zoom: float) -> None:
        self.fitted = False
        zoom = max(ZOOM_MIN, min(ZOOM_MAX, zoom))
        factor = zoom / self.devicePixelRatioF()
        self.setTransform(self.transform().fromScale(factor, factor))
        self.zoom_changed.emit(self.zoom)

    def wheelEvent(self, event: QWheelEvent) -> None:
        delta = event.angleDelta().y() or event.pixelDelta().y()
        self.set_zoom(self.zoom * 1.0015**delta)
        event.accept()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if self.fitted:
            self.actual_size()
            self.centerOn(self.mapToScene(event.position().toPoint()))
        else:
            self.fit()
        event.accept()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.fitted:
            self.fit()


class ImagePage(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.canvas = ImageCanvas()
        self.fit_button = tool_button("Fit", "Fit the picture in the viewer (F)")
        self.actual_button = tool_button("100 %", "One image pixel per screen pixel (1)")
        self.previous_button = tool_button("◀", "Previous picture ([)")
        self.next_button = tool_button("▶", "Next picture (])")
        self.zoom_label = QLabel("")
        self.info_label = QLabel("")
        row = QHBoxLayout()
        for widget in (self.fit_button, self.actual_button, self.zoom_label):
            row.addWidget(widget)
        row.addStretch(1)
        for widget in (self.previous_button, self.info_label, self.next_button):
            row.addWidget(widget)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.canvas, 1)
        column.addLayout(row)
        self.artifacts: list[Artifact] = []
        self.index: int = 0
        self.image: QImage | None = None
        self.error = ""
        self.fit_button.clicked.connect(self.canvas.fit)
        self.actual_button.clicked.connect(self.canvas.actual_size)
        self.previous_button.clicked.connect(lambda: self.show_index(self.index - 1))
        self.next_button.clicked.connect(lambda: self.show_index(self.index + 1))
        self.canvas.zoom_changed.connect(lambda z: self.zoom_label.setText(f"{z * 100:.0f} %"))

    def load(self, artifacts: list[Artifact], index: int = 0) -> None:
        self.artifacts = artifacts
        self.show_index(index)

    def show_index(self, index: int) -> None:
        if not self.artifacts:
            return
        self.index = max(0, min(len(self.artifacts) - 1, index))
        artifact = self.artifacts[self.index]
        self.image, self.error = None, ""
        self.canvas.item.setPixmap(QPixmap())
        several = len(self.artifacts) > 1
        for widget in (self.previous_button, self.next_button):
            widget.setVisible(several)
        self.info_label.setText("loading…")
        loader.load(
            ("full", artifact.digest),
            loader.full_image,
            artifact.path,
            on_done=partial(self._loaded, artifact),
            what=f"opening {artifact.path.name}",
            on_error=self._failed,
            keep=False,
        )

    def _loaded(self, artifact: Artifact, image: QImage) -> None:
        if not self.artifacts or artifact is not self.artifacts[self.index]:
            return  # the user moved on
        self.image = image
        self.canvas.set_pixmap(QPixmap.fromImage(image))
        count = f"{self.index + 1} of {len(self.artifacts)}  ·  " if len(self.artifacts) > 1 else ""
        self.info_label.setText(f"{count}{image.width()}×{image.height()}")

    def _failed(self, message: str) -> None:
        self.error = message
        self.info_label.setText(f"Cannot open: {message}")

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key.Key_1:
            self.canvas.actual_size()
        elif key in (Qt.Key.Key_F, Qt.Key.Key_0):
            self.canvas.fit()
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.canvas.set_zoom(self.canvas.zoom * 1.25)
        elif key == Qt.Key.Key_Minus:
            self.canvas.set_zoom(self.canvas.zoom / 1.25)
        elif key == Qt.Key.Key_BracketLeft:
            self.show_index(self.index - 1)
        elif key == Qt.Key.Key_BracketRight:
            self.show_index(self.index + 1)
        else:
            super().keyPressEvent(event)
            return
        event.accept()
