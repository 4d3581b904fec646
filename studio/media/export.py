"""Export: a finished video to the user's file as MP4, WebM or GIF, always atomically.

An H.264 MP4 that is already at the requested quality is copied stream for stream (`remux_mp4`),
which takes seconds and loses nothing; anything else is decoded and re-encoded through
`media.encode`.
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
from studio.media.errors import MediaError


def export_video(
    source: Path,
    target: Path,
    *,
    format: str = "mp4",
    quality: str = "standard",
    source_quality: str | None = None,
    progress: Callable[[float | None, str], Any] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> dict[str, Any]:
    """Write a finished video to the user's `target` as MP4, WebM or GIF, atomically.

    An H.264 MP4 already made at the requested quality is copied stream for stream (no
    generation loss, seconds not minutes); anything else is re-encoded. GIFs are scaled down and
    slowed to the preset's width and frame rate and have no sound. Returns what was written.
    """
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
        remux_mp4(source, target)
        return {
            "path": target,
            "reencoded": False,
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
