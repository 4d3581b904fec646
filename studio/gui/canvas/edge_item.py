"""Curved edges: a committed edge between two ports, and the loose edge that follows a drag."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPainterPathStroker, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsSceneMouseEvent, QStyleOptionGraphicsItem

from studio.gui.canvas import style
from studio.gui.canvas.reroute_item import RerouteItem
from studio.gui.canvas.scene_of import graph_scene

if TYPE_CHECKING:
    from collections.abc import Sequence

    from studio.graph.model import Edge
    from studio.gui.canvas.port_item import PortItem

END_GRAB_DISTANCE = 22.0  # pressing this close to an end picks that end up (reconnect/detach)


def curve(start: QPointF, end: QPointF, *via: QPointF) -> QPainterPath:
    """A horizontal S-curve from an output (going right) to an input (coming from the left),
    through the reroute dots `via` (each leg an S-curve of its own)."""
    path = QPainterPath(start)
    points = [start, *via, end]
    for a, b in itertools.pairwise(points):
        bend = max(40.0, abs(b.x() - a.x()) * 0.5, abs(b.y() - a.y()) * 0.25)
        if via:  # short legs between dots bend less, or they would loop
            bend = min(bend, max(12.0, QLineF(a, b).length() * 0.5))
        path.cubicTo(QPointF(a.x() + bend, a.y()), QPointF(b.x() - bend, b.y()), b)
    return path


class _CurveItem(QGraphicsItem):
    def __init__(self, colour: QColor) -> None:
        super().__init__()
        self.colour = colour
        self._path = QPainterPath()
        self._shape = QPainterPath()
        self._bounds = QRectF()

    def set_ends(self, start: QPointF, end: QPointF, *via: QPointF) -> None:
        self.prepareGeometryChange()
        self._path = curve(start, end, *via)
        self._bounds = self._path.boundingRect().adjusted(-6, -6, 6, 6)
        self._shape = QPainterPath()  # computed lazily: only hit tests need it

    def boundingRect(self) -> QRectF:
        return self._bounds

    def shape(self) -> QPainterPath:
        if self._shape.isEmpty():
            stroker = QPainterPathStroker()
            stroker.setWidth(10)
            self._shape = stroker.createStroke(self._path)
        return self._shape

    def path(self) -> QPainterPath:
        return self._path


class EdgeItem(_CurveItem):
    """A connection in the model. Drag near one of its ends to reconnect or detach it.

    Wires are drawn above nodes, so a node never hides one; the hit area leaves out the ports at
    both ends, so a press there still starts a new wire from the port.
    """

    def __init__(
        self,
        edge: Edge,
        src: PortItem,
        dst: PortItem,
        points: Sequence[tuple[float, float]] = (),
    ) -> None:
        super().__init__(style.port_colour(src.port_type))
        self.edge = edge
        self.src, self.dst = src, dst
        self.dots: list[RerouteItem] = []
        self.setZValue(style.Z_EDGE)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setToolTip(
            f"{edge.src}.{edge.src_port} → {edge.dst}.{edge.dst_port}"
            " (double-click to add a reroute dot)"
        )
        src.edges.add(self)
        dst.edges.add(self)
        self.set_points(list(points))

    def set_points(self, points: Sequence[tuple[float, float]]) -> None:
        """Follow the model's reroute dots for this wire. Existing dots are moved, not remade, so
        a dot being dragged keeps the mouse."""
        for dot in self.dots[len(points) :]:
            if dot.scene() is not None:
                dot.scene().removeItem(dot)
        del self.dots[len(points) :]
        for i, (x, y) in enumerate(points):
            if i < len(self.dots):
                self.dots[i].setPos(x, y)
            else:
                self.dots.append(RerouteItem(self, i, QPointF(x, y)))
        self.refresh()

    def points(self) -> list[QPointF]:
        """The wire's ends and dots, in order from its output to its input."""
        return [self.src.anchor(), *(d.pos() for d in self.dots), self.dst.anchor()]

    def refresh(self) -> None:
        self.set_ends(self.src.anchor(), self.dst.anchor(), *(d.pos() for d in self.dots))

    def shape(self) -> QPainterPath:
        if self._shape.isEmpty():
            stroke = super().shape()
            ports = QPainterPath()
            r = style.PORT_RADIUS + 4
            for end in (self.src.anchor(), self.dst.anchor()):
                ports.addEllipse(end, r, r)
            self._shape = stroke.subtracted(ports)
        return self._shape

    def detach(self) -> None:
        self.src.edges.discard(self)
        self.dst.edges.discard(self)
        self.src.update()
        self.dst.update()

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        selected = self.isSelected()
        colour = style.NODE_BORDER_SELECTED if selected else self.colour
        painter.setPen(
            QPen(colour, 3.5 if selected else 2.4, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
        )
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self._path)

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            pos = event.scenePos()
            to_dst = QLineF(pos, self.dst.anchor()).length()
            to_src = QLineF(pos, self.src.anchor()).length()
            if min(to_dst, to_src) <= END_GRAB_DISTANCE:
                # Keep the far end fixed and let the near end follow the mouse.
                fixed = self.src if to_dst <= to_src else self.dst
                graph_scene(self).begin_edge_reconnect(self, fixed, pos)
                event.accept()
                return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if graph_scene(self).edge_drag_active:
            graph_scene(self).move_edge_drag(event.scenePos())
        else:
            super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if graph_scene(self).edge_drag_active:
            graph_scene(self).finish_edge_drag(event.scenePos())
        else:
            super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            graph_scene(self).add_reroute(self.edge, event.scenePos())
            event.accept()
            return
        super().mouseDoubleClickEvent(event)


class DragEdgeItem(_CurveItem):
    """The loose edge drawn while the user drags from a port."""

    def __init__(self, fixed: PortItem) -> None:
        super().__init__(style.port_colour(fixed.port_type))
        self.fixed = fixed
        self.setZValue(style.Z_DRAGGED_EDGE)
        self.follow(fixed.anchor())

    def follow(self, point: QPointF) -> None:
        if self.fixed.is_output:
            self.set_ends(self.fixed.anchor(), point)
        else:
            self.set_ends(point, self.fixed.anchor())

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        painter.setPen(QPen(self.colour, 2.4, Qt.PenStyle.DashLine, Qt.PenCapStyle.RoundCap))
        painter.setBrush(Qt.BrushStyle.NoBrush)  # the view does not reset painter state
        painter.drawPath(self._path)
