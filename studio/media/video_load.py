"""A user's video made ready for the studio: checked, and converted once where it must be.

A plain H.264 MP4 is used as it is. Anything else becomes one: upright, square pixels, a steady
frame rate, all of its sound. Frames and sound stream from decoder to encoder, so memory stays
flat however long the video. What was degraded on the way (a file cut short, damaged frames or
sound) comes back as warnings beside the file, for the node to tell.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studio.media.errors import Loaded, MediaError
from studio.media.video_io import iter_frames, probe_video

if TYPE_CHECKING:
    import numpy as np


def normalize_video(
    source: Path,
    scratch: Path,
    *,
    progress: Callable[[float | None, str], Any] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Loaded:
    """Check a user's video and return the file in `scratch` to store, its metadata and what
    was degraded on the way.

    An MP4/MOV already in H.264 yuv420p with square pixels, no rotation, even sides and a steady
    frame rate is copied as it is; anything else is transcoded to such an MP4 (upright, square
    pixels, constant frame rate, all of its sound: where the sound runs past the last frame, that
    frame holds until the sound ends).
    """
    import shutil

    from studio.media.encode import encode_frames

    source = Path(source)
    info = probe_video(source)
    warnings = list(info.warnings)
    meta = info.as_meta()
    plain = (
        info.container.split(",")[0] in ("mov", "mp4")
        and info.codec == "h264"
        and info.pixel_format == "yuv420p"
        and info.rotation == 0
        and info.sample_aspect == 1
        and not info.variable_frame_rate
        and info.coded_width % 2 == 0
        and info.coded_height % 2 == 0
    )
    out = Path(scratch) / f"{source.stem}.mp4"
    if plain:
        shutil.copyfile(source, out)
        meta["transcoded"] = False
        return Loaded(out, meta, warnings)
    fps = steady_rate(info.fps)
    width, height = info.width - info.width % 2, info.height - info.height % 2
    # As many frames as the picture or the sound needs, to the nearest frame: an AAC track's
    # last packet is padded a few ms past the picture, which is not worth a held frame.
    total = max(1, round(info.duration * fps), round(info.audio_duration * fps))
    frames = iter_frames(
        source,
        width=width,
        height=height,
        fps=fps,
        pixel_format="yuv420p",
        should_stop=should_stop,
        warnings=warnings,
    )
    sound = _soundtrack(source, warnings, cut_told=bool(info.warnings)) if info.has_audio else None
    try:
        encode_frames(
            _holding_last(frames, total),
            out,
            width=width,
            height=height,
            fps=fps,
            total_frames=total,
            audio=sound,
            progress=progress,
            should_stop=should_stop,
        )
    finally:
        frames.close()
        if sound is not None:
            sound.close()
    result = probe_video(out).as_meta()
    result.update(transcoded=True, source_codec=info.codec, rotation_applied=info.rotation)
    if (width, height) != (info.width, info.height):
        result["note"] = (
            f"size {info.width}x{info.height} adjusted to {width}x{height} (video needs even sides)"
        )
    return Loaded(out, result, warnings)


def _holding_last(frames: Iterator[np.ndarray], at_least: int) -> Iterator[np.ndarray]:
    """Every frame, then the last one again until there are `at_least` (sound plays on)."""
    last = None
    count = 0
    for frame in frames:
        last = frame
        count += 1
        yield frame
    while last is not None and count < at_least:
        count += 1
        yield last


def _soundtrack(
    source: Path, warnings: list[str], *, cut_told: bool
) -> Generator[np.ndarray, None, None]:
    """The sound of `source` as planar 48 kHz stereo chunks for the encoder. Damaged packets
    become silence and are told; sound that cannot be decoded at all is told, and the video is
    kept silent rather than lost. `cut_told`: the file was already called cut short."""
    from studio.media.audio_io import iter_audio

    heard: list[str] = []
    try:
        for chunk in iter_audio(source, sample_rate=48000, channels=2, warnings=heard):
            yield chunk.T
    except MediaError as exc:
        heard.append(f"{exc}; the video is kept without its sound")
    cut = f"{source.name} is cut short"
    warnings.extend(w for w in heard if not (cut_told and w.startswith(cut)))


def steady_rate(fps: Fraction) -> Fraction:
    """A constant rate for a transcode: the nearest usual one (23.976 stays 23.976)."""
    usual = [
        Fraction(24000, 1001),
        Fraction(24),
        Fraction(25),
        Fraction(30000, 1001),
        Fraction(30),
        Fraction(50),
        Fraction(60000, 1001),
        Fraction(60),
    ]
    return min(usual, key=lambda rate: abs(float(rate) - float(fps)))
