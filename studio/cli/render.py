"""`studio render GRAPH`: run a graph headless, with progress bars or JSON events."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shutil
import signal
import sys
from pathlib import Path
from typing import Any

from studio.cli import EXIT_BAD_INPUT, EXIT_NODE_FAILED, EXIT_OK
from studio.cli._common import (
    UsageError,
    apply_form_values,
    apply_overrides,
    form_help,
    load_graph_file,
    make_executor,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("render", help="run a graph and write its results")
    add_arguments(parser)
    parser.set_defaults(handler=run_render)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `studio render` (also how `studio demo` builds its render's arguments)."""
    parser.add_argument("graph", help="the graph file (.studiograph or .json)")
    parser.add_argument(
        "-o",
        "--output",
        help="where to write the result: sets the export node's path, or copies the media "
        "result of the --to node (or of the graph's single final media node)",
    )
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="NODE.PARAM=VALUE",
        help="change a param for this run",
    )
    parser.add_argument(
        "--form",
        dest="form_values",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="fill a field of the graph's form (its app-mode fields) for this run; "
        "--form-help lists them",
    )
    parser.add_argument(
        "--form-help",
        action="store_true",
        help="print the graph's form fields (name, kind, allowed values, help) and exit",
    )
    parser.add_argument("--to", dest="target", help="run only this node and what it needs")
    parser.add_argument(
        "--versions",
        metavar="all|NAME,...",
        help="with a Versions node: make these versions only (names such as 9x16.fr, or all); "
        "-o then names their base file",
    )
    parser.add_argument("--no-cache", action="store_true", help="recompute every node")
    parser.add_argument("--json", action="store_true", help="print one JSON event per line")
    parser.add_argument(
        "--max-cost",
        type=float,
        metavar="USD",
        help="refuse to run if the estimated cost is above this, or if a node's price is unknown",
    )
    parser.add_argument(
        "--allow-unknown-cost",
        action="store_true",
        help="with --max-cost: run even when some nodes' prices are unknown",
    )


def run_render(args: argparse.Namespace) -> int:
    from studio.engine.registry import load_registry

    registry = load_registry()
    graph, graph_dir = load_graph_file(args.graph)
    if args.form_help:
        print(form_help(graph, registry))
        return EXIT_OK
    apply_form_values(graph, registry, args.form_values)
    apply_overrides(graph, registry, args.overrides)  # --set after --form: the narrower wins
    if args.target and args.target not in graph.nodes:
        raise UsageError(
            f"--to {args.target!r}: no such node (nodes: {', '.join(sorted(graph.nodes))})"
        )
    if args.versions:
        from studio.cli._versions import choose

        choose(graph, registry, args.versions)
    output_node = _route_output(graph, registry, args.output, args.target) if args.output else None
    return asyncio.run(_render(args, registry, graph, graph_dir, output_node))


def _route_output(graph: Any, registry: Any, output: str, target: str | None) -> str | None:
    """Point an export node at OUTPUT and return None, or return the node whose result is copied.

    With --to, OUTPUT is that node's: its export path if it is an export node, else a copy of its
    media result. Without, the graph's one export node, or its one final media node.
    """
    from studio.graph.outputs import choose_output

    out = str(Path(output).expanduser().resolve())

    def output_param(node_id: str) -> str | None:
        spec = registry.get(graph.nodes[node_id].type)
        return next((p.name for p in spec.params if p.kind == "output"), None) if spec else None

    def point(node_id: str, param: str) -> None:
        graph.nodes[node_id].params[param] = out
        choose_output(graph, out)  # -o is the user's choice: it may leave the graph's folder

    if target is not None:
        param = output_param(target)
        if param is not None:
            point(target, param)
            return None
        spec = registry.get(graph.nodes[target].type)
        if spec is None or not any(p.type.value in MEDIA_KINDS for p in spec.outputs):
            raise UsageError(f"-o: node {target!r} has no image, video or audio result to write")
        _check_kind(spec, target, Path(out))
        return target
    exports = [(n, p) for n in sorted(graph.nodes) if (p := output_param(n)) is not None]
    if len(exports) == 1:
        point(*exports[0])
        return None
    if len(exports) > 1:
        names = ", ".join(n for n, _ in exports)
        raise UsageError(
            f"-o: the graph has several export nodes ({names}); choose one with --to, "
            "or set each one's path with --set NODE.path=FILE"
        )
    media_sinks = []
    for node in graph.nodes.values():
        spec = registry.get(node.type)
        if graph.edges_from(node.id) or spec is None:
            continue
        if any(p.type.value in MEDIA_KINDS for p in spec.outputs):
            media_sinks.append(node.id)
    if len(media_sinks) != 1:
        raise UsageError(
            "-o needs one export node or exactly one final media node; found "
            f"{len(media_sinks)}: name the node with --to"
        )
    _check_kind(registry.get(graph.nodes[media_sinks[0]].type), media_sinks[0], Path(out))
    return media_sinks[0]


def _check_kind(spec: Any, node_id: str, out: Path) -> None:
    """Before anything runs: -o named as another kind of media (a picture as .mp3) is a usage
    error. Which format of its own kind it can be is known once the result is there."""
    from studio.media.result_export import convertible_formats

    kind = next(p.type.value for p in spec.outputs if p.type.value in MEDIA_KINDS)
    wanted = out.suffix.lower().lstrip(".")
    others = {k for k in MEDIA_KINDS if k != kind and wanted in convertible_formats(k)}
    if wanted and others and wanted not in convertible_formats(kind):
        what = {"image": "a picture", "audio": "a sound", "video": "a video"}[kind]
        raise UsageError(f"-o {out.name}: node {node_id!r} makes {what}, not .{wanted}")


MEDIA_KINDS = ("image", "video", "audio")
# Signals that stop a render the way Ctrl+C does: remote jobs cancelled, work folders removed,
# the history says "cancelled". (SIGKILL cannot be caught: the next start says "interrupted".)
STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)
)


async def _render(args, registry, graph, graph_dir, output_node) -> int:
    from studio.cli.progress import JsonPrinter, ProgressPrinter
    from studio.engine.estimate import estimate_run

    printer = JsonPrinter() if args.json else ProgressPrinter()
    executor, history = make_executor(registry, printer)
    stop = _StopOnSignal(executor)
    try:
        plans = executor.plan(graph, [args.target] if args.target else None, graph_dir)
        cached = {} if args.no_cache else await executor.cached_results(graph, plans, graph_dir)
        estimate = estimate_run(plans, cached)
        printer.note(estimate.describe())
        refusal = _cost_refusal(estimate, args.max_cost, args.allow_unknown_cost)
        if refusal is None:
            from studio.cli._versions import translation_refusal

            refusal = await translation_refusal(executor, graph, plans, cached)
        if refusal:
            print(f"error: {refusal}; nothing was run", file=sys.stderr)
            return EXIT_BAD_INPUT
        printer.start(len(plans))
        task = asyncio.ensure_future(
            executor.run(graph, use_cache=not args.no_cache, graph_dir=graph_dir, plans=plans)
        )
        stop.running = True
        try:
            result = await asyncio.shield(task)
        except (KeyboardInterrupt, asyncio.CancelledError):
            executor.cancel()
            result = await task
    except asyncio.CancelledError:  # stopped before the run began: nothing ran
        print("cancelled before the run started", file=sys.stderr)
        return stop.exit_code
    finally:
        stop.remove()
        printer.stop()
        executor.close()
        if history is not None:
            history.close()
    return _report(result, plans, output_node, args, printer, stop.exit_code)


class _StopOnSignal:
    """SIGTERM/SIGHUP cancel the run (or, before it starts, the command) like Ctrl+C does."""

    def __init__(self, executor: Any) -> None:
        self.executor = executor
        self.running = False
        self.signal: int | None = None
        self._loop = asyncio.get_running_loop()
        self._task = asyncio.current_task()
        self._installed: list[int] = []
        for signum in STOP_SIGNALS:
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                self._loop.add_signal_handler(signum, self._on_signal, signum)
                self._installed.append(signum)

    def _on_signal(self, signum: int) -> None:
        self.signal = signum
        if self.running:
            self.executor.cancel()
        elif self._task is not None:
            self._task.cancel()

    @property
    def exit_code(self) -> int:
        return 128 + self.signal if self.signal is not None else 130

    def remove(self) -> None:
        for signum in self._installed:
            self._loop.remove_signal_handler(signum)


def _cost_refusal(estimate: Any, max_cost: float | None, allow_unknown: bool) -> str | None:
    from studio.providers.costs import format_usd

    if max_cost is None:
        return None
    if estimate.to_pay > max_cost:
        return (
            f"estimated cost {format_usd(estimate.to_pay)} is over --max-cost "
            f"{format_usd(max_cost)}"
        )
    if estimate.unknown and not allow_unknown:
        labels = ", ".join(f"{node} ({label})" for node, label in estimate.unknown)
        return (
            f"--max-cost cannot be checked: the price of {labels} is unknown; "
            "add --allow-unknown-cost to run anyway"
        )
    return None


def _report(result, plans, output_node, args, printer, cancel_code: int) -> int:
    """Tell the user what happened, write -o, and choose the exit code. Never 0 without results."""
    if result.status == "cancelled":
        print("cancelled", file=sys.stderr)
        return cancel_code
    for node_id, reason in result.failures.items():
        if not reason.startswith("skipped:"):
            print(f"error: node {node_id!r} failed: {reason}", file=sys.stderr)
    skipped = [n for n, r in result.failures.items() if r.startswith("skipped:")]
    if skipped:
        print(f"not run because of those failures: {', '.join(skipped)}", file=sys.stderr)
    # Whatever the cause, a node asked for that has no result and no reason is a failure too.
    silent = [
        p.node_id
        for p in plans
        if p.node_id not in result.outputs and p.node_id not in result.failures
    ]
    for node_id in silent:
        print(f"error: node {node_id!r} produced no result", file=sys.stderr)
    for node_id, warnings in result.warnings.items():
        for warning in warnings:
            print(f"warning: node {node_id!r}: {warning}", file=sys.stderr)
    if result.failures or silent:
        return EXIT_NODE_FAILED
    if output_node is not None:
        problem = _copy_output(output_node, result.outputs.get(output_node), Path(args.output))
        if problem:
            print(f"error: {problem}", file=sys.stderr)
            return EXIT_NODE_FAILED
    from studio.cli._versions import describe_written

    for line in describe_written(result):
        printer.note(line)
    printer.note(
        f"done in {result.seconds:.1f} s: {len(result.executed)} ran, "
        f"{len(result.cached)} from cache (run {result.run_id})"
    )
    return EXIT_OK


def _copy_output(node_id: str, outputs: dict | None, target: Path) -> str | None:
    """Write the node's media result to `target`: a copy (never a link into the cache), or
    converted when the name says another format it can take (media.result_export)."""
    from studio.api import Artifact
    from studio.atomic import move_atomic
    from studio.media.errors import MediaError
    from studio.media.result_export import convert_result, export_plan

    artifact = next((v for v in (outputs or {}).values() if isinstance(v, Artifact)), None)
    if artifact is None:
        return f"node {node_id!r} produced no media result to write to {target}"
    target, fmt, problem = export_plan(
        artifact.kind, Path(artifact.path), target.expanduser().resolve()
    )
    if problem:
        return f"-o {target.name}: {problem}; nothing was written"
    if fmt is not None:
        try:
            convert_result(artifact.kind, artifact.path, target, fmt, meta=dict(artifact.meta))
        except (MediaError, OSError) as exc:
            return f"cannot write {target}: {getattr(exc, 'strerror', None) or exc}"
        return None
    tmp = target.with_name(f".{target.name}.partial")
    try:
        shutil.copyfile(artifact.path, tmp)
        move_atomic(tmp, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        return f"cannot write {target}: {exc.strerror or exc}"
    return None
