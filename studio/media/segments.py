"""Smart render: an export's picture as segments, each encoded once and kept for the next export.

The picture is cut into segments at clip boundaries (where a clip or a crossfade starts or ends)
and at least every `MAX_SEGMENT_SECONDS`. Every segment starts on a keyframe (an IDR frame that
opens a closed GOP: no frame of it refers to an earlier one) and is encoded with the same encoder
settings, so segments made at different times join into one valid stream.

A segment is named by a key made from everything its frames depend on (`segment_key`: the caller
lists the clips, their place, the captions shown and the look; the encoder's identity and
settings are added here). A segment already in the part store is reused; only the changed ones
are encoded again. Consecutive changed segments go through one encoder session with a keyframe
forced at each boundary, so a full export runs the encoder without a break and keeps its speed;
the packets are sorted into one small file per segment as they come out.

The file is then assembled by stream copy (`assemble`): each segment's packets, their timestamps
moved to where the segment starts, into one file, while the whole soundtrack is encoded alongside
(or copied, when it was encoded before). Segments and files are MP4 (H.264, AAC) or WebM (VP9,
Opus): the `format` of every call here.
The sound has no joins: it is mixed and encoded in one piece, so it is sample-exact everywhere.
"""

from __future__ import annotations

import bisect
import contextlib
import hashlib
import itertools
import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from studio.atomic import fsync_dir
from studio.errors import Cancelled
from studio.media.errors import MediaError

if TYPE_CHECKING:
    import numpy as np

# Bump when the same key would give different frames or packets (frame making, captions, encoder
# use), so segments kept from older code are never joined with new ones.
SEGMENT_FORMAT = 1
MAX_SEGMENT_SECONDS = 4.0


class Parts(Protocol):
    """Where segments are kept between exports (`studio.api.PartStore`; the engine's cache)."""

    def get(self, key: str) -> Path | None: ...

    def put(self, key: str, path: Path) -> Path: ...


@dataclass(frozen=True)
class Segment:
    """Frames [start, stop) of the picture, and the key naming their content ("" = not kept)."""

    start: int
    stop: int
    key: str = ""

    @property
    def length(self) -> int:
        return self.stop - self.start


@dataclass
class SegmentReport:
    """The segment files in order, and how many were encoded now or reused."""

    paths: list[Path]
    encoded: int
    reused: int
    made_here: list[Path] = field(default_factory=list)  # files in scratch, for the caller to drop


def cut_points(
    total: int, boundaries: Iterable[int], fps: float | Fraction, max_seconds: float = 0.0
) -> list[tuple[int, int]]:
    """Frame ranges [start, stop) covering 0..total: cut at every boundary inside, and pieces
    longer than `max_seconds` (default `MAX_SEGMENT_SECONDS`) split evenly."""
    if total <= 0:
        return []
    longest = max(1, round((max_seconds or MAX_SEGMENT_SECONDS) * float(fps)))
    cuts = sorted({0, total, *(b for b in boundaries if 0 < b < total)})
    ranges: list[tuple[int, int]] = []
    for start, stop in itertools.pairwise(cuts):
        pieces = -(-(stop - start) // longest)
        for i in range(pieces):
            a = start + (stop - start) * i // pieces
            b = start + (stop - start) * (i + 1) // pieces
            ranges.append((a, b))
    return ranges


def encoder_identity(format: str, quality: str) -> dict[str, Any]:
    """What besides the frames decides a segment's packets: the encoder build and its settings."""
    import av

    from studio.media.encode import quality_preset

    q = quality_preset(quality)
    settings: dict[str, Any] = {"codec": format}
    if format == "mp4":
        settings = {"codec": "libx264", "crf": q.h264_crf, "preset": q.h264_preset}
    elif format == "webm":
        settings = {"codec": "libvpx-vp9", "crf": q.vp9_crf, "speed": q.vp9_speed}
    return {
        "av": av.__version__,
        "libavcodec": list(av.library_versions.get("libavcodec", ())),
        **settings,
    }


def segment_key(payload: Mapping[str, Any], identity: Mapping[str, Any]) -> str:
    """A stable key for one segment: its content `payload` plus the encoder `identity`."""
    blob = json.dumps(
        {"segment": SEGMENT_FORMAT, "encoder": identity, "content": payload},
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


# -- encoding --------------------------------------------------------------------------------------
def encode_segments(
    segments: Sequence[Segment],
    frames_for: Callable[[int, int], Iterator[np.ndarray]],
    *,
    width: int,
    height: int,
    fps: int | Fraction,
    quality: str,
    scratch: Path,
    parts: Parts | None = None,
    check: Callable[[], None] | None = None,
    progress: Callable[[float | None, str], Any] | None = None,
    format: str = "mp4",
) -> SegmentReport:
    """The segment files in order: kept ones from `parts`, the rest encoded now (H.264 in MP4
    files, or VP9 in WebM files for `format="webm"`).

    `frames_for(start, stop)` yields the I420 frames [start, stop) of the picture. New segments
    are put into `parts` when one is given (their keys must be set), else left in `scratch`.
    """
    paths: list[Path | None] = [None] * len(segments)
    if parts is not None:
        for index, segment in enumerate(segments):
            if segment.key:
                paths[index] = parts.get(segment.key)
    missing = [i for i, path in enumerate(paths) if path is None]
    runs: list[list[int]] = []
    for index in missing:
        if runs and runs[-1][-1] == index - 1:
            runs[-1].append(index)
        else:
            runs.append([index])
    to_make = sum(segments[i].length for i in missing)
    made = 0
    report = SegmentReport([], encoded=len(missing), reused=len(segments) - len(missing))

    def advance(frames: int) -> None:
        nonlocal made
        made += frames
        if progress is not None:
            progress(made / to_make if to_make else 1.0, f"frame {made} of {to_make}")

    for run in runs:
        written = _encode_run(
            [segments[i] for i in run],
            frames_for(segments[run[0]].start, segments[run[-1]].stop),
            width=width,
            height=height,
            fps=Fraction(fps),
            quality=quality,
            scratch=Path(scratch),
            parts=parts,
            check=check,
            advance=advance,
            made_here=report.made_here,
            format=format,
        )
        for index, path in zip(run, written, strict=True):
            paths[index] = path
    report.paths = [p for p in paths if p is not None]
    return report


def _encode_run(
    segments: list[Segment],
    frames: Iterator[np.ndarray],
    *,
    width: int,
    height: int,
    fps: Fraction,
    quality: str,
    scratch: Path,
    parts: Parts | None,
    check: Callable[[], None] | None,
    advance: Callable[[int], None],
    made_here: list[Path],
    format: str,
) -> list[Path]:
    """Encode consecutive segments in one session, a keyframe forced at each one's start."""
    import av

    from studio.media.encode import Prefetch, add_video_stream, quality_preset, rgb_to_i420

    first, stop = segments[0].start, segments[-1].stop
    starts = [s.start - first for s in segments]
    keyframes = set(starts)
    sink = av.open(os.devnull, "w", format="null")  # the encoder's home; packets go to the parts
    writer = _PartWriter(segments, fps, scratch, parts, made_here, format)
    ahead = Prefetch(frames)
    try:
        stream = add_video_stream(
            sink, format, quality_preset(quality), fps, width, height, forced_keyframes=True
        )
        writer.template = stream
        count = 0
        for index, frame in enumerate(ahead):
            if index >= stop - first:
                raise MediaError(f"the picture has more frames than the {stop - first} expected")
            if frame.ndim == 3:
                frame = rgb_to_i420(frame)
            video_frame = av.VideoFrame.from_ndarray(frame, format="yuv420p")
            video_frame.pts = index
            video_frame.time_base = 1 / fps
            if index in keyframes:
                video_frame.pict_type = av.video.frame.PictureType.I
            for packet in stream.encode(video_frame):
                writer.write(packet, starts)
            count += 1
            if count % 10 == 0:
                if check is not None:
                    check()
                advance(10)
        if count != stop - first:
            raise MediaError(f"the picture has {count} frames where {stop - first} were expected")
        for packet in stream.encode(None):
            writer.write(packet, starts)
        advance(count % 10)
        return writer.finish()
    except BaseException:
        writer.abort()
        raise
    finally:
        ahead.close()
        with contextlib.suppress(Exception):
            sink.close()


class _PartWriter:
    """Sorts an encoder's packets into one file per segment (packets of a segment are contiguous
    in decode order: each starts a closed GOP), timestamps counted from the segment's start."""

    def __init__(
        self,
        segments: list[Segment],
        fps: Fraction,
        scratch: Path,
        parts: Parts | None,
        made_here: list[Path],
        format: str = "mp4",
    ) -> None:
        self.segments = segments
        self.format = format
        self.fps = fps
        self.scratch = scratch
        self.parts = parts
        self.made_here = made_here
        self.template: Any = None
        self.index = -1
        self.container: Any = None
        self.stream: Any = None
        self.path: Path | None = None
        self.done: list[Path] = []
        self.packets = 0

    def write(self, packet: Any, starts: list[int]) -> None:
        if packet.pts is None:
            return
        frame = round(packet.pts * packet.time_base * self.fps)
        index = bisect.bisect_right(starts, frame) - 1
        if index != self.index:
            if index < self.index:
                raise MediaError("the encoder's packets crossed a segment boundary")
            if index > self.index + 1:  # every segment has frames, so packets: say it if not
                raise MediaError(f"the segment at frame {starts[self.index + 1]} got no frames")
            self._close_current()
            self._open(index)
        shift = round(Fraction(starts[index]) / self.fps / packet.time_base)
        packet.pts -= shift
        packet.dts -= shift
        packet.stream = self.stream
        self.container.mux(packet)
        self.packets += 1

    def _open(self, index: int) -> None:
        import av

        self.index = index
        segment = self.segments[index]
        name = f"segment-{segment.start:07d}-{segment.stop:07d}.{self.format}"
        self.path = self.scratch / name
        self.container = av.open(str(self.path), "w", format=self.format)
        self.stream = self.container.add_stream_from_template(self.template)
        self.packets = 0

    def _close_current(self) -> None:
        if self.container is None or self.path is None:
            return
        self.container.close()
        self.container = None
        segment = self.segments[self.index]
        if self.packets != segment.length:
            raise MediaError(
                f"segment at frame {segment.start} got {self.packets} frames, not {segment.length}"
            )
        if self.parts is not None and segment.key:
            self.done.append(self.parts.put(segment.key, self.path))
        else:
            self.made_here.append(self.path)
            self.done.append(self.path)
        self.path = None

    def finish(self) -> list[Path]:
        self._close_current()
        if len(self.done) != len(self.segments):
            raise MediaError(f"{len(self.segments) - len(self.done)} segment(s) received no frames")
        return self.done

    def abort(self) -> None:
        if self.container is not None:
            with contextlib.suppress(Exception):
                self.container.close()
        if self.path is not None:
            self.path.unlink(missing_ok=True)


# -- assembling ------------------------------------------------------------------------------------
def assemble(
    segments: Sequence[Segment],
    paths: Sequence[Path],
    out: Path,
    *,
    fps: int | Fraction,
    audio: Path | None = None,
    encoded_audio: Path | None = None,
    quality: str = "standard",
    check: Callable[[], None] | None = None,
    format: str = "mp4",
) -> Path:
    """Join the segment files into one file at `out` (atomically) by stream copy, with the sound
    beside it: `encoded_audio` (a track made whole, `media.sound`: AAC for MP4, Opus for WebM)
    copied packet for packet, or `audio` (a WAV) encoded whole here, cut or padded to the
    picture's length."""
    import av

    from studio.media.audio_feed import AudioCopier, AudioFeeder, samples_at
    from studio.media.encode import quality_preset, tag_bt601, temp_path_beside

    if not segments:
        raise MediaError("no frames to assemble: the video would be empty")
    fps = Fraction(fps)
    out = Path(out)
    q = quality_preset(quality)
    tmp = temp_path_beside(out)
    try:
        options = {"movflags": "+faststart"} if format == "mp4" else {}
        with av.open(str(tmp), "w", format=format, container_options=options) as dst:
            with av.open(str(paths[0])) as first:
                template = first.streams.video[0]
                video = dst.add_stream_from_template(template)
                extradata = template.codec_context.extradata
            # The segments are the studio's own encodes: say what their pixels are again, as
            # the encoder did (a WebM segment file keeps the matrix but drops the primaries).
            tag_bt601(video.codec_context)
            feeder = copier = None
            if encoded_audio is not None:
                copier = AudioCopier(dst, encoded_audio)
            elif audio is not None:
                feeder = AudioFeeder(
                    dst, format=format, kbps=q.audio_kbps, aac_coder=q.aac_coder, audio=audio
                )
            try:
                for segment, path in zip(segments, paths, strict=True):
                    if check is not None:
                        check()
                    _copy_segment(dst, video, segment, path, fps, extradata)
                    if feeder is not None:
                        feeder.feed(samples_at(segment.stop, fps))
                    if copier is not None:
                        copier.feed(float(segment.stop / fps))
                if feeder is not None:
                    feeder.finish(samples_at(segments[-1].stop, fps))
                if copier is not None:
                    copier.finish()
            finally:
                if copier is not None:
                    copier.close()
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, out)
    except (Cancelled, MediaError):
        tmp.unlink(missing_ok=True)
        raise
    except av.error.FFmpegError as exc:
        tmp.unlink(missing_ok=True)
        raise MediaError(f"could not assemble {out.name}: {exc}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(out.parent)
    return out


def _copy_segment(
    dst: Any, video: Any, segment: Segment, path: Path, fps: Fraction, extradata: bytes | None
) -> None:
    import av

    with av.open(str(path)) as src:
        stream = src.streams.video[0]
        if stream.codec_context.extradata != extradata:
            # Same encoder and settings give the same parameter sets; a segment that differs
            # would make the joined stream undecodable from that point.
            raise MediaError(
                f"the segment at frame {segment.start} was encoded with other parameters; "
                "clear the cache (studio cache clear) and export again"
            )
        base = stream.time_base
        if base is None:
            raise MediaError(f"the segment at frame {segment.start} has no time base")
        shift = round(Fraction(segment.start) / fps / base)
        count = 0
        for packet in src.demux(stream):
            if packet.dts is None or packet.pts is None:  # the end-of-stream marker
                continue
            packet.pts += shift
            packet.dts += shift
            packet.stream = video
            dst.mux(packet)
            count += 1
    if count != segment.length:
        raise MediaError(
            f"the segment at frame {segment.start} holds {count} frames, not {segment.length}"
        )


def probe_keyframes(path: Path) -> list[int]:
    """Frame numbers of the keyframes in a video's first stream (for tests and reports)."""
    import av

    frames = []
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        rate = stream.average_rate or stream.guessed_rate
        base = stream.time_base
        if rate is None or base is None:
            raise MediaError(f"{Path(path).name} does not say its frame rate")
        for packet in container.demux(stream):
            if packet.dts is None or packet.pts is None:
                continue
            if packet.is_keyframe:
                frames.append(round(packet.pts * base * rate))
    return sorted(frames)
