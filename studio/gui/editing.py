"""Edits made of several commands: add, delete, duplicate, copy/paste, group, align, file drops.

Each public function is one undo step (a macro when it touches several things).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studio.graph.model import Graph, Group, Node
from studio.gui.canvas import style
from studio.gui.commands import (
    EdgeAddCommand,
    EdgeRemoveCommand,
    EdgeRerouteCommand,
    GroupAddCommand,
    GroupRemoveCommand,
    NodeAddCommand,
    NodeCollapseCommand,
    NodeColourSetCommand,
    NodeMoveCommand,
    NodeRemoveCommand,
)

if TYPE_CHECKING:
    from studio.api import NodeSpec
    from studio.gui.canvas.edge_drag import PortFilter
    from studio.gui.document import Document

PASTE_OFFSET = 40.0


def node_prefix(type_id: str) -> str:
    """ "image.generate" -> "image"... "generate"; "component:scene_shot" -> "scene_shot"."""
    return type_id.rsplit(".", 1)[-1].rsplit(":", 1)[-1]


def add_node(
    document: Document,
    spec: NodeSpec,
    position: tuple[float, float],
    params: dict[str, Any] | None = None,
    connect: PortFilter | None = None,
) -> str:
    """Create a node of `spec` at `position` (and wire a dragged edge's loose end to it)."""
    graph = document.graph
    node = Node(
        graph.new_id(node_prefix(spec.id)),
        spec.id,
        {**spec.default_params(), **(params or {})},
        type_version=spec.version,
        pack=spec.pack,
    )
    stack = document.undo_stack
    stack.beginMacro(f"Add {spec.title}")
    stack.push(NodeAddCommand(document, node, position))
    if connect is not None:
        if connect.from_output:
            port = next((p for p in spec.inputs if connect.accepts(p.type)), None)
            if port is not None:
                stack.push(
                    EdgeAddCommand(document, connect.node_id, connect.port, node.id, port.name)
                )
        else:
            out = next((p for p in spec.outputs if connect.accepts(p.type)), None)
            if out is not None:
                src_spec = document.spec_of(connect.node_id)
                target = src_spec.input(connect.port) if src_spec else None
                if target is not None and not target.type.is_list:
                    for edge in graph.edges_into(connect.node_id, connect.port):
                        stack.push(EdgeRemoveCommand(document, edge))
                stack.push(
                    EdgeAddCommand(document, node.id, out.name, connect.node_id, connect.port)
                )
    stack.endMacro()
    return node.id


def delete(document: Document, node_ids: list[str], edges: list[Any], groups: list[Group]) -> None:
    """Delete nodes (with their edges), edges and group frames as one step."""
    if not (node_ids or edges or groups):
        return
    stack = document.undo_stack
    stack.beginMacro("Delete")
    for group in groups:
        if group in document.graph.groups:
            stack.push(GroupRemoveCommand(document, group))
    for edge in edges:
        if edge in document.graph.edges and edge.src not in node_ids and edge.dst not in node_ids:
            stack.push(EdgeRemoveCommand(document, edge))
    for node_id in node_ids:
        if node_id in document.graph.nodes:
            stack.push(NodeRemoveCommand(document, node_id))
    stack.endMacro()


# -- copy and paste: the selection as graph JSON, so it also pastes into a text editor ----------
def selection_to_json(document: Document, node_ids: list[str]) -> str:
    from studio.graph.fileformat import graph_to_dict

    graph, chosen = document.graph, set(node_ids)
    part = Graph()
    for node_id in node_ids:
        part.nodes[node_id] = graph.nodes[node_id]
        if node_id in graph.positions:
            part.positions[node_id] = graph.positions[node_id]
    part.edges = [e for e in graph.edges if e.src in chosen and e.dst in chosen]
    part.collapsed = graph.collapsed & chosen
    part.colours = {n: c for n, c in graph.colours.items() if n in chosen}
    part.reroutes = {e: list(p) for e, p in graph.reroutes.items() if e in part.edges}
    part.groups = [
        Group(g.title, list(g.nodes), g.color)
        for g in graph.groups
        if g.nodes and set(g.nodes) <= chosen
    ]
    return json.dumps(graph_to_dict(part), sort_keys=True, indent=2, ensure_ascii=False)


def paste_json(
    document: Document,
    text: str,
    offset: tuple[float, float] | None = None,
    at: tuple[float, float] | None = None,
) -> list[str]:
    """Add the nodes of a copied graph with fresh ids; returns the new ids (for selecting).

    Raises GraphError when the text is not a graph.
    """
    from studio.graph.fileformat import parse_graph

    part = parse_graph(text, source="the clipboard")
    graph = document.graph
    if not part.nodes:
        return []
    xs = [part.positions.get(n, (0.0, 0.0)) for n in part.nodes]
    left, top = min(x for x, _ in xs), min(y for _, y in xs)
    if at is not None:
        dx, dy = at[0] - left, at[1] - top
    else:
        dx, dy = offset if offset is not None else (PASTE_OFFSET, PASTE_OFFSET)
    taken: set[str] = set(graph.nodes)
    new_ids: dict[str, str] = {}
    for old_id in part.nodes:
        stem = old_id.rsplit("_", 1)[0] if "_" in old_id else old_id
        i, candidate = 1, old_id
        while candidate in taken:
            candidate = f"{stem}_{i}"
            i += 1
        taken.add(candidate)
        new_ids[old_id] = candidate
    stack = document.undo_stack
    stack.beginMacro(f"Paste {len(part.nodes)} node{'s' if len(part.nodes) != 1 else ''}")
    for old_id, node in part.nodes.items():
        copy = Node(
            new_ids[old_id],
            node.type,
            dict(node.params),
            node.title,
            node.type_version,
            node.pack,
            raw=dict(node.raw) if node.raw else None,
            unknown=document.registry.get(node.type) is None,
            mode=node.mode,
        )
        x, y = part.positions.get(old_id, (0.0, 0.0))
        stack.push(NodeAddCommand(document, copy, (x + dx, y + dy)))
        if old_id in part.collapsed:
            stack.push(NodeCollapseCommand(document, [new_ids[old_id]], True))
        if old_id in part.colours:
            stack.push(NodeColourSetCommand(document, [new_ids[old_id]], part.colours[old_id]))
    for edge in sorted(part.edges):
        add = EdgeAddCommand(
            document, new_ids[edge.src], edge.src_port, new_ids[edge.dst], edge.dst_port, edge.order
        )
        stack.push(add)
        points = part.reroutes.get(edge)
        if points and add.edge is not None:
            moved = [(x + dx, y + dy) for x, y in points]
            stack.push(EdgeRerouteCommand(document, add.edge, moved, "Paste reroute dots"))
    for group in part.groups:
        stack.push(
            GroupAddCommand(
                document, Group(group.title, [new_ids[n] for n in group.nodes], group.color)
            )
        )
    stack.endMacro()
    return list(new_ids.values())


def duplicate(document: Document, node_ids: list[str]) -> list[str]:
    if not node_ids:
        return []
    return paste_json(document, selection_to_json(document, node_ids))


# -- groups, align, distribute --------------------------------------------------------------------
def group(document: Document, node_ids: list[str], title: str = "Group") -> Group | None:
    if not node_ids:
        return None
    new = Group(title, sorted(node_ids), style.GROUP_DEFAULT_COLOUR)
    document.push(GroupAddCommand(document, new))
    return new


ALIGNMENTS = ("left", "right", "top", "bottom", "center_x", "center_y")


def align(document: Document, sizes: dict[str, tuple[float, float]], how: str) -> None:
    """Line nodes up; `sizes` gives each node's (width, height) on the canvas."""
    positions = {n: document.graph.positions.get(n, (0.0, 0.0)) for n in sizes}
    if len(positions) < 2:
        return
    moves = {}
    if how == "left":
        x = min(p[0] for p in positions.values())
        moves = {n: (p, (x, p[1])) for n, p in positions.items()}
    elif how == "right":
        right = max(p[0] + sizes[n][0] for n, p in positions.items())
        moves = {n: (p, (right - sizes[n][0], p[1])) for n, p in positions.items()}
    elif how == "top":
        y = min(p[1] for p in positions.values())
        moves = {n: (p, (p[0], y)) for n, p in positions.items()}
    elif how == "bottom":
        bottom = max(p[1] + sizes[n][1] for n, p in positions.items())
        moves = {n: (p, (p[0], bottom - sizes[n][1])) for n, p in positions.items()}
    elif how == "center_x":
        cx = sum(p[0] + sizes[n][0] / 2 for n, p in positions.items()) / len(positions)
        moves = {n: (p, (cx - sizes[n][0] / 2, p[1])) for n, p in positions.items()}
    elif how == "center_y":
        cy = sum(p[1] + sizes[n][1] / 2 for n, p in positions.items()) / len(positions)
        moves = {n: (p, (p[0], cy - sizes[n][1] / 2)) for n, p in positions.items()}
    else:
        raise ValueError(f"unknown alignment {how!r}")
    _push_moves(document, moves, "Align")


def distribute(document: Document, sizes: dict[str, tuple[float, float]], axis: str) -> None:
    """Space nodes evenly between the outermost two, along x ("horizontal") or y."""
    positions = {n: document.graph.positions.get(n, (0.0, 0.0)) for n in sizes}
    if len(positions) < 3:
        return
    i = 0 if axis == "horizontal" else 1
    order = sorted(positions, key=lambda n: positions[n][i])
    first, last = order[0], order[-1]
    span = positions[last][i] + sizes[last][i] - positions[first][i]
    gap = (span - sum(sizes[n][i] for n in order)) / (len(order) - 1)
    cursor = positions[first][i]
    moves = {}
    for node_id in order:
        old = positions[node_id]
        new = (cursor, old[1]) if i == 0 else (old[0], cursor)
        moves[node_id] = (old, new)
        cursor += sizes[node_id][i] + gap
    _push_moves(document, moves, "Distribute")


def _push_moves(document: Document, moves: dict[str, Any], text: str) -> None:
    moves = {n: (old, new) for n, (old, new) in moves.items() if old != new}
    if moves:
        document.push(NodeMoveCommand(document, moves, text=text))


# -- dropping media files -------------------------------------------------------------------------
def add_media_files(
    document: Document, paths: list[Path], kinds: list[str], position: tuple[float, float]
) -> list[str]:
    """Create an image.load / video.load / audio.load node per file (one undo step)."""
    plans = []
    for path, kind in zip(paths, kinds, strict=True):
        spec = document.registry.get(f"{kind}.load")
        param = next((p for p in spec.params if p.kind == "file"), None) if spec else None
        if spec is not None and param is not None:
            plans.append((path, kind, spec, param))
    if not plans:
        return []
    created: list[str] = []
    x, y = position
    stack = document.undo_stack
    stack.beginMacro(f"Add {len(plans)} file{'s' if len(plans) != 1 else ''}")
    for path, kind, spec, param in plans:
        # A project-relative path stays relative (it is what the inspector shows).
        value = str(path.resolve()) if path.is_absolute() else path.as_posix()
        node = Node(
            document.graph.new_id(kind),
            spec.id,
            {**spec.default_params(), param.name: value},
            type_version=spec.version,
            pack=spec.pack,
        )
        stack.push(NodeAddCommand(document, node, (x, y)))
        created.append(node.id)
        y += 60.0 + style.PREVIEW_HEIGHT + 2 * style.HEADER_HEIGHT
    stack.endMacro()
    return created
