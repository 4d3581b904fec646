"""Following one ComfyUI prompt to its end: the websocket while it is open, the history after
(or instead), the queue when the prompt goes quiet — and the node's progress over all of it.

What ends a prompt, websocket or not, in the same words: success (`execution_success`, or
`executing` with `node: null`), an error (`execution_error`), an interrupt that the studio did
not ask for (`execution_interrupted`: a failure, "interrupted on the server"), or the prompt
vanishing from the queue without a history (someone cleared the queue, the server restarted),
which is noticed within seconds by asking the queue whenever the prompt has been quiet for
`QUEUE_CHECK_EVERY` seconds or the server says its queue changed.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import struct
import time
from typing import Any

from studio.errors import Cancelled, ProviderError
from studio.providers.http import JobState, poll_job
from studio.providers.remote._comfy_server import (
    PROVIDER,
    ComfyServer,
    failure_words,
    history_failure,
)

QUEUE_CHECK_EVERY = 3.0  # seconds without news of our prompt before asking the queue about it
QUEUE_CHECK_GAP = 1.0  # at most one queue check a second when the server says its queue moved
PREVIEW_EVERY = 0.5  # seconds between preview frames shown on the node


class JobProgress:
    """One bar for the whole prompt: nodes done (and the running node's steps) out of the nodes
    to run. It never steps back, and says nothing after "finished"."""

    def __init__(self, ctx: Any, prompt: dict[str, Any]) -> None:
        self.ctx = ctx
        self.prompt = prompt
        self.to_run = max(1, len(prompt))
        self.done: set[str] = set()
        self.current: str | None = None
        self.shown: float | None = None
        self.finished = False

    def name(self, node: Any) -> str:
        entry = self.prompt.get(str(node))
        return str(entry.get("class_type")) if isinstance(entry, dict) else str(node)

    def cached(self, nodes: list[Any]) -> None:
        self.done.update(str(n) for n in nodes)

    def executing(self, node: Any) -> None:
        if self.current is not None:
            self.done.add(self.current)
        self.current = str(node)
        self._show(len(self.done) / self.to_run, f"running {self.name(node)}")

    def step(self, node: Any, value: Any, total: Any) -> None:
        try:
            part = min(1.0, max(0.0, float(value) / float(total or 1)))
        except (TypeError, ValueError):
            return
        done = len(self.done - {str(node)})
        self._show((done + part) / self.to_run, f"{self.name(node)} {value}/{total}")

    def report(self, fraction: float | None, message: str) -> None:
        """A state from history polling (poll_job): "finished" ends the bar, the rest keep it."""
        if fraction is not None and fraction >= 1.0:
            self.finish()
        else:
            self._show(fraction, message)

    def _show(self, fraction: float | None, message: str) -> None:
        if self.finished:
            return
        if fraction is not None:
            fraction = min(0.99, max(fraction, self.shown or 0.0))
        elif self.shown is not None:
            fraction = self.shown  # an unknown step keeps the bar where it was
        self.shown = fraction
        self.ctx.progress(fraction, message)

    def finish(self) -> None:
        if not self.finished:
            self.finished = True
            self.ctx.progress(1.0, "finished")


class _Reporting:
    """The node's context, with progress going through the job's bar (for poll_job)."""

    def __init__(self, ctx: Any, progress: JobProgress) -> None:
        self._ctx = ctx
        self._progress = progress

    def progress(self, fraction: float | None, message: str = "") -> None:
        self._progress.report(fraction, message)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ctx, name)


class PromptWatch:
    """Everything known about one prompt while it is followed."""

    def __init__(
        self, server: ComfyServer, prompt_id: str, prompt: dict[str, Any], ctx: Any
    ) -> None:
        self.server = server
        self.prompt_id = prompt_id
        self.ctx = ctx
        self.progress = JobProgress(ctx, prompt)
        self.deadline = time.monotonic() + server.client.tuning.job_timeout
        self.last_news = self.last_check = time.monotonic()
        self.queue_moved = False
        self.started = False
        self.previews = 0
        self.last_preview = 0.0

    # -- failures ---------------------------------------------------------------------------------
    def fail(self, event: str, words: str) -> Exception:
        if event == "execution_interrupted" and self.ctx.cancelled:
            return Cancelled(f"ComfyUI prompt {self.prompt_id} was interrupted")
        return ProviderError(words, provider=PROVIDER)

    # -- the queue --------------------------------------------------------------------------------
    def queue_check_due(self) -> bool:
        now = time.monotonic()
        quiet = now - max(self.last_news, self.last_check) >= QUEUE_CHECK_EVERY
        moved = self.queue_moved and not self.started and now - self.last_check >= QUEUE_CHECK_GAP
        return quiet or moved

    async def check_queue(self) -> str:
        """Where the prompt is; a prompt neither queued, running nor in the history is gone."""
        place = await self.server.whereabouts(self.prompt_id)
        self.last_check = time.monotonic()
        self.queue_moved = False
        if place == "gone":
            raise ProviderError(
                f"prompt {self.prompt_id} vanished from the queue of ComfyUI at "
                f"{self.server.url} before it ran: someone cleared the queue, or the server "
                "restarted",
                provider=PROVIDER,
            )
        return place

    # -- the websocket ----------------------------------------------------------------------------
    async def follow_socket(self, socket: Any) -> bool:
        """True once the websocket told the prompt's end; False if it closed before."""
        while True:
            # asyncio.wait_for on Python 3.11 can swallow a cancellation that lands as a message
            # arrives; the run's own flag is the dependable signal, so look at it every turn.
            self.ctx.check_cancelled()
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                raise ProviderError(
                    f"prompt {self.prompt_id} did not finish within "
                    f"{self.server.client.tuning.job_timeout:g} s",
                    provider=PROVIDER,
                )
            message = None
            try:
                message = await asyncio.wait_for(socket.recv(), timeout=min(remaining, 1.0))
            except TimeoutError:
                pass  # a quiet second: look at the cancel flag, the deadline and the queue
            except Exception as exc:  # closed: the history still has the answer
                self.ctx.log(f"ComfyUI websocket closed ({type(exc).__name__}); following /history")
                return False
            if message is not None and await self.handle(message):
                return True
            if self.queue_check_due() and await self.check_queue() == "done":
                return True  # finished while its messages went astray: the history has it

    async def handle(self, message: str | bytes) -> bool:
        """Act on one websocket message; True when it ends the prompt well."""
        if isinstance(message, bytes):
            if time.monotonic() - self.last_preview >= PREVIEW_EVERY and await self._preview(
                message
            ):
                self.last_preview, self.previews = time.monotonic(), self.previews + 1
            return False
        try:
            event = json.loads(message)
        except ValueError:
            event = None
        if not isinstance(event, dict) or not isinstance(event.get("data", {}), dict):
            self.ctx.log(
                f"skipped a ComfyUI websocket message that is not a JSON event: {message[:80]!r}"
            )
            return False
        kind, data = str(event.get("type")), event.get("data") or {}
        if kind == "status":
            self.queue_moved = True
            return False
        if data.get("prompt_id") is None and kind in ("executing", "progress"):
            ours = not self.progress.finished  # old servers leave prompt_id out of these
        else:
            ours = data.get("prompt_id") == self.prompt_id
        if not ours:
            return False  # another client's prompt on a shared server
        self.last_news = time.monotonic()
        words = failure_words(kind, data)
        if words:
            raise self.fail(kind, words)
        if kind == "execution_success" or (kind == "executing" and data.get("node") is None):
            self.progress.finish()
            return True
        if kind == "execution_start":
            self.started = True
        elif kind == "executing":
            self.started = True
            self.progress.executing(data.get("node"))
        elif kind == "progress":
            self.progress.step(data.get("node"), data.get("value", 0), data.get("max"))
        elif kind == "execution_cached" and isinstance(data.get("nodes"), list):
            self.progress.cached(data["nodes"])
            if data["nodes"]:
                self.ctx.log(f"ComfyUI reused {len(data['nodes'])} cached nodes")
        return False

    async def _preview(self, frame: bytes) -> bool:
        """Show a binary preview frame (event 1 = image; format 1 JPEG, 2 PNG) on the node."""
        if len(frame) < 9 or struct.unpack(">I", frame[:4])[0] != 1:
            return False
        from studio.api import Artifact

        suffix = ".png" if struct.unpack(">I", frame[4:8])[0] == 2 else ".jpg"
        path = self.ctx.scratch / f"comfyui-preview-{self.previews % 2}{suffix}"
        image = frame[8:]
        await self.ctx.run_cpu(path.write_bytes, image)
        meta = {"preview": True, "provider": PROVIDER}
        self.ctx.preview(Artifact("image", path, hashlib.sha256(image).hexdigest(), meta))
        return True

    # -- the history ------------------------------------------------------------------------------
    async def read_history(self) -> dict[str, Any]:
        """The prompt's history entry once it has ended well (polled; without a websocket this
        is how the prompt is followed)."""

        async def check() -> JobState:
            entry = await self.server.history_entry(self.prompt_id)
            if entry is None and self.queue_check_due():
                place = await self.check_queue()
                if place == "done":
                    entry = await self.server.history_entry(self.prompt_id)
                elif place == "pending":
                    return JobState("queued", "waiting in ComfyUI's queue")
            if entry is None:
                return JobState("running", "waiting for ComfyUI")
            failure = history_failure(entry)
            if failure is not None:
                return JobState("failed", failure[1], None, (), failure[0])
            if (entry.get("status") or {}).get("completed") is False:
                return JobState("running", "running", None, (), entry)
            return JobState("done", "finished", 1.0, (), entry)

        reporting = _Reporting(self.ctx, self.progress)
        state = await poll_job(self.server.client, check, reporting, label=self.prompt_id)
        if state.phase == "failed":
            raise self.fail(state.data, state.message)
        self.progress.finish()
        return state.data
