"""Timeouts, retries, backoff and polling of the HTTP layer, overridable by the environment."""

from __future__ import annotations

import logging
import os
import random
from dataclasses import dataclass, replace
from typing import Any

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504, 529})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
TERMINAL_PHASES = ("done", "failed", "cancelled")


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
    chunk_size: int = 64 * 1024

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
