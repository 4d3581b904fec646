"""GraphView: zoom to the cursor, pan (middle mouse or space+drag), fit, rubber band, file drops."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QDragEnterEvent,
    QDropEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QWheelEvent,
)
from PySide6.QtWidgets import QGraphicsView, QWidget

from studio.gui.canvas import style
from studio.gui.canvas.scene import GraphScene

MEDIA_SUFFIXES = {
    "image": {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff"},
    "video": {".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v"},
    "audio": {".wav", ".mp3", ".flac", ".ogg", ".m4a", ".aac", ".opus"},
}


def media_kind(path: Path) -> str | None:
    suffix = path.suffix.lower()
    return next((kind for kind, suffixes in MEDIA_SUFFIXES.items() if suffix in suffixes), None)


class GraphView(QGraphicsView):
    files_dropped = Signal(list, QPointF)  # [Path], scene position
    search_requested = Signal(QPointF, object)  # scene position, PortFilter or None
    zoom_changed = Signal(float)

    def __init__(self, scene: GraphScene, parent: QWidget | None = None) -> None:
        super().__init__(scene, parent)
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setRubberBandSelectionMode(Qt.ItemSelectionMode.IntersectsItemShape)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontSavePainterState)
        self.setCacheMode(QGraphicsView.CacheModeFlag.CacheBackground)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._pan_from: QPoint | None = None
        self._space_down = False
        self._last_mouse = QPointF()
        self._pointer_inside = False
        self.title_editor: QWidget | None = None  # the open rename editor (F2), if any
        from studio.gui.canvas.minimap import Minimap

        self.minimap = Minimap(self)
        self.set_scene(scene)

    def set_scene(self, scene: GraphScene) -> None:
        self.setScene(scene)
        scene.search_requested.connect(self.search_requested)
        self.resetTransform()
        self.centerOn(scene.nodes_rect().center() if scene.nodes else QPointF(0, 0))
        scene.set_detail(True)
        self.minimap.attach(scene)

    def graph_scene(self) -> GraphScene:
        return self.scene()  # type: ignore[return-value]

    @property
    def zoom(self) -> float:
        return self.transform().m11()

    # -- zoom and fit -----------------------------------------------------------------------------
    def zoom_by(self, factor: float) -> None:
        factor = max(style.ZOOM_MIN / self.zoom, min(style.ZOOM_MAX / self.zoom, factor))
        self.scale(factor, factor)
        self._zoomed()

    def _zoomed(self) -> None:
        self.resetCachedContent()
        self.graph_scene().set_detail(self.zoom >= style.DETAIL_ZOOM)
        self.zoom_changed.emit(self.zoom)
        self.minimap.schedule()

    def fit(self, rect: QRectF) -> None:
        if rect.isEmpty():
            return
        self.fitInView(rect.adjusted(-60, -60, 60, 60), Qt.AspectRatioMode.KeepAspectRatio)
        if self.zoom > 1.5:  # fitting one small node should not blow it up
            self.zoom_by(1.5 / self.zoom)
            self.centerOn(rect.center())
        else:
            self._zoomed()

    def fit_all(self) -> None:
        self.fit(self.graph_scene().nodes_rect())

    def fit_selection(self) -> None:
        """Fit the selected nodes, or everything when nothing is selected (the F key)."""
        selected = self.graph_scene().selected_node_ids()
        self.fit(
            self.graph_scene().nodes_rect(selected) if selected else self.graph_scene().nodes_rect()
        )

    def frame(self, node_ids: list[str]) -> None:
        """Bring nodes to the middle, zoomed so they are readable with some room around them."""
        rect = self.graph_scene().nodes_rect(node_ids)
        if rect.isEmpty():
            return
        self.fit(rect.adjusted(-240, -160, 240, 160))

    def pointer_scene_pos(self) -> QPointF | None:
        """Where the mouse is over the canvas, or None when it is elsewhere."""
        if self._pointer_inside and self.viewport().rect().contains(self._last_mouse.toPoint()):
            return self.mapToScene(self._last_mouse.toPoint())
        return None

    def leaveEvent(self, event) -> None:
        self._pointer_inside = False
        super().leaveEvent(event)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.minimap.place()

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        super().scrollContentsBy(dx, dy)
        self.minimap.schedule()

    def cursor_scene_pos(self) -> QPointF:
        local = self.mapFromGlobal(self.cursor().pos())
        if not self.viewport().rect().contains(local):
            local = self.viewport().rect().center()
        return self.mapToScene(local)

    # -- input ------------------------------------------------------------------------------------
    def wheelEvent(self, event: QWheelEvent) -> None:
        item = self.itemAt(event.position().toPoint())
        while item is not None and not getattr(item, "wants_wheel", False):
            item = item.parentItem()
        if item is not None:  # a scrollable preview under the cursor takes the wheel
            super().wheelEvent(event)
            return
        delta = event.angleDelta().y() or event.pixelDelta().y()
        self.zoom_by(1.0015**delta)
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        pan = event.button() == Qt.MouseButton.MiddleButton or (
            event.button() == Qt.MouseButton.LeftButton and self._space_down
        )
        if pan:
            self._pan_from = event.position().toPoint()
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        if (
            event.button() == Qt.MouseButton.LeftButton
            and event.modifiers() & Qt.KeyboardModifier.ShiftModifier
            and self.itemAt(event.position().toPoint()) is None
        ):
            # Shift+drag on empty canvas adds to the selection (Qt does that for Ctrl).
            event = QMouseEvent(
                event.type(),
                event.position(),
                event.globalPosition(),
                event.button(),
                event.buttons(),
                Qt.KeyboardModifier.ControlModifier,
            )
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self._last_mouse = event.position()
        self._pointer_inside = True
        if self._pan_from is not None:
            delta = event.position().toPoint() - self._pan_from
            self._pan_from = event.position().toPoint()
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - delta.x())
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - delta.y())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._pan_from is not None and event.button() in (
            Qt.MouseButton.MiddleButton,
            Qt.MouseButton.LeftButton,
        ):
            self._pan_from = None
            self.setCursor(
                Qt.CursorShape.OpenHandCursor if self._space_down else Qt.CursorShape.ArrowCursor
            )
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if (
            self.itemAt(event.position().toPoint()) is None
            and event.button() == Qt.MouseButton.LeftButton
        ):
            self.search_requested.emit(self.mapToScene(event.position().toPoint()), None)
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_down = True
            self.setCursor(Qt.CursorShape.OpenHandCursor)
            event.accept()
            return
        if event.key() == Qt.Key.Key_Escape and self.graph_scene().edge_drag_active:
            self.graph_scene().cancel_edge_drag()
            event.accept()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_down = False
            self.setCursor(Qt.CursorShape.ArrowCursor)
            event.accept()
            return
        super().keyReleaseEvent(event)

    def event(self, event: QEvent) -> bool:
        # Tab opens the node search instead of moving focus to the next widget.
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Tab
        ):
            self.search_requested.emit(self.cursor_scene_pos(), None)
            return True
        return super().event(event)

    # -- dropping files from the file manager -----------------------------------------------------
    def _media_paths(self, event: QDragEnterEvent | QDropEvent) -> list[Path]:
        if not event.mimeData().hasUrls():
            return []
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        return [p for p in paths if media_kind(p)]

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._media_paths(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = self._media_paths(event)
        if paths:
            self.files_dropped.emit(paths, self.mapToScene(event.position().toPoint()))
            event.acceptProposedAction()
