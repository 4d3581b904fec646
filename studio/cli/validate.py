"""`studio validate GRAPH`: report every problem of a graph file without running it."""

from __future__ import annotations

import argparse
import sys

from studio.cli import EXIT_BAD_INPUT, EXIT_OK
from studio.cli._common import load_graph_file


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("validate", help="check a graph file and list its problems")
    parser.add_argument("graph", help="the graph file (.json)")
    parser.set_defaults(handler=run_validate)


def run_validate(args: argparse.Namespace) -> int:
    from studio.engine.registry import load_registry
    from studio.graph.validate import validate_graph

    registry = load_registry()
    graph, graph_dir = load_graph_file(args.graph)
    problems = validate_graph(graph, registry, graph_dir)
    if problems:
        print(f"{args.graph}: {len(problems)} problem(s)", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem.describe()}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"{args.graph}: ok ({len(graph.nodes)} nodes, {len(graph.edges)} edges)")
    return EXIT_OK
