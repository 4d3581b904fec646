"""Dragging an edge: from a port to a port with live type checks, or an existing edge's end."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QLineF, QPointF

from studio.graph.types import PortType, can_connect
from studio.gui.canvas.edge_item import DragEdgeItem, EdgeItem
from studio.gui.canvas.style import port_colour
from studio.gui.commands import EdgeRemoveCommand

if TYPE_CHECKING:
    from studio.gui.canvas.node_item import NodeItem
    from studio.gui.canvas.port_item import PortItem
    from studio.gui.canvas.scene import GraphScene

SNAP_DISTANCE = 16.0  # a release this close to a compatible port connects to it


@dataclass(frozen=True)
class PortFilter:
    """What a new node must offer to take the loose end of a dragged edge (for the node search)."""

    node_id: str
    port: str
    port_type: PortType
    from_output: bool  # True: the new node needs an input accepting `port_type`

    def accepts(self, other_type: PortType) -> bool:
        if self.from_output:
            return can_connect(self.port_type, other_type)
        return can_connect(other_type, self.port_type)


def compatible(fixed: PortItem, other: PortItem) -> bool:
    """May the loose end of an edge anchored at `fixed` be dropped on `other`?"""
    if other.is_output == fixed.is_output or other.node_item is fixed.node_item:
        return False
    if fixed.port_type is None or other.port_type is None:
        return False
    if fixed.is_output:
        return can_connect(fixed.port_type, other.port_type)
    return can_connect(other.port_type, fixed.port_type)


class EdgeDrag:
    """One drag in progress. `replacing` is the edge whose end was picked up (reconnect/detach)."""

    def __init__(self, scene: GraphScene, fixed: PortItem, replacing: EdgeItem | None) -> None:
        self.scene = scene
        self.fixed = fixed
        self.replacing = replacing
        self.loose = DragEdgeItem(fixed)
        scene.addItem(self.loose)
        if replacing is not None:
            replacing.setVisible(False)
        # Every port that cannot take the loose end is dimmed, same-side ports included.
        self.candidates = [p for item in scene.nodes.values() for p in item.ports()]
        for port in self.candidates:
            port.set_dimmed(not compatible(fixed, port) and port is not fixed)
        self.hovered: PortItem | None = None
        self.drop_node: NodeItem | None = None  # highlighted: a drop here makes a new port

    def target_at(self, pos: QPointF) -> PortItem | None:
        best, best_distance = None, SNAP_DISTANCE
        for port in self.candidates:
            if port.dimmed:
                continue
            distance = QLineF(pos, port.anchor()).length()
            if distance <= best_distance:
                best, best_distance = port, distance
        return best

    def move(self, pos: QPointF) -> None:
        target = self.target_at(pos)
        if target is not self.hovered:
            if self.hovered is not None:
                self.hovered.hovered = False
                self.hovered.update()
            self.hovered = target
            if target is not None:
                target.hovered = True
                target.update()
        self.loose.follow(target.anchor() if target else pos)
        self._show_drop_node(None if target is not None else self.scene.node_at(pos))

    def _show_drop_node(self, node: NodeItem | None) -> None:
        accepts = self.scene.port_drop_accepts
        if node is not None and (
            node is self.fixed.node_item or accepts is None or not accepts(self.fixed, node)
        ):
            node = None
        if node is self.drop_node:
            return
        if self.drop_node is not None:
            self.drop_node.set_drop_colour(None)
        self.drop_node = node
        if node is not None:
            node.set_drop_colour(port_colour(self.fixed.port_type))

    def finish(self, pos: QPointF) -> None:
        target = self.target_at(pos)
        self.end()
        if target is not None:
            self._connect(target)
        elif self._dropped_on_node(pos):
            return
        elif self.replacing is not None:
            self.scene.document.push(EdgeRemoveCommand(self.scene.document, self.replacing.edge))
        elif self.fixed.port_type is not None:
            self.scene.search_requested.emit(
                pos,
                PortFilter(
                    self.fixed.node_id, self.fixed.name, self.fixed.port_type, self.fixed.is_output
                ),
            )

    def _dropped_on_node(self, pos: QPointF) -> bool:
        handler = self.scene.port_drop
        node = self.scene.node_at(pos)
        if handler is None or node is None or node is self.fixed.node_item:
            return False
        return handler(self.fixed, node, self.replacing.edge if self.replacing else None)

    def end(self) -> None:
        """Remove the loose edge and undim the ports (the model is not touched)."""
        for port in self.candidates:
            port.set_dimmed(False)
            port.hovered = False
        self._show_drop_node(None)
        self.scene.removeItem(self.loose)
        if self.replacing is not None and self.replacing.scene() is self.scene:
            self.replacing.setVisible(True)

    def _connect(self, target: PortItem) -> None:
        src, dst = (self.fixed, target) if self.fixed.is_output else (target, self.fixed)
        if self.replacing is not None:
            old = self.replacing.edge
            if (old.src, old.src_port, old.dst, old.dst_port) == (
                src.node_id,
                src.name,
                dst.node_id,
                dst.name,
            ):
                return  # dropped back where it was
        self.scene.connect_ports(
            src.node_id,
            src.name,
            dst.node_id,
            dst.name,
            replacing=self.replacing.edge if self.replacing else None,
        )
