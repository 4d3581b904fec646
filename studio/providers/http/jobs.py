"""Remote jobs: status (streamed or polled) as node progress, and cancelling them remotely."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from studio.errors import Cancelled, ProviderError
from studio.providers.http.tuning import TERMINAL_PHASES
from studio.providers.keys import redact

if TYPE_CHECKING:
    from studio.providers.http.client import ProviderClient

log = logging.getLogger("studio.providers.http")

CANCEL_TIMEOUT = 10.0  # seconds a remote cancel may take


@dataclass(frozen=True)
class JobState:
    """One look at a remote job, as the provider read it."""

    phase: str  # "queued", "running", "done", "failed" or "cancelled"
    message: str = ""
    fraction: float | None = None
    logs: Sequence[str] = ()  # log lines new since the last look
    data: Any = None  # the provider's raw status answer


class RemoteCancel:
    """Cancels a remote job once, whether the run's cancel callback or the node gets there first.

    Register it right after the job is accepted; call `finished()` when the job has ended so a
    later cancel of the run does not touch it. Awaiting `fire()` from the node's own
    cancellation path makes the run wait for the remote cancel to go out. A cancel that fails
    is logged and kept in `error`, for the node to report (the run's callback cannot raise).
    """

    def __init__(self, ctx: Any, cancel: Callable[[], Awaitable[Any]], provider: str) -> None:
        self._cancel = cancel
        self._provider = provider
        self._active = True
        self._task: asyncio.Future[Any] | None = None
        self.error: str | None = None  # why the remote cancel failed, in words
        ctx.on_cancel(self.fire)

    def finished(self) -> None:
        self._active = False

    @property
    def sent(self) -> bool:
        """Whether a cancel was (or is being) sent."""
        return self._task is not None

    async def fire(self) -> None:
        if self._task is None:
            if not self._active:
                return
            self._active = False
            self._task = asyncio.ensure_future(self._run())
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.shield(self._task)

    async def _run(self) -> None:
        try:
            await asyncio.wait_for(self._cancel(), timeout=CANCEL_TIMEOUT)
        except TimeoutError:
            self.error = f"no answer to the cancel within {CANCEL_TIMEOUT:g} s"
        except ProviderError as exc:
            self.error = exc.message + (f" (HTTP {exc.status})" if exc.status else "")
        except Exception as exc:  # reported by the node, not lost in a callback
            self.error = f"{type(exc).__name__}: {exc}"
        if self.error is not None:
            self.error = redact(self.error)
            log.warning("%s: could not cancel the remote job: %s", self._provider, self.error)


class _Shown:
    """Reports states on the node, each message once."""

    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx
        self.last: tuple[str, float | None] | None = None

    def show(self, state: JobState) -> None:
        for line in state.logs:
            self.ctx.log(redact(line))
        if (state.message, state.fraction) != self.last:
            self.last = (state.message, state.fraction)
            self.ctx.progress(state.fraction, redact(state.message))


async def poll_job(
    client: ProviderClient,
    check: Callable[[], Awaitable[JobState]],
    ctx: Any,
    *,
    label: str,
    stream: Callable[[], AsyncGenerator[JobState, None]] | None = None,
) -> JobState:
    """Follow a job to its end, reporting its status and logs on the node.

    With `stream` (a service pushing status as server-sent events), states arrive as they
    happen; if the stream is unavailable or ends early, `check` is polled instead, at an
    interval growing from `poll_interval` to `poll_interval_max`. Returns the final state
    ("done", "failed" or "cancelled"); the provider reads the result.
    """
    tuning = client.tuning
    deadline = time.monotonic() + tuning.job_timeout
    shown = _Shown(ctx)
    if stream is not None:
        try:
            async with contextlib.aclosing(stream()) as states:
                async for state in states:
                    shown.show(state)
                    if state.phase in TERMINAL_PHASES:
                        return state
                    if time.monotonic() > deadline:
                        break
        except ProviderError as exc:
            if exc.status in (401, 403):
                raise
            ctx.log(f"{client.title} status stream unavailable ({exc.message}); polling")
    interval = tuning.poll_interval
    while True:
        ctx.check_cancelled()
        state = await check()
        shown.show(state)
        if state.phase in TERMINAL_PHASES:
            return state
        if time.monotonic() > deadline:
            raise client.error(f"job {label} did not finish within {tuning.job_timeout:g} s")
        await asyncio.sleep(interval)
        interval = min(tuning.poll_interval_max, interval * 1.5)


async def watch_job(
    client: ProviderClient,
    check: Callable[[], Awaitable[JobState]],
    ctx: Any,
    *,
    label: str,
    cancel: Callable[[], Awaitable[Any]] | None,
    stream: Callable[[], AsyncGenerator[JobState, None]] | None = None,
) -> JobState:
    """`poll_job`, and cancel the job remotely when the node stops following it.

    On cancel (of the run or of this task) the remote job is cancelled before the node ends.
    When its status cannot be followed (the service keeps failing, the job runs past
    `job_timeout`), the accepted job is cancelled too before the node fails: otherwise it would
    run on, billed, beside the job a re-run submits. A cancel that fails is never silent: it is
    a warning on a cancelled node, and part of the error of a failed one.
    """
    remote = RemoteCancel(ctx, cancel, client.provider) if cancel is not None else None
    try:
        state = await poll_job(client, check, ctx, label=label, stream=stream)
    except (asyncio.CancelledError, Cancelled):
        if remote is not None:
            await remote.fire()
            if remote.error is not None:
                ctx.warn(
                    f"{client.title} job {label} could not be cancelled ({remote.error}); "
                    "it may still run and be billed",
                )
        raise
    except Exception as exc:
        reason = exc.message if isinstance(exc, ProviderError) else f"{type(exc).__name__}: {exc}"
        status = exc.status if isinstance(exc, ProviderError) else None
        if remote is None:
            raise client.error(
                f"{reason}; {client.title} offers no cancel, so job {label} may still run and "
                "be billed",
                status,
            ) from exc
        ctx.log(f"lost track of {client.title} job {label}; cancelling it so it is not paid twice")
        await remote.fire()
        if remote.error is not None:
            raise client.error(
                f"{reason}; cancelling job {label} failed too ({remote.error}): it may still "
                "run and be billed",
                status,
            ) from exc
        raise client.error(
            f"{reason}; job {label} was cancelled at {client.title}", status
        ) from exc
    if remote is not None:
        remote.finished()
    if state.phase == "cancelled":
        raise Cancelled(f"{client.title} job {label} was cancelled")
    return state
