"""Media bytes in and out of providers: sniffing what a service really sent, data URIs, base64.

A service that answers with an HTML error page or JSON where an image was promised must fail the
node clearly, not hand a broken file to the cache: `finish_media` checks the first bytes.
"""

from __future__ import annotations

import base64
import contextlib
import re
import uuid
from pathlib import Path
from typing import Any

from studio.errors import ProviderError

MIME_BY_SUFFIX = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".mp3": "audio/mpeg",
    ".wav": "audio/wav",
    ".ogg": "audio/ogg",
    ".flac": "audio/flac",
    ".m4a": "audio/mp4",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
    ".mov": "video/quicktime",
}


def sniff(head: bytes) -> tuple[str, str] | None:
    """(kind, suffix) of a media file from its first bytes, or None when it is not media."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image", ".png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image", ".jpg"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image", ".webp"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image", ".gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio", ".wav"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "audio", ".mp3"
    if head.startswith(b"OggS"):
        return "audio", ".ogg"
    if head.startswith(b"fLaC"):
        return "audio", ".flac"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"M4A ", b"M4B "):
            return "audio", ".m4a"
        if brand == b"qt  ":
            return "video", ".mov"
        return "video", ".mp4"
    if head.startswith(b"\x1aE\xdf\xa3"):
        return "video", ".webm"
    return None


NOUNS = {"image": "an image", "video": "a video", "audio": "audio"}


def describe_bytes(head: bytes) -> str:
    """What a body that is not the expected media looks like, from its first bytes: "an HTML
    page", "JSON: {"detail": ...}", "text: ...", "an image (PNG)", "an empty file"..."""
    found = sniff(head)
    if found is not None:
        return f"{NOUNS[found[0]]} ({found[1].lstrip('.').upper()})"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not stripped:
        return "an empty file" if not head else "blank text"
    if stripped[:1] == b"<":
        lowered = stripped[:512].lower()
        if b"<html" in lowered or b"<!doctype html" in lowered or b"<head" in lowered:
            title = re.search(rb"<title[^>]*>([^<]{1,80})", stripped, re.IGNORECASE)
            named = f": {_excerpt(title.group(1))!r}" if title else ""
            return f"an HTML page{named}"
        return "XML or markup"
    text = stripped[:200].decode("utf-8", "replace")
    if "\ufffd" in text or any(ord(c) < 9 for c in text):
        return "unknown bytes"
    if stripped[:1] in (b"{", b"["):
        return f"JSON: {_excerpt(stripped)}"
    return f"text: {_excerpt(stripped)!r}"


def _excerpt(data: bytes, limit: int = 80) -> str:
    from studio.providers.keys import redact

    text = " ".join(data[: limit * 2].decode("utf-8", "replace").split())
    return redact(text[:limit] + ("…" if len(text) > limit else ""))


def finish_media(path: Path, expect: str, provider: str, content_type: str = "") -> Path:
    """Check a downloaded file is `expect` media ("image", "video", "audio") by its bytes (never
    by its label: a CDN may call an error page audio/mpeg); give it the right suffix. Anything
    else is deleted and reported: "sent a file labelled audio/mpeg that is not audio (an HTML
    page)"."""
    with open(path, "rb") as handle:
        head = handle.read(1024)
    found = sniff(head)
    if found is None or found[0] != expect:
        path.unlink(missing_ok=True)
        label = content_type.split(";")[0].strip()
        labelled = f"a file labelled {label}" if label else "a file"
        raise ProviderError(
            f"sent {labelled} that is not {NOUNS[expect]} ({describe_bytes(head)})",
            provider=provider,
        )
    target = path.with_suffix(found[1])
    if target != path:
        path.replace(target)
    return target


def scratch_file(folder: Path, provider: str, suffix: str = ".bin") -> Path:
    """A fresh file name in the node's scratch folder."""
    return Path(folder) / f"{provider}-{uuid.uuid4().hex[:12]}{suffix}"


def write_media(data: bytes, folder: Path, provider: str, expect: str) -> Path:
    """Write bytes a service sent inline (base64 images) as a checked media file, atomically."""
    from studio.atomic import write_bytes_atomic

    path = scratch_file(folder, provider)
    write_bytes_atomic(path, data)
    return finish_media(path, expect, provider)


def decode_base64(text: str, provider: str) -> bytes:
    """Bytes from base64 or a `data:` URI; bad input is the provider's error."""
    if text.startswith("data:"):
        text = text.partition(",")[2]
    try:
        return base64.b64decode(text, validate=False)
    except (ValueError, TypeError):
        raise ProviderError("sent media that is not valid base64", provider=provider) from None


def mime_type(path: Path) -> str:
    """The MIME type of a local media file, from its bytes (falling back on its suffix)."""
    with open(path, "rb") as handle:
        found = sniff(handle.read(64))
    suffix = found[1] if found else Path(path).suffix.lower()
    return MIME_BY_SUFFIX.get(suffix, "application/octet-stream")


def read_base64(path: Path) -> tuple[str, str]:
    """(mime type, base64 text) of a local file. Blocking: call it through ctx.run_cpu."""
    data = Path(path).read_bytes()
    return mime_type(path), base64.b64encode(data).decode("ascii")


def data_uri(path: Path) -> str:
    """A `data:` URI of a local file. Blocking: call it through ctx.run_cpu."""
    mime, text = read_base64(path)
    return f"data:{mime};base64,{text}"


def dig(data: Any, *path: Any, provider: str, what: str = "") -> Any:
    """data[path[0]][path[1]]...; a missing piece is the provider's error, named."""
    current = data
    for step in path:
        with contextlib.suppress(KeyError, IndexError, TypeError):
            current = current[step]
            continue
        where = "".join(f"[{s}]" if isinstance(s, int) else f".{s}" for s in path).lstrip(".")
        raise ProviderError(f"answered without {what or where}", provider=provider)
    return current
