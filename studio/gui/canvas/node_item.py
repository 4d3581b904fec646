"""A node on the canvas: title, category colour, typed ports, run state and an inline preview."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsSceneMouseEvent, QStyleOptionGraphicsItem

from studio.graph.components import BOUNDARY_TYPES, INPUTS_TYPE
from studio.graph.types import PortType
from studio.gui.canvas import node_looks as looks
from studio.gui.canvas import style
from studio.gui.canvas.port_item import PortItem
from studio.gui.canvas.scene_of import graph_scene
from studio.gui.key_help import for_gui

if TYPE_CHECKING:
    from studio.api import NodeSpec
    from studio.graph.model import Graph, Node
    from studio.gui.node_state import NodeStatus

_FONTS: dict[str, QFont] = {}


def font(kind: str) -> QFont:
    """Shared fonts (made once, after the application exists)."""
    if not _FONTS:
        title = QFont()
        title.setPointSizeF(9.5)
        title.setBold(True)
        small = QFont()
        small.setPointSizeF(8.0)
        _FONTS.update(title=title, small=small)
    return _FONTS[kind]


class NodeItem(QGraphicsItem):
    """Mirrors one model node. Moves go through the scene (an undo command), never straight here."""

    def __init__(self, node: Node, spec: NodeSpec | None, graph: Graph) -> None:
        super().__init__()
        self.node = node
        self.spec = spec
        self.graph = graph
        self.status: NodeStatus | None = None
        self.preview_item: QGraphicsItem | None = None
        self._preview_key: Any = None
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges)
        self.setAcceptHoverEvents(True)
        self.setZValue(style.Z_NODE)
        # Repaints blit a cached picture; only a node whose state changed is drawn again.
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.inputs: dict[str, PortItem] = {}
        self.outputs: dict[str, PortItem] = {}
        from studio.gui.previews import preview_size

        m = style.PREVIEW_MARGIN
        large = preview_size(spec)  # a compare grid needs more room than a thumbnail
        self.width = large[0] + 2 * m if large else style.NODE_WIDTH
        preview_height = large[1] if large else style.PREVIEW_HEIGHT
        self._build_ports(graph)
        # A component's inputs (outputs) node takes a wire dropped on it as a new port: an empty
        # slot under its ports shows where (studio.gui.components_ports).
        self.new_port_slot: bool | None = None  # None: no slot; True: on the output side
        self.drop_colour: QColor | None = None  # a wire dragged over it: its port type's colour
        if spec is not None and node.type in BOUNDARY_TYPES:
            self.new_port_slot = node.type == INPUTS_TYPE
        slot = len(self.outputs if self.new_port_slot else self.inputs)
        rows = max(
            len(self.inputs), len(self.outputs), 1 + slot if self.new_port_slot is not None else 1
        )
        ports_bottom = style.HEADER_HEIGHT + rows * style.PORT_ROW_HEIGHT + 6
        # A component's inputs node only hands its inputs on: nothing of its own to show.
        has_preview = (bool(self.outputs) or spec is None) and node.type != INPUTS_TYPE
        self.preview_rect = QRectF(
            m, ports_bottom, self.width - 2 * m, preview_height if has_preview else 0
        )
        self.full_height = ports_bottom + (preview_height + m if has_preview else 0)
        self.height = self.full_height
        self._bounds = QRectF(0, 0, self.width, self.height).adjusted(-2, -2, 2, 2)
        self._category_colour = (
            style.category_colour(spec.category) if spec else style.NODE_BODY_UNKNOWN
        )
        self.collapsed = False
        self.detailed = True
        self.set_collapsed(node.id in graph.collapsed)
        self.refresh_looks()
        self._update_tooltip()

    # -- structure --------------------------------------------------------------------------------
    @property
    def node_id(self) -> str:
        return self.node.id

    @property
    def title(self) -> str:
        if self.node.title:
            return self.node.title
        return self.spec.title if self.spec else self.node.type

    def _build_ports(self, graph: Graph) -> None:
        ins: list[tuple[str, PortType | None, bool, str]]
        outs: list[tuple[str, PortType | None, bool, str]]
        if self.spec is not None:
            ins = [(p.name, p.type, p.optional, p.help) for p in self.spec.inputs]
            outs = [(p.name, p.type, False, p.help) for p in self.spec.outputs]
        else:
            # A node type that is not installed: show the ports its edges use, so they still draw.
            ins = [
                (n, None, True, "")
                for n in sorted({e.dst_port for e in graph.edges if e.dst == self.node.id})
            ]
            outs = [
                (n, None, False, "")
                for n in sorted({e.src_port for e in graph.edges if e.src == self.node.id})
            ]
        for i, (name, ptype, optional, help_text) in enumerate(ins):
            port = PortItem(self, name, ptype, False, optional, help_text)
            port.setPos(0, self._row_y(i))
            self.inputs[name] = port
        for i, (name, ptype, _optional, help_text) in enumerate(outs):
            port = PortItem(self, name, ptype, True, False, help_text)
            port.setPos(self.width, self._row_y(i))
            self.outputs[name] = port

    @staticmethod
    def _row_y(index: int) -> float:
        return style.HEADER_HEIGHT + 4 + style.PORT_ROW_HEIGHT * (index + 0.5)

    def ensure_port(self, name: str, is_output: bool) -> PortItem | None:
        """The port an edge attaches to; unknown nodes grow ports for edges added later."""
        ports = self.outputs if is_output else self.inputs
        if name in ports or self.spec is not None:
            return ports.get(name)
        port = PortItem(self, name, None, is_output, True)
        port.setPos(self.width if is_output else 0, self._row_y(len(ports)))
        ports[name] = port
        return port

    def ports(self) -> list[PortItem]:
        return [*self.inputs.values(), *self.outputs.values()]

    def set_detail(self, detailed: bool) -> None:
        self.detailed = detailed
        for port in self.ports():
            port.setVisible(detailed and not self.collapsed)
        if self.preview_item is not None:
            self.preview_item.setVisible(detailed and not self.collapsed)

    # -- looks the user chose: mode, colour, folded -----------------------------------------------
    @property
    def header_colour(self) -> QColor:
        chosen = self.graph.colours.get(self.node.id)
        return QColor(chosen) if chosen else self._category_colour

    def refresh_looks(self) -> None:
        """Follow the model's mode, title and colour (bypassed and muted nodes are dimmed)."""
        self.setOpacity(looks.MODE_OPACITY.get(self.node.mode, 1.0))
        self._update_tooltip()
        self.update()

    def set_drop_colour(self, colour: QColor | None) -> None:
        """Highlight the node (and its new-port slot) while a wire dragged over it would make a
        new port when let go; None ends it."""
        if colour != self.drop_colour:
            self.drop_colour = colour
            self.update()

    def set_collapsed(self, collapsed: bool) -> None:
        """Fold to the title bar: ports gather at its ends, so wires stay attached."""
        self.prepareGeometryChange()
        self.collapsed = collapsed
        self.height = style.HEADER_HEIGHT if collapsed else self.full_height
        self._bounds = QRectF(0, 0, self.width, self.height).adjusted(-2, -2, 2, 2)
        for ports, x in ((self.inputs, 0.0), (self.outputs, self.width)):
            for i, port in enumerate(ports.values()):
                port.setPos(x, style.HEADER_HEIGHT / 2 if collapsed else self._row_y(i))
        self.set_detail(self.detailed)
        for port in self.ports():
            for edge in port.edges:
                edge.refresh()
        self.update()

    # -- state and result -------------------------------------------------------------------------
    def set_status(self, status: NodeStatus) -> None:
        self.status = status
        self._dim_if_stale()
        self._update_tooltip()
        self.update()

    def _dim_if_stale(self) -> None:
        if self.preview_item is not None:
            stale = self.status is not None and self.status.stale
            self.preview_item.setOpacity(style.STALE_PREVIEW_OPACITY if stale else 1.0)

    def set_preview(self, item: QGraphicsItem | None, key: Any) -> None:
        """Show a preview item (made by studio.gui.previews) inside the preview area."""
        if self.preview_item is not None:
            dispose = getattr(self.preview_item, "dispose", None)
            if dispose:
                dispose()
            if self.scene() is not None:
                self.scene().removeItem(self.preview_item)
        self.preview_item, self._preview_key = item, key
        if item is not None:
            item.setParentItem(self)
            item.setPos(self.preview_rect.topLeft())
            self._dim_if_stale()
        self.update()

    @property
    def preview_key(self) -> Any:
        return self._preview_key

    def _update_tooltip(self) -> None:
        if self.status is not None and _badge(self.status) == "stale":
            self.setToolTip(
                f"<b>{self.title}: stale</b><br>An edit changed this node or its inputs; "
                "the result shown is from before it. Run to refresh."
            )
        elif self.status is not None and self.status.state in ("failed", "skipped"):
            what = "failed" if self.status.state == "failed" else "was skipped"
            error = for_gui(self.status.error)
            self.setToolTip(f"<b>{self.title} {what}</b><br>{_escape(error)}")
        elif self.status is not None and self.status.warnings:
            lines = "".join(f"<br>⚠ {_escape(w)}" for w in self.status.warnings)
            self.setToolTip(f"<b>{self.title}: the result is usable, but</b>{lines}")
        elif self.spec is None:
            pack = f" from pack “{self.node.pack}”" if self.node.pack else ""
            self.setToolTip(f"{self.node.type}{pack} is not installed; the node is kept as is.")
        else:
            self.setToolTip(
                f"<b>{_escape(self.title)}</b> ({self.spec.id})<br>{self.spec.help}"
                + looks.mode_note(self.node.mode)
            )

    # -- painting ---------------------------------------------------------------------------------
    def boundingRect(self) -> QRectF:
        return self._bounds

    def itemChange(self, change, value):
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged:
            for port in self.ports():
                for edge in port.edges:
                    edge.refresh()
        elif change == QGraphicsItem.GraphicsItemChange.ItemSelectedHasChanged:
            self.setZValue(style.Z_NODE_SELECTED if value else style.Z_NODE)
        return super().itemChange(change, value)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        rect = QRectF(0, 0, self.width, self.height)
        state = self.status.state if self.status else "idle"
        if lod < style.DETAIL_ZOOM:  # far out: a block in the category colour, nothing to read
            painter.fillRect(rect, style.NODE_BODY if self.spec else style.NODE_BODY_UNKNOWN)
            painter.fillRect(QRectF(0, 0, self.width, style.HEADER_HEIGHT), self.header_colour)
            looks.paint_mode(painter, rect, self.node.mode)
            if state != "idle" or self.isSelected():
                colour = (
                    style.NODE_BORDER_SELECTED if self.isSelected() else style.STATE_COLOURS[state]
                )
                painter.setPen(QPen(colour, 6))
                painter.drawRect(rect)
            return
        body = style.NODE_BODY if self.spec else style.NODE_BODY_UNKNOWN
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(body)
        painter.drawRoundedRect(rect, style.CORNER_RADIUS, style.CORNER_RADIUS)
        header = QPainterPath()
        header.addRoundedRect(
            QRectF(0, 0, self.width, style.HEADER_HEIGHT + style.CORNER_RADIUS),
            style.CORNER_RADIUS,
            style.CORNER_RADIUS,
        )
        clip = QPainterPath()
        clip.addRect(QRectF(0, 0, self.width, style.HEADER_HEIGHT))
        painter.setBrush(self.header_colour)
        if self.collapsed:  # the title bar is the whole node
            header = QPainterPath()
            header.addRoundedRect(rect, style.CORNER_RADIUS, style.CORNER_RADIUS)
            clip = header
        painter.drawPath(header.intersected(clip))
        looks.paint_mode(painter, rect, self.node.mode)
        self._paint_header_text(painter, state)
        self._paint_progress(painter, state)
        if not self.collapsed:
            self._paint_port_labels(painter)
            self._paint_new_port_slot(painter)
        if self.preview_rect.height() > 0 and self.preview_item is None and not self.collapsed:
            self._paint_empty_preview(painter, state)
        border, width = style.NODE_BORDER, 1.0
        if self.drop_colour is not None:  # letting go here makes a new port: say so
            border, width = self.drop_colour, 3.0
        elif self.isSelected():
            border, width = style.NODE_BORDER_SELECTED, 2.0
        elif state in ("failed", "running", "cancelled"):
            border, width = style.STATE_COLOURS[state], 2.0
        painter.setPen(QPen(border, width))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(rect, style.CORNER_RADIUS, style.CORNER_RADIUS)

    def _paint_header_text(self, painter: QPainter, state: str) -> None:
        badge = _badge(self.status)
        painter.setFont(font("small"))
        badge_width = QFontMetricsF(font("small")).horizontalAdvance(badge) + 10 if badge else 0
        if badge:
            colour = style.STATE_COLOURS["stale" if badge == "stale" else state]
            r = QRectF(self.width - badge_width - 6, 6, badge_width, style.HEADER_HEIGHT - 12)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(0, 0, 0, 90))
            painter.drawRoundedRect(r, 4, 4)
            painter.setPen(colour.lighter(130))
            painter.drawText(r, Qt.AlignmentFlag.AlignCenter, badge)
        warnings = len(self.status.warnings) if self.status is not None else 0
        if warnings:  # degraded but usable: an amber mark left of the state badge
            mark = f"⚠ {warnings}" if warnings > 1 else "⚠"
            mark_width = QFontMetricsF(font("small")).horizontalAdvance(mark) + 10
            r = QRectF(
                self.width - badge_width - mark_width - 10, 6, mark_width, style.HEADER_HEIGHT - 12
            )
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(style.WARNING_BADGE)
            painter.drawRoundedRect(r, 4, 4)
            painter.setPen(style.WARNING_BADGE_TEXT)
            painter.drawText(r, Qt.AlignmentFlag.AlignCenter, mark)
            badge_width += mark_width + 4
        pill = looks.paint_mode_pill(painter, 8.0, self.node.mode)  # "bypassed" / "muted"
        painter.setFont(font("title"))
        painter.setPen(style.NODE_TITLE_TEXT if self.spec else style.UNKNOWN_TEXT)
        title_rect = QRectF(10 + pill, 0, self.width - 20 - badge_width - pill, style.HEADER_HEIGHT)
        metrics = QFontMetricsF(font("title"))
        text = metrics.elidedText(self.title, Qt.TextElideMode.ElideRight, title_rect.width())
        painter.drawText(
            title_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, text
        )

    def _paint_progress(self, painter: QPainter, state: str) -> None:
        if state != "running" or self.status is None:
            return
        bar = QRectF(0, style.HEADER_HEIGHT - 3, self.width, 3)
        painter.fillRect(bar, QColor(0, 0, 0, 120))
        colour = style.STATE_COLOURS["running"]
        if self.status.fraction is None:
            colour = QColor(colour)
            colour.setAlpha(120)
            painter.fillRect(bar, colour)
        else:
            bar.setWidth(self.width * max(0.0, min(1.0, self.status.fraction)))
            painter.fillRect(bar, colour)

    def _paint_port_labels(self, painter: QPainter) -> None:
        painter.setFont(font("small"))
        painter.setPen(style.PORT_LABEL_TEXT)
        half = self.width / 2 - 14
        for port in self.inputs.values():
            y = port.pos().y()
            painter.drawText(
                QRectF(12, y - 9, half, 18), Qt.AlignmentFlag.AlignVCenter, _label(port)
            )
        for port in self.outputs.values():
            y = port.pos().y()
            painter.drawText(
                QRectF(self.width - 12 - half, y - 9, half, 18),
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
                _label(port),
            )

    def _paint_new_port_slot(self, painter: QPainter) -> None:
        if self.new_port_slot is None:
            return
        on_right = self.new_port_slot
        y = self._row_y(len(self.outputs if on_right else self.inputs))
        x = self.width if on_right else 0.0
        pen = QPen(style.PORT_LABEL_TEXT, 1.2, Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        if self.drop_colour is not None:  # the port a drop would make, filled in its colour
            painter.setPen(QPen(self.drop_colour, 1.5))
            painter.setBrush(self.drop_colour)
        painter.drawEllipse(
            QRectF(
                x - style.PORT_RADIUS,
                y - style.PORT_RADIUS,
                2 * style.PORT_RADIUS,
                2 * style.PORT_RADIUS,
            )
        )
        painter.setFont(font("small"))
        half = self.width - 24
        align = Qt.AlignmentFlag.AlignRight if on_right else Qt.AlignmentFlag.AlignLeft
        painter.drawText(
            QRectF(12, y - 9, half, 18),
            Qt.AlignmentFlag.AlignVCenter | align,
            "+ drop a wire: new port",
        )

    def _paint_empty_preview(self, painter: QPainter, state: str) -> None:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(style.PREVIEW_BACKGROUND)
        painter.drawRoundedRect(self.preview_rect, 4, 4)
        painter.setFont(font("small"))
        painter.setPen(style.UNKNOWN_TEXT)
        if self.spec is None:
            pack = f"pack “{self.node.pack}”" if self.node.pack else "its pack"
            text = f"{self.node.type}\nfrom {pack}, not installed.\nKept as is on save."
        elif state in ("failed", "skipped") and self.status is not None:
            painter.setPen(style.STATE_COLOURS[state].lighter(120))
            text = for_gui(self.status.error)
        elif state == "running" and self.status is not None:
            text = self.status.message or "running…"
        else:
            text = "no result yet"
        painter.drawText(
            self.preview_rect.adjusted(8, 6, -8, -6),
            Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
            text,
        )

    # -- interaction: selection and moving go through the scene (undoable) ------------------------
    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            event.ignore()
            return
        modifiers = event.modifiers()
        if modifiers & (Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.ControlModifier):
            self.setSelected(not self.isSelected())
        elif not self.isSelected():
            self.scene().clearSelection()
            self.setSelected(True)
        if self.isSelected():
            graph_scene(self).begin_node_drag(event.scenePos())
        event.accept()

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        graph_scene(self).drag_nodes_to(event.scenePos())

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        graph_scene(self).end_node_drag()

    def mouseDoubleClickEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        event.accept()  # a double-click on a node must not open the node search
        if event.button() == Qt.MouseButton.LeftButton:
            graph_scene(self).node_activated.emit(self.node_id)


def _label(port: PortItem) -> str:
    if port.port_type is not None and port.port_type.is_list and port.port_type != PortType.TEXT:
        return f"{port.name} [ ]"
    return port.name


def _badge(status: NodeStatus | None) -> str:
    if status is None:
        return ""
    if status.stale and status.state not in ("queued", "running"):
        return "stale"
    if status.state == "idle":
        return ""
    if status.state == "running":
        return f"{round(status.fraction * 100)}%" if status.fraction is not None else "running"
    if status.state == "done" and status.seconds is not None:
        return f"done {status.seconds:.1f}s"
    return status.state


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
