"""What a finished result can be exported as, and the one call that converts it.

A picture: PNG, JPEG, WebP. A sound: WAV, FLAC, MP3, Opus, M4A (those this machine's PyAV can
encode). A video: the containers the Export Video node writes (MP4, WebM, GIF). The result's
own format comes first and is meant to be copied as it is; `convert_result` makes any other,
atomically, with progress and a stop check, in whichever worker thread calls it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from studio.media.containers import VIDEO_CONTAINERS
from studio.media.errors import MediaError
from studio.media.still_convert import STILL_FORMATS

# Extensions that name the same format as an offered one.
SAME_FORMAT = {"jpeg": "jpg"}


def convertible_formats(kind: str) -> dict[str, str]:
    """extension -> description of what a `kind` ("image", "audio", "video") converts to."""
    if kind == "image":
        return dict(STILL_FORMATS)
    if kind == "audio":
        from studio.media.sound_convert import sound_formats

        return sound_formats()
    if kind == "video":
        return dict(VIDEO_CONTAINERS)
    return {}


def export_formats(kind: str, suffix: str) -> list[tuple[str, str]]:
    """(extension, description) to offer: the result's own first (its file is copied), then
    the formats it converts to."""
    own = suffix.lower().lstrip(".")
    offered = convertible_formats(kind)
    same = SAME_FORMAT.get(own, own)
    first = (own, offered.get(same) or f"{own.upper()} files")
    return [first, *((ext, text) for ext, text in offered.items() if ext != same)]


def chosen_format(formats: list[tuple[str, str]], extension: str) -> str | None:
    """The offered extension a typed one means ("photo.jpeg" is the JPEG offered as "jpg"),
    None when it is none of them."""
    typed = extension.lower().lstrip(".")
    offered = [ext for ext, _text in formats]
    if typed in offered:
        return typed
    same = SAME_FORMAT.get(typed, typed)
    return next((ext for ext in offered if SAME_FORMAT.get(ext, ext) == same), None)


def convert_result(
    kind: str,
    source: Path,
    target: Path,
    fmt: str,
    *,
    meta: dict[str, Any] | None = None,
    progress: Callable[[float | None, str], Any] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> dict[str, Any]:
    """Write the result `source` (a `kind` artifact with its `meta`) to `target` as `fmt`.

    Blocking: call it from a worker thread. Written atomically: after an error (MediaError,
    OSError) or a stop (Cancelled) the target is as it was and no part file stays."""
    fmt = SAME_FORMAT.get(fmt, fmt)
    meta = meta or {}
    if kind == "image":
        from studio.media.still_convert import convert_still

        return convert_still(source, target, fmt, progress=progress, should_stop=should_stop)
    if kind == "audio":
        from studio.media.sound_convert import convert_sound

        return convert_sound(source, target, fmt, progress=progress, should_stop=should_stop)
    if kind == "video":
        from studio.media import export  # looked up now: tests hold the real one at a gate

        return export.export_video(
            source,
            target,
            format=fmt,
            quality=meta.get("quality") or "standard",
            source_quality=meta.get("quality"),
            progress=progress,
            should_stop=should_stop,
        )
    raise MediaError(f"a {kind} result cannot be converted")


def export_plan(kind: str, source: Path, path: Path) -> tuple[Path, str | None, str]:
    """Where and how a result (`kind`, its file `source`) is written to a file the user named:
    (target, the format to convert to or None to copy it as it is, a problem in words or "").

    A name without an extension gets the result's own; a picture or a sound is converted to
    another format it can take; a file is never named what it is not (a PNG called .jpg). A
    video in another container is left to an Export Video node, which encodes it with progress
    and Cancel (and, in the studio, can be stopped)."""
    own = source.suffix.lower().lstrip(".")
    wanted = path.suffix.lower().lstrip(".")
    if not wanted:
        return path.with_name(path.name + source.suffix), None, ""
    formats = export_formats(kind, source.suffix)
    fmt = chosen_format(formats, wanted)
    if fmt == formats[0][0]:
        return path, None, ""  # its own format: copied as it is
    if fmt is not None and kind != "video":
        return path, fmt, ""
    if fmt is not None:
        return (
            path,
            None,
            f"the video result is {own.upper()}: to write {wanted.upper()}, export it through "
            "an Export Video node (it encodes with progress and Cancel)",
        )
    offered = ", ".join(ext for ext, _text in formats)
    what = {"image": "picture", "audio": "sound"}.get(kind, kind)
    return path, None, f"the {what} cannot be written as .{wanted} ({offered} can)"
