"""The minimap: the whole graph in the canvas's corner, with the part on screen outlined.

Click or drag in it to move the canvas there. It redraws at most ten times a second (a run
repaints nodes often; the map need not follow every frame). The nodes and wires are drawn into a
picture kept until the graph or the map's framing changes: the minimap overlaps the canvas, so
every repaint of the canvas repaints it too, and drawing a 1,000-node graph each time cost more
than the canvas itself. View > Minimap shows or hides it.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen, QPixmap
from PySide6.QtWidgets import QWidget

from studio.gui.canvas import style

if TYPE_CHECKING:
    from studio.gui.canvas.scene import GraphScene
    from studio.gui.canvas.view import GraphView

MINIMAP_SIZE = (220, 150)
MARGIN = 12
REFRESH_MS = 100
BACKGROUND = QColor(20, 22, 27, 215)
BORDER = QColor("#3b404a")
VIEW_BOX = QColor("#f0f0f0")
EDGE_LINE = QColor(200, 200, 210, 70)


class Minimap(QWidget):
    """A child of the view's frame, kept in its bottom-right corner."""

    def __init__(self, view: GraphView) -> None:
        super().__init__(view)
        self.view = view
        self.setObjectName("Minimap")
        self.setFixedSize(*MINIMAP_SIZE)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Minimap: click or drag to move the canvas there")
        self._scene: GraphScene | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.update)
        self._map: tuple[QRectF, float, QPointF] | None = None  # world rect, scale, offset
        self._drag_map: tuple[QRectF, float, QPointF] | None = None
        # The graph drawn at one framing; redrawn when the scene changed or the framing moved.
        self._picture: QPixmap | None = None
        self._picture_map: tuple[QRectF, float, QPointF] | None = None
        self.place()

    def attach(self, scene: GraphScene) -> None:
        """Follow a (new) scene: any change in it redraws the map, soon."""
        if self._scene is not None:
            try:
                self._scene.changed.disconnect(self.schedule)
            except (RuntimeError, TypeError):  # the old scene is already gone
                pass
        self._scene = scene
        scene.changed.connect(self.schedule)
        self.schedule()

    def schedule(self, *_args: object) -> None:
        self._picture = None  # the graph changed: draw it again at the next refresh
        if self.isVisible() and not self._timer.isActive():
            self._timer.start(REFRESH_MS)

    def place(self) -> None:
        """Keep to the view's bottom-right corner."""
        view = self.view
        self.move(
            view.width() - self.width() - MARGIN,
            view.height() - self.height() - MARGIN,
        )
        self.raise_()

    # -- mapping scene <-> minimap --------------------------------------------------------------
    def _world(self) -> QRectF:
        """What the map shows: every node and the part of the canvas on screen."""
        scene = self.view.graph_scene()
        visible = self.view.mapToScene(self.view.viewport().rect()).boundingRect()
        nodes = scene.nodes_rect()
        world = nodes.united(visible) if not nodes.isEmpty() else visible
        return world.adjusted(-40, -40, 40, 40)

    def _mapping(self) -> tuple[QRectF, float, QPointF]:
        world = self._world()
        inner = QRectF(self.rect()).adjusted(4, 4, -4, -4)
        scale = min(inner.width() / max(world.width(), 1), inner.height() / max(world.height(), 1))
        offset = QPointF(
            inner.left() + (inner.width() - world.width() * scale) / 2,
            inner.top() + (inner.height() - world.height() * scale) / 2,
        )
        return world, scale, offset

    def to_map(self, point: QPointF) -> QPointF:
        world, scale, offset = self._map or self._mapping()
        return offset + (point - world.topLeft()) * scale

    def to_scene(self, point: QPointF) -> QPointF:
        world, scale, offset = self._map or self._mapping()
        return world.topLeft() + (point - offset) / scale

    def map_rect(self, rect: QRectF) -> QRectF:
        return QRectF(self.to_map(rect.topLeft()), self.to_map(rect.bottomRight()))

    # -- painting ---------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        self._map = self._mapping()
        if self._picture is None or self._picture_map != self._map:
            self._picture = self._draw_graph()
            self._picture_map = self._map
        painter = QPainter(self)
        painter.drawPixmap(0, 0, self._picture)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        visible = self.view.mapToScene(self.view.viewport().rect()).boundingRect()
        painter.setPen(QPen(VIEW_BOX, 1.5))
        painter.setBrush(QColor(255, 255, 255, 18))
        painter.drawRect(self.map_rect(visible))
        painter.end()
        self._map = None

    def _draw_graph(self) -> QPixmap:
        """The background, the wires and the nodes at the current framing (`self._map`)."""
        ratio = self.devicePixelRatioF()
        picture = QPixmap(self.size() * ratio)
        picture.setDevicePixelRatio(ratio)
        picture.fill(Qt.GlobalColor.transparent)
        painter = QPainter(picture)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(BORDER, 1))
        painter.setBrush(BACKGROUND)
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), 6, 6)
        scene = self.view.graph_scene()
        painter.setPen(QPen(EDGE_LINE, 1))
        for edge in scene.edges.values():
            points = [self.to_map(p) for p in edge.points()]
            for a, b in itertools.pairwise(points):
                painter.drawLine(a, b)
        painter.setPen(Qt.PenStyle.NoPen)
        for item in scene.nodes.values():
            box = self.map_rect(item.sceneBoundingRect())
            colour = QColor(item.header_colour)
            if item.node.mode != "normal":
                colour.setAlpha(90)
            painter.setBrush(style.NODE_BORDER_SELECTED if item.isSelected() else colour)
            painter.drawRect(box)
        painter.end()
        return picture

    # -- steering ---------------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            # A drag steers by the map as it was pressed: the map refits as the view moves.
            self._drag_map = self._mapping()
            self._centre_on(event.position())
            event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton and self._drag_map is not None:
            self._centre_on(event.position())
            event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._drag_map = None
        self.update()

    def _centre_on(self, point: QPointF) -> None:
        self._map = self._drag_map or self._mapping()
        target = self.to_scene(point)
        self._map = None
        self.view.centerOn(target)
        self.update()
