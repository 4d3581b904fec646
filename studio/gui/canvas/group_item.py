"""A titled frame around a group of nodes. Its rectangle follows the nodes it holds."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsSceneMouseEvent, QStyleOptionGraphicsItem

from studio.gui.canvas import style
from studio.gui.canvas.node_item import font
from studio.gui.canvas.scene_of import graph_scene

if TYPE_CHECKING:
    from studio.graph.model import Group
    from studio.gui.canvas.node_item import NodeItem


class GroupItem(QGraphicsItem):
    """Drag the title bar to move the whole group; double-click it to rename."""

    def __init__(self, group: Group) -> None:
        super().__init__()
        self.graph_group = group  # not .group: QGraphicsItem.group() is a method
        self._rect = QRectF()
        self.setZValue(style.Z_GROUP)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)

    def refresh(self, node_items: dict[str, NodeItem]) -> None:
        rect = QRectF()
        for node_id in self.graph_group.nodes:
            item = node_items.get(node_id)
            if item is not None:
                rect = rect.united(item.sceneBoundingRect())
        m = style.GROUP_MARGIN
        self.prepareGeometryChange()
        self._rect = (
            rect.adjusted(-m, -m - style.GROUP_TITLE_HEIGHT, m, m) if rect.isValid() else QRectF()
        )
        self.update()

    def boundingRect(self) -> QRectF:
        return self._rect

    def title_rect(self) -> QRectF:
        return QRectF(
            self._rect.left(), self._rect.top(), self._rect.width(), style.GROUP_TITLE_HEIGHT
        )

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        if self._rect.isEmpty():
            return
        colour = QColor(self.graph_group.color)
        fill = QColor(colour)
        fill.setAlpha(70)
        edge = style.NODE_BORDER_SELECTED if self.isSelected() else colour.lighter(140)
        painter.setPen(QPen(edge, 1.5))
        painter.setBrush(fill)
        painter.drawRoundedRect(self._rect, 8, 8)
        title = QColor(colour)
        title.setAlpha(170)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(title)
        painter.drawRoundedRect(self.title_rect(), 8, 8)
        painter.setFont(font("title"))
        painter.setPen(style.NODE_TITLE_TEXT)
        painter.drawText(
            self.title_rect().adjusted(12, 0, -12, 0),
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
            self.graph_group.title,
        )

    # Only the title bar grabs the mouse: clicks inside the frame reach the canvas (rubber band).
    def shape(self):
        from PySide6.QtGui import QPainterPath

        path = QPainterPath()
        path.addRect(self.title_rect())
        return path

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            event.ignore()
            return
        scene = graph_scene(self)
        if not event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            scene.clearSelection()
        self.setSelected(True)
        for node_id in self.graph_group.nodes:
            item = scene.nodes.get(node_id)
            if item is not None:
                item.setSelected(True)
        scene.begin_node_drag(event.scenePos())
        event.accept()

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        graph_scene(self).drag_nodes_to(event.scenePos())

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        graph_scene(self).end_node_drag()

    def mouseDoubleClickEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        graph_scene(self).group_rename_requested.emit(self.graph_group)
        event.accept()
