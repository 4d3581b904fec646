"""Node specs for components: the node registry as a graph with component definitions sees it.

A component node (`component:<id>`) gets a spec built from its definition: its ports, and its
exposed params as the inner nodes declare them (type, range, help), defaulting to the value the
inner node holds. Inside a component (while it is edited) its boundary nodes get specs too. The
specs only describe: a run flattens components first (`studio.graph.components.flatten`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from studio.api import Input, NodeSpec, Output, Param
from studio.errors import NodeError
from studio.graph.components import (
    INPUTS_TYPE,
    INSTANCE_PREFIX,
    OUTPUTS_TYPE,
    ComponentDef,
    component_of,
)
from studio.graph.model import Graph

COMPONENT_PACK = "component"


async def _runs_as_inner_nodes(ctx: Any, inputs: dict[str, Any], params: dict[str, Any]) -> Any:
    raise NodeError("a component runs as its inner nodes; flatten the graph before running it")


class ComponentRegistry:
    """A view of `base` that also knows the components of `graph` (the document's root graph).

    `current` is the component being edited, whose boundary nodes get specs; None at the top.
    Everything else (packs, problems, ordinary specs) is the base registry's.
    """

    def __init__(self, base: Any, graph: Graph, current: str | None = None) -> None:
        self.base = base
        self.graph = graph
        self.current = current

    def __getattr__(self, name: str) -> Any:
        return getattr(self.base, name)

    def __contains__(self, type_id: str) -> bool:
        return self.get(type_id) is not None

    def specs(self) -> list[NodeSpec]:
        specs: list[NodeSpec] = self.base.specs()
        return specs

    def get(self, type_id: str) -> NodeSpec | None:
        if type_id.startswith(INSTANCE_PREFIX):
            definition = self.graph.components.get(type_id[len(INSTANCE_PREFIX) :])
            return instance_spec(definition, self, ()) if definition else None
        if type_id in (INPUTS_TYPE, OUTPUTS_TYPE):
            definition = self.graph.components.get(self.current or "")
            return boundary_spec(definition, type_id) if definition else None
        spec: NodeSpec | None = self.base.get(type_id)
        return spec

    def within(self, component_id: str | None) -> ComponentRegistry:
        """The same view, from inside another component (or the top graph for None)."""
        return ComponentRegistry(self.base, self.graph, component_id)


def instance_spec(
    definition: ComponentDef, registry: ComponentRegistry, trail: tuple[str, ...]
) -> NodeSpec:
    """The spec a component node shows: its ports and exposed params."""
    params = []
    for exposed in definition.params:
        inner = _exposed_param(definition, exposed.node, exposed.param, registry, trail)
        if inner is None:
            continue
        node = definition.graph.nodes[exposed.node]
        default = node.params.get(exposed.param, inner.default)
        params.append(
            replace(inner, name=exposed.name, default=default, title=exposed.title or inner.title)
        )
    return NodeSpec(
        id=definition.type_id,
        title=definition.title,
        category=definition.category,
        version=definition.version,
        run=_runs_as_inner_nodes,
        inputs=tuple(
            Input(
                p.name, p.type, help=p.help, optional=_optional(definition, p.name, registry, trail)
            )
            for p in definition.inputs
        ),
        outputs=tuple(Output(p.name, p.type, p.help) for p in definition.outputs),
        params=tuple(params),
        help=definition.help or f"A component of {len(_inner_nodes(definition))} nodes.",
        pack=COMPONENT_PACK,
    )


def _optional(
    definition: ComponentDef, name: str, registry: ComponentRegistry, trail: tuple[str, ...]
) -> bool:
    """An input is optional when every inner input it feeds is (as it would be inline): a port
    added from an optional input must not make every use of the component invalid."""
    inputs_id = definition.boundary(INPUTS_TYPE)
    for edge in definition.graph.edges:
        if edge.src != inputs_id or edge.src_port != name:
            continue
        node = definition.graph.nodes.get(edge.dst)
        if node is None:
            continue
        inner_id = component_of(node)
        if inner_id is not None:
            inner = registry.graph.components.get(inner_id)
            if inner is None or inner_id in trail or inner_id == definition.id:
                return False  # missing or a cycle: the run reports it
            if inner.input(edge.dst_port) is None or not _optional(
                inner, edge.dst_port, registry, (*trail, definition.id)
            ):
                return False
            continue
        spec: NodeSpec | None = registry.base.get(node.type)
        port = spec.input(edge.dst_port) if spec else None
        if port is None or not port.optional:
            return False
    return True


def _exposed_param(
    definition: ComponentDef,
    node_id: str,
    name: str,
    registry: ComponentRegistry,
    trail: tuple[str, ...],
) -> Param | None:
    node = definition.graph.nodes.get(node_id)
    if node is None:
        return None
    inner_id = component_of(node)
    if inner_id is not None:
        inner = registry.graph.components.get(inner_id)
        if inner is None or inner_id in trail or definition.id == inner_id:
            return None  # missing or a cycle: the run reports it with the path
        spec = instance_spec(inner, registry, (*trail, definition.id))
    else:
        spec = registry.base.get(node.type)
    return spec.param(name) if spec else None


def boundary_spec(definition: ComponentDef, kind: str) -> NodeSpec:
    """The spec of the inputs node (its outputs are the component's inputs) or outputs node."""
    if kind == INPUTS_TYPE:
        return NodeSpec(
            id=INPUTS_TYPE,
            title=f"{definition.title}: inputs",
            category="Components",
            version=1,
            run=_runs_as_inner_nodes,
            outputs=tuple(Output(p.name, p.type, p.help) for p in definition.inputs),
            help="What the component receives: wire these into the nodes inside.",
            pack=COMPONENT_PACK,
        )
    return NodeSpec(
        id=OUTPUTS_TYPE,
        title=f"{definition.title}: outputs",
        category="Components",
        version=1,
        run=_runs_as_inner_nodes,
        inputs=tuple(Input(p.name, p.type, help=p.help) for p in definition.outputs),
        help="What the component gives back: wire the results inside into these.",
        pack=COMPONENT_PACK,
    )


def _inner_nodes(definition: ComponentDef) -> list[str]:
    return [
        n
        for n, node in definition.graph.nodes.items()
        if node.type not in (INPUTS_TYPE, OUTPUTS_TYPE)
    ]
