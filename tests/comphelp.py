"""Helpers for component tests: make a component from some nodes of a graph, as the GUI does."""

from __future__ import annotations

from collections.abc import Iterable

from studio.graph.components import ExposedParam, extract
from studio.graph.model import Graph


def port_types(graph: Graph, registry):
    """The `port_type` callable `extract` needs, answered from the registry's specs."""

    from studio.engine.components import ComponentRegistry

    view = ComponentRegistry(registry, graph)

    def port_type(node_id: str, port: str, is_output: bool):
        spec = view.get(graph.nodes[node_id].type)
        found = spec.output(port) if is_output else spec.input(port)
        return found.type if found else None

    return port_type


def make_component(
    graph: Graph,
    registry,
    node_ids: Iterable[str],
    component_id: str,
    title: str = "",
    exposed: Iterable[tuple[str, str, str]] = (),
    instance_id: str | None = None,
) -> str:
    """Apply "Make component" to `graph` (no undo): returns the new component node's id."""
    extraction = extract(
        graph,
        node_ids,
        component_id,
        title or component_id,
        port_types(graph, registry),
        exposed=[ExposedParam(name, node, param) for name, node, param in exposed],
        instance_id=instance_id,
    )
    for edge in extraction.removed_edges:
        graph.remove_edge(edge)
    for node_id in extraction.removed_nodes:
        graph.remove_node(node_id)
    graph.components[component_id] = extraction.definition
    graph.nodes[extraction.instance.id] = extraction.instance
    graph.positions[extraction.instance.id] = extraction.position
    graph.edges.extend(extraction.added_edges)
    return extraction.instance.id
