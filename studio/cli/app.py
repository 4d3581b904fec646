"""`studio app GRAPH`: the graph's form alone, a Render button and the result (app mode)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "app",
        help="open a graph as a simple app: its form, Render, the result and Export "
        "(the graph stays hidden)",
    )
    parser.add_argument("graph", help="the graph file (.studiograph or .json)")
    parser.set_defaults(handler=run_app)


def run_app(args: argparse.Namespace) -> int:
    from studio.cli._common import graph_file
    from studio.graph.fileformat import load_graph

    path = graph_file(args.graph)
    graph = load_graph(path)  # a missing or broken file is one line here, before any window
    from studio.gui.app import main as gui_main

    return gui_main(str(path), app_mode=True, graph=graph)  # read once: the window takes it
