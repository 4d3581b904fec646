"""The media layer's error type, and what a load hands back: a file, its facts, its warnings.

Nodes turn a MediaError into a NodeError with the file's name, and each warning of a `Loaded`
into `ctx.warn(...)`: the media layer has no run context, so it reports, the node tells.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from studio.errors import Cancelled, StudioError


class MediaError(StudioError):
    """A media file could not be read or written; the message says why in user words."""


def stop_check(should_stop: Callable[[], bool] | None) -> Callable[[], None]:
    """A check to call between steps of long work: raises Cancelled once `should_stop()` is
    true (never, for None)."""

    def check() -> None:
        if should_stop is not None and should_stop():
            raise Cancelled("cancelled")

    return check


@dataclass
class Loaded:
    """A user's file, checked and made ready: the file to store, its metadata, and what was
    degraded on the way (a damaged stretch skipped, a colour profile that did not convert),
    each a sentence for the user. The result is usable either way."""

    path: Path
    meta: dict[str, Any]
    warnings: list[str] = field(default_factory=list)


def check_media_file(path: Path, what: str) -> None:
    """Raise MediaError unless `path` is a readable, non-empty file.

    `what` names the expected kind in the folder message ("a picture", "an audio file"). Run
    before a decoder sees the file, so a user reads "not found" or "empty", not a codec error.
    """
    name = path.name
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise MediaError(f"{name} was not found") from None
    except OSError as exc:
        raise MediaError(f"{name} cannot be read: {exc.strerror or exc}") from None
    if path.is_dir():
        raise MediaError(f"{name} is a folder, not {what}")
    if size == 0:
        raise MediaError(f"{name} is empty (0 bytes)")
