"""Open, probe and decode videos the way cameras, phones and other tools really write them.

- Rotation metadata (a display matrix, or the older `rotate` tag) is applied to the pixels.
- Anamorphic pixels (sample aspect ratio != 1) are scaled to square pixels.
- Variable frame rate and 23.976 fps are resampled to a constant target rate by timestamps: each
  output frame shows the source frame that is on screen at that instant, with half a frame of
  tolerance for timestamps a container rounded (WebM's milliseconds), as FFmpeg's `fps` does.
- An audio file's cover picture (an "attached picture" stream) is not a video.
- Durations come from the packets actually in the file, not from a header that may lie.
- Empty, random-bytes and unsupported-codec files are refused with a MediaError in user words.

Frames are streamed from generators; a video is never held in memory whole.
"""

from __future__ import annotations

import contextlib
import itertools
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studio.errors import Cancelled
from studio.media.errors import MediaError, check_media_file

if TYPE_CHECKING:
    import numpy as np

PIXEL_FORMATS = ("rgb24", "yuv420p")


@dataclass(frozen=True)
class VideoInfo:
    """What a viewer would see: display size (after rotation and pixel aspect), rate, length."""

    width: int
    height: int
    coded_width: int
    coded_height: int
    rotation: int  # degrees clockwise applied for display (0, 90, 180, 270)
    sample_aspect: Fraction
    fps: Fraction  # average frame rate
    variable_frame_rate: bool
    duration: float  # seconds, from the packets really in the file
    frames: int
    codec: str
    pixel_format: str
    container: str
    has_audio: bool

    def as_meta(self) -> dict[str, Any]:
        return {
            "width": self.width,
            "height": self.height,
            "fps": float(self.fps),
            "duration": round(self.duration, 3),
            "frames": self.frames,
            "codec": self.codec,
            "has_audio": self.has_audio,
        }


# -- opening -------------------------------------------------------------------------------------
def open_video(path: Path) -> tuple[Any, Any]:
    """(container, video stream), or MediaError saying in user words why the file is unusable."""
    import av

    path = Path(path)
    check_media_file(path, "a video")
    try:
        container = av.open(str(path))
    except (av.error.InvalidDataError, av.error.FFmpegError, UnicodeDecodeError):
        raise MediaError(f"{path.name} is not a video file this studio can read") from None
    try:
        streams = [
            s
            for s in container.streams.video
            if not s.disposition & av.stream.Disposition.attached_pic
        ]
        if not streams:
            covers = len(container.streams.video) > 0
            raise MediaError(
                f"{path.name} has no video in it"
                + (" (its only picture is cover art)" if covers else "")
            )
        stream = streams[0]
        if stream.codec_context is None:
            raise MediaError(
                f"{path.name} uses a video codec this studio cannot decode ({_codec_label(stream)})"
            )
        stream.thread_type = "AUTO"
    except BaseException:
        container.close()
        raise
    return container, stream


def _codec_label(stream: Any) -> str:
    with contextlib.suppress(Exception):
        tag = stream.codec_tag or ""
        if tag:
            return tag
    return "unknown codec"


def _rotation_from_tag(stream: Any) -> int:
    try:
        return int(float(stream.metadata.get("rotate", 0))) % 360
    except (TypeError, ValueError):
        return 0


def _clockwise(frame_rotation: float) -> int:
    """PyAV reports the display matrix angle counter-clockwise; we apply it clockwise."""
    return round(-frame_rotation / 90.0) * 90 % 360


def probe_video(path: Path) -> VideoInfo:
    """Validate a video and describe it. Decodes one frame (to prove it decodes) and reads every
    packet's timestamp (cheap: no decoding) for the true duration and frame rate."""
    import av

    path = Path(path)
    container, stream = open_video(path)
    with container:
        has_audio = len(container.streams.audio) > 0
        first = None
        try:
            for frame in container.decode(stream):
                first = frame
                break
        except av.error.FFmpegError:
            raise MediaError(f"{path.name} is damaged: its video cannot be decoded") from None
        if first is None:
            raise MediaError(f"{path.name} has no frames that decode")
        rotation = _clockwise(first.rotation) if first.rotation else _rotation_from_tag(stream)
        sar = _sample_aspect(stream)
        coded_w, coded_h = first.width, first.height
        pix_fmt = first.format.name
        codec = stream.codec_context.name
        fmt = container.format.name
        index = stream.index  # read now: a stream must not be touched after its file closes
    times, frames = _packet_times(path, index)
    if frames == 0:
        raise MediaError(f"{path.name} has no frames")
    duration, fps, vfr = _timing(times, frames)
    width, height = display_size(coded_w, coded_h, sar, rotation)
    return VideoInfo(
        width=width,
        height=height,
        coded_width=coded_w,
        coded_height=coded_h,
        rotation=rotation,
        sample_aspect=sar,
        fps=fps,
        variable_frame_rate=vfr,
        duration=duration,
        frames=frames,
        codec=codec,
        pixel_format=pix_fmt,
        container=fmt,
        has_audio=has_audio,
    )


def _sample_aspect(stream: Any) -> Fraction:
    for source in (stream, stream.codec_context):
        sar = getattr(source, "sample_aspect_ratio", None)
        if sar and sar.numerator > 0 and sar.denominator > 0:
            return Fraction(sar.numerator, sar.denominator)
    return Fraction(1)


def _packet_times(path: Path, index: int) -> tuple[list[tuple[float, float]], int]:
    """(start, duration) in seconds of each video packet that carries data, in display order."""
    import av

    times = []
    with av.open(str(path)) as container:
        stream = next(s for s in container.streams if s.index == index)
        base = stream.time_base
        try:
            for packet in container.demux(stream):
                if packet.size == 0 or packet.pts is None:
                    continue
                times.append((float(packet.pts * base), float((packet.duration or 0) * base)))
        except av.error.FFmpegError:
            pass  # a truncated file: what was read so far is what is really there
    times.sort()
    return times, len(times)


def _timing(times: list[tuple[float, float]], frames: int) -> tuple[float, Fraction, bool]:
    starts = [t for t, _ in times]
    gaps = [b - a for a, b in itertools.pairwise(starts) if b > a]
    typical = sorted(gaps)[len(gaps) // 2] if gaps else (times[0][1] or 1 / 25)
    last_length = times[-1][1] or typical
    duration = starts[-1] - starts[0] + last_length
    fps = Fraction(frames / duration).limit_denominator(1001) if duration > 0 else Fraction(25)
    vfr = bool(gaps) and (max(gaps) - min(gaps)) > 0.5 * typical
    return duration, fps, vfr


def display_size(width: int, height: int, sar: Fraction, rotation: int) -> tuple[int, int]:
    """The size a player shows: pixels stretched by the sample aspect, then rotated."""
    display_w = max(1, round(width * sar))
    if rotation in (90, 270):
        return height, display_w
    return display_w, height


# -- decoding ------------------------------------------------------------------------------------
def iter_frames(
    path: Path,
    *,
    width: int | None = None,
    height: int | None = None,
    fps: float | Fraction | None = None,
    fit: str = "cover",
    pixel_format: str = "rgb24",
    should_stop: Callable[[], bool] | None = None,
) -> Iterator[np.ndarray]:
    """Decode a video into upright, square-pixel frames, one at a time.

    With `width`/`height` every frame is fitted to that size (`cover` crops, `contain` adds black
    bars); without, frames keep the display size (rounded down to even for yuv420p). With `fps`
    the frames are resampled to that constant rate by timestamp (frames are repeated or
    dropped); without, every decoded frame comes out once. `pixel_format` is `rgb24` (h, w, 3)
    or `yuv420p` (I420, h*3/2 by w).
    """
    import av

    if pixel_format not in PIXEL_FORMATS:
        raise MediaError(f"unknown pixel format {pixel_format!r}")
    if fit not in ("cover", "contain"):
        raise MediaError(f"unknown fit {fit!r} (known: cover, contain)")
    path = Path(path)
    container, stream = open_video(path)
    sar = _sample_aspect(stream)
    tag_rotation = _rotation_from_tag(stream)
    base = stream.time_base
    fallback_step = 1.0 / float(stream.average_rate or stream.guessed_rate or 25)
    with container:
        converter: _Converter | None = None
        pending = None  # the decoded frame on screen until the next one's time
        pending_time = 0.0
        start = None
        out_index = 0
        last_step = fallback_step
        try:
            for frame in container.decode(stream):
                if should_stop is not None and should_stop():
                    raise Cancelled("cancelled")
                if converter is None:
                    rotation = _clockwise(frame.rotation) if frame.rotation else tag_rotation
                    converter = _Converter(
                        frame.width, frame.height, sar, rotation, width, height, fit, pixel_format
                    )
                t = (
                    float(frame.pts * base)
                    if frame.pts is not None
                    else (pending_time + last_step if pending is not None else 0.0)
                )
                if start is None:
                    start = t
                t -= start
                if fps is None:
                    yield converter(frame)
                    continue
                if pending is not None:
                    if t > pending_time:
                        last_step = t - pending_time
                    shown = None
                    # Slots before the one this frame rounds to show the pending frame.
                    while out_index < nearest_slot(t, fps):
                        shown = converter(pending) if shown is None else shown.copy()
                        yield shown
                        out_index += 1
                pending, pending_time = frame, t
        except av.error.FFmpegError:
            pass  # damaged or truncated data: keep what decoded
        if pending is not None and fps is not None:
            length = float(pending.duration * base) if pending.duration else last_step
            end = pending_time + max(length, 1e-3)
            shown = None
            # The clip lasts `end` seconds: that many frames at the new rate, rounded the same way.
            while out_index < max(1, nearest_slot(end, fps)):
                shown = converter(pending) if shown is None else shown.copy()
                yield shown
                out_index += 1
        if converter is None:
            raise MediaError(f"{path.name} has no frames that decode")


def nearest_slot(seconds: float, fps: float | Fraction) -> int:
    """The output frame a source frame starting at `seconds` belongs to at rate `fps`.

    Rounded to the nearest slot (half a frame of tolerance either way, halves up), as FFmpeg's
    `fps` filter does: containers store times in their own units (WebM and many MP4s in whole
    milliseconds), so the 3rd frame of a 30 fps video starts at 67 ms, a hair after its slot's
    66.67 ms. Flooring would drop that frame and show the one before it twice.
    """
    return math.floor(seconds * float(fps) + 0.5)


class _Converter:
    """Turns decoded frames into arrays: scale (with pixel aspect), rotate, then crop or pad."""

    def __init__(
        self,
        coded_w: int,
        coded_h: int,
        sar: Fraction,
        rotation: int,
        width: int | None,
        height: int | None,
        fit: str,
        pixel_format: str,
    ) -> None:
        self.rotation = rotation
        self.pixel_format = pixel_format
        yuv = pixel_format == "yuv420p"
        shown_w, shown_h = display_size(coded_w, coded_h, sar, rotation)
        if width is None or height is None:
            width, height = shown_w, shown_h
            if yuv:
                width, height = max(2, width - width % 2), max(2, height - height % 2)
        self.width, self.height = width, height
        scale = (max if fit == "cover" else min)(width / shown_w, height / shown_h)
        # The size to scale to, in the decoded (unrotated) orientation.
        scaled_w, scaled_h = round(shown_w * scale), round(shown_h * scale)
        if rotation in (90, 270):
            scaled_w, scaled_h = scaled_h, scaled_w
        if yuv:  # whole chroma samples, and never smaller than the target after rounding
            scaled_w, scaled_h = _even_at_least(scaled_w), _even_at_least(scaled_h)
        self.scaled = (max(1, scaled_w), max(1, scaled_h))

    def __call__(self, frame: Any) -> np.ndarray:
        import numpy as np

        sw, sh = self.scaled
        if (frame.width, frame.height, frame.format.name) == (sw, sh, self.pixel_format):
            array = frame.to_ndarray()
        else:
            array = frame.reformat(
                width=sw, height=sh, format=self.pixel_format, interpolation="BILINEAR"
            ).to_ndarray()
        if self.pixel_format == "rgb24":
            if self.rotation:
                array = np.rot90(array, k=-self.rotation // 90)
            return _place_rgb(array, self.width, self.height)
        planes = _split_i420(array, sw, sh)
        if self.rotation:
            planes = [np.rot90(p, k=-self.rotation // 90) for p in planes]
        return _place_i420(planes, self.width, self.height)


def _even_at_least(value: int) -> int:
    return value + value % 2


def _place_rgb(array: np.ndarray, width: int, height: int) -> np.ndarray:
    import numpy as np

    h, w = array.shape[:2]
    out = np.zeros((height, width, 3), np.uint8)
    sy, dy, ch = _span(h, height)
    sx, dx, cw = _span(w, width)
    out[dy : dy + ch, dx : dx + cw] = array[sy : sy + ch, sx : sx + cw]
    return out


def _span(source: int, target: int, even: bool = False) -> tuple[int, int, int]:
    """Centred (source offset, target offset, count) to crop or pad `source` into `target`."""
    if source >= target:
        offset = (source - target) // 2
        return (offset - offset % 2 if even else offset), 0, target
    offset = (target - source) // 2
    return 0, (offset - offset % 2 if even else offset), source


def _split_i420(array: np.ndarray, w: int, h: int) -> list[np.ndarray]:
    import numpy as np

    from studio.media.encode import i420_planes

    return i420_planes(np.ascontiguousarray(array), w, h)


def _place_i420(planes: list[np.ndarray], width: int, height: int) -> np.ndarray:
    """Crop or pad three planes (even offsets, black padding) into one I420 array."""
    import numpy as np

    out = np.empty((height * 3 // 2, width), np.uint8)
    targets = _split_i420(out, width, height)
    y, u, v = planes
    sy, dy, ch = _span(y.shape[0], height, even=True)
    sx, dx, cw = _span(y.shape[1], width, even=True)
    if (ch, cw) != (height, width):
        targets[0][:] = 16
        targets[1][:] = 128
        targets[2][:] = 128
    targets[0][dy : dy + ch, dx : dx + cw] = y[sy : sy + ch, sx : sx + cw]
    for source, target in ((u, targets[1]), (v, targets[2])):
        target[dy // 2 : (dy + ch) // 2, dx // 2 : (dx + cw) // 2] = source[
            sy // 2 : (sy + ch) // 2, sx // 2 : (sx + cw) // 2
        ]
    return out


# -- loading a user's video ------------------------------------------------------------------------
def normalize_video(
    source: Path,
    scratch: Path,
    *,
    progress: Callable[[float | None, str], Any] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> tuple[Path, dict[str, Any]]:
    """Check a user's video and return (a file in `scratch` to store, its metadata).

    An MP4/MOV already in H.264 yuv420p with square pixels, no rotation, even sides and a steady
    frame rate is copied as it is; anything else is transcoded to such an MP4 (upright, square
    pixels, constant frame rate, its sound kept).
    """
    import shutil

    from studio.media.encode import encode_frames

    source = Path(source)
    info = probe_video(source)
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
        return out, meta
    fps = steady_rate(info.fps)
    width, height = info.width - info.width % 2, info.height - info.height % 2
    frames = iter_frames(
        source, width=width, height=height, fps=fps, pixel_format="yuv420p", should_stop=should_stop
    )
    try:
        encode_frames(
            frames,
            out,
            width=width,
            height=height,
            fps=fps,
            total_frames=max(1, round(info.duration * fps)),
            audio=source if info.has_audio else None,
            progress=progress,
            should_stop=should_stop,
        )
    finally:
        frames.close()
    result = probe_video(out).as_meta()
    result.update(transcoded=True, source_codec=info.codec, rotation_applied=info.rotation)
    if (width, height) != (info.width, info.height):
        result["note"] = (
            f"size {info.width}x{info.height} adjusted to {width}x{height} (video needs even sides)"
        )
    return out, result


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
