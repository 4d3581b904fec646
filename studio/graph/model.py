"""The graph model: nodes, edges, layout. It knows no node specs; `validate` checks those."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from studio.errors import GraphError

if TYPE_CHECKING:
    from studio.graph.components import ComponentDef
    from studio.graph.form import Form

NODE_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}\Z")  # \Z: no trailing newline
COLOUR_PATTERN = re.compile(r"^#[0-9a-fA-F]{6}\Z")

# How a node takes part in a run: "normal" runs it; "bypass" passes its first input of each
# output's type straight through (the node itself does nothing); "mute" runs neither the node
# nor anything downstream of it.
NORMAL, BYPASS, MUTE = "normal", "bypass", "mute"
NODE_MODES = (NORMAL, BYPASS, MUTE)


@dataclass
class Node:
    """One node instance: its type id and the values of its params."""

    id: str
    type: str
    params: dict[str, Any] = field(default_factory=dict)
    title: str | None = None
    # Version of the node type that wrote these params, and the pack it came from (for reports).
    type_version: int = 1
    pack: str | None = None
    # The entry as read from the file; for a node type not installed (`unknown`), a save writes it
    # back untouched.
    raw: dict[str, Any] | None = None
    unknown: bool = False
    mode: str = NORMAL  # one of NODE_MODES


@dataclass(frozen=True, order=True)
class Edge:
    """An output-to-input connection; `order` ranks the edges into one list input."""

    dst: str
    dst_port: str
    order: int
    src: str
    src_port: str


@dataclass
class Group:
    """A titled frame around some nodes on the canvas (layout only)."""

    title: str
    nodes: list[str]
    color: str = "#3a3f4b"


Listener = Callable[[str, dict[str, Any]], None]


class Graph:
    """Nodes keyed by id, edges, and the layout (positions, groups) kept apart from the logic.

    Listeners are told of every change as (kind, details), which is how a canvas mirrors the model.
    """

    def __init__(self) -> None:
        self.nodes: dict[str, Node] = {}
        self.edges: list[Edge] = []
        self.positions: dict[str, tuple[float, float]] = {}
        self.groups: list[Group] = []
        # Layout only (the canvas), like positions: folded nodes, header colours, and the dots a
        # wire is routed through.
        self.collapsed: set[str] = set()
        self.colours: dict[str, str] = {}
        self.reroutes: dict[Edge, list[tuple[float, float]]] = {}
        self.meta: dict[str, Any] = {}
        # Component definitions by id (studio.graph.components) and the app-mode form fields.
        self.components: dict[str, ComponentDef] = {}
        self.form: Form | None = None
        self._listeners: list[Listener] = []

    # -- observers -------------------------------------------------------------------------------
    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _emit(self, kind: str, **details: Any) -> None:
        for listener in list(self._listeners):
            listener(kind, details)

    # -- edits -----------------------------------------------------------------------------------
    def new_id(self, prefix: str = "node") -> str:
        stem = re.sub(r"[^A-Za-z0-9_-]", "_", prefix)[:40] or "node"
        i = 1
        while f"{stem}_{i}" in self.nodes:
            i += 1
        return f"{stem}_{i}"

    def add_node(self, node: Node, position: tuple[float, float] | None = None) -> Node:
        if not NODE_ID_PATTERN.match(node.id):
            raise GraphError("node ids use letters, digits, '_' and '-' (at most 64)", node=node.id)
        if node.id in self.nodes:
            raise GraphError("duplicate node id", node=node.id)
        self.nodes[node.id] = node
        if position is not None:
            self.positions[node.id] = position
        self._emit("node_added", node=node)
        return node

    def remove_node(self, node_id: str) -> tuple[Node, list[Edge]]:
        """Remove a node and its edges; returns both so an undo can put them back."""
        node = self.nodes.pop(node_id)
        removed = [e for e in self.edges if node_id in (e.src, e.dst)]
        for edge in removed:
            self.remove_edge(edge)
        self.positions.pop(node_id, None)
        self.collapsed.discard(node_id)
        self.colours.pop(node_id, None)
        for group in self.groups:
            if node_id in group.nodes:
                group.nodes.remove(node_id)
        self._emit("node_removed", node=node)
        return node, removed

    def connect(
        self, src: str, src_port: str, dst: str, dst_port: str, order: int | None = None
    ) -> Edge:
        for node_id in (src, dst):
            if node_id not in self.nodes:
                raise GraphError("edge refers to a node that does not exist", node=node_id)
        if order is None:
            order = 1 + max((e.order for e in self.edges_into(dst, dst_port)), default=-1)
        edge = Edge(dst=dst, dst_port=dst_port, order=order, src=src, src_port=src_port)
        if edge in self.edges:
            raise GraphError("these ports are already connected", node=dst, port=dst_port)
        if src == dst or dst in self.ancestors([src]):
            raise GraphError(f"connecting {src}.{src_port} here would make a cycle", node=dst)
        self.edges.append(edge)
        self._emit("edge_added", edge=edge)
        return edge

    def remove_edge(self, edge: Edge) -> None:
        self.edges.remove(edge)
        self.reroutes.pop(edge, None)
        self._emit("edge_removed", edge=edge)

    def set_param(self, node_id: str, name: str, value: Any) -> None:
        self.nodes[node_id].params[name] = value
        self._emit("param_changed", node=node_id, name=name, value=value)

    def move_node(self, node_id: str, position: tuple[float, float]) -> None:
        self.positions[node_id] = position
        self._emit("node_moved", node=node_id, position=position)

    def set_mode(self, node_id: str, mode: str) -> None:
        """Run the node normally, bypass it, or mute it (with everything downstream)."""
        if mode not in NODE_MODES:
            raise GraphError(f"unknown node mode {mode!r}", node=node_id)
        self.nodes[node_id].mode = mode
        self._emit("mode_changed", node=node_id, mode=mode)

    def set_title(self, node_id: str, title: str | None) -> None:
        """Name a node on the canvas (None or "" shows its type's title again)."""
        self.nodes[node_id].title = title or None
        self._emit("title_changed", node=node_id, title=title or None)

    def set_collapsed(self, node_id: str, collapsed: bool) -> None:
        if collapsed:
            self.collapsed.add(node_id)
        else:
            self.collapsed.discard(node_id)
        self._emit("collapsed_changed", node=node_id, collapsed=collapsed)

    def set_colour(self, node_id: str, colour: str | None) -> None:
        """A node's header colour ("#rrggbb"), or None for its category's colour."""
        if colour is None:
            self.colours.pop(node_id, None)
        elif not COLOUR_PATTERN.match(colour):
            raise GraphError(f"a colour is #rrggbb, not {colour!r}", node=node_id)
        else:
            self.colours[node_id] = colour.lower()
        self._emit("colour_changed", node=node_id, colour=colour)

    def set_reroutes(self, edge: Edge, points: list[tuple[float, float]]) -> None:
        """The dots a wire passes through, in order from its output to its input."""
        if edge not in self.edges:
            raise GraphError("no such edge to route", node=edge.dst, port=edge.dst_port)
        if points:
            self.reroutes[edge] = list(points)
        else:
            self.reroutes.pop(edge, None)
        self._emit("reroutes_changed", edge=edge, points=list(points))

    def set_form(self, form: Form | None) -> None:
        """The app-mode form (None: no form); listeners (inspector, form editor) follow it."""
        self.form = form
        self._emit("form_changed", form=form)

    # -- queries ---------------------------------------------------------------------------------
    def edges_into(self, node_id: str, port: str | None = None) -> list[Edge]:
        found = [e for e in self.edges if e.dst == node_id and (port is None or e.dst_port == port)]
        return sorted(found)

    def edges_from(self, node_id: str) -> list[Edge]:
        return [e for e in self.edges if e.src == node_id]

    def parents(self) -> dict[str, set[str]]:
        parents: dict[str, set[str]] = {node_id: set() for node_id in self.nodes}
        for edge in self.edges:
            if edge.dst in parents and edge.src in self.nodes:
                parents[edge.dst].add(edge.src)
        return parents

    def ancestors(self, node_ids: Iterable[str]) -> set[str]:
        """The given nodes and everything upstream of them."""
        return self._reachable(node_ids, self.parents())

    def descendants(self, node_ids: Iterable[str]) -> set[str]:
        """The given nodes and everything downstream of them."""
        children: dict[str, set[str]] = {node_id: set() for node_id in self.nodes}
        for edge in self.edges:
            if edge.src in children:
                children[edge.src].add(edge.dst)
        return self._reachable(node_ids, children)

    def _reachable(self, node_ids: Iterable[str], links: dict[str, set[str]]) -> set[str]:
        """The given nodes and every node reached by following `links` from them."""
        seen: set[str] = set()
        stack = [n for n in node_ids if n in self.nodes]
        while stack:
            node_id = stack.pop()
            if node_id in seen:
                continue
            seen.add(node_id)
            stack.extend(links.get(node_id, ()))
        return seen

    def silenced(self) -> set[str]:
        """Nodes that do not run: the muted ones and everything downstream of them."""
        return self.descendants(n for n, node in self.nodes.items() if node.mode == MUTE)

    def find_cycle(self) -> list[str] | None:
        """Node ids forming a cycle, or None. Iterative, so deep graphs cannot overflow."""
        parents = self.parents()
        children: dict[str, list[str]] = {n: [] for n in self.nodes}
        for child, ps in parents.items():
            for p in ps:
                children[p].append(child)
        white, grey, black = 0, 1, 2
        colour = dict.fromkeys(self.nodes, white)
        for root in sorted(self.nodes):
            if colour[root] != white:
                continue
            stack: list[tuple[str, int]] = [(root, 0)]
            path: list[str] = []
            colour[root] = grey
            path.append(root)
            while stack:
                node_id, index = stack[-1]
                kids = children[node_id]
                if index < len(kids):
                    stack[-1] = (node_id, index + 1)
                    child = kids[index]
                    if colour[child] == grey:
                        return [*path[path.index(child) :], child]
                    if colour[child] == white:
                        colour[child] = grey
                        path.append(child)
                        stack.append((child, 0))
                else:
                    colour[node_id] = black
                    path.pop()
                    stack.pop()
        return None

    def topological_order(self, subset: set[str] | None = None) -> list[str]:
        """Node ids, parents before children (ties broken by id, so the order is stable)."""
        import heapq

        wanted = set(self.nodes) if subset is None else subset
        parents = {
            n: {p for p in ps if p in wanted} for n, ps in self.parents().items() if n in wanted
        }
        children: dict[str, list[str]] = {n: [] for n in wanted}
        for child, ps in parents.items():
            for p in ps:
                children[p].append(child)
        remaining = {n: len(ps) for n, ps in parents.items()}
        ready = [n for n, count in remaining.items() if count == 0]
        heapq.heapify(ready)
        order: list[str] = []
        while ready:
            node_id = heapq.heappop(ready)
            order.append(node_id)
            for child in children[node_id]:
                remaining[child] -= 1
                if remaining[child] == 0:
                    heapq.heappush(ready, child)
        if len(order) != len(wanted):
            cycle = self.find_cycle() or []
            raise GraphError(
                "the graph has a cycle: " + " -> ".join(cycle), node=cycle[0] if cycle else None
            )
        return order
