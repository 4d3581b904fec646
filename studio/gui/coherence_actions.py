"""Applying a coherence check's suggestion: find the node it names in the graph, set one param.

An action (from `studio.media.analysis.coherence`) starts at one of the check's inputs (for the
clips, the segment's own clip), follows inputs upstream by name (`path`), and sets `param` on
the node it reaches. It is one undoable edit, made only when the user chooses it.
"""

from __future__ import annotations

from typing import Any


class NodeTarget(str):
    """The id of the node an action would change (a str, told apart from a reason by type)."""


def resolve_action(
    document: Any, check_id: str, segment: dict[str, Any], action: dict[str, Any]
) -> NodeTarget | str:
    """The node the action would change, or the reason it cannot be done in this graph."""
    graph = document.graph
    edges = sorted(graph.edges_into(check_id, action["input"]), key=lambda e: e.order)
    if action["input"] == "clips" and segment.get("clip"):
        edges = edges[segment["clip"] - 1 : segment["clip"]]
    if not edges:
        return f"nothing is connected to the check's {action['input']}"
    node_id = edges[0].src
    for name in action["path"]:
        upstream = graph.edges_into(node_id, name)
        if not upstream:
            return f"nothing is connected to the {name} of node {node_id}"
        node_id = upstream[0].src
    spec = document.spec_of(node_id)
    if spec is None or spec.param(action["param"]) is None:
        return f"node {node_id} has no {action['param']} to set"
    return NodeTarget(node_id)


def apply_action(document: Any, node_id: str, action: dict[str, Any]) -> str:
    """Set the action's param on `node_id` as one undoable edit; returns what was done."""
    from studio.gui.commands import ParamSetCommand

    spec = document.spec_of(node_id)
    param = spec.param(action["param"]) if spec is not None else None
    if param is None:
        return f"node {node_id} has no param {action['param']!r}: nothing was changed"
    value = param.coerce(action["value"])
    document.push(ParamSetCommand(document, node_id, action["param"], value, False))
    return f"{action['label']} (node {node_id})"
