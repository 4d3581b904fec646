"""A component's ports after it is made: which wires a port has, and names for new ones.

A port of a component lives in three places: its definition (`inputs` / `outputs`), the wires
inside from or to its boundary node, and the wires to or from it on every use, at the top of the
file's graph or inside other components. Adding, removing or renaming a port touches all three;
these helpers find them (the studio applies the change as one undo step).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from studio.errors import GraphError
from studio.graph.component_update import Removed, fit_removal
from studio.graph.components import (
    INPUTS_TYPE,
    OUTPUTS_TYPE,
    PORT_NAME_PATTERN,
    ComponentDef,
    ComponentPort,
    instance_nodes,
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
    for scope_id, scope in scopes:
        if scope_id == component_id:
            continue
        users = set(instance_nodes(scope, component_id))
        if is_output:
            wires = [e for e in scope.edges if e.src in users and e.src_port == name]
        else:
            wires = [e for e in scope.edges if e.dst in users and e.dst_port == name]
        if wires:
            found[scope_id] = sorted(wires)
    return found


@dataclass
class PortRemoval:
    """Everything Remove Port takes away: the port, the wires to it inside and on every use,
    and in turn the outputs of containing components that nothing inside feeds any more (with
    the wires to those on their uses), however nested."""

    # the wires to remove, by where they are: None for the file's graph, else a component id
    wires: dict[str | None, list[Edge]] = field(default_factory=dict)
    # the new (inputs, outputs) of each component that loses a port; the port's own first
    ports: dict[str, tuple[list[ComponentPort], list[ComponentPort]]] = field(default_factory=dict)
    use_wires: int = 0  # how many wires to the port itself on its uses
    knock_on: list[str] = field(default_factory=list)  # what went in turn, in words


def port_removal(graph: Graph, component_id: str, name: str, is_output: bool) -> PortRemoval:
    """What removing port `name` of `component_id` takes away so the graph still runs (the same
    cleanup a library update does when a new version drops a port)."""
    definition = graph.components[component_id]
    plan = PortRemoval()
    plan.ports[component_id] = (
        [replace(p) for p in definition.inputs if is_output or p.name != name],
        [replace(p) for p in definition.outputs if not is_output or p.name != name],
    )
    plan.wires[component_id] = inner_wires(definition, name, is_output)
    plan.use_wires = sum(len(e) for e in use_wires(graph, component_id, name, is_output).values())
    gone = Removed(outputs={name}) if is_output else Removed(inputs={name})
    cleanup = fit_removal(graph, graph.components, component_id, gone)
    if cleanup.edges:
        plan.wires[None] = sorted(cleanup.edges)
    for scope_id, cleaned in cleanup.definitions.items():
        scope = graph.components[scope_id]
        went = sorted(set(scope.graph.edges) - set(cleaned.graph.edges))
        if went:
            plan.wires[scope_id] = went
        if (cleaned.inputs, cleaned.outputs) != (scope.inputs, scope.outputs):
            plan.ports[scope_id] = (cleaned.inputs, cleaned.outputs)
    plan.knock_on = list(cleanup.knock_on)
    return plan


def apply_removal(graph: Graph, plan: PortRemoval) -> None:
    """Apply a PortRemoval to `graph` directly (the studio applies it as undoable commands)."""
    for scope_id, edges in plan.wires.items():
        scope = graph if scope_id is None else graph.components[scope_id].graph
        for edge in edges:
            scope.remove_edge(edge)
    for component_id, (inputs, outputs) in plan.ports.items():
        graph.components[component_id].inputs = list(inputs)
        graph.components[component_id].outputs = list(outputs)


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
