"""Open, probe and decode videos the way cameras, phones and other tools really write them.

- Rotation metadata (a display matrix, or the older `rotate` tag) is applied to the pixels.
- Anamorphic pixels (sample aspect ratio != 1) are scaled to square pixels.
- Variable frame rate and 23.976 fps are resampled to a constant target rate by timestamps: each
  output frame shows the source frame that is on screen at that instant, with half a frame of
  tolerance for timestamps a container rounded (WebM's milliseconds), as FFmpeg's `fps` does.
- An audio file's cover picture (an "attached picture" stream) is not a video.
- Durations come from the packets actually in the file, not from a header that may lie.
- Empty, random-bytes and unsupported-codec files are refused with a MediaError in user words; a
  file that starts right but cannot be opened is called cut short or damaged.
- What is degraded is told, not hidden: a file cut short (`VideoInfo.warnings`), frames that fail
  to decode (skipped, the one before holds; `iter_frames(warnings=...)`).

Frames are streamed from generators; a video is never held in memory whole.
"""

from __future__ import annotations

import contextlib
import itertools
import math
from collections.abc import Callable, Generator, Iterator
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
    audio_duration: float = 0.0  # seconds of sound, from its packets (0 without sound)
    warnings: tuple[str, ...] = ()  # what is wrong with the file but still usable

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

    from studio.media.probe import MAX_VIDEO_SIDE, open_av, unreadable

    path = Path(path)
    check_media_file(path, "a video")
    try:
        container = open_av(path)
    except av.error.FFmpegError:
        raise unreadable(path, "a video file") from None
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
        width, height = stream.codec_context.width, stream.codec_context.height
        if max(width, height) > MAX_VIDEO_SIDE:
            raise MediaError(
                f"{path.name} is too large to convert: its frames are {width}x{height} pixels, "
                f"the limit is {MAX_VIDEO_SIDE} on a side"
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


def _first_frame(container: Any, stream: Any, path: Path) -> Any:
    """The first frame that decodes, proving the video is usable; damaged packets before it
    are passed over as a player does."""
    damage = _Damage()
    for frame in _decoded(container, stream, damage):
        return frame
    if damage.count:
        raise MediaError(f"{path.name} is damaged: its video cannot be decoded")
    raise MediaError(f"{path.name} has no frames that decode")


def check_video_header(path: Path) -> None:
    """Raise MediaError unless `path` opens as a video and its first frame decodes (fast: the
    header and one frame; `studio validate` runs it on every video a graph names)."""
    path = Path(path)
    container, stream = open_video(path)
    with container:
        _first_frame(container, stream, path)


def probe_video(path: Path) -> VideoInfo:
    """Validate a video and describe it. Decodes one frame (to prove it decodes) and reads every
    packet's timestamp (cheap: no decoding) for the true duration and frame rate."""
    path = Path(path)
    container, stream = open_video(path)
    with container:
        audio = container.streams.audio
        has_audio = len(audio) > 0
        audio_index = audio[0].index if has_audio else None
        # What the header says the whole file lasts (FFmpeg's microseconds), to tell a cut file.
        claimed = container.duration / 1_000_000 if container.duration else None
        first = _first_frame(container, stream, path)
        rotation = _clockwise(first.rotation) if first.rotation else _rotation_from_tag(stream)
        sar = _sample_aspect(stream)
        coded_w, coded_h = first.width, first.height
        pix_fmt = first.format.name
        codec = stream.codec_context.name
        fmt = container.format.name
        index = stream.index  # read now: a stream must not be touched after its file closes
    scan = _scan_packets(path, index, audio_index)
    frames = len(scan.times)
    if frames == 0:
        raise MediaError(f"{path.name} has no frames")
    duration, fps, vfr = _timing(scan.times, frames)
    width, height = display_size(coded_w, coded_h, sar, rotation)
    cut_short = _cut_short(path.name, duration, scan, claimed)
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
        audio_duration=scan.audio_seconds,
        warnings=(cut_short,) if cut_short else (),
    )


def _sample_aspect(stream: Any) -> Fraction:
    for source in (stream, stream.codec_context):
        sar = getattr(source, "sample_aspect_ratio", None)
        if sar and sar.numerator > 0 and sar.denominator > 0:
            return Fraction(sar.numerator, sar.denominator)
    return Fraction(1)


@dataclass
class _Scan:
    times: list[tuple[float, float]]  # (start, duration) in seconds of each video packet
    audio_seconds: float  # from the first sound packet's start to the last one's end
    broken: bool  # reading stopped at an error before the end of the file


def _scan_packets(path: Path, index: int, audio_index: int | None) -> _Scan:
    """Every video packet's time, in display order, and the sound's length (no decoding)."""
    import av

    from studio.media.probe import open_av

    times = []
    audio_start: float | None = None
    audio_end: float | None = None
    broken = False
    with open_av(path) as container:
        wanted = [s for s in container.streams if s.index in (index, audio_index)]
        try:
            for packet in container.demux(wanted):
                if packet.size == 0 or packet.pts is None:
                    continue
                base = _fraction(packet.time_base)
                start = float(packet.pts * base)
                length = float((packet.duration or 0) * base)
                if packet.stream.index == index:
                    times.append((start, length))
                else:
                    audio_start = start if audio_start is None else min(audio_start, start)
                    audio_end = max(audio_end or start, start + length)
        except av.error.FFmpegError:
            broken = True  # a truncated file: what was read so far is what is really there
    times.sort()
    # Sound before 0 s is an encoder's priming (AAC's first 1024 samples): decoders drop it.
    audio_seconds = 0.0
    if audio_start is not None and audio_end is not None:
        audio_seconds = audio_end - max(audio_start, 0.0)
    return _Scan(times, audio_seconds, broken)


def _fraction(rational: Any) -> Fraction:
    """A time base as a Fraction (PyAV 19 returns its own rational type)."""
    return Fraction(rational.numerator, rational.denominator)


def _cut_short(name: str, duration: float, scan: _Scan, claimed: float | None) -> str | None:
    """A warning when less is in the file than its header promised, or reading broke off."""
    there = max(duration, scan.audio_seconds)
    if claimed is not None and claimed - there > max(0.5, 0.05 * claimed):
        return (
            f"{name} is cut short or damaged: only {duration:.1f} s of its {claimed:.1f} s "
            "can be read, and the rest is left out"
        )
    if scan.broken:
        return (
            f"{name} is cut short or damaged: it breaks off after {duration:.1f} s, "
            "and the rest is left out"
        )
    return None


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
    warnings: list[str] | None = None,
    skip: int = 0,
) -> Generator[np.ndarray, None, None]:
    """Decode a video into upright, square-pixel frames, one at a time.

    With `width`/`height` every frame is fitted to that size (`cover` crops, `contain` adds black
    bars); without, frames keep the display size (rounded down to even for yuv420p). With `fps`
    the frames are resampled to that constant rate by timestamp (frames are repeated or
    dropped); without, every decoded frame comes out once. `pixel_format` is `rgb24` (h, w, 3)
    or `yuv420p` (I420, h*3/2 by w).

    A frame that fails to decode is skipped (the one before holds its time when resampling) and,
    once the video is read, told in `warnings`; a file that breaks off ends the frames there.
    With `skip`, the first `skip` frames (of the output rate, with `fps`) are decoded but
    neither converted nor yielded: a timeline re-making a segment in the middle of a clip.
    """
    if pixel_format not in PIXEL_FORMATS:
        raise MediaError(f"unknown pixel format {pixel_format!r}")
    if fit not in ("cover", "contain"):
        raise MediaError(f"unknown fit {fit!r} (known: cover, contain)")
    path = Path(path)
    container, stream = open_video(path)
    sar = _sample_aspect(stream)
    tag_rotation = _rotation_from_tag(stream)
    base = _fraction(stream.time_base)
    fallback_step = 1.0 / float(stream.average_rate or stream.guessed_rate or 25)
    with container:
        converter: _Converter | None = None
        pending = None  # the decoded frame on screen until the next one's time
        pending_time = 0.0
        start = None
        out_index = 0
        last_step = fallback_step
        damage = _Damage()
        for frame in _decoded(container, stream, damage):
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
                if out_index >= skip:
                    yield converter(frame)
                out_index += 1
                continue
            if pending is not None:
                if t > pending_time:
                    last_step = t - pending_time
                shown = None
                # Slots before the one this frame rounds to show the pending frame.
                while out_index < nearest_slot(t, fps):
                    if out_index >= skip:
                        shown = converter(pending) if shown is None else shown.copy()
                        yield shown
                    out_index += 1
            pending, pending_time = frame, t
        if damage.count and warnings is not None:
            warnings.append(damage.describe(path.name, held=fps is not None))
        if pending is not None and converter is not None and fps is not None:
            length = float(pending.duration * base) if pending.duration else last_step
            end = pending_time + max(length, 1e-3)
            shown = None
            # The clip lasts `end` seconds: that many frames at the new rate, rounded the same way.
            while out_index < max(1, nearest_slot(end, fps)):
                if out_index >= skip:
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


class _Damage:
    """Counts the packets of a video that failed to decode."""

    def __init__(self) -> None:
        self.count = 0

    def describe(self, name: str, *, held: bool) -> str:
        many = self.count > 1
        if not held:
            where = "left out"
        else:
            where = f"the frame before {'each' if many else 'it'} is shown in its place"
        frames = "frames" if many else "frame"
        return f"{name}: {self.count} damaged video {frames} could not be decoded; {where}"


def _decoded(container: Any, stream: Any, damage: _Damage) -> Iterator[Any]:
    """The frames of `stream` in order. A packet that fails to decode is skipped and counted
    (a player skips it too); a file that breaks off ends the frames where it breaks."""
    import av

    packets = container.demux(stream)
    while True:
        try:
            packet = next(packets)
        except StopIteration:
            return
        except av.error.FFmpegError:
            return  # cut short: `probe_video` tells the user
        try:
            frames = packet.decode()
        except av.error.FFmpegError:
            damage.count += 1
            continue
        yield from frames


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
