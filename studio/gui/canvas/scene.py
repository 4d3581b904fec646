"""GraphScene: mirrors the document's graph as items and turns gestures into undo commands."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QLineF, QObject, QPointF, QRect, QRectF, Signal
from PySide6.QtGui import QPainter, QPen
from PySide6.QtWidgets import QGraphicsScene

from studio.gui.canvas import style
from studio.gui.canvas.edge_drag import EdgeDrag
from studio.gui.canvas.edge_item import EdgeItem
from studio.gui.canvas.group_item import GroupItem
from studio.gui.canvas.node_item import NodeItem
from studio.gui.canvas.reroute_item import RerouteItem, insertion_index
from studio.gui.commands import (
    EdgeAddCommand,
    EdgeRemoveCommand,
    EdgeRerouteCommand,
    NodeMoveCommand,
)

if TYPE_CHECKING:
    from studio.graph.model import Edge, Group
    from studio.gui.canvas.port_item import PortItem
    from studio.gui.document import Document
    from studio.gui.node_state import NodeStates

_drag_ids = itertools.count(1)


class CanvasOptions(QObject):
    """UI state of the canvas (not saved in the graph)."""

    snap_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._snap = False

    @property
    def snap(self) -> bool:
        return self._snap

    def set_snap(self, snap: bool) -> None:
        if snap != self._snap:
            self._snap = snap
            self.snap_changed.emit(snap)


class GraphScene(QGraphicsScene):
    message = Signal(str)  # a short note for the status bar
    search_requested = Signal(QPointF, object)  # scene position, PortFilter or None
    group_rename_requested = Signal(object)  # Group
    node_activated = Signal(str)  # a node was double-clicked (a component node opens)

    def __init__(
        self,
        document: Document,
        states: NodeStates,
        options: CanvasOptions,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.document = document
        self.states = states
        self.options = options
        self.nodes: dict[str, NodeItem] = {}
        self.edges: dict[Edge, EdgeItem] = {}
        self.groups: list[GroupItem] = []
        self.detailed = True
        self._edge_drag: EdgeDrag | None = None
        self._node_drag: tuple[int, QPointF, dict[str, tuple[float, float]]] | None = None
        # A wire's loose end dropped on a node's body (not a port); True: it was handled there
        # (inside a component, the inputs and outputs nodes take it as a new port).
        self.port_drop: Callable[[PortItem, NodeItem, Edge | None], bool] | None = None
        # Whether port_drop would take a wire from that port on that node (it is highlighted).
        self.port_drop_accepts: Callable[[PortItem, NodeItem], bool] | None = None
        self.setSceneRect(QRectF(-50_000, -50_000, 100_000, 100_000))
        self.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.BspTreeIndex)
        self._populate()
        document.graph.subscribe(self._on_model)
        document.groups_changed.connect(self._rebuild_groups)
        states.status_changed.connect(self._on_status)
        states.result_changed.connect(self._on_result)

    def dispose(self) -> None:
        """Stop listening to the model (before the scene is dropped)."""
        self.document.graph.unsubscribe(self._on_model)
        for item in self.nodes.values():
            item.set_preview(None, None)

    # -- mirroring the model ----------------------------------------------------------------------
    def _populate(self) -> None:
        graph = self.document.graph
        for node in graph.nodes.values():
            self._add_node_item(node)
        for edge in graph.edges:
            self._add_edge_item(edge)
        self._rebuild_groups()

    def _add_node_item(self, node: Any) -> NodeItem:
        item = NodeItem(node, self.document.registry.get(node.type), self.document.graph)
        x, y = self.document.graph.positions.get(node.id, (0.0, 0.0))
        item.setPos(x, y)
        self.addItem(item)
        self.nodes[node.id] = item
        if not self.detailed:
            item.set_detail(False)
        item.set_status(self.states.get(node.id))
        self._on_result(node.id)
        return item

    def _add_edge_item(self, edge: Edge) -> None:
        src_item, dst_item = self.nodes.get(edge.src), self.nodes.get(edge.dst)
        if src_item is None or dst_item is None:
            return
        src = src_item.ensure_port(edge.src_port, True)
        dst = dst_item.ensure_port(edge.dst_port, False)
        if src is None or dst is None:  # a port the spec no longer has: validation reports it
            return
        item = EdgeItem(edge, src, dst, self.document.graph.reroutes.get(edge, []))
        self.addItem(item)
        self.edges[edge] = item
        src.update()
        dst.update()

    def _on_model(self, kind: str, details: dict[str, Any]) -> None:
        if kind == "node_added":
            self._add_node_item(details["node"])
        elif kind == "node_removed":
            node_id = details["node"].id
            item = self.nodes.pop(node_id, None)
            if item is not None:
                item.set_preview(None, None)
                self.removeItem(item)
            self.states.forget(node_id)
            self._refresh_groups()
        elif kind == "edge_added":
            self._add_edge_item(details["edge"])
        elif kind == "edge_removed":
            edge_item = self.edges.pop(details["edge"], None)
            if edge_item is not None:
                if self._edge_drag is not None and self._edge_drag.replacing is edge_item:
                    self.cancel_edge_drag()
                edge_item.detach()
                self.removeItem(edge_item)
        elif kind == "node_moved":
            item = self.nodes.get(details["node"])
            if item is not None:
                x, y = details["position"]
                item.setPos(x, y)
                self._refresh_groups(details["node"])
        elif kind in ("mode_changed", "title_changed", "colour_changed"):
            item = self.nodes.get(details["node"])
            if item is not None:
                item.refresh_looks()
        elif kind == "collapsed_changed":
            item = self.nodes.get(details["node"])
            if item is not None:
                item.set_collapsed(details["collapsed"])
                self._refresh_groups(details["node"])
        elif kind == "reroutes_changed":
            edge_item = self.edges.get(details["edge"])
            if edge_item is not None:
                edge_item.set_points(details["points"])

    def rebuild_nodes(self, node_ids: list[str]) -> None:
        """Build these nodes' items again: their spec changed (a component's ports or params)."""
        rebuilt = [n for n in node_ids if n in self.nodes and n in self.document.graph.nodes]
        for node_id in rebuilt:
            for edge in [e for e in self.edges if node_id in (e.src, e.dst)]:
                edge_item = self.edges.pop(edge)
                edge_item.detach()
                self.removeItem(edge_item)
            item = self.nodes.pop(node_id)
            selected = item.isSelected()
            item.set_preview(None, None)
            self.removeItem(item)
            self._add_node_item(self.document.graph.nodes[node_id]).setSelected(selected)
        for edge in self.document.graph.edges:
            if edge not in self.edges and (edge.src in rebuilt or edge.dst in rebuilt):
                self._add_edge_item(edge)
        self._refresh_groups()

    def _rebuild_groups(self) -> None:
        for item in self.groups:
            self.removeItem(item)
        self.groups = []
        for group in self.document.graph.groups:
            item = GroupItem(group)
            self.addItem(item)
            item.refresh(self.nodes)
            self.groups.append(item)

    def _refresh_groups(self, node_id: str | None = None) -> None:
        for item in self.groups:
            if node_id is None or node_id in item.graph_group.nodes:
                item.refresh(self.nodes)

    def _on_status(self, node_id: str) -> None:
        item = self.nodes.get(node_id)
        if item is not None:
            item.set_status(self.states.get(node_id))

    def _on_result(self, node_id: str) -> None:
        item = self.nodes.get(node_id)
        if item is None:
            return
        from studio.gui.previews import make_preview, preview_value

        value = preview_value(item.spec, self.states.get(node_id).outputs)
        key = _value_key(value)
        if key == item.preview_key:
            return
        preview = make_preview(value, item.preview_rect.size()) if value is not None else None
        item.set_preview(preview, key)
        if preview is not None and not self.detailed:
            preview.setVisible(False)

    # -- selection helpers ------------------------------------------------------------------------
    def selected_node_ids(self) -> list[str]:
        return [i.node_id for i in self.selectedItems() if isinstance(i, NodeItem)]

    def selected_edges(self) -> list[Edge]:
        return [i.edge for i in self.selectedItems() if isinstance(i, EdgeItem)]

    def selected_groups(self) -> list[Group]:
        return [i.graph_group for i in self.selectedItems() if isinstance(i, GroupItem)]

    def selected_reroutes(self) -> list[tuple[Edge, int]]:
        return [
            (i.edge_item.edge, i.index) for i in self.selectedItems() if isinstance(i, RerouteItem)
        ]

    def node_at(self, pos: QPointF) -> NodeItem | None:
        """The node whose body is under a scene position."""
        for item in self.items(pos):
            while item is not None and not isinstance(item, NodeItem):
                item = item.parentItem()
            if item is not None:
                return item
        return None

    def select_nodes(self, node_ids: list[str]) -> None:
        self.clearSelection()
        for node_id in node_ids:
            if node_id in self.nodes:
                self.nodes[node_id].setSelected(True)

    def nodes_rect(self, node_ids: list[str] | None = None) -> QRectF:
        rect = QRectF()
        for node_id, item in self.nodes.items():
            if node_ids is None or node_id in node_ids:
                rect = rect.united(item.sceneBoundingRect())
        return rect

    def set_detail(self, detailed: bool) -> None:
        """Show or hide ports and previews (far out they are too small to see or use)."""
        if detailed == self.detailed:
            return
        self.detailed = detailed
        for item in self.nodes.values():
            item.set_detail(detailed)

    # -- moving nodes (one drag = one merged undo step) -------------------------------------------
    def begin_node_drag(self, pos: QPointF) -> None:
        positions = self.document.graph.positions
        start = {n: positions.get(n, (0.0, 0.0)) for n in self.selected_node_ids()}
        self._node_drag = (next(_drag_ids), pos, start)

    def drag_nodes_to(self, pos: QPointF) -> None:
        if self._node_drag is None:
            return
        drag_id, origin, start = self._node_drag
        dx, dy = pos.x() - origin.x(), pos.y() - origin.y()
        moves = {}
        for node_id, (x, y) in start.items():
            new = (x + dx, y + dy)
            if self.options.snap:
                new = (snap(new[0]), snap(new[1]))
            if new != self.document.graph.positions.get(node_id, (0.0, 0.0)):
                moves[node_id] = ((x, y), new)
        if moves:
            self.document.push(NodeMoveCommand(self.document, moves, drag_id))

    def end_node_drag(self) -> None:
        self._node_drag = None

    # -- dragging edges ---------------------------------------------------------------------------
    @property
    def edge_drag_active(self) -> bool:
        return self._edge_drag is not None

    def begin_edge_drag_from_port(self, port: PortItem, pos: QPointF) -> None:
        replacing = None
        if not port.is_output and port.edges:
            # Dragging a connected input picks up its (last) edge by that end.
            replacing = max(port.edges, key=lambda e: e.edge.order)
            self._edge_drag = EdgeDrag(self, replacing.src, replacing)
        else:
            self._edge_drag = EdgeDrag(self, port, None)
        self._edge_drag.move(pos)

    def begin_edge_reconnect(self, edge: EdgeItem, fixed: PortItem, pos: QPointF) -> None:
        self._edge_drag = EdgeDrag(self, fixed, edge)
        self._edge_drag.move(pos)

    def move_edge_drag(self, pos: QPointF) -> None:
        if self._edge_drag is not None:
            self._edge_drag.move(pos)

    def finish_edge_drag(self, pos: QPointF) -> None:
        drag, self._edge_drag = self._edge_drag, None
        if drag is not None:
            drag.finish(pos)

    def cancel_edge_drag(self) -> None:
        drag, self._edge_drag = self._edge_drag, None
        if drag is not None:
            drag.end()

    def connect_ports(
        self, src: str, src_port: str, dst: str, dst_port: str, replacing: Edge | None = None
    ) -> bool:
        """Connect two ports as one undo step (replacing what a single input held)."""
        graph = self.document.graph
        if src == dst or dst in graph.ancestors([src]):
            self.message.emit(
                f"Cannot connect {src}.{src_port} to {dst}.{dst_port}: that would make a loop."
            )
            return False
        spec = self.document.spec_of(dst)
        port = spec.input(dst_port) if spec else None
        existing = [e for e in graph.edges_into(dst, dst_port) if e != replacing]
        if any((e.src, e.src_port) == (src, src_port) for e in existing):
            self.message.emit("Those ports are already connected.")
            return False
        stack = self.document.undo_stack
        stack.beginMacro(f"Connect {src}.{src_port} → {dst}.{dst_port}")
        if replacing is not None:
            stack.push(EdgeRemoveCommand(self.document, replacing))
        if port is not None and not port.type.is_list:
            for edge in existing:
                stack.push(EdgeRemoveCommand(self.document, edge))
        stack.push(EdgeAddCommand(self.document, src, src_port, dst, dst_port))
        stack.endMacro()
        return True

    # -- reroute dots (one undo step each; the moves of one drag merge) ---------------------------
    def add_reroute(self, edge: Edge, at: QPointF) -> None:
        item = self.edges.get(edge)
        if item is None:
            return
        points = list(self.document.graph.reroutes.get(edge, []))
        index = insertion_index(item.points(), at)
        points.insert(index, (at.x(), at.y()))
        self.document.push(EdgeRerouteCommand(self.document, edge, points, "Add reroute dot"))
        self.clearSelection()
        self.edges[edge].dots[index].setSelected(True)

    def move_reroute(self, edge: Edge, index: int, to: QPointF, drag_id: int) -> None:
        points = list(self.document.graph.reroutes.get(edge, []))
        if index >= len(points) or points[index] == (to.x(), to.y()):
            return
        points[index] = (to.x(), to.y())
        self.document.push(
            EdgeRerouteCommand(self.document, edge, points, "Move reroute dot", drag_id)
        )
        self.edges[edge].dots[index].setSelected(True)

    def remove_reroutes(self, dots: list[tuple[Edge, int]]) -> None:
        by_edge: dict[Edge, set[int]] = {}
        for edge, index in dots:
            by_edge.setdefault(edge, set()).add(index)
        stack = self.document.undo_stack
        stack.beginMacro("Remove reroute dots")
        for edge, indexes in by_edge.items():
            points = self.document.graph.reroutes.get(edge, [])
            kept = [p for i, p in enumerate(points) if i not in indexes]
            stack.push(EdgeRerouteCommand(self.document, edge, kept, "Remove reroute dot"))
        stack.endMacro()

    # -- background -------------------------------------------------------------------------------
    def drawBackground(self, painter: QPainter, rect: QRectF | QRect) -> None:
        painter.fillRect(rect, style.CANVAS_BACKGROUND)
        lod = painter.worldTransform().m11()
        step = style.GRID_SIZE if lod >= 0.6 else style.GRID_SIZE * 5
        if lod < 0.12:
            return
        left = math.floor(rect.left() / step) * step
        top = math.floor(rect.top() / step) * step
        minor: list[QLineF] = []
        major: list[QLineF] = []
        x = left
        while x < rect.right():
            (major if round(x / step) % 5 == 0 else minor).append(
                QLineF(x, rect.top(), x, rect.bottom())
            )
            x += step
        y = top
        while y < rect.bottom():
            (major if round(y / step) % 5 == 0 else minor).append(
                QLineF(rect.left(), y, rect.right(), y)
            )
            y += step
        painter.setPen(QPen(style.GRID_MINOR, 0))
        painter.drawLines(minor)
        painter.setPen(QPen(style.GRID_MAJOR, 0))
        painter.drawLines(major)


def snap(value: float) -> float:
    return round(value / style.GRID_SIZE) * style.GRID_SIZE


def _value_key(value: Any) -> Any:
    """Identity of a previewed value: the digest of a media file, the text itself."""
    if value is None:
        return None
    digest = getattr(value, "digest", None)
    return ("artifact", digest) if digest else ("value", repr(value)[:2000])
