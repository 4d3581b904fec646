"""`ProviderClient`: one provider's view of the shared client (base URL, auth, retries, words)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from studio.errors import ProviderError
from studio.providers.http.download import DownloadMixin, body_progress
from studio.providers.http.errors import error_detail, retry_after_seconds
from studio.providers.http.pool import shared_client
from studio.providers.http.tuning import IDEMPOTENT_METHODS, RETRY_STATUSES, HttpTuning
from studio.providers.keys import how_to_set, redact

log = logging.getLogger("studio.providers.http")


@dataclass
class ProviderClient(DownloadMixin):
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

    def headers_for(self, url: str) -> dict[str, str]:
        """The headers a request to `url` carries (auth only on the provider's own origin)."""
        return self._headers(url, None, True)

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
        accepted: Callable[[httpx.Response], None] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """Send with retries; return a 2xx/3xx response (streamed if `stream`; close it) or raise.

        Statuses in `accept` are returned too (for a body the caller reads itself).
        `accepted(response)` is called as soon as a 2xx/3xx status arrives, before its body is
        read: the moment a paid service has taken the call (a provider records the charge
        there, so a body cut short afterwards does not make the call look free).
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
                # Always streamed: the status is seen (and `accepted` told) before the body.
                response = await client.send(
                    request, stream=True, follow_redirects=follow_redirects
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
                if accepted is not None and response.status_code < 400:
                    accepted(response)
                if stream:
                    return response
                try:
                    await self._read_body(response, read)
                except ProviderError:
                    if idempotent and attempt < self.tuning.retries:
                        await self._sleep(
                            self.tuning.backoff_delay(attempt), method, url, "body cut short"
                        )
                        attempt += 1
                        continue
                    raise
                return response
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

    async def _read_body(self, response: httpx.Response, read: float) -> None:
        """Read a whole (small) answer; a body that stalls or breaks off says how much came."""
        try:
            await response.aread()
        except httpx.TimeoutException:
            raise self.error(
                f"{self.title} stopped sending its answer for {read:g} s", retryable=True
            ) from None
        except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
            raise self.error(
                f"{self.title} dropped the connection while answering "
                f"({type(exc).__name__}; {body_progress(response)})",
                retryable=True,
            ) from None
        finally:
            await response.aclose()

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

    async def stream_events(
        self, method: str, path_or_url: str, **kwargs: Any
    ) -> AsyncGenerator[Any, None]:
        """The JSON payloads of a server-sent-events answer (`data:` lines; a blank line ends
        an event), as they arrive. A stream that stalls past the read timeout, breaks off or
        sends something that is not JSON is a ProviderError."""
        headers = {"Accept": "text/event-stream", **kwargs.pop("headers", {})}
        response = await self.send(method, path_or_url, stream=True, headers=headers, **kwargs)
        data: list[str] = []
        try:
            async for line in response.aiter_lines():
                if line.startswith(":"):
                    continue  # a comment: keep-alive
                if line:
                    name, _, value = line.partition(":")
                    if name == "data":
                        data.append(value[1:] if value.startswith(" ") else value)
                    continue
                if data:
                    try:
                        event = json.loads("\n".join(data))
                    except ValueError:
                        raise self.error("sent an event that is not JSON") from None
                    data = []
                    yield event
        except httpx.TimeoutException:
            raise self.error(
                f"{self.title} went quiet on its status stream", retryable=True
            ) from None
        except (httpx.RemoteProtocolError, httpx.ReadError):
            raise self.error(f"{self.title} broke off its status stream", retryable=True) from None
        finally:
            await response.aclose()

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
