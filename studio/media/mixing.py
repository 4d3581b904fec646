"""The soundtrack: narration over music, with fades, ducking under speech and a peak limiter.

Why numpy blocks and not pydub here: pydub keeps every track whole in memory as 16-bit PCM and
copies it on each gain, fade or overlay (a 10-minute stereo track is 115 MB a copy), and it has
no sample-accurate gain curves for ducking. The soundtrack is therefore made in streaming passes
of one-second blocks, so memory stays flat however long the video:

1. measure: the narration's 10 ms power envelope (which gives the speech segments) and the
   loudness of narration and music, each by the standard (`media.loudness`: ITU-R BS.1770-4 /
   EBU R 128, FFmpeg's streaming meter);
2. mix: narration at the target loudness, music looped or trimmed to length `music_volume_db`
   below it, with fades and ducking (a smooth gain curve in dB, starting before speech and
   releasing after it), then a look-ahead peak limiter, written to a WAV exactly `duration`
   seconds long and measured as it is written;
3. correct: the music adds loudness and the limiter takes a little away, so when the finished mix
   misses the target by more than 0.2 LU it is read back once, scaled (and limited again when
   raised) and measured again. The target is the whole programme's integrated loudness, which
   is what platforms and broadcasters measure.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from studio.media.audio_io import WavWriter, iter_audio
from studio.media.errors import MediaError
from studio.media.limiter import DEFAULT_CEILING_DB, PeakLimiter, limit_peaks
from studio.media.loudness import DEFAULT_DELIVERY, DELIVERY_TARGETS, Loudness, LoudnessMeter

HOP_SECONDS = 0.01  # the speech envelope's resolution
SILENCE_DB = -120.0
# Integrated loudness of the finished soundtrack (LUFS); the named deliveries are in
# media.loudness.DELIVERY_TARGETS.
DEFAULT_TARGET_DB = DELIVERY_TARGETS[DEFAULT_DELIVERY].lufs
LOUDNESS_TOLERANCE = 0.2  # LU: a mix this close to its target is left as it is
MAX_CORRECTION_DB = 6.0  # the most the finished mix is raised to make up what the limiter took
MISSED_TARGET_LU = 1.0  # further off than this, the user is told
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
    correction_db: float = 0.0  # the gain the finished mix got to land on its target
    peak_db: float = SILENCE_DB
    target_lufs: float = DEFAULT_TARGET_DB
    loudness: Loudness | None = None  # the finished WAV, measured (no true peak: see export)
    warnings: list[str] = field(default_factory=list)  # degraded-but-usable, for ctx.warn


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


def measure_loudness(samples: np.ndarray, sample_rate: int = 48000) -> float:
    """Integrated loudness of in-memory samples in LUFS (ITU-R BS.1770-4, gated, K-weighted,
    channels summed), or SILENCE_DB when there is nothing to measure."""
    from studio.media.loudness import measure_samples

    integrated = measure_samples(samples, sample_rate).integrated
    return SILENCE_DB if integrated is None else integrated


def peak_db(samples: np.ndarray) -> float:
    """The highest sample magnitude in dB full scale."""
    if np.size(samples) == 0:
        return SILENCE_DB
    return float(20.0 * np.log10(max(float(np.max(np.abs(samples))), 1e-6)))


# -- loudness normalisation --------------------------------------------------------------------
def normalize_loudness(
    samples: np.ndarray,
    target_db: float = DEFAULT_TARGET_DB,
    *,
    sample_rate: int = 48000,
    ceiling_db: float = DEFAULT_CEILING_DB,
) -> np.ndarray:
    """Scale samples to `target_db` integrated loudness (LUFS), then limit peaks to `ceiling_db`.

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
def _measure_narration(
    path: Path, sample_rate: int, hop: int, check: Callable[[], None] | None
) -> tuple[np.ndarray, Loudness]:
    """The narration's 10 ms power envelope (for speech segments) and its loudness, one pass."""
    meter = LoudnessMeter(sample_rate, 2)
    powers = []
    for block in _blocks(iter_audio(path, sample_rate=sample_rate, check=check), hop * 100):
        powers.append(frame_power(block, hop))
        meter.add(block)
    return (np.concatenate(powers) if powers else np.zeros(0)), meter.result()


def _measure(path: Path, sample_rate: int, check: Callable[[], None] | None) -> Loudness:
    meter = LoudnessMeter(sample_rate, 2)
    for block in iter_audio(path, sample_rate=sample_rate, check=check):
        meter.add(block)
    return meter.result()


def _makeup(target: float, loudness: Loudness) -> float:
    """The gain that brings `loudness` to `target`, at most MAX_MAKEUP_DB; 0 for silence."""
    if loudness.integrated is None:
        return 0.0
    return min(target - loudness.integrated, MAX_MAKEUP_DB)


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
    target_lufs: float = DEFAULT_TARGET_DB,
    progress: Callable[[float], None] | None = None,
    check: Callable[[], None] | None = None,
) -> SoundtrackInfo:
    """Mix narration and music into a 16-bit stereo WAV exactly `duration` seconds long, whose
    integrated loudness (ITU-R BS.1770-4) is `target_lufs`.

    The narration is set to the target; the music to `music_volume_db` below it (to the target
    when there is no narration), looped or trimmed to length, faded in and out, and lowered by
    `duck_db` under speech. A look-ahead limiter keeps every sample under -1.5 dBFS. The finished
    mix is measured and, if the music or the limiter moved it off the target, corrected. Either
    source may be None; with neither, the WAV is silence. What could not be done (a whisper that
    cannot be lifted to the target) is said in `warnings`.
    """
    if not math.isfinite(duration) or duration <= 0:
        raise MediaError(f"the soundtrack needs a duration above 0 seconds, got {duration}")
    out = Path(out)
    hop = round(sample_rate * HOP_SECONDS)
    total = round(duration * sample_rate)
    half = duration / 2.0
    fade_in, fade_out = min(max(fade_in, 0.0), half), min(max(fade_out, 0.0), half)
    warnings: list[str] = []

    segments: list[tuple[float, float]] = []
    narration_gain_db = 0.0
    if narration is not None:
        power, spoken = _measure_narration(Path(narration), sample_rate, hop, check)
        segments = find_speech_segments(power)
        narration_gain_db = _makeup(target_lufs, spoken)
        if spoken.integrated is not None and narration_gain_db == MAX_MAKEUP_DB:
            warnings.append(
                f"the narration is very quiet ({spoken.integrated:.1f} LUFS): it was raised by "
                f"{MAX_MAKEUP_DB:.0f} dB, the most that does not mostly raise hiss"
            )
        segments = [(a, min(b, duration)) for a, b in segments if a < duration]

    music_gain_db = 0.0
    if music is not None:
        tune = _measure(Path(music), sample_rate, check)
        if tune.seconds == 0:
            raise MediaError(f"{Path(music).name} has no sound in it (0 seconds)")
        wanted = target_lufs + (music_volume_db if narration is not None else 0.0)
        music_gain_db = _makeup(wanted, tune)
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
    meter = LoudnessMeter(sample_rate, 2)
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
            meter.add(limited)
            writer.write(limited)
            if check is not None:
                check()
            if progress is not None:
                progress(0.2 + 0.7 * (start + size) / total)
        tail = limiter.flush()
        meter.add(tail)
        writer.write(tail)
    loudness = meter.result()

    correction_db = 0.0
    for _ in range(2):  # a cut is exact; a raise may be eaten by the limiter once more
        if loudness.integrated is None:
            break
        step = min(target_lufs - loudness.integrated, MAX_CORRECTION_DB - correction_db)
        if abs(step) < LOUDNESS_TOLERANCE:
            break
        loudness = _regain(out, step, sample_rate, check)
        correction_db += step
    if progress is not None:
        progress(1.0)
    if loudness.integrated is not None and (
        abs(loudness.integrated - target_lufs) > MISSED_TARGET_LU
    ):
        warnings.append(
            f"the soundtrack measures {loudness.integrated:.1f} LUFS, not the "
            f"{target_lufs:.0f} LUFS target: its peaks left no more room"
            if loudness.integrated < target_lufs
            else f"the soundtrack measures {loudness.integrated:.1f} LUFS, louder than the "
            f"{target_lufs:.0f} LUFS target"
        )
    return SoundtrackInfo(
        path=out,
        duration=total / sample_rate,
        speech_segments=segments,
        narration_gain_db=round(narration_gain_db, 2),
        music_gain_db=round(music_gain_db, 2),
        correction_db=round(correction_db, 2),
        peak_db=round(loudness.sample_peak if loudness.sample_peak is not None else SILENCE_DB, 2),
        target_lufs=target_lufs,
        loudness=loudness,
        warnings=warnings,
    )


def _regain(
    path: Path, gain_db: float, sample_rate: int, check: Callable[[], None] | None
) -> Loudness:
    """Scale a finished WAV by `gain_db` in place (streamed; limited again when raised) and
    return its new loudness. The old file is read to the end before the new one replaces it."""
    scale = np.float32(10.0 ** (gain_db / 20.0))
    limiter = PeakLimiter(sample_rate, 2) if gain_db > 0 else None
    meter = LoudnessMeter(sample_rate, 2)
    with WavWriter(path, sample_rate=sample_rate, channels=2) as writer:
        for block in iter_audio(path, sample_rate=sample_rate, check=check):
            scaled = block * scale
            if limiter is not None:
                scaled = limiter.process(scaled)
            meter.add(scaled)
            writer.write(scaled)
        if limiter is not None:
            tail = limiter.flush()
            meter.add(tail)
            writer.write(tail)
    return meter.result()
