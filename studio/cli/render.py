"""`studio render GRAPH`: run a graph headless, with progress bars or JSON events."""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
from pathlib import Path

from studio.cli import EXIT_BAD_INPUT, EXIT_NODE_FAILED, EXIT_OK
from studio.cli._common import (
    UsageError,
    apply_overrides,
    estimate_costs,
    load_graph_file,
    make_executor,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("render", help="run a graph and write its results")
    parser.add_argument("graph", help="the graph file (.json)")
    parser.add_argument(
        "-o",
        "--output",
        help="where to write the result (sets the export "
        "node's path, or copies the graph's single final media output)",
    )
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="NODE.PARAM=VALUE",
        help="change a param for this run",
    )
    parser.add_argument("--to", dest="target", help="run only this node and what it needs")
    parser.add_argument("--no-cache", action="store_true", help="recompute every node")
    parser.add_argument("--json", action="store_true", help="print one JSON event per line")
    parser.add_argument(
        "--max-cost",
        type=float,
        metavar="USD",
        help="refuse to run if the estimated cost is above this",
    )
    parser.set_defaults(handler=run_render)


def run_render(args: argparse.Namespace) -> int:
    from studio.engine.registry import load_registry

    registry = load_registry()
    graph, graph_dir = load_graph_file(args.graph)
    apply_overrides(graph, registry, args.overrides)
    output_node = _route_output(graph, registry, args.output) if args.output else None
    return asyncio.run(_render(args, registry, graph, graph_dir, output_node))


def _route_output(graph, registry, output: str) -> str | None:
    """Point the export node at OUTPUT; without one, return the node whose result is copied."""
    out = str(Path(output).expanduser().resolve())
    exports = [n for n in graph.nodes.values() if n.type == "export.video"]
    if len(exports) == 1:
        graph.nodes[exports[0].id].params["path"] = out
        return None
    if len(exports) > 1:
        raise UsageError("the graph has several export nodes; set each one's path with --set")
    sinks = [n for n in graph.nodes.values() if not graph.edges_from(n.id)]
    media_sinks = []
    for node in sinks:
        spec = registry.get(node.type)
        if spec and any(p.type.value in ("image", "video", "audio") for p in spec.outputs):
            media_sinks.append(node.id)
    if len(media_sinks) != 1:
        raise UsageError(
            f"-o needs one export node or exactly one final media node; found {len(media_sinks)}"
        )
    return media_sinks[0]


async def _render(args, registry, graph, graph_dir, output_node) -> int:
    from studio.cli.progress import JsonPrinter, ProgressPrinter

    printer = JsonPrinter() if args.json else ProgressPrinter()
    executor, history = make_executor(registry, printer)
    try:
        plans = executor.plan(graph, [args.target] if args.target else None, graph_dir)
        cached = {} if args.no_cache else await executor.cached_results(graph, plans, graph_dir)
        to_pay, saved, lines = estimate_costs(plans, cached)
        printer.note(_cost_line(to_pay, saved, lines))
        if args.max_cost is not None and to_pay > args.max_cost:
            print(
                f"error: estimated cost ${to_pay:.2f} is over --max-cost ${args.max_cost:.2f}; "
                "nothing was run",
                file=sys.stderr,
            )
            return EXIT_BAD_INPUT
        printer.start(len(plans))
        task = asyncio.ensure_future(
            executor.run(graph, use_cache=not args.no_cache, graph_dir=graph_dir, plans=plans)
        )
        try:
            result = await asyncio.shield(task)
        except (KeyboardInterrupt, asyncio.CancelledError):
            executor.cancel()
            result = await task
    finally:
        printer.stop()
        executor.close()
        if history is not None:
            history.close()
    if result.status == "cancelled":
        print("cancelled", file=sys.stderr)
        return 130
    if result.failures:
        for node_id, reason in result.failures.items():
            if not reason.startswith("skipped:"):
                print(f"error: node {node_id!r} failed: {reason}", file=sys.stderr)
        skipped = [n for n, r in result.failures.items() if r.startswith("skipped:")]
        if skipped:
            print(f"not run because of those failures: {', '.join(skipped)}", file=sys.stderr)
        return EXIT_NODE_FAILED
    if output_node is not None:
        _copy_output(result.outputs[output_node], Path(args.output))
    printer.note(
        f"done in {result.seconds:.1f} s: {len(result.executed)} ran, "
        f"{len(result.cached)} from cache (run {result.run_id})"
    )
    return EXIT_OK


def _copy_output(outputs: dict, target: Path) -> None:
    from studio.api import Artifact
    from studio.atomic import move_atomic

    artifact = next(v for v in outputs.values() if isinstance(v, Artifact))
    target = target.expanduser().resolve()
    tmp = target.with_name(f".{target.name}.partial")
    shutil.copyfile(artifact.path, tmp)
    move_atomic(tmp, target)


def _cost_line(to_pay: float, saved: float, lines: list[tuple[str, float]]) -> str:
    if not to_pay and not saved:
        return "estimated cost: free (offline engines and cached results only)"
    detail = ", ".join(f"{node} ${cost:.3f}" for node, cost in lines)
    text = f"estimated cost: ${to_pay:.2f}"
    if detail:
        text += f" ({detail})"
    if saved:
        text += f"; cache saves ${saved:.2f}"
    return text
