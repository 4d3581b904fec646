"""Test videos made the way other tools make them, whose frames say which frame they are.

Each frame carries its index as eight black-or-white bars (bit 0 on the left), wide enough to
survive any lossy codec, so a decoded frame tells which source frame it shows: a test counts
every index and sees at once a dropped or repeated frame.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np

BARS = 8


def counter_image(index: int, width: int = 160, height: int = 96) -> np.ndarray:
    """An RGB frame showing `index` (0..255) as eight bars."""
    image = np.zeros((height, width, 3), np.uint8)
    bar = width // BARS
    for bit in range(BARS):
        if index >> bit & 1:
            image[:, bit * bar : (bit + 1) * bar] = 255
    return image


def read_counter(frame: np.ndarray) -> int:
    """The index an RGB (h, w, 3) or I420 (h*3/2, w) frame of `counter_image` shows."""
    luma = frame[..., 0] if frame.ndim == 3 else frame[: frame.shape[0] * 2 // 3]
    height, width = luma.shape
    bar = width // BARS
    row = luma[height // 2]
    return sum(1 << bit for bit in range(BARS) if row[bit * bar + bar // 2] > 128)


def write_counter_video(
    path: Path,
    *,
    count: int,
    rate: int | Fraction = 30,
    codec: str = "libx264",
    fmt: str | None = None,
    width: int = 160,
    height: int = 96,
    first: int = 0,
) -> Path:
    """`count` frames at a constant `rate`, frame i showing the number first + i (mod 256)."""
    with av.open(str(path), "w", format=fmt) as container:
        stream = container.add_stream(codec, rate=rate)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for index in range(count):
            number = (first + index) % 256
            frame = av.VideoFrame.from_ndarray(counter_image(number, width, height), "rgb24")
            frame.pts = index
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def remux(source: Path, target: Path, *, time_base: Fraction, fmt: str | None = None) -> Path:
    """Copy the packets of `source` into `target` with timestamps rounded to `time_base`, as
    a tool that stores milliseconds does (mkvmerge, browsers' MediaRecorder, ffmpeg -c copy
    -video_track_timescale 1000)."""
    options = {"video_track_timescale": str(time_base.denominator)} if fmt == "mp4" else {}
    with av.open(str(source)) as src, av.open(str(target), "w", format=fmt, options=options) as out:
        video = src.streams.video[0]
        copy = out.add_stream_from_template(video)
        copy.time_base = time_base
        for packet in src.demux(video):
            if packet.size == 0:
                continue
            for name in ("pts", "dts", "duration"):
                value = getattr(packet, name)
                if value is not None:
                    setattr(packet, name, round(value * packet.time_base / time_base))
            packet.time_base = time_base
            packet.stream = copy
            out.mux(packet)
    return target


def write_with_damaged_packets(
    path: Path, *, count: int, damaged: range, codec: str = "mjpeg", rate: int = 25
) -> Path:
    """A Matroska video whose packets in `damaged` hold random bytes (a bad sector, a broken
    download resumed in the wrong place): the container is sound, those frames are not."""
    rng = np.random.default_rng(3)
    with av.open(str(path), "w", format="matroska") as container:
        stream = container.add_stream(codec, rate=rate)
        stream.width, stream.height = 160, 96
        stream.pix_fmt = "yuvj420p" if codec == "mjpeg" else "yuv420p"
        written = 0
        for index in range(count):
            frame = av.VideoFrame.from_ndarray(counter_image(index), "rgb24")
            frame.pts = index
            for packet in stream.encode(frame):
                if written in damaged:
                    packet = _garbage_like(packet, rng, stream)
                container.mux(packet)
                written += 1
        container.mux(stream.encode(None))
    return path


def _garbage_like(packet: av.Packet, rng: np.random.Generator, stream: object) -> av.Packet:
    garbage = av.Packet(rng.bytes(max(64, packet.size)))
    garbage.pts, garbage.dts, garbage.duration = packet.pts, packet.dts, packet.duration
    garbage.time_base = packet.time_base
    garbage.stream = stream
    return garbage


def tone(seconds: float, rate: int = 48000, freq: float = 330.0) -> np.ndarray:
    """A stereo sine, planar float32 shaped (2, n)."""
    t = np.arange(round(seconds * rate)) / rate
    mono = (0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    return np.stack([mono, mono])


def write_video_with_sound(
    path: Path,
    *,
    video_seconds: float,
    audio_seconds: float,
    rate: int = 10,
    fmt: str | None = None,
    audio_codec: str = "aac",
) -> Path:
    """A counter video of `video_seconds` whose sound lasts `audio_seconds` (a camera stopped
    before the recorder, a music video whose song rings on after the picture ends)."""
    with av.open(str(path), "w", format=fmt) as container:
        video = container.add_stream("libx264", rate=rate)
        video.width, video.height, video.pix_fmt = 160, 96, "yuv420p"
        sound = container.add_stream(audio_codec, rate=48000)
        sound.layout = "stereo"
        samples = tone(audio_seconds)
        step = 48000 // rate
        frames = round(video_seconds * rate)
        for index in range(max(frames, samples.shape[1] // step + 1)):
            if index < frames:
                picture = av.VideoFrame.from_ndarray(counter_image(index), "rgb24")
                picture.pts = index
                container.mux(video.encode(picture))
            chunk = samples[:, index * step : (index + 1) * step]
            if chunk.shape[1]:
                audio = av.AudioFrame.from_ndarray(
                    np.ascontiguousarray(chunk), format="fltp", layout="stereo"
                )
                audio.sample_rate, audio.pts = 48000, index * step
                container.mux(sound.encode(audio))
        container.mux(video.encode(None))
        container.mux(sound.encode(None))
    return path


def cut(path: Path, target: Path, share: float) -> Path:
    """The first `share` of a file's bytes, as an interrupted download leaves it."""
    data = path.read_bytes()
    target.write_bytes(data[: int(len(data) * share)])
    return target


def random_file(path: Path, size: int = 20_000, seed: int = 7) -> Path:
    path.write_bytes(np.random.default_rng(seed).bytes(size))
    return path


def write_sound_with_damaged_packets(
    path: Path, *, seconds: float = 3.0, damaged: range = range(20, 26), codec: str = "flac"
) -> Path:
    """A Matroska sound file whose packets in `damaged` hold random bytes."""
    rng = np.random.default_rng(5)
    samples = tone(seconds)
    with av.open(str(path), "w", format="matroska") as container:
        stream = container.add_stream(codec, rate=48000)
        stream.layout = "stereo"
        size = stream.codec_context.frame_size or 1024
        written = 0
        for start in range(0, samples.shape[1], size):
            chunk = np.ascontiguousarray(samples[:, start : start + size])
            frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="stereo")
            frame.sample_rate, frame.pts = 48000, start
            for packet in stream.encode(frame):
                if written in damaged:
                    packet = _garbage_like(packet, rng, stream)
                container.mux(packet)
                written += 1
        container.mux(stream.encode(None))
    return path


def with_latin1_title(path: Path, target: Path) -> Path:
    """A copy of a Matroska file made by `write_*(..., fmt="matroska")` with a title tag in
    Latin-1, as old tools and some cameras write it: not valid UTF-8."""
    marker = b"TITLE-PLACEHOLDER"
    with (
        av.open(str(path)) as src,
        av.open(str(target), "w", format="matroska", options={"write_crc32": "0"}) as out,
    ):
        out.metadata["title"] = marker.decode()
        streams = {s.index: out.add_stream_from_template(s) for s in src.streams}
        for packet in src.demux():
            if packet.size == 0:
                continue
            packet.stream = streams[packet.stream.index]
            out.mux(packet)
    data = target.read_bytes()
    assert data.count(marker) == 1
    target.write_bytes(data.replace(marker, "Café de Flore 1".encode("latin-1").ljust(17)))
    return target
