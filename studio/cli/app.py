"""`studio app GRAPH`: the graph's form alone, a Render button and the result (app mode)."""

from __future__ import annotations

import argparse
from pathlib import Path

from studio.cli._common import UsageError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "app",
        help="open a graph as a simple app: its form, Render, the result and Export "
        "(the graph stays hidden)",
    )
    parser.add_argument("graph", help="the graph file (.studiograph or .json)")
    parser.set_defaults(handler=run_app)


def run_app(args: argparse.Namespace) -> int:
    from studio.cli._common import load_graph_file

    path = Path(args.graph)
    if path.is_dir():
        from studio.cli._common import graph_files_in

        found = graph_files_in(path)
        if len(found) != 1:
            raise UsageError(f"{path} is a folder; name the graph file inside it")
        path = found[0]
    load_graph_file(str(path))  # a missing or broken file is one line here, before any window
    from studio.gui.app import main as gui_main

    return gui_main(str(path), app_mode=True)
