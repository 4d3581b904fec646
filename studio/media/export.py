"""Export: a finished video to the user's file as MP4, WebM or GIF, always atomically.

An H.264 MP4 that is already at the requested quality is copied stream for stream (`remux_mp4`),
which takes seconds and loses nothing; anything else is decoded and re-encoded through
`media.encode`. The written file's sound is then measured as delivered (decoded from the file:
integrated loudness and true peak, ITU-R BS.1770-4), so the export reports what it made.

`clone_file` gives the cache its own copy of an export: a copy-on-write clone where the file
system has them (Btrfs or XFS on Linux), else a plain copy; never a hard link, which would let an
edit of the exported file change the cached result behind its digest.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

from studio.atomic import fsync_dir
from studio.media.encode import (
    FORMATS,
    encode_frames,
    even_size,
    quality_preset,
    temp_path_beside,
)
from studio.media.errors import MediaError, stop_check


def export_video(
    source: Path,
    target: Path,
    *,
    format: str = "mp4",
    quality: str = "standard",
    source_quality: str | None = None,
    delivered_loudness: dict[str, Any] | None = None,
    progress: Callable[[float | None, str], Any] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> dict[str, Any]:
    """Write a finished video to the user's `target` as MP4, WebM or GIF, atomically.

    An H.264 MP4 already made at the requested quality is copied: byte for byte when it is
    already laid out for streaming (`+faststart`, as the studio writes them), else stream for
    stream (no generation loss, seconds not minutes); so is a VP9 WebM (byte for byte);
    anything else is re-encoded. GIFs are
    scaled down and slowed to the preset's width and frame rate and have no sound. Returns what
    was written: path, reencoded, copied (the very bytes of `source`), width, height, duration,
    loudness (`Loudness.as_meta()` of the file's sound, None when it has none) and maybe a note.
    A byte copy reports `delivered_loudness` (the source's sound as measured when it was
    encoded: the same packets) instead of decoding the sound again.
    """
    result = _write(
        Path(source),
        Path(target),
        format=format,
        quality=quality,
        source_quality=source_quality,
        progress=progress,
        should_stop=should_stop,
    )
    if result.get("copied") and delivered_loudness is not None:
        result["loudness"] = delivered_loudness
    else:
        result["loudness"] = measure_delivered(Path(target), progress, should_stop)
    return result


def measure_delivered(
    path: Path,
    progress: Callable[[float | None, str], Any] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> dict[str, Any] | None:
    """Integrated loudness, true peak and loudness range of a finished file's sound, decoded from
    the file block by block (flat memory); None when it has no sound."""
    import av

    from studio.media.loudness import measure_file

    with av.open(str(path)) as container:
        if not container.streams.audio:
            return None

    check = stop_check(should_stop)

    if progress is not None:
        progress(None, "measuring loudness")
    loudness = measure_file(path, true_peak=True, check=check)
    return {**loudness.as_meta(), "summary": loudness.describe()}


def _write(
    source: Path,
    target: Path,
    *,
    format: str,
    quality: str,
    source_quality: str | None,
    progress: Callable[[float | None, str], Any] | None,
    should_stop: Callable[[], bool] | None,
) -> dict[str, Any]:
    from studio.media.video_io import iter_frames, probe_video

    source, target = Path(source), Path(target)
    if format not in FORMATS:
        raise MediaError(f"unknown video format {format!r} (known: {', '.join(FORMATS)})")
    preset = quality_preset(quality)
    info = probe_video(source)
    if (
        format == "mp4"
        and source_quality == quality
        and info.codec == "h264"
        and info.pixel_format == "yuv420p"
    ):
        copied = _has_faststart(source)
        if copied:
            copy_file_atomic(source, target)
        else:
            remux_mp4(source, target)
        return {
            "path": target,
            "reencoded": False,
            "copied": copied,
            "width": info.width,
            "height": info.height,
            "duration": info.duration,
        }
    if (
        format == "webm"
        and source_quality == quality
        and info.codec == "vp9"
        and info.pixel_format == "yuv420p"
        and "webm" in info.container
    ):
        copy_file_atomic(source, target)  # a WebM the studio wrote (a timeline made in WebM)
        return {
            "path": target,
            "reencoded": False,
            "copied": True,
            "width": info.width,
            "height": info.height,
            "duration": info.duration,
        }
    fps: Fraction | int = info.fps
    width, height = info.width, info.height
    if format == "gif":
        fps = min(preset.gif_fps, round(float(info.fps)) or preset.gif_fps)
        if width > preset.gif_width:
            height = max(2, round(height * preset.gif_width / width))
            width = preset.gif_width
    width, height, note = even_size(width, height)
    frames = iter_frames(
        source, width=width, height=height, fps=fps, pixel_format="yuv420p", should_stop=should_stop
    )
    total = max(1, round(info.duration * float(fps)))
    audio = source if info.has_audio and format != "gif" else None
    try:
        encode_frames(
            frames,
            target,
            width=width,
            height=height,
            fps=fps,
            total_frames=total,
            format=format,
            quality=quality,
            audio=audio,
            progress=progress,
            should_stop=should_stop,
        )
    finally:
        frames.close()
    result: dict[str, Any] = {
        "path": target,
        "reencoded": True,
        "width": width,
        "height": height,
        "duration": total / float(fps),
    }
    if info.has_audio and format == "gif":  # the format holds no sound: say so, not drop it quietly
        note = f"{note}; " if note else ""
        note += "a GIF holds no sound: the video's sound is left out"
    if note:
        result["note"] = note
    return result


def remux_mp4(source: Path, target: Path) -> Path:
    """Copy every audio and video stream into a new MP4 with `+faststart`, atomically."""
    import av

    tmp = temp_path_beside(target)
    try:
        with (
            av.open(str(source)) as src,
            av.open(
                str(tmp), "w", format="mp4", container_options={"movflags": "+faststart"}
            ) as dst,
        ):
            mapping = {}
            for stream in src.streams:
                if stream.type in ("video", "audio"):
                    mapping[stream.index] = dst.add_stream_from_template(stream)
            for packet in src.demux(*[s for s in src.streams if s.index in mapping]):
                if packet.dts is None:  # the demuxer's end-of-stream marker
                    continue
                packet.stream = mapping[packet.stream.index]
                dst.mux(packet)
        os.replace(tmp, target)
    except av.error.FFmpegError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise MediaError(f"could not write {Path(target).name}: {exc}") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(Path(target).parent)
    return Path(target)


def _has_faststart(path: Path) -> bool:
    """True when an MP4's index (moov) comes before its media (mdat): it plays while streaming."""
    import struct

    try:
        with open(path, "rb") as handle:
            while True:
                header = handle.read(8)
                if len(header) < 8:
                    return False
                size, kind = struct.unpack(">I4s", header)
                if kind == b"moov":
                    return True
                if kind == b"mdat":
                    return False
                if size == 1:  # a 64-bit size follows
                    size = struct.unpack(">Q", handle.read(8))[0] - 8
                if size < 8:
                    return False
                handle.seek(size - 8, 1)
    except OSError:
        return False


def copy_file_atomic(source: Path, target: Path) -> Path:
    """`source`'s bytes at `target` (a reflink where possible), appearing only when complete."""
    from studio.media.encode import temp_path_beside

    tmp = temp_path_beside(Path(target))
    try:
        clone_file(source, tmp)
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(Path(target).parent)
    return Path(target)


def clone_file(source: Path, target: Path) -> Path:
    """An independent copy of `source` at `target`: a reflink (copy-on-write clone, no space
    used until one side changes) where the file system offers it, else a byte copy. Never a
    hard link: writing to one file must never change the other."""
    import shutil

    source, target = Path(source), Path(target)
    if not _reflink(source, target):
        shutil.copyfile(source, target)
    return target


# Linux's FICLONE ioctl, _IOW(0x94, 9, int): Btrfs, XFS (reflink=1), bcachefs, overlayfs on them.
_FICLONE = 0x40049409


def _reflink(source: Path, target: Path) -> bool:
    """Clone `source` to `target` with FICLONE; False (and no `target` left) where unsupported."""
    try:
        import fcntl
    except ImportError:  # Windows: no FICLONE
        return False
    try:
        with open(source, "rb") as src, open(target, "wb") as dst:
            fcntl.ioctl(dst.fileno(), _FICLONE, src.fileno())
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(target)
        return False
    return True
