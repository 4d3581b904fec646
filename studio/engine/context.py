"""The RunContext the executor hands each node: progress, preview, cancel, scratch, CPU offload."""

from __future__ import annotations

import asyncio
import inspect
import threading
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import Executor as PoolExecutor
from pathlib import Path
from typing import Any

from studio.api import Artifact, CallResult
from studio.engine.cache import Cache, CacheParts
from studio.engine.events import Event, NodeLog, NodePreview, NodeProgress, NodeWarning
from studio.errors import Cancelled, GraphError, NodeError


class CancelToken:
    """Shared by every node of a run; safe to read from worker threads."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._callbacks: list[tuple[str, Callable[[], Any]]] = []

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def add_callback(self, callback: Callable[[], Any], owner: str = "") -> None:
        """Call `callback` on cancel; `owner` (a node id) is named if the callback fails."""
        self._callbacks.append((owner, callback))

    def cancel(self) -> tuple[list[tuple[str, Any]], list[tuple[str, BaseException]]]:
        """Set the flag and call the callbacks.

        Returns the awaitables the caller must await, each with its owner, and the callbacks that
        failed at once. A failed remote cancel is news (the job may still be billing): the caller
        reports every one, never swallows it.
        """
        self._event.set()
        pending: list[tuple[str, Any]] = []
        failed: list[tuple[str, BaseException]] = []
        for owner, callback in self._callbacks:
            try:
                result = callback()
            except Exception as exc:  # one failing cancel must not stop the others
                failed.append((owner, exc))
                continue
            if inspect.isawaitable(result):
                pending.append((owner, result))
        return pending, failed


class NodeContext:
    def __init__(
        self,
        *,
        run_id: str,
        node_id: str,
        emit: Callable[[Event], None],
        loop: asyncio.AbstractEventLoop,
        cancel: CancelToken,
        cache: Cache,
        pool: PoolExecutor,
        providers: Any,
        scratch: Path,
        graph_dir: Path | None,
        span: tuple[float, float] = (0.0, 1.0),
        provenance: dict[str, Any] | None = None,
        calls: Callable[[Mapping[str, Any]], Awaitable[list[CallResult]]] | None = None,
    ) -> None:
        self.run_id = run_id
        self.node_id = node_id
        self._emit = emit
        self._loop = loop
        self._cancel = cancel
        self._cache = cache
        self._pool = pool
        self._providers = providers
        self.scratch = scratch
        self.graph_dir = graph_dir
        self._span = span
        self.provenance: dict[str, Any] = provenance if provenance is not None else {}
        self._calls = calls

    # -- reporting, callable from any thread ----------------------------------------------------
    def _send(self, event: Event) -> None:
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self._loop:
            self._emit(event)
        else:
            self._loop.call_soon_threadsafe(self._emit, event)

    def progress(self, fraction: float | None, message: str = "") -> None:
        if fraction is not None:
            start, end = self._span
            fraction = start + (end - start) * min(1.0, max(0.0, float(fraction)))
        self._send(NodeProgress(self.run_id, self.node_id, fraction, message))

    def sub_progress(self, start: float, end: float) -> NodeContext:
        a, b = self._span
        child = NodeContext(
            run_id=self.run_id,
            node_id=self.node_id,
            emit=self._emit,
            loop=self._loop,
            cancel=self._cancel,
            cache=self._cache,
            pool=self._pool,
            providers=self._providers,
            scratch=self.scratch,
            graph_dir=self.graph_dir,
            span=(a + (b - a) * start, a + (b - a) * end),
            provenance=self.provenance,
            calls=self._calls,
        )
        return child

    def preview(self, value: Any) -> None:
        self._send(NodePreview(self.run_id, self.node_id, value))

    def log(self, message: str) -> None:
        self._send(NodeLog(self.run_id, self.node_id, message))

    def warn(self, message: str) -> None:
        """A degraded result: an event now, and a provenance line so a cache hit repeats it."""
        warnings = self.provenance.setdefault("warnings", [])
        if message not in warnings:
            warnings.append(message)
            self._send(NodeWarning(self.run_id, self.node_id, message))

    # -- cancellation ---------------------------------------------------------------------------
    @property
    def cancelled(self) -> bool:
        return self._cancel.cancelled

    def check_cancelled(self) -> None:
        if self._cancel.cancelled:
            raise Cancelled("cancelled")

    def on_cancel(self, callback: Callable[[], Any]) -> None:
        self._cancel.add_callback(callback, self.node_id)

    # -- work -----------------------------------------------------------------------------------
    @property
    def providers(self) -> Any:
        if self._providers is None:
            raise NodeError("no providers are configured for this run")
        return self._providers

    async def run_cpu(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if kwargs:
            import functools

            function = functools.partial(function, **kwargs)
        return await self._loop.run_in_executor(self._pool, function, *args)

    async def run_calls(self, inputs: Mapping[str, Any]) -> list[CallResult]:
        """Run the node's planned calls (studio.api.Call): each cached and limited on its own."""
        if self._calls is None:
            raise NodeError("this node declares no calls to run (NodeSpec.calls)")
        return await self._calls(inputs)

    async def store(self, path: Path, kind: str, meta: Mapping[str, Any] | None = None) -> Artifact:
        merged = dict(meta or {})
        return await self._loop.run_in_executor(
            self._pool, self._cache.ingest, Path(path), kind, merged
        )

    @property
    def parts(self) -> CacheParts:
        return CacheParts(self._cache)

    def resolve_path(self, relative: str) -> Path:
        from studio.graph.fileformat import resolve_asset

        if self.graph_dir is None:
            path = Path(relative)
            if not path.is_absolute():
                raise NodeError(
                    f"save the graph first, so {relative!r} has a folder to be relative to"
                )
            return path
        try:
            return resolve_asset(relative, self.graph_dir)
        except GraphError as exc:
            raise NodeError(exc.message) from None
