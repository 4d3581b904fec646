"""The one HTTP layer every local server and remote API goes through.

- One shared `httpx.AsyncClient` per event loop (connection pooling across nodes), closed with
  the loop.
- Connect and read timeouts; bounded retries with full-jitter exponential backoff on connection
  errors, 408/429/5xx; `Retry-After` (seconds, HTTP-date or ISO-8601, and OpenAI's
  `retry-after-ms`) honoured on 429/503, capped. A request that may have created something (a
  POST) is retried only when it certainly did not: the connection never opened, the server
  answered 429 (refused, RFC 6585), or the provider's contract says the status is safe.
- Streamed downloads into a scratch file, checked against Content-Length, the size the API
  announced and a sha256, renamed into place only when complete: a truncated download is an
  error and leaves nothing behind.
- Downloads from result hosts (CDNs) never carry the provider's auth header: auth goes only to
  the provider's own origin.
- Job polling whose status and logs become node progress, and remote cancellation on cancel.
- Every failure becomes a `ProviderError` in user words, with every known key scrubbed out.

Tuning (timeouts, retries, backoff, poll interval) comes from `HttpTuning`; the environment
variables `STUDIO_HTTP_*` override it, which keeps tests fast.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import functools
import hashlib
import logging
import os
import random
import ssl
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from studio.errors import Cancelled, ProviderError
from studio.providers.keys import how_to_set, redact

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504, 529})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})


@dataclass(frozen=True)
class HttpTuning:
    """Timeouts, retries and polling. Tests make these tiny; users rarely touch them."""

    connect_timeout: float = 10.0
    read_timeout: float = 120.0
    retries: int = 3  # extra attempts after the first
    backoff: float = 0.5  # first backoff in seconds; doubles each attempt, with full jitter
    backoff_cap: float = 20.0
    retry_after_cap: float = 60.0  # a server asking for longer waits is capped here
    poll_interval: float = 1.0
    poll_interval_max: float = 5.0
    job_timeout: float = 3600.0  # a remote job not finished after this is given up
    chunk_size: int = 256 * 1024

    @classmethod
    def from_env(cls) -> HttpTuning:
        """Defaults, overridden by STUDIO_HTTP_CONNECT_TIMEOUT, _READ_TIMEOUT, _RETRIES, _BACKOFF,
        _RETRY_AFTER_CAP, _POLL_INTERVAL, _JOB_TIMEOUT."""
        names = {
            "connect_timeout": "STUDIO_HTTP_CONNECT_TIMEOUT",
            "read_timeout": "STUDIO_HTTP_READ_TIMEOUT",
            "retries": "STUDIO_HTTP_RETRIES",
            "backoff": "STUDIO_HTTP_BACKOFF",
            "retry_after_cap": "STUDIO_HTTP_RETRY_AFTER_CAP",
            "poll_interval": "STUDIO_HTTP_POLL_INTERVAL",
            "job_timeout": "STUDIO_HTTP_JOB_TIMEOUT",
        }
        changes: dict[str, Any] = {}
        for attr, env in names.items():
            raw = os.environ.get(env)
            if raw:
                try:
                    changes[attr] = int(raw) if attr == "retries" else float(raw)
                except ValueError:
                    log.warning("ignoring %s=%r: not a number", env, raw)
        tuning = replace(cls(), **changes)
        if "poll_interval" in changes:
            tuning = replace(
                tuning,
                poll_interval_max=max(
                    tuning.poll_interval, min(tuning.poll_interval_max, tuning.poll_interval * 5)
                ),
            )
        return tuning

    def backoff_delay(self, attempt: int) -> float:
        """Full-jitter exponential backoff for retry number `attempt` (0-based)."""
        return random.uniform(0, min(self.backoff_cap, self.backoff * (2**attempt)))


# -- the shared client -----------------------------------------------------------------------------
_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, tuple[httpx.AsyncClient, Any]] = (
    weakref.WeakKeyDictionary()
)


async def _close_with_loop(client: httpx.AsyncClient) -> AsyncIterator[None]:
    # A started async generator is registered with its loop; asyncio.run() closes every such
    # generator on shutdown, which runs this `finally` and closes the pooled connections.
    try:
        yield
    finally:
        await client.aclose()


_creating: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Task[httpx.AsyncClient]] = (
    weakref.WeakKeyDictionary()
)


@functools.lru_cache(maxsize=1)
def _ssl_context() -> ssl.SSLContext:
    # Loading the CA bundle takes tens of milliseconds: done once, in a worker thread.
    return httpx.create_ssl_context(trust_env=True)


def _new_client() -> httpx.AsyncClient:
    from studio import __version__

    return httpx.AsyncClient(
        verify=_ssl_context(),
        limits=httpx.Limits(max_connections=64, max_keepalive_connections=16),
        headers={"User-Agent": f"multimodal-studio/{__version__}"},
        follow_redirects=False,  # a redirect must not carry a custom auth header elsewhere
    )


async def _create_client(loop: asyncio.AbstractEventLoop) -> httpx.AsyncClient:
    try:
        # Built in a worker thread: the first client imports transports and reads certificates,
        # which would stall every other task on the loop for ~100 ms.
        client = await loop.run_in_executor(None, _new_client)
        closer = _close_with_loop(client)
        await closer.__anext__()
        _clients[loop] = (client, closer)
        return client
    finally:
        _creating.pop(loop, None)


async def shared_client() -> httpx.AsyncClient:
    """The pooled client of the running event loop."""
    loop = asyncio.get_running_loop()
    entry = _clients.get(loop)
    if entry is not None and not entry[0].is_closed:
        return entry[0]
    creating = _creating.get(loop)
    if creating is None:
        creating = _creating[loop] = loop.create_task(_create_client(loop))
    return await asyncio.shield(creating)


async def close_shared_client() -> None:
    """Close the running loop's pooled client now (it also closes itself with the loop)."""
    entry = _clients.pop(asyncio.get_running_loop(), None)
    if entry is not None:
        await entry[0].aclose()


# -- Retry-After -----------------------------------------------------------------------------------
def retry_after_seconds(headers: httpx.Headers, now: float | None = None) -> float | None:
    """The wait a response asks for: `retry-after-ms`, or `Retry-After` as seconds, an HTTP-date
    or an ISO-8601 time (Replicate). None when absent or unreadable."""
    ms = headers.get("retry-after-ms")
    if ms:
        with contextlib.suppress(ValueError):
            return max(0.0, float(ms) / 1000)
    raw = (headers.get("retry-after") or "").strip()
    if not raw:
        return None
    with contextlib.suppress(ValueError):
        return max(0.0, float(raw))
    now = time.time() if now is None else now
    with contextlib.suppress(TypeError, ValueError, IndexError):
        when = email.utils.parsedate_to_datetime(raw)
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max(0.0, when.timestamp() - now)
    with contextlib.suppress(ValueError):
        when = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max(0.0, when.timestamp() - now)
    return None


# -- error words -----------------------------------------------------------------------------------
def error_detail(response: httpx.Response) -> str:
    """The human part of an error body, in any of the shapes the contracts list; scrubbed."""
    text = ""
    try:
        data = response.json()
    except (ValueError, UnicodeDecodeError):
        data = None
    if data is not None:
        text = _detail_from_json(data)
    elif "text" in response.headers.get("content-type", "") or not response.headers.get(
        "content-type"
    ):
        with contextlib.suppress(UnicodeDecodeError):
            text = response.content.decode("utf-8", "replace").strip()
    text = " ".join(redact(text).split())
    return text[:300] + ("…" if len(text) > 300 else "")


def _detail_from_json(data: Any) -> str:
    if isinstance(data, str):
        return data
    if isinstance(data, list):
        return "; ".join(_detail_from_json(item) for item in data[:3])
    if not isinstance(data, dict):
        return ""
    # fal/Replicate validation: {"detail": [{"loc": [...], "msg": ...}]}
    if "msg" in data:
        loc = ".".join(str(p) for p in data.get("loc", []) if p != "body")
        return f"{loc}: {data['msg']}" if loc else str(data["msg"])
    for name in ("error", "detail", "message", "title"):
        if data.get(name):
            inner = _detail_from_json(data[name])
            if inner:
                return inner
    if "status" in data and isinstance(data["status"], str):
        return data["status"]
    return ""


@dataclass
class Download:
    """A finished, checked download."""

    path: Path
    size: int
    sha256: str
    content_type: str


@dataclass(frozen=True)
class JobState:
    """One look at a remote job, as the provider read it."""

    phase: str  # "queued", "running", "done", "failed" or "cancelled"
    message: str = ""
    fraction: float | None = None
    logs: Sequence[str] = ()  # log lines new since the last look
    data: Any = None  # the provider's raw status answer


@dataclass
class ProviderClient:
    """One provider's view of the shared client: its base URL, auth, and error words.

    `auth` headers go only to the base URL's origin (and `auth_origins`); any other host (a CDN)
    gets a plain request.
    """

    provider: str
    title: str
    base_url: str
    auth: dict[str, str] = field(default_factory=dict)
    local: bool = False  # a server the user runs (Ollama, ComfyUI): different unreachable words
    url_env: str = ""
    tuning: HttpTuning = field(default_factory=HttpTuning.from_env)
    auth_origins: tuple[str, ...] = ()
    # Extra wait hint from an error body (Gemini's RetryInfo `retryDelay`).
    retry_hint: Callable[[httpx.Response], float | None] | None = None
    # Final say on retrying a response: True/False, or None for the default rule.
    should_retry: Callable[[httpx.Response], bool | None] | None = None

    # -- URLs -------------------------------------------------------------------------------------
    def url(self, path_or_url: str) -> str:
        if path_or_url.startswith(("http://", "https://")):
            return path_or_url
        return urljoin(self.base_url.rstrip("/") + "/", path_or_url.lstrip("/"))

    def _origin(self, url: str) -> tuple[str, str]:
        parts = urlsplit(url)
        return parts.scheme, parts.netloc.lower()

    def sends_auth_to(self, url: str) -> bool:
        origin = self._origin(url)
        allowed = {self._origin(self.base_url)} | {self._origin(o) for o in self.auth_origins}
        return origin in allowed

    def _headers(self, url: str, extra: dict[str, str] | None, auth: bool) -> dict[str, str]:
        headers = dict(self.auth) if auth and self.sends_auth_to(url) else {}
        headers.update(extra or {})
        return headers

    # -- errors -----------------------------------------------------------------------------------
    def error(
        self, message: str, status: int | None = None, retryable: bool = False
    ) -> ProviderError:
        return ProviderError(
            redact(message), provider=self.provider, status=status, retryable=retryable
        )

    def error_for(self, response: httpx.Response, not_found: str | None = None) -> ProviderError:
        """User words for a failed response."""
        status = response.status_code
        detail = error_detail(response)
        suffix = f": {detail}" if detail else ""
        if status in (401, 403) and not self.local:
            return self.error(
                f"key for {self.title} rejected; {how_to_set(self.provider)}{suffix}", status
            )
        if status == 404:
            what = not_found or f"{urlsplit(str(response.request.url)).path} not found"
            return self.error(f"{what}{suffix}", status)
        if status == 402:
            return self.error(f"your {self.title} account needs credit or billing{suffix}", status)
        if status in (400, 422):
            return self.error(f"{self.title} refused the request{suffix}", status)
        if status == 413:
            return self.error(f"the request is too large for {self.title}{suffix}", status)
        if status == 429:
            return self.error(
                f"{self.title} is rate limiting; try again later{suffix}", status, retryable=True
            )
        if status >= 500:
            return self.error(f"{self.title} had a server error{suffix}", status, retryable=True)
        return self.error(f"unexpected answer from {self.title}{suffix}", status)

    def unreachable(self, exc: Exception) -> ProviderError:
        where = self.base_url
        override = f" (or point {self.url_env} at it)" if self.url_env else ""
        if self.local:
            return self.error(
                f"cannot reach {self.title} at {where}: start {self.title} at {where}{override}",
                retryable=True,
            )
        return self.error(
            f"cannot reach {self.title} at {where} ({type(exc).__name__}); check "
            f"the network{override}",
            retryable=True,
        )

    # -- requests ---------------------------------------------------------------------------------
    def _wants_retry(
        self,
        response: httpx.Response,
        idempotent: bool,
        retry_unsafe: Callable[[httpx.Response], bool] | None,
    ) -> bool:
        if self.should_retry is not None:
            verdict = self.should_retry(response)
            if verdict is not None:
                return verdict
        status = response.status_code
        if status not in RETRY_STATUSES:
            return False
        if idempotent or status == 429:  # a 429 means the server did not take the request
            return True
        return bool(retry_unsafe and retry_unsafe(response))

    def _wait_for(self, response: httpx.Response, attempt: int) -> float:
        wait = None
        if response.status_code in (429, 503, 529):
            wait = retry_after_seconds(response.headers)
            if wait is None and self.retry_hint is not None:
                wait = self.retry_hint(response)
        if wait is None:
            return self.tuning.backoff_delay(attempt)
        return min(wait, self.tuning.retry_after_cap)

    async def send(
        self,
        method: str,
        path_or_url: str,
        *,
        stream: bool = False,
        auth: bool = True,
        headers: dict[str, str] | None = None,
        retry_unsafe: Callable[[httpx.Response], bool] | None = None,
        timeout: float | None = None,
        not_found: str | None = None,
        follow_redirects: bool = False,
        accept: tuple[int, ...] = (),
        **kwargs: Any,
    ) -> httpx.Response:
        """Send with retries; return a 2xx/3xx response (streamed if `stream`; close it) or raise.

        Statuses in `accept` are returned too (for a body the caller reads itself).
        kwargs go to httpx (json=, content=, params=, files=, data=).
        """
        client = await shared_client()
        url = self.url(path_or_url)
        idempotent = method.upper() in IDEMPOTENT_METHODS
        read = timeout if timeout is not None else self.tuning.read_timeout
        request_timeout = httpx.Timeout(
            self.tuning.connect_timeout, read=read, write=read, pool=read
        )
        attempt = 0
        while True:
            request = client.build_request(
                method,
                url,
                headers=self._headers(url, headers, auth),
                timeout=request_timeout,
                **kwargs,
            )
            try:
                response = await client.send(
                    request, stream=stream, follow_redirects=follow_redirects
                )
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                # Nothing reached the server, so any method may be retried.
                if attempt < self.tuning.retries:
                    await self._sleep(self.tuning.backoff_delay(attempt), method, url, str(exc))
                    attempt += 1
                    continue
                raise self.unreachable(exc) from None
            except httpx.TimeoutException:
                if idempotent and attempt < self.tuning.retries:
                    await self._sleep(self.tuning.backoff_delay(attempt), method, url, "timeout")
                    attempt += 1
                    continue
                raise self.error(
                    f"no answer from {self.title} within {read:g} s", retryable=True
                ) from None
            except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
                if idempotent and attempt < self.tuning.retries:
                    await self._sleep(self.tuning.backoff_delay(attempt), method, url, str(exc))
                    attempt += 1
                    continue
                raise self.error(
                    f"{self.title} dropped the connection ({type(exc).__name__})", retryable=True
                ) from None
            log.debug("%s %s -> %s", method, redact(url), response.status_code)
            if response.status_code < 400 or response.status_code in accept:
                return response
            if stream:
                # Error bodies are small; read them for the message, then release the connection.
                with contextlib.suppress(httpx.HTTPError):
                    await response.aread()
                await response.aclose()
            if attempt < self.tuning.retries and self._wants_retry(
                response, idempotent, retry_unsafe
            ):
                await self._sleep(
                    self._wait_for(response, attempt), method, url, f"HTTP {response.status_code}"
                )
                attempt += 1
                continue
            raise self.error_for(response, not_found)

    async def _sleep(self, seconds: float, method: str, url: str, why: str) -> None:
        log.info(
            "%s: retrying %s %s in %.2f s (%s)",
            self.provider,
            method,
            redact(url),
            seconds,
            redact(why),
        )
        await asyncio.sleep(seconds)

    async def request_json(self, method: str, path_or_url: str, **kwargs: Any) -> Any:
        """Send (with retries) and parse the JSON answer; a body that is not JSON is an error."""
        response = await self.send(method, path_or_url, **kwargs)
        return self.parse_json(response)

    def parse_json(self, response: httpx.Response) -> Any:
        try:
            return response.json()
        except (ValueError, UnicodeDecodeError):
            kind = response.headers.get("content-type", "no content type")
            raise self.error(
                f"answered with something that is not JSON ({kind})", response.status_code
            ) from None

    # -- streamed bodies to files -----------------------------------------------------------------
    async def download(
        self,
        url: str,
        dest: Path,
        *,
        method: str = "GET",
        auth: bool = False,
        expected_size: int | None = None,
        expected_sha256: str | None = None,
        progress: Callable[[int, int | None], None] | None = None,
        **kwargs: Any,
    ) -> Download:
        """Stream a response body into `dest`, checked, with retries for GETs.

        By default no auth header is sent: result media live on CDN hosts (contracts §0).
        `method="POST"` with `json=` streams a synchronous API's audio answer instead.
        """
        attempts = self.tuning.retries + 1 if method.upper() in IDEMPOTENT_METHODS else 1
        last: ProviderError | None = None
        for attempt in range(attempts):
            try:
                return await self._download_once(
                    url, dest, method, auth, expected_size, expected_sha256, progress, **kwargs
                )
            except ProviderError as exc:
                if not exc.retryable or attempt + 1 >= attempts:
                    raise
                last = exc
                await self._sleep(
                    self.tuning.backoff_delay(attempt), method, self.url(url), exc.message
                )
        raise last or self.error("download failed")  # pragma: no cover - loop always returns

    async def _download_once(
        self,
        url: str,
        dest: Path,
        method: str,
        auth: bool,
        expected_size: int | None,
        expected_sha256: str | None,
        progress: Callable[[int, int | None], None] | None,
        **kwargs: Any,
    ) -> Download:
        dest = Path(dest)
        partial = dest.with_name(f".{dest.name}.part")
        headers = {"Accept-Encoding": "identity", **kwargs.pop("headers", {})}
        response = await self.send(
            method,
            url,
            stream=True,
            auth=auth,
            follow_redirects=not auth,
            headers=headers,
            **kwargs,
        )
        loop = asyncio.get_running_loop()
        digest = hashlib.sha256()
        written = 0
        announced = response.headers.get("content-length")
        total = expected_size
        if total is None and announced and announced.isdigit():
            total = int(announced)
        try:
            with open(partial, "wb") as handle:
                try:
                    async for chunk in response.aiter_bytes(self.tuning.chunk_size):
                        # Disk writes (which the kernel may throttle) and hashing run in a
                        # worker thread; awaiting them also lets other tasks in between chunks,
                        # which a fast local stream would otherwise not do.
                        await loop.run_in_executor(None, _write_chunk, handle, digest, chunk)
                        written += len(chunk)
                        if progress is not None:
                            progress(written, total)
                except httpx.TimeoutException:
                    raise self.error(
                        f"the download from {_host(url)} stalled", retryable=True
                    ) from None
                except (httpx.RemoteProtocolError, httpx.ReadError):
                    raise self.error(_truncated(written, total, url), retryable=True) from None
            # Content-Length counts the bytes on the wire (before any content-encoding).
            received = response.num_bytes_downloaded
            if announced and announced.isdigit() and received != int(announced):
                raise self.error(_truncated(received, int(announced), url), retryable=True)
            if expected_size is not None and written != expected_size:
                raise self.error(_truncated(written, expected_size, url), retryable=True)
            if written == 0:
                raise self.error(f"{_host(url)} sent an empty file", retryable=True)
            sha = digest.hexdigest()
            if expected_sha256 and sha != expected_sha256.lower():
                raise self.error(
                    f"the file from {_host(url)} does not match its sha256", retryable=True
                )
            os.replace(partial, dest)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        finally:
            await response.aclose()
        return Download(dest, written, sha, response.headers.get("content-type", ""))

    # -- jobs -------------------------------------------------------------------------------------
    async def poll(
        self, check: Callable[[], Awaitable[JobState]], ctx: Any, *, label: str
    ) -> JobState:
        """Call `check` until the job ends, reporting its status and logs on the node.

        Returns the final state ("done", "failed" or "cancelled"); the provider reads the result.
        """
        deadline = time.monotonic() + self.tuning.job_timeout
        interval = self.tuning.poll_interval
        shown: tuple[str, float | None] | None = None
        while True:
            ctx.check_cancelled()
            state = await check()
            for line in state.logs:
                ctx.log(redact(line))
            if (state.message, state.fraction) != shown:
                shown = (state.message, state.fraction)
                ctx.progress(state.fraction, redact(state.message))
            if state.phase in ("done", "failed", "cancelled"):
                return state
            if time.monotonic() > deadline:
                raise self.error(f"job {label} did not finish within {self.tuning.job_timeout:g} s")
            await asyncio.sleep(interval)
            interval = min(self.tuning.poll_interval_max, interval * 1.5)


def _write_chunk(handle: Any, digest: Any, chunk: bytes) -> None:
    handle.write(chunk)
    digest.update(chunk)


def download_progress(ctx: Any, label: str = "downloading") -> Callable[[int, int | None], None]:
    """A download progress callback that tells the node every tenth of the way."""
    shown = -1

    def report(done: int, total: int | None) -> None:
        nonlocal shown
        if total:
            tenth = min(10, done * 10 // total)
            if tenth != shown:
                shown = tenth
                ctx.progress(None, f"{label} {tenth * 10}%")

    return report


def _host(url: str) -> str:
    return urlsplit(url).netloc or url


def _truncated(written: int, total: int | None, url: str) -> str:
    of = f" of {total}" if total is not None else ""
    return f"the download from {_host(url)} was cut short ({written}{of} bytes)"


class RemoteCancel:
    """Cancels a remote job once, whether the run's cancel callback or the node gets there first.

    Register it right after the job is accepted; call `finished()` when the job has ended so a
    later cancel of the run does not touch it. Awaiting `fire()` from the node's own
    cancellation path makes the run wait for the remote cancel to go out.
    """

    def __init__(self, ctx: Any, cancel: Callable[[], Awaitable[Any]], provider: str) -> None:
        self._cancel = cancel
        self._provider = provider
        self._active = True
        self._task: asyncio.Future[Any] | None = None
        ctx.on_cancel(self.fire)

    def finished(self) -> None:
        self._active = False

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
            await asyncio.wait_for(self._cancel(), timeout=10)
        except Exception as exc:  # best effort: the job may already have ended
            log.warning("%s: could not cancel the remote job: %s", self._provider, redact(str(exc)))


async def watch_job(
    client: ProviderClient,
    check: Callable[[], Awaitable[JobState]],
    ctx: Any,
    *,
    label: str,
    cancel: Callable[[], Awaitable[Any]] | None,
) -> JobState:
    """Poll a remote job to its end; on cancel (of the run or this task) cancel it remotely."""
    remote = RemoteCancel(ctx, cancel, client.provider) if cancel is not None else None
    try:
        state = await client.poll(check, ctx, label=label)
    except (asyncio.CancelledError, Cancelled):
        if remote is not None:
            await remote.fire()
        raise
    if remote is not None:
        remote.finished()
    if state.phase == "cancelled":
        raise Cancelled(f"{client.title} job {label} was cancelled")
    return state
