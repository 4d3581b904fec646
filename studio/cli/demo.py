"""`studio demo`: render the bundled example graph offline to ./studio-demo.mp4."""

from __future__ import annotations

import argparse
from pathlib import Path

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
    code = render.run_render(_render_args(graph, args))
    if code == 0:
        print(f"wrote {args.output}")
    return code


def _render_args(graph: Path, args: argparse.Namespace) -> argparse.Namespace:
    """What `studio render GRAPH -o OUTPUT --max-cost 0` would get, read by render's own parser
    (so every render option has its default): the demo never spends money."""
    parser = argparse.ArgumentParser(prog="studio render")
    render.add_arguments(parser)
    argv = [f"--output={args.output}", "--max-cost=0"]
    argv += ["--no-cache"] if args.no_cache else []
    argv += ["--json"] if args.json else []
    return parser.parse_args([*argv, "--", str(graph)])
