"""Undo commands. Each changes the model only; the canvas follows through the model's events.

Names are <Subject><Verb>Command. A command never pushes another; multi-item edits are macros
(`QUndoStack.beginMacro`), and the moves of one drag merge into one command.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QUndoCommand

from studio.graph.model import Edge, Group, Node

if TYPE_CHECKING:
    from studio.gui.document import Document

Position = tuple[float, float]

MERGE_MOVE = 1
MERGE_PARAM = 2
MERGE_REROUTE = 3


class NodeAddCommand(QUndoCommand):
    def __init__(self, document: Document, node: Node, position: Position) -> None:
        super().__init__(f"Add {node.title or node.type}")
        self.document, self.node, self.position = document, node, position

    def redo(self) -> None:
        self.document.graph.add_node(self.node, self.position)

    def undo(self) -> None:
        self.document.graph.remove_node(self.node.id)


class NodeRemoveCommand(QUndoCommand):
    """Delete a node with its edges; undo restores the edges in order and its group memberships."""

    def __init__(self, document: Document, node_id: str) -> None:
        super().__init__(f"Delete {node_id}")
        self.document, self.node_id = document, node_id
        self.node: Node | None = None
        self.position: Position | None = None
        self.edges: list[Edge] = []
        self.memberships: list[tuple[Group, int]] = []
        self.reroutes: dict[Edge, list[Position]] = {}
        self.collapsed = False
        self.colour: str | None = None

    def redo(self) -> None:
        graph = self.document.graph
        self.position = graph.positions.get(self.node_id)
        self.memberships = [
            (g, g.nodes.index(self.node_id)) for g in graph.groups if self.node_id in g.nodes
        ]
        self.reroutes = {
            e: list(p) for e, p in graph.reroutes.items() if self.node_id in (e.src, e.dst)
        }
        self.collapsed = self.node_id in graph.collapsed
        self.colour = graph.colours.get(self.node_id)
        self.node, self.edges = graph.remove_node(self.node_id)
        if self.memberships:
            self.document.groups_changed.emit()

    def undo(self) -> None:
        graph = self.document.graph
        assert self.node is not None
        graph.add_node(self.node, self.position)
        if self.collapsed:
            graph.set_collapsed(self.node_id, True)
        if self.colour:
            graph.set_colour(self.node_id, self.colour)
        for edge in sorted(self.edges):
            graph.connect(edge.src, edge.src_port, edge.dst, edge.dst_port, edge.order)
            if edge in self.reroutes:
                graph.set_reroutes(edge, self.reroutes[edge])
        for group, index in self.memberships:
            group.nodes.insert(index, self.node_id)
        if self.memberships:
            self.document.groups_changed.emit()


class EdgeAddCommand(QUndoCommand):
    def __init__(
        self,
        document: Document,
        src: str,
        src_port: str,
        dst: str,
        dst_port: str,
        order: int | None = None,
    ) -> None:
        super().__init__(f"Connect {src}.{src_port} → {dst}.{dst_port}")
        self.document = document
        self.args = (src, src_port, dst, dst_port)
        self.order = order
        self.edge: Edge | None = None

    def redo(self) -> None:
        self.edge = self.document.graph.connect(*self.args, order=self.order)
        self.order = self.edge.order  # a redo after undo recreates the very same edge

    def undo(self) -> None:
        assert self.edge is not None
        self.document.graph.remove_edge(self.edge)


class EdgeRemoveCommand(QUndoCommand):
    def __init__(self, document: Document, edge: Edge) -> None:
        super().__init__(f"Disconnect {edge.src}.{edge.src_port} → {edge.dst}.{edge.dst_port}")
        self.document, self.edge = document, edge
        self.points: list[Position] = []

    def redo(self) -> None:
        self.points = list(self.document.graph.reroutes.get(self.edge, []))
        self.document.graph.remove_edge(self.edge)

    def undo(self) -> None:
        e = self.edge
        self.document.graph.connect(e.src, e.src_port, e.dst, e.dst_port, e.order)
        if self.points:
            self.document.graph.set_reroutes(e, self.points)


_ABSENT = object()


class ParamSetCommand(QUndoCommand):
    """Set one param. Edits flagged `continuous` (typing, slider drags) merge into one step."""

    def __init__(
        self, document: Document, node_id: str, name: str, value: Any, continuous: bool = False
    ) -> None:
        super().__init__(f"Change {node_id}.{name}")
        self.document, self.node_id, self.name = document, node_id, name
        self.value = value
        self.continuous = continuous
        self.old = document.graph.nodes[node_id].params.get(name, _ABSENT)

    def id(self) -> int:
        return MERGE_PARAM

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not (
            isinstance(other, ParamSetCommand)
            and self.continuous
            and other.continuous
            and (other.node_id, other.name) == (self.node_id, self.name)
        ):
            return False
        self.value = other.value
        return True

    def redo(self) -> None:
        spec = self.document.spec_of(self.node_id)
        param = spec.param(self.name) if spec else None
        if param is not None and param.kind == "output" and isinstance(self.value, str):
            from studio.graph.outputs import choose_output

            # Typed or picked here, by the user: theirs to choose, even outside the folder.
            choose_output(self.document.graph, self.value)
        self.document.graph.set_param(self.node_id, self.name, self.value)

    def undo(self) -> None:
        graph = self.document.graph
        if self.old is _ABSENT:
            # The param was not in the file: announce its default, then drop the explicit value,
            # so an undo gives back the very same file.
            spec = self.document.spec_of(self.node_id)
            param = spec.param(self.name) if spec else None
            graph.set_param(self.node_id, self.name, param.default if param else None)
            graph.nodes[self.node_id].params.pop(self.name, None)
        else:
            graph.set_param(self.node_id, self.name, self.old)


class NodeMoveCommand(QUndoCommand):
    """Move nodes; successive moves with the same `drag_id` (one mouse drag) merge."""

    def __init__(
        self,
        document: Document,
        moves: dict[str, tuple[Position, Position]],
        drag_id: int | None = None,
        text: str = "Move",
    ) -> None:
        super().__init__(f"{text} {len(moves)} node{'s' if len(moves) != 1 else ''}")
        self.document, self.moves, self.drag_id = document, dict(moves), drag_id

    def id(self) -> int:
        return MERGE_MOVE

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not (
            isinstance(other, NodeMoveCommand)
            and self.drag_id is not None
            and other.drag_id == self.drag_id
        ):
            return False
        for node_id, (old, new) in other.moves.items():
            first = self.moves.get(node_id, (old, new))[0]
            self.moves[node_id] = (first, new)
        return True

    def redo(self) -> None:
        for node_id, (_old, new) in self.moves.items():
            if node_id in self.document.graph.nodes:
                self.document.graph.move_node(node_id, new)

    def undo(self) -> None:
        for node_id, (old, _new) in self.moves.items():
            if node_id in self.document.graph.nodes:
                self.document.graph.move_node(node_id, old)


class GroupAddCommand(QUndoCommand):
    def __init__(self, document: Document, group: Group) -> None:
        super().__init__(f"Group {len(group.nodes)} nodes")
        self.document, self.group = document, group

    def redo(self) -> None:
        self.document.graph.groups.append(self.group)
        self.document.groups_changed.emit()

    def undo(self) -> None:
        self.document.graph.groups.remove(self.group)
        self.document.groups_changed.emit()


class GroupRemoveCommand(QUndoCommand):
    """Remove a group frame (its nodes stay)."""

    def __init__(self, document: Document, group: Group) -> None:
        super().__init__(f"Ungroup {group.title}")
        self.document, self.group = document, group
        self.index = document.graph.groups.index(group)

    def redo(self) -> None:
        self.document.graph.groups.remove(self.group)
        self.document.groups_changed.emit()

    def undo(self) -> None:
        self.document.graph.groups.insert(self.index, self.group)
        self.document.groups_changed.emit()


class GroupRenameCommand(QUndoCommand):
    def __init__(self, document: Document, group: Group, title: str) -> None:
        super().__init__(f"Rename group to {title}")
        self.document, self.group, self.title, self.old = document, group, title, group.title

    def redo(self) -> None:
        self.group.title = self.title
        self.document.groups_changed.emit()

    def undo(self) -> None:
        self.group.title = self.old
        self.document.groups_changed.emit()


class NodeModeSetCommand(QUndoCommand):
    """Bypass, mute or run nodes normally (one step for the whole selection)."""

    def __init__(self, document: Document, node_ids: list[str], mode: str) -> None:
        words = {"bypass": "Bypass", "mute": "Mute", "normal": "Enable"}
        count = len(node_ids)
        super().__init__(f"{words.get(mode, mode)} {count} node{'s' if count != 1 else ''}")
        self.document, self.mode = document, mode
        self.old = {n: document.graph.nodes[n].mode for n in node_ids}

    def redo(self) -> None:
        for node_id in self.old:
            self.document.graph.set_mode(node_id, self.mode)

    def undo(self) -> None:
        for node_id, mode in self.old.items():
            self.document.graph.set_mode(node_id, mode)


class NodeRenameCommand(QUndoCommand):
    def __init__(self, document: Document, node_id: str, title: str | None) -> None:
        super().__init__(f"Rename {node_id}")
        self.document, self.node_id = document, node_id
        self.title, self.old = title or None, document.graph.nodes[node_id].title

    def redo(self) -> None:
        self.document.graph.set_title(self.node_id, self.title)

    def undo(self) -> None:
        self.document.graph.set_title(self.node_id, self.old)


class NodeCollapseCommand(QUndoCommand):
    """Fold nodes to their title bar, or unfold them."""

    def __init__(self, document: Document, node_ids: list[str], collapsed: bool) -> None:
        super().__init__(f"{'Collapse' if collapsed else 'Expand'} {len(node_ids)} node(s)")
        self.document, self.collapsed = document, collapsed
        self.old = {n: n in document.graph.collapsed for n in node_ids}

    def redo(self) -> None:
        for node_id in self.old:
            self.document.graph.set_collapsed(node_id, self.collapsed)

    def undo(self) -> None:
        for node_id, was in self.old.items():
            self.document.graph.set_collapsed(node_id, was)


class NodeColourSetCommand(QUndoCommand):
    """Give nodes a header colour ("#rrggbb"), or None for their category's colour."""

    def __init__(self, document: Document, node_ids: list[str], colour: str | None) -> None:
        super().__init__(f"Colour {len(node_ids)} node(s)")
        self.document, self.colour = document, colour
        self.old = {n: document.graph.colours.get(n) for n in node_ids}

    def redo(self) -> None:
        for node_id in self.old:
            self.document.graph.set_colour(node_id, self.colour)

    def undo(self) -> None:
        for node_id, colour in self.old.items():
            self.document.graph.set_colour(node_id, colour)


class EdgeRerouteCommand(QUndoCommand):
    """Set the dots a wire passes through; the moves of one dot drag merge into one step."""

    def __init__(
        self,
        document: Document,
        edge: Edge,
        points: list[Position],
        text: str = "Move reroute dot",
        drag_id: int | None = None,
    ) -> None:
        super().__init__(text)
        self.document, self.edge, self.drag_id = document, edge, drag_id
        self.points = list(points)
        self.old = list(document.graph.reroutes.get(edge, []))

    def id(self) -> int:
        return MERGE_REROUTE

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not (
            isinstance(other, EdgeRerouteCommand)
            and self.drag_id is not None
            and other.drag_id == self.drag_id
            and other.edge == self.edge
        ):
            return False
        self.points = list(other.points)
        return True

    def redo(self) -> None:
        self.document.graph.set_reroutes(self.edge, self.points)

    def undo(self) -> None:
        self.document.graph.set_reroutes(self.edge, self.old)
