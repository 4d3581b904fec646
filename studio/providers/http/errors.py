"""Reading what a server said: `Retry-After` in its forms, and the human part of an error body."""

from __future__ import annotations

import contextlib
import email.utils
import time
from datetime import UTC, datetime
from typing import Any

import httpx

from studio.providers.keys import redact


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
