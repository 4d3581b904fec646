"""The soundtrack: narration over music, with fades, ducking under speech and a peak limiter.

Why numpy blocks and not pydub here: pydub keeps every track whole in memory as 16-bit PCM and
copies it on each gain, fade or overlay (a 10-minute stereo track is 115 MB a copy), and it has
no sample-accurate gain curves for ducking. The soundtrack is therefore made in two streaming
passes of one-second blocks, so memory stays flat however long the video:

1. measure: the narration's 10 ms loudness envelope (which gives the speech segments and the
   level of the speech itself) and the music's gated loudness;
2. mix: narration at the target level, music looped or trimmed to length at its own level with
   fades and ducking (a smooth gain curve in dB, starting before speech and releasing after it),
   then a look-ahead peak limiter, written to a WAV exactly `duration` seconds long.

Loudness is "LUFS-ish": an RMS measure gated like EBU R 128 (400 ms blocks, -70 dB absolute and
-10 dB relative gates) but without the K-weighting filter; for speech and music it lands within
a couple of dB of a real LUFS meter.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from studio.media.audio_io import WavWriter, iter_audio
from studio.media.errors import MediaError

HOP_SECONDS = 0.01  # the loudness envelope's resolution
SILENCE_DB = -120.0
DEFAULT_TARGET_DB = -16.0
# Peak ceiling: -1.5 dBFS leaves room for the overshoot of lossy encoding (AAC in the MP4 was
# measured 0.7 dB above the WAV's peak), so the delivered file does not clip either.
DEFAULT_CEILING_DB = -1.5
# Never lift a quiet recording by more than this: past it we would mostly be raising hiss.
MAX_MAKEUP_DB = 30.0
DUCK_ATTACK = 0.15  # seconds the music takes to dip, ending as speech starts
DUCK_RELEASE = 0.5  # seconds it takes to come back after speech
LOOP_CROSSFADE = 0.05  # seconds of overlap where looped music joins its own start
LOOP_CACHE_SECONDS = 30  # music up to this long is decoded once and repeated from memory


@dataclass
class SoundtrackInfo:
    """A finished soundtrack WAV and where its narration is audible."""

    path: Path
    duration: float
    speech_segments: list[tuple[float, float]] = field(default_factory=list)
    narration_gain_db: float = 0.0
    music_gain_db: float = 0.0
    peak_db: float = SILENCE_DB


# -- measuring -------------------------------------------------------------------------------
def to_db(power: np.ndarray | float) -> np.ndarray:
    """Mean-square power to decibels (full scale sine = -3 dB), floored at -120 dB."""
    return 10.0 * np.log10(np.maximum(np.asarray(power, dtype=np.float64), 1e-12))


def frame_power(samples: np.ndarray, hop: int) -> np.ndarray:
    """Mean-square power of consecutive `hop`-sample frames (the last partial frame included)."""
    frames = np.asarray(samples, dtype=np.float32)
    if frames.ndim == 1:
        frames = frames[:, None]
    squares = np.mean(np.square(frames, dtype=np.float64), axis=1)
    pad = (-len(squares)) % hop
    if pad:
        filled = len(squares) % hop
        tail = squares[-filled:].mean() if filled else 0.0
        squares = np.concatenate([squares, np.full(pad, tail)])
    return squares.reshape(-1, hop).mean(axis=1)


def gated_loudness(power: np.ndarray, hop_seconds: float = HOP_SECONDS) -> float:
    """Loudness in dB of a 10 ms power envelope, gated like EBU R 128 (no K-weighting)."""
    per_block = max(1, round(0.4 / hop_seconds))
    step = max(1, per_block // 4)  # 400 ms blocks overlapping by 75 %
    if len(power) == 0:
        return SILENCE_DB
    if len(power) < per_block:
        blocks = np.array([power.mean()])
    else:
        cumulative = np.concatenate([[0.0], np.cumsum(power)])
        starts = np.arange(0, len(power) - per_block + 1, step)
        blocks = (cumulative[starts + per_block] - cumulative[starts]) / per_block
    blocks = blocks[to_db(blocks) > -70.0]
    if len(blocks) == 0:
        return SILENCE_DB
    relative = to_db(blocks.mean()) - 10.0
    blocks = blocks[to_db(blocks) > relative]
    return float(to_db(blocks.mean()))


def measure_loudness(samples: np.ndarray, sample_rate: int = 48000) -> float:
    """Gated RMS loudness of in-memory samples in dB ("LUFS-ish")."""
    hop = max(1, round(sample_rate * HOP_SECONDS))
    return gated_loudness(frame_power(samples, hop))


def peak_db(samples: np.ndarray) -> float:
    """The highest sample magnitude in dB full scale."""
    if np.size(samples) == 0:
        return SILENCE_DB
    return float(20.0 * np.log10(max(float(np.max(np.abs(samples))), 1e-6)))


# -- the peak limiter ------------------------------------------------------------------------
def _sliding_min(values: np.ndarray, window: int) -> np.ndarray:
    """out[j] = min(values[j : j + window]) for every full window (van Herk / Gil-Werman)."""
    count = len(values)
    pad = (-count) % window
    blocks = np.concatenate([values, np.full(pad, np.inf)]).reshape(-1, window)
    prefix = np.minimum.accumulate(blocks, axis=1).ravel()
    suffix = np.minimum.accumulate(blocks[:, ::-1], axis=1)[:, ::-1].ravel()
    return np.minimum(suffix[: count - window + 1], prefix[window - 1 : count])


class PeakLimiter:
    """A look-ahead brick-wall limiter, fed block by block; output lags input by `window - 1`.

    The gain each sample needs is min(1, ceiling / |peak|). Its sliding minimum over the
    look-ahead window, recovering at a linear `release` rate, is then smoothed by a moving
    average of the same window: every value averaged is at most the gain the sample needs, so
    nothing passes the ceiling, and gain changes are ramps of at least `lookahead` seconds, not
    steps (no clicks).
    """

    def __init__(
        self,
        sample_rate: int,
        channels: int,
        *,
        ceiling_db: float = DEFAULT_CEILING_DB,
        lookahead: float = 0.003,
        release: float = 0.25,
    ) -> None:
        self.ceiling = float(10.0 ** (ceiling_db / 20.0))
        self.window = max(2, round(sample_rate * lookahead))
        self.rate = 1.0 / max(1.0, sample_rate * release)  # gain recovered per sample
        self.channels = channels
        self._pending = np.zeros((0, channels), dtype=np.float32)
        self._pending_need = np.zeros(0)
        self._history = np.ones(self.window - 1)  # smoothed-gain inputs of the last samples
        self._last = 1.0
        self.min_gain = 1.0

    def process(self, block: np.ndarray) -> np.ndarray:
        """Feed samples; return the limited samples that are ready (fewer at first)."""
        block = np.asarray(block, dtype=np.float32).reshape(-1, self.channels)
        peaks = np.abs(block[:, 0])
        for channel in range(1, self.channels):  # much faster than a max over a 2-wide axis
            peaks = np.maximum(peaks, np.abs(block[:, channel]))
        need = np.minimum(1.0, self.ceiling / np.maximum(peaks, 1e-9))
        pending = np.concatenate([self._pending, block])
        pending_need = np.concatenate([self._pending_need, need])
        ready = len(pending) - self.window + 1
        if ready <= 0:
            self._pending, self._pending_need = pending, pending_need
            return np.zeros((0, self.channels), dtype=np.float32)
        held = _sliding_min(pending_need, self.window)
        # Linear release, vectorised: r[k] = min(held[k], r[k-1] + rate) unrolls to
        # r[k] = k·rate + min(r[0], min over j <= k of (held[j] - j·rate)).
        steps = np.arange(1, ready + 1) * self.rate
        released = steps + np.minimum(self._last, np.minimum.accumulate(held - steps))
        self._last = float(released[-1])
        joined = np.concatenate([self._history, released])
        cumulative = np.concatenate([[0.0], np.cumsum(joined)])
        gain = (cumulative[self.window :] - cumulative[: -self.window]) / self.window
        self._history = joined[-(self.window - 1) :]
        self.min_gain = min(self.min_gain, float(gain.min()))
        out = pending[:ready] * gain[:, None].astype(np.float32)
        self._pending, self._pending_need = pending[ready:], pending_need[ready:]
        return np.clip(out, -self.ceiling, self.ceiling)

    def flush(self) -> np.ndarray:
        """Return the samples still held back for look-ahead."""
        count = len(self._pending)
        if count == 0:
            return np.zeros((0, self.channels), dtype=np.float32)
        out = self.process(np.zeros((self.window - 1, self.channels), dtype=np.float32))
        return out[:count]


def limit_peaks(
    samples: np.ndarray, sample_rate: int = 48000, *, ceiling_db: float = DEFAULT_CEILING_DB
) -> np.ndarray:
    """In-memory look-ahead limiting: no sample passes `ceiling_db`, same length out."""
    frames = np.asarray(samples, dtype=np.float32)
    mono = frames.ndim == 1
    frames = frames[:, None] if mono else frames
    limiter = PeakLimiter(sample_rate, frames.shape[1], ceiling_db=ceiling_db)
    out = np.concatenate([limiter.process(frames), limiter.flush()])
    return out[:, 0] if mono else out


def normalize_loudness(
    samples: np.ndarray,
    target_db: float = DEFAULT_TARGET_DB,
    *,
    sample_rate: int = 48000,
    ceiling_db: float = DEFAULT_CEILING_DB,
) -> np.ndarray:
    """Scale samples to `target_db` gated loudness, then limit peaks to `ceiling_db`.

    Silence stays silence; a quiet file is lifted by at most 30 dB. When the limiter has to
    work hard (clicks, drum hits), the gain is raised again so the result still meets the target.
    """
    frames = np.asarray(samples, dtype=np.float32)
    loudness = measure_loudness(frames, sample_rate)
    if loudness <= SILENCE_DB:
        return frames.copy()
    gain_db = min(target_db - loudness, MAX_MAKEUP_DB)
    # The limiter takes a little loudness off peaky material: measure again and make it up.
    for _ in range(3):
        scaled = frames * np.float32(10.0 ** (gain_db / 20.0))
        out = limit_peaks(scaled, sample_rate, ceiling_db=ceiling_db)
        shortfall = target_db - measure_loudness(out, sample_rate)
        if abs(shortfall) < 0.25 or gain_db >= MAX_MAKEUP_DB:
            break
        gain_db = min(gain_db + shortfall, MAX_MAKEUP_DB)
    return out


# -- speech segments and ducking -------------------------------------------------------------
def find_speech_segments(
    power: np.ndarray,
    hop_seconds: float = HOP_SECONDS,
    *,
    min_gap: float = 0.35,
    min_length: float = 0.08,
) -> list[tuple[float, float]]:
    """Where speech is audible, from a 10 ms power envelope, with hysteresis.

    Thresholds follow the recording's own level (its loud frames), so a quiet narration is
    found as well as a loud one: a segment opens 25 dB below that level and closes 35 dB
    below it. Pauses shorter than `min_gap` (between words) stay inside one segment.
    """
    if len(power) == 0:
        return []
    smooth = np.convolve(power, np.ones(3) / 3.0, mode="same")
    level = to_db(smooth)
    audible = level[level > -70.0]
    if len(audible) == 0:
        return []
    reference = float(np.percentile(audible, 95))
    open_at = max(reference - 25.0, -55.0)
    close_at = max(reference - 35.0, -65.0)
    segments: list[list[int]] = []
    start: int | None = None
    # A plain loop: 60,000 frames for ten minutes is a few milliseconds.
    for index, value in enumerate(level.tolist()):
        if start is None and value > open_at:
            start = index
        elif start is not None and value < close_at:
            segments.append([start, index])
            start = None
    if start is not None:
        segments.append([start, len(level)])
    merged: list[list[int]] = []
    for segment in segments:
        if merged and (segment[0] - merged[-1][1]) * hop_seconds < min_gap:
            merged[-1][1] = segment[1]
        else:
            merged.append(segment)
    return [
        (round(a * hop_seconds, 3), round(b * hop_seconds, 3))
        for a, b in merged
        if (b - a) * hop_seconds >= min_length
    ]


def speech_mask(
    segments: Iterable[tuple[float, float]], frames: int, hop_seconds: float = HOP_SECONDS
) -> np.ndarray:
    """True for each envelope frame inside a speech segment."""
    mask = np.zeros(frames, dtype=bool)
    for start, end in segments:
        mask[int(start / hop_seconds) : math.ceil(end / hop_seconds)] = True
    return mask


def duck_curve(
    segments: Iterable[tuple[float, float]],
    frames: int,
    *,
    hop_seconds: float = HOP_SECONDS,
    attack: float = DUCK_ATTACK,
    release: float = DUCK_RELEASE,
) -> np.ndarray:
    """How far the music is ducked (0 = not, 1 = fully) per envelope frame: full under speech,
    a raised-cosine ramp down over `attack` before it and back up over `release` after it."""
    speech = speech_mask(segments, frames, hop_seconds)
    if frames == 0 or not speech.any():
        return np.zeros(frames)
    index = np.arange(frames, dtype=np.float64)
    last = np.maximum.accumulate(np.where(speech, index, -np.inf))
    following = np.minimum.accumulate(np.where(speech, index, np.inf)[::-1])[::-1]
    since = (index - last) * hop_seconds
    until = (following - index) * hop_seconds
    depth = np.maximum(1.0 - since / release, 1.0 - until / attack)
    depth = np.clip(np.nan_to_num(depth, nan=0.0, neginf=0.0), 0.0, 1.0)
    return 0.5 - 0.5 * np.cos(np.pi * depth)


def _fade(times: np.ndarray, length: float) -> np.ndarray:
    """Raised-cosine fade-in gain for `times` seconds into a fade of `length` seconds."""
    if length <= 0 or times.min() >= length:
        return np.ones_like(times)
    return 0.5 - 0.5 * np.cos(np.pi * np.clip(times / length, 0.0, 1.0))


# -- block plumbing --------------------------------------------------------------------------
def _blocks(chunks: Iterable[np.ndarray], size: int) -> Iterator[np.ndarray]:
    """Regroup decoded chunks of any size into blocks of `size` frames (the last may be short)."""
    buffer: list[np.ndarray] = []
    held = 0
    for chunk in chunks:
        buffer.append(chunk)
        held += len(chunk)
        while held >= size:
            joined = np.concatenate(buffer)
            yield joined[:size]
            rest = joined[size:]
            buffer, held = ([rest] if len(rest) else []), len(rest)
    if held:
        yield np.concatenate(buffer)


def _read_exact(blocks: Iterator[np.ndarray], size: int, channels: int) -> np.ndarray:
    """The next `size` frames of `blocks` (made of `size`-frame blocks), zero-padded at the end."""
    block = next(blocks, None)
    if block is None:
        return np.zeros((size, channels), dtype=np.float32)
    if len(block) < size:
        block = np.concatenate([block, np.zeros((size - len(block), channels), np.float32)])
    return block[:size]


def _looped(path: Path, sample_rate: int, crossfade: int) -> Iterator[np.ndarray]:
    """Music repeated for ever, each pass joined to the next by a short crossfade (no click).

    A short piece (under `LOOP_CACHE_SECONDS`) is kept after its first pass instead of being
    opened and decoded again for every repeat; a long one streams each time, so memory stays
    flat.
    """
    cache: list[np.ndarray] | None = []
    limit = LOOP_CACHE_SECONDS * sample_rate
    tail: np.ndarray | None = None  # the previous pass's end, to fade into this pass's start
    first_pass = True
    while True:
        if cache is not None and not first_pass:
            source: Iterable[np.ndarray] = cache
        else:
            source = iter_audio(path, sample_rate=sample_rate, channels=2)
        held = np.zeros((0, 2), dtype=np.float32)
        produced = 0
        for chunk in source:
            if first_pass and cache is not None:
                cache.append(chunk)
                if sum(len(c) for c in cache) > limit:
                    cache = None
            held = np.concatenate([held, chunk])
            if tail is not None:
                if len(held) < len(tail):
                    continue
                ramp = _fade(np.arange(len(tail)) + 0.5, len(tail))[:, None].astype(np.float32)
                held[: len(tail)] = held[: len(tail)] * ramp + tail * (1.0 - ramp)
                tail = None
            if len(held) > crossfade:
                out, held = held[:-crossfade], held[-crossfade:]
                produced += len(out)
                yield out
        if first_pass and produced == 0 and len(held) == 0:
            raise MediaError(f"{path.name} has no sound in it (0 seconds)")
        if first_pass and cache is not None:
            cache = [np.concatenate(cache)]  # one array: repeats then slice it in big steps
        first_pass = False
        if tail is not None:  # a pass shorter than the crossfade: play both ends plainly
            yield tail
            yield held
            tail = None
        else:
            tail = held


# -- the soundtrack --------------------------------------------------------------------------
def _power_envelope(
    path: Path, sample_rate: int, hop: int, check: Callable[[], None] | None
) -> np.ndarray:
    chunks = iter_audio(path, sample_rate=sample_rate, check=check)
    powers = [frame_power(block, hop) for block in _blocks(chunks, hop * 100)]
    return np.concatenate(powers) if powers else np.zeros(0)


def build_soundtrack(
    out: Path,
    *,
    duration: float,
    narration: Path | None,
    music: Path | None,
    music_volume_db: float = -8.0,
    fade_in: float = 1.0,
    fade_out: float = 2.0,
    duck_db: float = -12.0,
    sample_rate: int = 48000,
    target_db: float = DEFAULT_TARGET_DB,
    progress: Callable[[float], None] | None = None,
    check: Callable[[], None] | None = None,
) -> SoundtrackInfo:
    """Mix narration and music into a 16-bit stereo WAV exactly `duration` seconds long.

    The narration is set to `target_db` (its speech, gated); the music to `music_volume_db`
    below that (to `target_db` when there is no narration), looped or trimmed to length, faded
    in and out, and lowered by `duck_db` under speech. A look-ahead limiter keeps every peak
    under -1.5 dBFS. Either source may be None; with neither, the WAV is silence.
    """
    if not math.isfinite(duration) or duration <= 0:
        raise MediaError(f"the soundtrack needs a duration above 0 seconds, got {duration}")
    out = Path(out)
    hop = round(sample_rate * HOP_SECONDS)
    total = round(duration * sample_rate)
    half = duration / 2.0
    fade_in, fade_out = min(max(fade_in, 0.0), half), min(max(fade_out, 0.0), half)

    segments: list[tuple[float, float]] = []
    narration_gain_db = 0.0
    if narration is not None:
        power = _power_envelope(Path(narration), sample_rate, hop, check)
        segments = find_speech_segments(power)
        speech = speech_mask(segments, len(power))
        if speech.any():
            level = gated_loudness(power[speech])
            narration_gain_db = min(target_db - level, MAX_MAKEUP_DB)
        segments = [(a, min(b, duration)) for a, b in segments if a < duration]

    music_gain_db = 0.0
    if music is not None:
        music_power = _power_envelope(Path(music), sample_rate, hop, check)
        if len(music_power) == 0:
            raise MediaError(f"{Path(music).name} has no sound in it (0 seconds)")
        level = gated_loudness(music_power)
        wanted = target_db + (music_volume_db if narration is not None else 0.0)
        music_gain_db = min(wanted - level, MAX_MAKEUP_DB) if level > SILENCE_DB else 0.0
    if progress is not None:
        progress(0.2)

    envelope_frames = math.ceil(total / hop) + 1
    ducking = duck_curve(segments, envelope_frames) * duck_db
    envelope_times = np.arange(envelope_frames) * HOP_SECONDS
    narration_blocks = (
        _blocks(iter_audio(Path(narration), sample_rate=sample_rate), sample_rate)
        if narration is not None
        else iter(())
    )
    crossfade = round(LOOP_CROSSFADE * sample_rate)
    music_blocks = (
        _blocks(_looped(Path(music), sample_rate, crossfade), sample_rate)
        if music is not None
        else iter(())
    )
    narration_scale = np.float32(10.0 ** (narration_gain_db / 20.0))
    limiter = PeakLimiter(sample_rate, 2)
    peak = 0.0
    with WavWriter(out, sample_rate=sample_rate, channels=2) as writer:
        for start in range(0, total, sample_rate):
            size = min(sample_rate, total - start)
            times = (start + np.arange(size)) / sample_rate
            mix = _read_exact(narration_blocks, size, 2) * narration_scale
            if music is not None:
                gain_db = music_gain_db + np.interp(times, envelope_times, ducking)
                gain = 10.0 ** (gain_db / 20.0) * _fade(times, fade_in)
                gain *= _fade(duration - times, fade_out)
                mix += _read_exact(music_blocks, size, 2) * gain[:, None].astype(np.float32)
            limited = limiter.process(mix)
            peak = max(peak, float(np.max(np.abs(limited), initial=0.0)))
            writer.write(limited)
            if check is not None:
                check()
            if progress is not None:
                progress(0.2 + 0.8 * (start + size) / total)
        tail = limiter.flush()
        peak = max(peak, float(np.max(np.abs(tail), initial=0.0)))
        writer.write(tail)
    return SoundtrackInfo(
        path=out,
        duration=total / sample_rate,
        speech_segments=segments,
        narration_gain_db=round(narration_gain_db, 2),
        music_gain_db=round(music_gain_db, 2),
        peak_db=round(20.0 * math.log10(max(peak, 1e-6)), 2),
    )
