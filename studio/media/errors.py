"""The one error type of the media layer; nodes turn it into a NodeError with the file's name."""

from __future__ import annotations

from studio.errors import StudioError


class MediaError(StudioError):
    """A media file could not be read or written; the message says why in user words."""
