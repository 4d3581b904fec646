"""Where a component is used, and which results an edit changes, in the ids a run reports.

A run names a node inside a component by its flat id ("scene_1/shot_1/load", see
`studio.graph.components.flatten`); the studio shows a component node's state as the summary of
those. An edit inside a component's definition changes every use of it, however nested, and
everything downstream of those uses; an edit at the top that reaches a component node changes
the nodes inside it. `affected_by` answers both, so stale marking and auto-run treat an edit
inside a component like one at the top.
"""

from __future__ import annotations

from collections.abc import Iterable

from studio.errors import GraphErrors
from studio.graph.components import (
    BOUNDARY_TYPES,
    MAX_DEPTH,
    MAX_FLAT_NODES,
    SEPARATOR,
    component_of,
    flatten,
    owner_of,
)
from studio.graph.model import Graph


def uses_of(graph: Graph, component_id: str) -> list[str]:
    """The flat ids of every node that uses the component, at the top or inside others."""
    found: list[str] = []
    stack: list[tuple[Graph, str, tuple[str, ...]]] = [(graph, "", ())]
    visited = 0
    while stack and visited < MAX_FLAT_NODES:  # a hostile file cannot make this run for ever
        current, prefix, trail = stack.pop()
        for node_id in sorted(current.nodes):
            used = component_of(current.nodes[node_id])
            if used is None:
                continue
            visited += 1
            path = prefix + node_id
            if used == component_id:
                found.append(path)
            definition = graph.components.get(used)
            if definition is not None and used not in trail:
                stack.append((definition.graph, path + SEPARATOR, (*trail, used)))
    return sorted(found)


def affected_by(graph: Graph, component_id: str | None, roots: Iterable[str]) -> set[str]:
    """Flat ids whose results change when `roots` change (nodes of the component's inner graph,
    or of `graph` itself for None; a path like "card_1/card" reaches inside a component node):
    the roots in every use, everything downstream, and every component node holding one."""
    roots = list(roots)
    if component_id is None:
        scope, prefixes = graph, [""]
    else:
        definition = graph.components.get(component_id)
        if definition is None:
            return set()
        scope = definition.graph
        prefixes = [use + SEPARATOR for use in uses_of(graph, component_id)]
    seeds: set[str] = set()
    for prefix in prefixes:
        for root in roots:
            node = scope.nodes.get(root)
            if node is not None and node.type in BOUNDARY_TYPES:
                seeds.add(prefix.rstrip(SEPARATOR))  # its ports changed: the whole use
            else:
                seeds.add(prefix + root)
    seeds.discard("")
    if component_id is None:
        below = graph.descendants(seeds)
        if seeds <= below and not any(_unfolds(graph, n) for n in below):
            return below  # no component on the way down: flattening would find the same nodes
    try:
        flat: Graph | None = flatten(graph)
    except GraphErrors:
        flat = None  # a wire to a port now gone, say: fall back to the top-level nodes
    affected = set(seeds)
    if flat is not None:
        start = {s for s in seeds if s in flat.nodes}
        inside = tuple(s + SEPARATOR for s in seeds if s not in flat.nodes)
        if inside:
            start.update(n for n in flat.nodes if n.startswith(inside))
        affected |= flat.descendants(start)
    else:
        affected |= graph.descendants({owner_of(s) for s in seeds})
    for flat_id in list(affected):
        parts = flat_id.split(SEPARATOR)
        affected.update(SEPARATOR.join(parts[:i]) for i in range(1, len(parts)))
    return affected


def _unfolds(graph: Graph, node_id: str) -> bool:
    """Whether the flat graph has something else for this top-level id (a component node or a
    boundary node, which it leaves out, or a wire's end that is no node)."""
    node = graph.nodes.get(node_id)
    return node is None or component_of(node) is not None or node.type in BOUNDARY_TYPES


def param_holder(graph: Graph, component_id: str | None, node_id: str, name: str) -> str:
    """The node a param edit changes, as a path from `node_id`: the node itself, or for a
    component node's exposed param the inner node that holds it ("card_1/card"), however deep."""
    scope = graph if component_id is None else graph.components[component_id].graph
    path, node = node_id, scope.nodes.get(node_id)
    for _ in range(MAX_DEPTH):
        definition = graph.components.get(component_of(node) or "") if node else None
        exposed = definition.exposed(name) if definition else None
        if definition is None or exposed is None:
            break
        path, name = path + SEPARATOR + exposed.node, exposed.param
        node = definition.graph.nodes.get(exposed.node)
    return path
