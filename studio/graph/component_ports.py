"""A component's ports after it is made: which wires a port has, and names for new ones.

A port of a component lives in three places: its definition (`inputs` / `outputs`), the wires
inside from or to its boundary node, and the wires to or from it on every use, at the top of the
file's graph or inside other components. Adding, removing or renaming a port touches all three;
these helpers find them (the studio applies the change as one undo step).
"""

from __future__ import annotations

import re

from studio.errors import GraphError
from studio.graph.components import (
    INPUTS_TYPE,
    OUTPUTS_TYPE,
    PORT_NAME_PATTERN,
    ComponentDef,
    instance_type,
)
from studio.graph.model import Edge, Graph


def ports_of(definition: ComponentDef, is_output: bool) -> list[str]:
    return [p.name for p in (definition.outputs if is_output else definition.inputs)]


def inner_wires(definition: ComponentDef, name: str, is_output: bool) -> list[Edge]:
    """The wires inside from the inputs node's `name` (an input) or into the outputs node's."""
    boundary = definition.boundary(OUTPUTS_TYPE if is_output else INPUTS_TYPE)
    if boundary is None:
        return []
    graph = definition.graph
    if is_output:
        return sorted(e for e in graph.edges if e.dst == boundary and e.dst_port == name)
    return sorted(e for e in graph.edges if e.src == boundary and e.src_port == name)


def use_wires(
    graph: Graph, component_id: str, name: str, is_output: bool
) -> dict[str | None, list[Edge]]:
    """The wires to (or from) port `name` on every use of the component: by where they are,
    None for the file's graph, else the id of the component whose inside holds the use."""
    scopes: list[tuple[str | None, Graph]] = [(None, graph)]
    scopes += [(cid, d.graph) for cid, d in sorted(graph.components.items())]
    found: dict[str | None, list[Edge]] = {}
    kind = instance_type(component_id)
    for scope_id, scope in scopes:
        if scope_id == component_id:
            continue
        users = {n for n, node in scope.nodes.items() if node.type == kind}
        if is_output:
            wires = [e for e in scope.edges if e.src in users and e.src_port == name]
        else:
            wires = [e for e in scope.edges if e.dst in users and e.dst_port == name]
        if wires:
            found[scope_id] = sorted(wires)
    return found


def port_name_from(stem: str, taken: list[str]) -> str:
    """A plain, unused port name made from an inner port's name ("image" -> "image_2")."""
    plain = re.sub(r"[^A-Za-z0-9_]+", "_", stem).strip("_")[:56] or "port"
    if not re.match(r"[A-Za-z_]", plain):
        plain = f"p_{plain}"
    name, i = plain, 2
    while name in taken:
        name, i = f"{plain}_{i}", i + 1
    return name


def check_port_name(definition: ComponentDef, name: str, is_output: bool) -> None:
    """Raise GraphError in user words when `name` cannot be a new name for a port on that side."""
    side = "output" if is_output else "input"
    if not PORT_NAME_PATTERN.match(name):
        raise GraphError(
            f"{name!r} cannot name a port: use letters, digits and '_', not starting with a digit"
        )
    if name in ports_of(definition, is_output):
        raise GraphError(f"{definition.title} already has an {side} named {name!r}")


def renamed(edge: Edge, at_src: bool, name: str) -> Edge:
    """The same wire with its port at one end renamed."""
    if at_src:
        return Edge(edge.dst, edge.dst_port, edge.order, edge.src, name)
    return Edge(edge.dst, name, edge.order, edge.src, edge.src_port)
