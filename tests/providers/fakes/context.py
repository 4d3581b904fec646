"""A RunContext for calling providers directly in tests, recording what they report."""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from studio.api import Artifact
from studio.errors import Cancelled


class FakeContext:
    def __init__(self, scratch: Path, graph_dir: Path | None = None) -> None:
        self.node_id = "node"
        self.scratch = Path(scratch)
        self.scratch.mkdir(parents=True, exist_ok=True)
        self.graph_dir = graph_dir
        self.provenance: dict[str, Any] = {}
        self.progress_events: list[tuple[float | None, str]] = []
        self.logs: list[str] = []
        self.warnings: list[str] = []
        self.previews: list[Any] = []
        self.cancel_callbacks: list[Callable[[], Any]] = []
        self._cancelled = False
        self._pending: list[Any] = []
        self.stored: list[Artifact] = []

    # -- reporting --------------------------------------------------------------------------------
    def progress(self, fraction: float | None, message: str = "") -> None:
        self.progress_events.append((fraction, message))

    def sub_progress(self, start: float, end: float) -> FakeContext:
        return self

    def preview(self, value: Any) -> None:
        self.previews.append(value)

    def log(self, message: str) -> None:
        self.logs.append(message)

    def warn(self, message: str) -> None:
        """As RunContext.warn: told once, and kept in the provenance."""
        warnings = self.provenance.setdefault("warnings", [])
        if message not in warnings:
            warnings.append(message)
            self.warnings.append(message)

    @property
    def messages(self) -> list[str]:
        return [m for _, m in self.progress_events]

    # -- cancellation -----------------------------------------------------------------------------
    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def check_cancelled(self) -> None:
        if self._cancelled:
            raise Cancelled("cancelled")

    def on_cancel(self, callback: Callable[[], Any]) -> None:
        self.cancel_callbacks.append(callback)

    def cancel(self, task: asyncio.Task[Any] | None = None) -> None:
        """What the executor does on cancel: set the flag, call callbacks, cancel the task."""
        self._cancelled = True
        for callback in self.cancel_callbacks:
            result = callback()
            if inspect.isawaitable(result):
                self._pending.append(asyncio.ensure_future(result))
        if task is not None:
            task.cancel()

    async def settle(self) -> None:
        """Wait for the remote cancels that `cancel` started (the executor lets them finish)."""
        await asyncio.gather(*self._pending, return_exceptions=True)

    # -- work -------------------------------------------------------------------------------------
    @property
    def providers(self) -> Any:
        raise AssertionError("providers are called directly in these tests")

    async def run_cpu(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return await asyncio.to_thread(function, *args, **kwargs)

    async def store(self, path: Path, kind: str, meta: dict[str, Any] | None = None) -> Artifact:
        data = Path(path).read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        target = self.scratch / "stored" / f"{digest}{Path(path).suffix}"
        target.parent.mkdir(exist_ok=True)
        shutil.move(path, target)
        artifact = Artifact(kind, target, digest, dict(meta or {}))
        self.stored.append(artifact)
        return artifact

    def resolve_path(self, relative: str) -> Path:
        path = Path(relative)
        if path.is_absolute() or self.graph_dir is None:
            return path
        return self.graph_dir / path
