"""The picture of a sound: a spectrum or a waveform drawn frame by frame, as a video with the sound.

For audiograms (a podcast clip with its voice drawn) and music visualisers. The sound is decoded
chunk by chunk (mono, at ANALYSIS_RATE) while the frames are drawn, and the encoder reads the file
again for the soundtrack: memory stays flat however long the sound.

Styles:
- `spectrum`: bars for log-spaced frequency bands (FFT of the last FFT_SIZE samples), rising at
  once and falling back gently, mirrored about a line across the picture;
- `wave`: the last WAVE_SECONDS of the signal as a line (an oscilloscope).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studio.media.errors import MediaError

if TYPE_CHECKING:
    import numpy as np

STYLES = ("spectrum", "wave")
ANALYSIS_RATE = 24_000
FFT_SIZE = 2048
LOWEST_HZ, HIGHEST_HZ = 40.0, 11_000.0
FLOOR_DB = -60.0  # a band this quiet (relative to full scale) draws no bar
FALL_PER_SECOND = 0.06  # a bar keeps this fraction of its height after a second of silence
WAVE_SECONDS = 0.05
BAND_TOP = 0.62  # the mirror line sits this far down the picture
BAND_HEIGHT = 0.26  # a full-scale bar reaches this fraction of the picture's height


@dataclass
class WaveformResult:
    path: Path
    width: int
    height: int
    fps: int
    frames: int
    duration: float
    warnings: list[str] = field(default_factory=list)


def parse_colour(text: str) -> tuple[int, int, int]:
    """'#rrggbb' -> (r, g, b); MediaError in words for anything else."""
    value = text.strip().lstrip("#")
    if len(value) != 6:
        raise MediaError(f"colour {text!r} is not of the form #rrggbb")
    try:
        return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)
    except ValueError:
        raise MediaError(f"colour {text!r} is not of the form #rrggbb") from None


def _background(
    width: int, height: int, colour: tuple[int, int, int], image: Path | None, dim: float
) -> np.ndarray:
    import numpy as np

    if image is None:
        frame = np.empty((height, width, 3), np.uint8)
        frame[:] = colour
        return frame
    from studio.media.kenburns import fit_image, load_rgb

    picture = fit_image(load_rgb(image), width, height, "cover").astype(np.float32)
    return np.ascontiguousarray((picture * (1.0 - dim) + 0.5).astype(np.uint8))


class _Samples:
    """Mono samples of a file read lazily; `window(end, size)` gives the `size` samples before
    `end` (zeros before the start and after the end of the sound)."""

    def __init__(self, chunks: Iterator[np.ndarray]) -> None:
        import numpy as np

        self._chunks = chunks
        self._buffer = np.zeros(0, np.float32)
        self._start = 0  # index in the sound of the buffer's first sample
        self.ended = False

    def window(self, end: int, size: int) -> np.ndarray:
        import numpy as np

        while not self.ended and self._start + len(self._buffer) < end:
            chunk = next(self._chunks, None)
            if chunk is None:
                self.ended = True
                break
            self._buffer = np.concatenate([self._buffer, chunk.reshape(-1)])
        out = np.zeros(size, np.float32)
        lo, hi = end - size, end
        a, b = max(lo, self._start), min(hi, self._start + len(self._buffer))
        if b > a:
            out[a - lo : b - lo] = self._buffer[a - self._start : b - self._start]
        keep_from = max(0, end - size - self._start)  # later windows never reach further back
        if keep_from:
            self._buffer = self._buffer[keep_from:]
            self._start += keep_from
        return out


def band_edges(bars: int, rate: int = ANALYSIS_RATE, size: int = FFT_SIZE) -> list[int]:
    """FFT bin indices bounding `bars` log-spaced bands between LOWEST_HZ and HIGHEST_HZ, each
    band at least one bin wide."""
    top = min(HIGHEST_HZ, rate / 2)
    edges = []
    for i in range(bars + 1):
        hz = LOWEST_HZ * (top / LOWEST_HZ) ** (i / bars)
        edges.append(round(hz * size / rate))
    for i in range(1, len(edges)):
        edges[i] = max(edges[i], edges[i - 1] + 1)
    return edges


def band_levels(samples: np.ndarray, edges: list[int]) -> np.ndarray:
    """0..1 per band: the loudest bin of each band in dB over FLOOR_DB..0 dBFS (a full-scale
    sine reads 0 dB)."""
    import numpy as np

    window = np.hanning(len(samples)).astype(np.float32)
    spectrum = np.abs(np.fft.rfft(samples * window)) / (window.sum() / 2)
    peaks = np.array(
        [spectrum[a:b].max() if b <= len(spectrum) else 0.0 for a, b in pairwise(edges)]
    )
    db = 20 * np.log10(np.maximum(peaks, 1e-9))
    return np.clip((db - FLOOR_DB) / -FLOOR_DB, 0.0, 1.0)


def _draw_spectrum(
    frame: np.ndarray, levels: np.ndarray, colour: tuple[int, int, int], width: int, height: int
) -> None:
    bars = len(levels)
    margin = width * 0.08
    slot = (width - 2 * margin) / bars
    bar_w = max(1, int(slot * 0.7))
    mid = int(height * BAND_TOP)
    reach = height * BAND_HEIGHT
    for i, level in enumerate(levels):
        up = max(1, int(level * reach))
        down = max(1, int(level * reach * 0.45))  # the reflection below the line is shorter
        x = int(margin + i * slot + (slot - bar_w) / 2)
        frame[mid - up : mid, x : x + bar_w] = colour
        faded = tuple(int(c * 0.45) for c in colour)
        frame[mid : mid + down, x : x + bar_w] = faded


def _draw_wave(
    frame: np.ndarray, samples: np.ndarray, colour: tuple[int, int, int], width: int, height: int
) -> None:
    import cv2
    import numpy as np

    margin = int(width * 0.06)
    xs = np.linspace(margin, width - margin, num=len(samples))
    mid = height * BAND_TOP
    ys = mid - np.clip(samples, -1.0, 1.0) * height * BAND_HEIGHT
    points = np.stack([xs, ys], axis=1).round().astype(np.int32).reshape(-1, 1, 2)
    thickness = max(2, height // 180)
    cv2.polylines(frame, [points], False, colour, thickness, cv2.LINE_AA)


def waveform_frames(
    audio: Path,
    *,
    width: int,
    height: int,
    fps: int,
    frames: int,
    style: str,
    colour: tuple[int, int, int],
    base: np.ndarray,
    bars: int = 48,
    warnings: list[str] | None = None,
) -> Iterator[np.ndarray]:
    """The frames, one by one: frame `i` draws the sound heard up to (i + 1) / fps seconds."""
    import numpy as np

    from studio.media.audio_io import iter_audio

    samples = _Samples(iter_audio(audio, sample_rate=ANALYSIS_RATE, channels=1, warnings=warnings))
    edges = band_edges(bars)
    held = np.zeros(bars)
    keep = FALL_PER_SECOND ** (1.0 / fps)
    wave_size = max(2, round(WAVE_SECONDS * ANALYSIS_RATE))
    for index in range(frames):
        end = round((index + 1) * ANALYSIS_RATE / fps)
        frame = base.copy()
        if style == "spectrum":
            held = np.maximum(band_levels(samples.window(end, FFT_SIZE), edges), held * keep)
            _draw_spectrum(frame, held, colour, width, height)
        else:
            _draw_wave(frame, samples.window(end, wave_size), colour, width, height)
        yield frame


def render_waveform(
    audio: Path,
    out: Path,
    *,
    width: int,
    height: int,
    fps: int,
    style: str = "spectrum",
    colour: str = "#4fd1c5",
    background_colour: str = "#101820",
    background: Path | None = None,
    dim: float = 0.35,
    bars: int = 48,
    quality: str = "standard",
    progress: Callable[[float | None, str], Any] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> WaveformResult:
    """Write an MP4 (H.264 + AAC) of the sound drawn as a spectrum or a wave, as long as the
    sound, with the sound. Raises MediaError for a bad setting or file, Cancelled on a stop
    (nothing is left at `out` then)."""
    from studio.media.audio_io import audio_duration
    from studio.media.encode import encode_frames, even_size

    if style not in STYLES:
        raise MediaError(f"unknown style {style!r} (known: {', '.join(STYLES)})")
    if fps <= 0:
        raise MediaError(f"frame rate must be positive, got {fps}")
    if not 4 <= bars <= 256:
        raise MediaError(f"bars must be between 4 and 256, got {bars}")
    width, height, _ = even_size(int(width), int(height))
    duration = audio_duration(Path(audio))
    total = max(1, math.ceil(duration * fps - 1e-6))
    base = _background(width, height, parse_colour(background_colour), background, dim)
    warnings: list[str] = []
    frames = waveform_frames(
        Path(audio),
        width=width,
        height=height,
        fps=fps,
        frames=total,
        style=style,
        colour=parse_colour(colour),
        base=base,
        bars=bars,
        warnings=warnings,
    )
    encode_frames(
        frames,
        Path(out),
        width=width,
        height=height,
        fps=fps,
        total_frames=total,
        quality=quality,
        audio=Path(audio),
        progress=progress,
        should_stop=should_stop,
    )
    return WaveformResult(Path(out), width, height, fps, total, total / fps, warnings)
