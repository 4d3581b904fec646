"""Reroute dots: points a wire passes through, so it can go around nodes instead of under them.

Double-click a wire to put a dot there; drag a dot to move it (one undo step per drag);
double-click a dot, or select it and press Delete, to take it away.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsSceneMouseEvent, QStyleOptionGraphicsItem

from studio.gui.canvas import style
from studio.gui.canvas.scene_of import graph_scene

if TYPE_CHECKING:
    from studio.gui.canvas.edge_item import EdgeItem

REROUTE_RADIUS = 6.0
_drag_ids = itertools.count(1)


def insertion_index(points: list[QPointF], at: QPointF) -> int:
    """Where a new dot at `at` goes among a wire's `points` (its two ends included): before the
    point ending the segment nearest to it. Returns an index into the dots (ends excluded)."""
    best, best_distance = 0, float("inf")
    for i, (a, b) in enumerate(itertools.pairwise(points)):
        distance = _distance_to_segment(at, a, b)
        if distance < best_distance:
            best, best_distance = i, distance
    return best


def _distance_to_segment(p: QPointF, a: QPointF, b: QPointF) -> float:
    line = QLineF(a, b)
    length_sq = line.dx() ** 2 + line.dy() ** 2
    if length_sq == 0:
        return QLineF(p, a).length()
    t = ((p.x() - a.x()) * line.dx() + (p.y() - a.y()) * line.dy()) / length_sq
    t = max(0.0, min(1.0, t))
    return QLineF(p, a + (b - a) * t).length()


class RerouteItem(QGraphicsItem):
    """One dot of a wire (a child of its EdgeItem, so it is drawn above it)."""

    def __init__(self, edge_item: EdgeItem, index: int, position: QPointF) -> None:
        super().__init__(edge_item)
        self.edge_item = edge_item
        self.index = index
        self.setPos(position)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setAcceptHoverEvents(True)
        self.setCursor(Qt.CursorShape.SizeAllCursor)
        self.setToolTip("Reroute dot: drag to move; double-click or Delete to remove")
        self._drag: tuple[int, QPointF, QPointF] | None = None

    def boundingRect(self) -> QRectF:
        r = REROUTE_RADIUS + 3
        return QRectF(-r, -r, 2 * r, 2 * r)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        painter.setPen(
            QPen(style.NODE_BORDER_SELECTED if self.isSelected() else style.NODE_BORDER, 1.5)
        )
        painter.setBrush(QBrush(self.edge_item.colour))
        painter.drawEllipse(QPointF(0, 0), REROUTE_RADIUS, REROUTE_RADIUS)

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            event.ignore()
            return
        if not event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.scene().clearSelection()
        self.setSelected(True)
        self._drag = (next(_drag_ids), event.scenePos(), self.scenePos())
        event.accept()

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self._drag is None:
            return
        drag_id, origin, start = self._drag
        target = start + (event.scenePos() - origin)
        if graph_scene(self).options.snap:
            from studio.gui.canvas.scene import snap

            target = QPointF(snap(target.x()), snap(target.y()))
        graph_scene(self).move_reroute(self.edge_item.edge, self.index, target, drag_id)

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        self._drag = None

    def mouseDoubleClickEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        graph_scene(self).remove_reroutes([(self.edge_item.edge, self.index)])
        event.accept()
