"""Check a graph against the installed node types; report every problem with its location."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from studio.errors import GraphError
from studio.graph.model import BYPASS, Graph, Node
from studio.graph.types import PortType, can_connect

if TYPE_CHECKING:
    from studio.api import NodeSpec
    from studio.engine.registry import NodeRegistry


def validate_graph(
    graph: Graph,
    registry: NodeRegistry,
    graph_dir: Path | None = None,
    only: set[str] | None = None,
) -> list[GraphError]:
    """Every problem found (empty when the graph can run). Marks nodes of unknown types.

    `only` limits the checks that matter for running to those nodes (run up to a node). Muted
    nodes and their descendants never run, so nothing of theirs is checked; a bypassed node's own
    params and inputs do not matter, only that it has an input to pass on to each output in use.
    """
    problems: list[GraphError] = []
    wanted = (set(graph.nodes) if only is None else set(only)) - graph.silenced()
    bypassed = {n for n in wanted if graph.nodes[n].mode == BYPASS}
    for node_id, node in sorted(graph.nodes.items()):
        spec = registry.get(node.type)
        node.unknown = spec is None
        if spec is None:
            if node_id in wanted:
                pack = f"from pack {node.pack!r}, " if node.pack else ""
                problems.append(
                    GraphError(
                        f"unknown node type {node.type!r} ({pack}not installed)",
                        node=node_id,
                        path=f"$.nodes.{node_id}.type",
                    )
                )
            continue
        if node_id in wanted and node_id not in bypassed:
            problems.extend(_check_params(graph, node, spec, graph_dir))

    connected: dict[tuple[str, str], int] = {}
    for i, edge in enumerate(sorted(graph.edges)):
        where = f"$.edges[{i}]"
        src_spec, dst_spec = (
            registry.get(graph.nodes[edge.src].type),
            registry.get(graph.nodes[edge.dst].type),
        )
        if src_spec is None or dst_spec is None or edge.dst not in wanted:
            continue
        out = src_spec.output(edge.src_port)
        inp = dst_spec.input(edge.dst_port)
        if out is None:
            problems.append(
                GraphError(
                    f"{src_spec.title} has no output {edge.src_port!r}",
                    node=edge.src,
                    port=edge.src_port,
                    path=f"{where}.out",
                )
            )
            continue
        if inp is None:
            problems.append(
                GraphError(
                    f"{dst_spec.title} has no input {edge.dst_port!r}",
                    node=edge.dst,
                    port=edge.dst_port,
                    path=f"{where}.in",
                )
            )
            continue
        if not can_connect(out.type, inp.type):
            problems.append(
                GraphError(
                    f"cannot connect {out.type.value} output {edge.src}.{edge.src_port} to "
                    f"{inp.type.value} input",
                    node=edge.dst,
                    port=edge.dst_port,
                    path=where,
                )
            )
        key = (edge.dst, edge.dst_port)
        connected[key] = connected.get(key, 0) + 1
        if connected[key] > 1 and not inp.type.is_list:
            problems.append(
                GraphError(
                    "takes one connection, but has several",
                    node=edge.dst,
                    port=edge.dst_port,
                    path=where,
                )
            )

    for node_id in sorted(wanted):
        wanted_node = graph.nodes.get(node_id)
        spec = registry.get(wanted_node.type) if wanted_node else None
        if spec is None:
            continue
        if node_id in bypassed:
            problems.extend(_check_bypass(graph, node_id, spec, wanted))
            continue
        for inp in spec.inputs:
            if not inp.optional and (node_id, inp.name) not in connected:
                problems.append(
                    GraphError(
                        f"required input {inp.name!r} is not connected", node=node_id, port=inp.name
                    )
                )

    cycle = graph.find_cycle()
    if cycle:
        problems.append(GraphError("the graph has a cycle: " + " -> ".join(cycle), node=cycle[0]))
    return problems


def passthrough_input(
    graph: Graph, node_id: str, spec: NodeSpec, port_type: PortType
) -> str | None:
    """The input a bypassed node passes on to an output of `port_type`: its first connected input
    of that very type (in the spec's order), or None."""
    for inp in spec.inputs:
        if inp.type == port_type and graph.edges_into(node_id, inp.name):
            return inp.name
    return None


def _check_bypass(graph: Graph, node_id: str, spec: NodeSpec, wanted: set[str]) -> list[GraphError]:
    """Each output that a running node reads needs an input of its type to pass through."""
    problems = []
    used = sorted({e.src_port for e in graph.edges_from(node_id) if e.dst in wanted})
    for name in used:
        out = spec.output(name)
        if out is None or passthrough_input(graph, node_id, spec, out.type) is not None:
            continue  # an unknown port is reported with its edge
        problems.append(
            GraphError(
                f"is bypassed, but has no connected {out.type.value} input to pass on to its "
                f"output {name!r}; connect one, or un-bypass the node",
                node=node_id,
                port=name,
            )
        )
    return problems


def _check_params(
    graph: Graph, node: Node, spec: NodeSpec, graph_dir: Path | None
) -> list[GraphError]:
    from studio.graph.fileformat import resolve_asset
    from studio.graph.outputs import output_problem

    problems = []
    for name in sorted(node.params):
        if spec.param(name) is None:
            problems.append(
                GraphError(
                    f"{spec.title} has no param {name!r}",
                    node=node.id,
                    path=f"$.nodes.{node.id}.params.{name}",
                )
            )
    for param in spec.params:
        where = f"$.nodes.{node.id}.params.{param.name}"
        value = node.params.get(param.name, param.default)
        try:
            value = param.coerce(value)
        except ValueError as exc:
            problems.append(GraphError(f"param {param.name!r} {exc}", node=node.id, path=where))
            continue
        if param.kind == "output":
            problem = output_problem(graph, value, graph_dir)
            if problem:
                problems.append(
                    GraphError(f"param {param.name!r}: {problem}", node=node.id, path=where)
                )
            continue
        if param.kind == "file":
            if not value:
                if not param.optional:
                    problems.append(
                        GraphError(
                            f"param {param.name!r}: no file chosen", node=node.id, path=where
                        )
                    )
                continue
            if graph_dir is None:
                if Path(value).is_absolute():
                    continue  # an unsaved graph refers to files by absolute path
                problems.append(
                    GraphError(
                        f"param {param.name!r}: save the graph first, so "
                        f"{value!r} has a folder to be relative to",
                        node=node.id,
                        path=where,
                    )
                )
                continue
            try:
                path = resolve_asset(value, graph_dir)
            except GraphError as exc:
                problems.append(
                    GraphError(f"param {param.name!r}: {exc.message}", node=node.id, path=where)
                )
                continue
            if not path.is_file():
                problems.append(
                    GraphError(
                        f"param {param.name!r}: file {value!r} not found", node=node.id, path=where
                    )
                )
    return problems


def effective_params(node: Node, spec: NodeSpec) -> dict[str, Any]:
    """The node's params over the spec's defaults, coerced to their types (after validation)."""
    params = spec.default_params()
    for param in spec.params:
        if param.name in node.params:
            params[param.name] = param.coerce(node.params[param.name])
    return params
