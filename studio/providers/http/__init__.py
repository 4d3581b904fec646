"""The one HTTP layer every local server and remote API goes through.

- One shared `httpx.AsyncClient` per event loop (connection pooling across nodes), built off the
  loop and closed with it (`pool`).
- Connect and read timeouts; bounded retries with full-jitter exponential backoff on connection
  errors, 408/429/5xx; `Retry-After` (seconds, HTTP-date or ISO-8601, and OpenAI's
  `retry-after-ms`) honoured on 429/503, capped. A request that may have created something (a
  POST) is retried only when it certainly did not: the connection never opened, the server
  answered 429 (refused, RFC 6585), or the provider's contract says the status is safe
  (`client`).
- Streamed downloads into a scratch file, checked against Content-Length, the size the API
  announced and a sha256, renamed into place only when complete: a truncated download is an
  error and leaves nothing behind. Downloads from result hosts (CDNs) never carry the provider's
  auth header: auth goes only to the provider's own origin (`download`).
- Job status, streamed (server-sent events) where the service offers it and polled otherwise,
  becomes node progress and logs; cancelling the node cancels the remote job (`jobs`).
- Every failure becomes a `ProviderError` in user words, with every known key scrubbed out
  (`errors`).

Tuning (timeouts, retries, backoff, poll interval) comes from `HttpTuning`; the environment
variables `STUDIO_HTTP_*` override it, which keeps tests fast.
"""

from __future__ import annotations

from studio.providers.http.client import ProviderClient
from studio.providers.http.download import Download, download_progress
from studio.providers.http.errors import error_detail, retry_after_seconds
from studio.providers.http.jobs import JobState, RemoteCancel, poll_job, watch_job
from studio.providers.http.pool import close_shared_client, shared_client
from studio.providers.http.tuning import HttpTuning

__all__ = [
    "Download",
    "HttpTuning",
    "JobState",
    "ProviderClient",
    "RemoteCancel",
    "close_shared_client",
    "download_progress",
    "error_detail",
    "poll_job",
    "retry_after_seconds",
    "shared_client",
    "watch_job",
]
