"""How `studio render` shows a run: rich progress bars on a terminal, or one JSON event a line."""

from __future__ import annotations

import json
import sys
from typing import Any

from studio.engine.events import (
    Event,
    NodeBypassed,
    NodeCached,
    NodeCancelled,
    NodeFailed,
    NodeFinished,
    NodeLog,
    NodeProgress,
    NodeStarted,
    NodeWarning,
)


class JsonPrinter:
    """Every event as one JSON object per line on stdout (previews included, as paths)."""

    def __call__(self, event: Event) -> None:
        print(json.dumps(event.to_json(), sort_keys=True), flush=True)

    def note(self, message: str) -> None:
        print(json.dumps({"event": "note", "message": message}), flush=True)

    def start(self, total: int) -> None:
        pass

    def stop(self) -> None:
        pass


class ProgressPrinter:
    """A bar per running node and an overall bar; plain lines when stdout is not a terminal."""

    def __init__(self) -> None:
        from rich.console import Console

        self.console = Console(stderr=True)
        self._progress: Any = None
        self._tasks: dict[str, Any] = {}
        self._overall: Any = None

    def note(self, message: str) -> None:
        self.console.print(message, highlight=False)

    def start(self, total: int) -> None:
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self._progress = Progress(
            TextColumn("{task.description:<28}"),
            BarColumn(),
            TextColumn("{task.fields[status]}"),
            TimeElapsedColumn(),
            console=self.console,
            transient=False,
            disable=not self.console.is_terminal,
        )
        self._overall = self._progress.add_task("all nodes", total=total, status="")
        self._progress.start()

    def stop(self) -> None:
        if self._progress is not None:
            self._progress.stop()

    def __call__(self, event: Event) -> None:
        progress = self._progress
        if progress is None:
            return
        node = getattr(event, "node", None)
        if isinstance(event, NodeStarted):
            self._tasks[event.node] = progress.add_task(event.node, total=1.0, status="running")
        elif isinstance(event, NodeProgress) and node in self._tasks:
            if event.fraction is None:
                progress.update(self._tasks[node], total=None, status=event.message[:30])
            else:
                progress.update(
                    self._tasks[node],
                    total=1.0,
                    completed=event.fraction,
                    status=event.message[:30],
                )
        elif isinstance(event, (NodeFinished, NodeCached, NodeFailed, NodeCancelled, NodeBypassed)):
            status = {
                NodeBypassed: "bypassed",
                NodeFinished: "done",
                NodeCached: "cached",
                NodeFailed: "failed",
                NodeCancelled: "cancelled",
            }[type(event)]
            if isinstance(event, NodeFailed) and event.upstream:
                status = "skipped"
            if node in self._tasks:
                progress.update(self._tasks[node], total=1.0, completed=1.0, status=status)
            elif not self.console.is_terminal or status != "skipped":
                progress.add_task(node, total=1.0, completed=1.0, status=status)
            progress.advance(self._overall)
            if not self.console.is_terminal:
                print(f"{node}: {status}", file=sys.stderr)
        elif isinstance(event, NodeLog):
            progress.console.print(f"[{node}] {event.message}", highlight=False, markup=False)
        elif isinstance(event, NodeWarning):
            progress.console.print(
                f"[{node}] warning: {event.message}", highlight=False, markup=False
            )
