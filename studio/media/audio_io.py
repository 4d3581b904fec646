"""Audio in and out: PyAV decodes any common file to float32 numpy; WAV is written atomically.

Every decoder goes through `av.AudioResampler`, which converts any sample format, rate and channel
layout (mono to 5.1 and beyond, with FFmpeg's standard down-mix matrix) to the one shape the mixer
wants: float32 samples shaped (frames, channels) in [-1, 1].

Files are decoded packet by packet from the first audio stream only, so an MP3's cover art is never
touched, and the length is what really decodes, not what a header claims. A damaged packet becomes
silence of its length (so what follows keeps its time, in step with a video's pictures) and is
told in `warnings`, as is a file cut short; a file with nothing decodable is a `MediaError` in
user words.

pydub gets decoded audio as raw PCM (`to_segment`) and never looks for ffmpeg itself.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import wave
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from studio.atomic import fsync_dir, give_plain_mode
from studio.media.errors import Loaded, MediaError, check_media_file

if TYPE_CHECKING:
    from pydub import AudioSegment

# A file may have a few damaged packets (a cut download, a bad sector); past this share of
# packets failing, the file is treated as unreadable rather than as music with holes.
_MAX_BAD_PACKET_SHARE = 0.5


def _layout_name(channels: int) -> str:
    if channels == 1:
        return "mono"
    if channels == 2:
        return "stereo"
    raise MediaError(f"audio can be decoded to 1 or 2 channels, not {channels}")


def _open_audio(path: Path) -> tuple[Any, Any]:
    """Open `path` with PyAV and return (container, first audio stream), or raise MediaError."""
    import av

    from studio.media.probe import open_av, unreadable

    path = Path(path)
    name = path.name
    check_media_file(path, "an audio file")
    try:
        container = open_av(path)
    except av.FFmpegError:
        raise unreadable(path, "an audio file") from None
    except OSError as exc:
        raise MediaError(f"{name} cannot be read: {exc.strerror or exc}") from None
    if not container.streams.audio:
        container.close()
        raise MediaError(f"{name} has no sound track")
    stream = container.streams.audio[0]
    if stream.codec_context is None:  # FFmpeg has no decoder for this codec
        container.close()
        raise MediaError(f"{name} holds sound in a format this studio cannot decode")
    return container, stream


def _decoded_frames(
    path: Path, check: Callable[[], None] | None = None, warnings: list[str] | None = None
) -> Iterator[Any]:
    """Yield the decoded `av.AudioFrame`s of the first audio stream. In place of a damaged
    packet comes its length in seconds (a float), for the caller to fill with silence."""
    import av

    container, stream = _open_audio(path)
    name = Path(path).name
    packets = bad = frames = 0
    lost = decoded_seconds = 0.0
    broken = False
    # What the header says the sound lasts, to tell a file cut short (FFmpeg's microseconds).
    claimed = container.duration / 1_000_000 if container.duration else None
    try:
        demux = container.demux(stream)
        while True:
            try:
                packet = next(demux)
            except StopIteration:
                break
            except av.FFmpegError:
                broken = True  # the container ends early or breaks: keep what was there
                break
            if packet.size:
                packets += 1
            try:
                decoded = packet.decode()
            except av.DecoderNotFoundError:
                raise MediaError(
                    f"{name} holds sound in a format this studio cannot decode"
                ) from None
            except av.FFmpegError:
                bad += 1
                length = _seconds(packet)
                if length and frames:  # before the first good frame there is nothing to keep
                    lost += length
                    yield length
                continue
            for frame in decoded:
                frames += 1
                decoded_seconds += frame.samples / float(frame.sample_rate or 1)
                yield frame
            if check is not None and packets % 64 == 0:
                check()
    finally:
        container.close()
    if packets and bad > _MAX_BAD_PACKET_SHARE * packets and frames == 0:
        raise MediaError(f"{name} is damaged: none of its sound could be decoded")
    if warnings is not None and bad:
        share = f"{bad} of its {packets} sound packets were" if bad > 1 else "1 sound packet was"
        warnings.append(
            f"{name} is damaged: {share} unreadable; {lost:.1f} s of silence stands in for them"
        )
    there = decoded_seconds + lost
    if warnings is not None and frames and claimed and claimed - there > max(0.5, 0.05 * claimed):
        warnings.append(
            f"{name} is cut short or damaged: only {there:.1f} s of its {claimed:.1f} s "
            "of sound can be read"
        )
    elif warnings is not None and frames and broken:
        warnings.append(f"{name} is cut short or damaged: its sound breaks off after {there:.1f} s")


def _seconds(packet: Any) -> float:
    """A packet's length in seconds, 0 when its container does not say."""
    if not packet.duration or packet.time_base is None:
        return 0.0
    return float(packet.duration * packet.time_base.numerator / packet.time_base.denominator)


def iter_audio(
    path: Path,
    *,
    sample_rate: int = 48000,
    channels: int = 2,
    check: Callable[[], None] | None = None,
    warnings: list[str] | None = None,
) -> Iterator[np.ndarray]:
    """Decode `path` chunk by chunk as float32 arrays shaped (frames, channels) at `sample_rate`.

    Memory stays flat however long the file: use it for long narration or music. `check` is
    called now and then (it may raise to cancel). Damage (packets replaced by silence, a file
    cut short) is told in `warnings` once the whole file is read.
    """
    import av

    _layout_name(channels)
    resampler = None
    setup: tuple[Any, ...] | None = None
    widen = False
    for frame in _decoded_frames(path, check, warnings):
        if isinstance(frame, float):  # a damaged packet: silence of its length keeps the time
            if resampler is not None:
                yield from _packed(resampler.resample(None), channels, widen)
                resampler = None
            yield np.zeros((round(frame * sample_rate), channels), np.float32)
            continue
        key = (frame.format.name, frame.layout.name, frame.sample_rate)
        if resampler is None or key != setup:
            # A stream may change layout or rate mid-way (chained Ogg, radio rips): drain the old
            # resampler and start a new one rather than feeding it frames it was not built for.
            if resampler is not None:
                yield from _packed(resampler.resample(None), channels, widen)
            # Mono is played at full level on both speakers, as players do; FFmpeg's matrix would
            # treat it as a centre channel and lower each side by 3 dB.
            widen = channels == 2 and len(frame.layout.channels) == 1
            layout = "mono" if widen else _layout_name(channels)
            resampler = av.AudioResampler(format="flt", layout=layout, rate=sample_rate)
            setup = key
        frame.pts = None  # the resampler would otherwise insert silence at timestamp gaps
        yield from _packed(resampler.resample(frame), channels, widen)
    if resampler is not None:
        yield from _packed(resampler.resample(None), channels, widen)


def _packed(frames: list[Any], channels: int, widen: bool) -> Iterator[np.ndarray]:
    for frame in frames:
        if frame.samples:
            if widen:
                yield np.repeat(frame.to_ndarray().reshape(-1, 1), 2, axis=1)
            else:
                yield frame.to_ndarray().reshape(-1, channels)


def decode_audio(
    path: Path,
    *,
    sample_rate: int = 48000,
    channels: int = 2,
    allow_empty: bool = False,
    check: Callable[[], None] | None = None,
) -> np.ndarray:
    """Decode a whole audio file to float32 numpy shaped (frames, channels) at `sample_rate`.

    Any common format (mp3, wav, ogg/vorbis, opus, flac, m4a/aac, the sound of a video), any
    sample format and channel layout. A file with no sound at all returns an empty array when
    `allow_empty`, else raises MediaError; junk, empty and undecodable files raise MediaError.
    """
    chunks = list(iter_audio(path, sample_rate=sample_rate, channels=channels, check=check))
    if not chunks:
        if allow_empty:
            return np.zeros((0, channels), dtype=np.float32)
        raise MediaError(f"{Path(path).name} has no sound in it (0 seconds)")
    return np.ascontiguousarray(np.concatenate(chunks), dtype=np.float32)


def audio_header(path: Path) -> dict[str, Any]:
    """What the header says, nothing decoded: format, codec, sample_rate, channels, layout,
    sample_bytes (of the decoded samples: 2 for 16-bit, 4 for 24/32-bit and float) and
    claimed_seconds (0.0 when the header does not say). MediaError for a bad file."""
    container, stream = _open_audio(path)
    with container:
        context = stream.codec_context
        return {
            "format": container.format.name,
            "codec": context.name,
            "sample_rate": int(context.sample_rate or 0),
            "channels": int(context.channels or 0),
            "layout": context.layout.name if context.layout else "",
            "sample_bytes": int(context.format.bytes) if context.format else 0,
            "claimed_seconds": container.duration / 1_000_000 if container.duration else 0.0,
        }


def audio_info(path: Path, *, check: Callable[[], None] | None = None) -> dict[str, Any]:
    """Codec, rate, channels, the true duration (counted by decoding, not read from a header;
    damaged stretches count as the silence that stands in for them) and `warnings`."""
    header = audio_header(path)
    info = {key: header[key] for key in ("format", "codec", "sample_rate", "channels", "layout")}
    seconds = 0.0
    warnings: list[str] = []
    for frame in _decoded_frames(path, check, warnings):
        if isinstance(frame, float):
            seconds += frame
            continue
        seconds += frame.samples / float(frame.sample_rate or info["sample_rate"] or 1)
        info["sample_rate"] = info["sample_rate"] or frame.sample_rate
    info["duration"] = seconds
    info["warnings"] = warnings
    return info


def audio_codec(path: Path) -> str:
    """The codec of a file's sound ("aac", "opus", ...), from its header alone."""
    container, stream = _open_audio(Path(path))
    with container:
        return str(stream.codec_context.name)


def check_audio_header(path: Path) -> None:
    """Raise MediaError unless `path` opens with a sound track whose first packets decode (fast:
    the header and a few packets; `studio validate` runs it on every sound a graph names)."""
    import av

    path = Path(path)
    container, stream = _open_audio(path)
    with container:
        tried = 0
        try:
            for packet in container.demux(stream):
                if tried >= 16:
                    break
                tried += 1
                try:
                    if packet.decode():
                        return
                except av.DecoderNotFoundError:
                    raise MediaError(
                        f"{path.name} holds sound in a format this studio cannot decode"
                    ) from None
                except av.FFmpegError:
                    continue
        except av.FFmpegError:
            pass
    if tried:
        raise MediaError(f"{path.name} is damaged: its first sound packets cannot be decoded")
    raise MediaError(f"{path.name} has no sound in it (0 seconds)")


def audio_duration(path: Path) -> float:
    """Seconds of sound that really decode from `path` (a header that lies does not count)."""
    return float(audio_info(path)["duration"])


# Containers whose file is kept as it is by `import_audio`; anything else (a video's sound, an
# odd container) is converted once to WAV so the cache holds sound, not pictures.
KEEP_AS_IS = {".mp3", ".wav", ".ogg", ".oga", ".opus", ".flac", ".m4a", ".aac"}


def import_audio(source: Path, scratch: Path, *, check: Callable[[], None] | None = None) -> Loaded:
    """Check a user's audio file by decoding all of it; return the file to store, its metadata
    and warnings (damaged packets, a file cut short).

    The original file is kept when it is a plain audio file that decodes: no generation loss,
    the smallest cache entry, and every consumer decodes through `decode_audio` anyway. The
    sound of a video or of an unusual container is converted once to a 48 kHz 16-bit WAV.
    A file with no sound (0 seconds) is a MediaError. A damaged file is kept as it is too:
    every later step decodes it through `iter_audio`, which puts silence where the damage is.
    """
    import shutil

    source = Path(source)
    info = audio_info(source, check=check)
    if info["duration"] <= 0:
        raise MediaError(f"{source.name} has no sound in it (0 seconds)")
    scratch = Path(scratch)
    scratch.mkdir(parents=True, exist_ok=True)
    suffix = source.suffix.lower()
    meta: dict[str, Any] = {
        "duration": round(float(info["duration"]), 3),
        "sample_rate": info["sample_rate"],
        "channels": info["channels"],
        "codec": info["codec"],
        "source_format": info["format"],
    }
    warnings = info["warnings"]
    if suffix in KEEP_AS_IS and not _has_moving_pictures(source):
        target = scratch / f"audio{suffix}"
        shutil.copyfile(source, target)
        meta["converted"] = False
        return Loaded(target, meta, warnings)
    channels = 1 if info["channels"] == 1 else 2
    target = scratch / "audio.wav"
    with WavWriter(target, sample_rate=48000, channels=channels) as writer:
        for chunk in iter_audio(source, sample_rate=48000, channels=channels, check=check):
            writer.write(chunk)
    meta.update(sample_rate=48000, channels=channels, codec="pcm_s16le", converted=True)
    return Loaded(target, meta, warnings)


def _has_moving_pictures(path: Path) -> bool:
    """True when a file holds a real video stream (an MP3's cover art does not count)."""
    container, _ = _open_audio(path)
    with container:
        return any(not (stream.disposition & _attached_pic()) for stream in container.streams.video)


def _attached_pic() -> Any:
    import av

    return av.stream.Disposition.attached_pic


# -- writing ---------------------------------------------------------------------------------
def _as_frames(samples: np.ndarray) -> np.ndarray:
    array = np.asarray(samples, dtype=np.float32)
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2 or array.shape[1] < 1:
        raise MediaError(f"audio samples must be shaped (frames, channels), got {array.shape}")
    return array


def pcm16(samples: np.ndarray) -> bytes:
    """Float samples in [-1, 1] as interleaved little-endian 16-bit PCM (clipped, rounded)."""
    scaled = np.clip(_as_frames(samples), -1.0, 1.0) * 32767.0
    return np.rint(scaled).astype("<i2").tobytes()


class WavWriter:
    """Streams 16-bit PCM into a temp file beside `path`; `commit()` renames it into place."""

    def __init__(self, path: Path, *, sample_rate: int = 48000, channels: int = 2) -> None:
        self.path = Path(path)
        self.sample_rate = sample_rate
        self.channels = channels
        self.frames_written = 0
        self.path.parent.mkdir(parents=True, exist_ok=True)
        folder = self.path.parent
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=folder)
        self._tmp = Path(tmp)
        # Closed by commit() or abort(): the writer outlives any one `with` block of its user.
        self._file = os.fdopen(fd, "wb")
        self._wave = wave.open(self._file, "wb")  # noqa: SIM115
        self._wave.setnchannels(channels)
        self._wave.setsampwidth(2)
        self._wave.setframerate(sample_rate)

    def write(self, samples: np.ndarray) -> None:
        frames = _as_frames(samples)
        if frames.shape[1] != self.channels:
            raise MediaError(f"expected {self.channels} channels, got {frames.shape[1]}")
        self._wave.writeframesraw(pcm16(frames))
        self.frames_written += frames.shape[0]

    def commit(self) -> Path:
        self._wave.close()  # patches the header's sizes
        self._file.flush()
        give_plain_mode(self._tmp, self.path)
        os.fsync(self._file.fileno())
        self._file.close()
        os.replace(self._tmp, self.path)
        fsync_dir(self.path.parent)
        return self.path

    def abort(self) -> None:
        with contextlib.suppress(Exception):
            self._wave.close()
        with contextlib.suppress(Exception):
            self._file.close()
        self._tmp.unlink(missing_ok=True)

    def __enter__(self) -> WavWriter:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is not None:
            self.abort()
        elif not self._file.closed:
            self.commit()


def write_wav(path: Path, samples: np.ndarray, sample_rate: int = 48000) -> Path:
    """Write float samples, (frames, channels) or mono (frames,), as 16-bit PCM WAV atomically."""
    frames = _as_frames(samples)
    with WavWriter(path, sample_rate=sample_rate, channels=frames.shape[1]) as writer:
        writer.write(frames)
    return Path(path)


# -- pydub interop -----------------------------------------------------------------------------
def to_segment(samples: np.ndarray, sample_rate: int = 48000) -> AudioSegment:
    """Hand decoded samples to pydub as raw 16-bit PCM (pydub never runs ffmpeg for this)."""
    segment_class = _audio_segment_class()
    frames = _as_frames(samples)
    return segment_class(
        data=pcm16(frames), sample_width=2, frame_rate=sample_rate, channels=frames.shape[1]
    )


def from_segment(segment: AudioSegment) -> np.ndarray:
    """A pydub segment's samples as float32 shaped (frames, channels)."""
    width = segment.sample_width
    dtype = {1: "i1", 2: "<i2", 4: "<i4"}.get(width)
    if dtype is None:
        raise MediaError(f"{width * 8}-bit pydub audio is not supported")
    raw = np.frombuffer(segment.raw_data, dtype=dtype).astype(np.float32)
    scale = float(2 ** (8 * width - 1))
    return (raw / scale).reshape(-1, segment.channels)


def _audio_segment_class() -> type[AudioSegment]:
    import warnings

    # pydub looks for ffmpeg on import and warns when it is missing; we never let it use one.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        from pydub import AudioSegment
    return AudioSegment
