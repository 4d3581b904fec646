"""Work the window starts after a run: exporting a result, keeping the cache within its size."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studio.gui.app import in_background, spawn
from studio.gui.commands import ParamSetCommand
from studio.gui.export_dialog import ExportChoice, copy_result
from studio.gui.settings import GuiSettings, trim_cache

if TYPE_CHECKING:
    from studio.gui.main_window import MainWindow
    from studio.gui.run_controller import RunController


def start_export(window: MainWindow, choice: ExportChoice) -> None:
    """Run up to an Export Video node writing to the chosen file, or run up to a node and copy
    its result when the run ends. The node's own path changes only when the user asked."""
    document = window.document
    replace_ok = [choice.path] if choice.replace_ok else []
    if choice.via_export_node:
        overrides = None
        if choice.use_for_node:
            stack = document.undo_stack
            stack.beginMacro("Set export file")
            node = document.graph.nodes[choice.node_id]
            if node.params.get("path") != str(choice.path):
                stack.push(ParamSetCommand(document, choice.node_id, "path", str(choice.path)))
            if choice.format and node.params.get("format") != choice.format:
                stack.push(ParamSetCommand(document, choice.node_id, "format", choice.format))
            stack.endMacro()
        else:  # this run only: the node keeps the path Run All writes
            overrides = {choice.node_id: {"path": str(choice.path)}}
            if choice.format:
                overrides[choice.node_id]["format"] = choice.format
        entry = window.runner.request([choice.node_id], overrides=overrides, replace_ok=replace_ok)
        if entry is not None:
            window.run_log.append("info", f"Exporting to {choice.path}…")
        return
    entry = window.runner.request([choice.node_id])
    if entry is not None:
        window._pending_exports[entry.id] = choice
        window.run_log.append("info", f"Exporting {choice.node_id} to {choice.path} after the run")


def finish_export(window: MainWindow, choice: ExportChoice, status: str) -> None:
    from studio.api import Artifact

    if status != "succeeded":
        window.report_error("Export failed", f"the run {status}; nothing was written")
        return
    outputs = window.states.get(choice.node_id).outputs
    artifact = next((v for v in outputs.values() if isinstance(v, Artifact)), None)
    if artifact is None:
        window.report_error("Export failed", f"{choice.node_id} has no media result")
        return
    from studio.media.result_export import export_plan

    target, fmt, problem = export_plan(artifact.kind, Path(artifact.path), choice.path)
    if problem:
        window.report_error("Export failed", f"{problem}; nothing was written")
        return

    async def copy() -> None:
        if fmt is None:
            await in_background(copy_result, artifact.path, target)
            done = f"Exported {choice.node_id} to {target}"
        else:
            from studio.media.result_export import convert_result

            window.show_message(f"Converting {choice.node_id} to {fmt.upper()}…")
            convert = functools.partial(
                convert_result, artifact.kind, artifact.path, target, fmt, meta=dict(artifact.meta)
            )
            await in_background(convert)
            done = f"Exported {choice.node_id} to {target} (converted to {fmt.upper()})"
        window.run_log.append("info", done)
        window.show_message(f"Exported to {target}")

    spawn(copy(), f"exporting to {target}")


def trim_cache_later(runner: RunController) -> None:
    """Keep the result cache under the size chosen in Settings (in a worker thread)."""
    executor: Any = runner._executor
    if executor is None:
        return
    limit = int(GuiSettings.load().cache_max_gb * 1e9)

    async def trim() -> None:
        freed = await in_background(trim_cache, executor.cache.objects, limit)
        if freed:
            runner.log_line.emit(
                "info", f"Cache trimmed by {freed / 1e6:.0f} MB to stay under {limit / 1e9:.1f} GB"
            )

    spawn(trim(), "trimming the cache")
