"""Streamed, checked downloads: what `ProviderClient.download` does."""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx

from studio.errors import ProviderError
from studio.providers.http.tuning import IDEMPOTENT_METHODS, HttpTuning


class BodyError(ProviderError):
    """The answer began but its body was cut short, stalled, empty or not what was announced:
    worth downloading again (unlike a refusal, which `send` has already retried)."""


@dataclass
class Download:
    """A finished, checked download."""

    path: Path
    size: int
    sha256: str
    content_type: str


class DownloadMixin:
    """Downloads for `ProviderClient` (which provides `send`, `error`, `_sleep`, `provider`
    and `tuning`)."""

    if TYPE_CHECKING:  # what ProviderClient provides, declared for the type checker
        provider: str
        tuning: HttpTuning

        def url(self, path_or_url: str) -> str: ...

        def error(
            self, message: str, status: int | None = None, retryable: bool = False
        ) -> ProviderError: ...

        async def send(self, *args: Any, **kwargs: Any) -> httpx.Response: ...

        async def _sleep(self, seconds: float, method: str, url: str, why: str) -> None: ...

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
        last: BodyError | None = None
        for attempt in range(attempts):
            try:
                return await self._download_once(
                    url, dest, method, auth, expected_size, expected_sha256, progress, **kwargs
                )
            except BodyError as exc:
                if attempt + 1 >= attempts:
                    raise
                last = exc
                await self._sleep(
                    self.tuning.backoff_delay(attempt), method, self.url(url), exc.message
                )
        raise last or self.error("download failed")  # pragma: no cover - the loop returns

    def _body_error(self, message: str) -> BodyError:
        from studio.providers.keys import redact

        return BodyError(redact(message), provider=self.provider, retryable=True)

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
                    raise self._body_error(
                        f"the download from {_host(url)} stalled after "
                        f"{_bytes(response.num_bytes_downloaded, total)}"
                    ) from None
                except (httpx.RemoteProtocolError, httpx.ReadError):
                    # Count what reached us, not what was written: httpx holds back a partial
                    # chunk, so `written` can be a whole chunk short of the truth.
                    arrived = response.num_bytes_downloaded
                    raise self._body_error(_truncated(arrived, total, url)) from None
            # Content-Length counts the bytes on the wire (before any content-encoding).
            received = response.num_bytes_downloaded
            if announced and announced.isdigit() and received != int(announced):
                raise self._body_error(_truncated(received, int(announced), url))
            if expected_size is not None and written != expected_size:
                raise self._body_error(_truncated(written, expected_size, url))
            if written == 0:
                raise self._body_error(f"{_host(url)} sent an empty file")
            sha = digest.hexdigest()
            if expected_sha256 and sha != expected_sha256.lower():
                raise self._body_error(f"the file from {_host(url)} does not match its sha256")
            os.replace(partial, dest)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        finally:
            await response.aclose()
        return Download(dest, written, sha, response.headers.get("content-type", ""))


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


def _bytes(arrived: int, total: int | None) -> str:
    of = f" of {total:,}" if total is not None else ""
    return f"{arrived:,}{of} bytes arrived"


def _truncated(arrived: int, total: int | None, url: str) -> str:
    return f"download from {_host(url)} cut short: {_bytes(arrived, total)}"


def body_progress(response: httpx.Response) -> str:
    """How much of a body came before it broke off: "1,234 of 5,000 bytes arrived"."""
    announced = response.headers.get("content-length", "")
    total = int(announced) if announced.isdigit() else None
    return _bytes(response.num_bytes_downloaded, total)
