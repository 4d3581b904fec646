"""A typed port on a node: a coloured dot that starts and receives edge drags."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsSceneMouseEvent, QStyleOptionGraphicsItem

from studio.graph.types import PortType
from studio.gui.canvas import style
from studio.gui.canvas.scene_of import graph_scene

if TYPE_CHECKING:
    from studio.gui.canvas.edge_item import EdgeItem
    from studio.gui.canvas.node_item import NodeItem


class PortItem(QGraphicsItem):
    """An input (left edge of the node) or output (right edge). Edges attach to its centre."""

    def __init__(
        self,
        node_item: NodeItem,
        name: str,
        port_type: PortType | None,
        is_output: bool,
        optional: bool = False,
        help_text: str = "",
    ) -> None:
        super().__init__(node_item)
        self.node_item = node_item
        self.name = name
        self.port_type = port_type
        self.is_output = is_output
        self.optional = optional
        self.edges: set[EdgeItem] = set()
        self.dimmed = False
        self.hovered = False
        self.setAcceptHoverEvents(True)
        self.setCursor(Qt.CursorShape.CrossCursor)
        kind = port_type.value if port_type else "unknown type"
        direction = "output" if is_output else ("optional input" if optional else "input")
        self.setToolTip(
            f"<b>{name}</b> — {kind} {direction}" + (f"<br>{help_text}" if help_text else "")
        )
        self._colour = style.port_colour(port_type)

    @property
    def node_id(self) -> str:
        return self.node_item.node_id

    def anchor(self) -> QPointF:
        """Where edges attach, in scene coordinates."""
        return self.scenePos()

    def set_dimmed(self, dimmed: bool) -> None:
        if dimmed != self.dimmed:
            self.dimmed = dimmed
            self.update()

    # -- painting ---------------------------------------------------------------------------------
    def boundingRect(self) -> QRectF:
        r = style.PORT_RADIUS + 4
        return QRectF(-r, -r, 2 * r, 2 * r)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        colour = QColor(self._colour)
        if self.dimmed:
            colour.setAlpha(style.DIMMED_ALPHA)
        r = style.PORT_RADIUS + (2 if self.hovered and not self.dimmed else 0)
        painter.setPen(QPen(style.NODE_BORDER, 1.5))
        connected = bool(self.edges)
        painter.setBrush(
            QBrush(colour)
            if connected or self.is_output or not self.optional
            else QBrush(style.NODE_BODY)
        )
        if self.port_type is not None and self.port_type.is_list:
            painter.drawRoundedRect(QRectF(-r, -r, 2 * r, 2 * r), 2, 2)
        else:
            painter.drawEllipse(QPointF(0, 0), r, r)
        if not connected and not self.is_output and self.optional:
            painter.setPen(QPen(colour, 2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawEllipse(QPointF(0, 0), r - 1, r - 1)

    # -- interaction ------------------------------------------------------------------------------
    def hoverEnterEvent(self, event) -> None:
        self.hovered = True
        self.update()

    def hoverLeaveEvent(self, event) -> None:
        self.hovered = False
        self.update()

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            event.ignore()
            return
        graph_scene(self).begin_edge_drag_from_port(self, event.scenePos())
        event.accept()

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        graph_scene(self).move_edge_drag(event.scenePos())

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        graph_scene(self).finish_edge_drag(event.scenePos())
