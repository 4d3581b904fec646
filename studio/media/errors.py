"""The one error type of the media layer; nodes turn it into a NodeError with the file's name."""

from __future__ import annotations

from pathlib import Path

from studio.errors import StudioError


class MediaError(StudioError):
    """A media file could not be read or written; the message says why in user words."""


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
