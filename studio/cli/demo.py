"""`studio demo`: render the bundled example graph offline to ./studio-demo.mp4."""

from __future__ import annotations

import argparse

from studio.cli import render
from studio.cli._common import UsageError

EXAMPLE = "examples/lighthouse.json"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("demo", help="render the bundled example (offline) to a video")
    parser.add_argument(
        "-o",
        "--output",
        default="studio-demo.mp4",
        help="where to write the video (default: ./studio-demo.mp4)",
    )
    parser.add_argument("--no-cache", action="store_true", help="recompute every node")
    parser.add_argument("--json", action="store_true", help="print one JSON event per line")
    parser.set_defaults(handler=run_demo)


def run_demo(args: argparse.Namespace) -> int:
    from studio.paths import resources_dir

    graph = resources_dir() / EXAMPLE
    if not graph.is_file():
        raise UsageError(f"the example graph is missing from this installation ({graph})")
    print(f"rendering the example {graph.name} to {args.output} (offline engines)")
    render_args = argparse.Namespace(
        graph=str(graph),
        output=args.output,
        overrides=[],
        target=None,
        no_cache=args.no_cache,
        json=args.json,
        max_cost=0.0,
        allow_unknown_cost=False,
    )
    code = render.run_render(render_args)
    if code == 0:
        print(f"wrote {args.output}")
    return code
