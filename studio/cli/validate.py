"""`studio validate GRAPH`: report every problem of a graph file without running it.

Besides the graph itself (types, connections, params, files that are missing), every picture,
sound and video a load node names is probed as that node would read it: its header and at most
one decoded frame (fast, never a whole decode), so a zero-byte, random-bytes, cut-short or
decompression-bomb file is reported with its node, param and reason before a render starts.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from studio.cli import EXIT_BAD_INPUT, EXIT_OK
from studio.cli._common import load_graph_file
from studio.errors import GraphError
from studio.graph.components import SEPARATOR

PROBED_KINDS = ("image", "video", "audio")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("validate", help="check a graph file and list its problems")
    parser.add_argument("graph", help="the graph file (.studiograph or .json)")
    parser.set_defaults(handler=run_validate)


def run_validate(args: argparse.Namespace) -> int:
    from studio.engine.components import ComponentRegistry
    from studio.engine.registry import load_registry
    from studio.errors import GraphErrors
    from studio.graph.components import flatten
    from studio.graph.form import form_problems
    from studio.graph.validate import validate_graph

    registry = load_registry()
    graph, graph_dir = load_graph_file(args.graph)
    try:
        # Checked as a render runs it: components as their inner nodes, by flat id.
        flat = flatten(graph)
    except GraphErrors as exc:  # a missing definition, a cycle, a port or param gone
        problems = list(exc.errors)
        view: Any = ComponentRegistry(registry, graph)  # a registry that knows the components
        problems += validate_graph(graph, view, graph_dir)
    else:
        problems = validate_graph(flat, registry, graph_dir)
        problems += probe_assets(flat, registry, graph_dir, already=problems)
        problems = [_inside_components(p) for p in problems]
    problems += form_problems(graph, ComponentRegistry(registry, graph))
    if problems:
        print(f"{args.graph}: {len(problems)} problem(s)", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem.describe()}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"{args.graph}: ok ({len(graph.nodes)} nodes, {len(graph.edges)} edges)")
    return EXIT_OK


def _inside_components(problem: GraphError) -> GraphError:
    """A node inside a component is named by its flat id ("scene_1/load"); the JSON path a flat
    graph gives it is not in the file, so it is left out."""
    if problem.node is None or SEPARATOR not in problem.node:
        return problem
    return GraphError(problem.message, node=problem.node, port=problem.port)


def probe_assets(graph, registry, graph_dir: Path | None, *, already=()) -> list[GraphError]:
    """A problem for each picture, sound or video file param whose file cannot be used.

    Files already reported (missing, outside the graph's folder) are not probed again.
    """
    from studio.graph.fileformat import resolve_asset
    from studio.graph.validate import effective_params
    from studio.media.errors import MediaError
    from studio.media.probe import probe_asset

    reported = {problem.path for problem in already}
    problems = []
    for node_id in sorted(graph.nodes):
        spec = registry.get(graph.nodes[node_id].type)
        if spec is None:
            continue
        for param in spec.params:
            where = f"$.nodes.{node_id}.params.{param.name}"
            kinds = [kind for kind in param.file_kinds if kind in PROBED_KINDS]
            if param.kind != "file" or not kinds or where in reported:
                continue
            try:
                value = effective_params(graph.nodes[node_id], spec).get(param.name)
            except ValueError:
                continue  # a param of the wrong type: validate_graph has reported it
            if not value or (graph_dir is None and not Path(value).is_absolute()):
                continue
            try:
                path = resolve_asset(value, graph_dir) if graph_dir else Path(value)
                probe_asset(path, kinds[0])
            except (MediaError, GraphError) as exc:
                reason = exc.message if isinstance(exc, GraphError) else str(exc)
                problems.append(
                    GraphError(f"param {param.name!r}: {reason}", node=node_id, path=where)
                )
    return problems
