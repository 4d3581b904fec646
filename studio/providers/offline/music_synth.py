"""The synthesiser of the offline composer: instruments, envelopes, echo and reverb in numpy.

Each instrument renders one note (or drum hit) as a short float32 array; `Track.add` places it in
a stereo buffer with a constant-power pan. Oscillators run on each note's own clock in float32,
which is fast and precise for notes a few seconds long. Noise comes from the caller's seeded
generator, so the same seed gives the same samples.
"""

from __future__ import annotations

import numpy as np

SAMPLE_RATE = 48_000
TWO_PI = np.float32(2.0 * np.pi)


def midi_to_hz(note: float) -> float:
    return 440.0 * 2.0 ** ((note - 69.0) / 12.0)


class Track:
    """A stereo float32 buffer that notes are mixed into."""

    def __init__(self, frames: int) -> None:
        self.buffer = np.zeros((frames, 2), dtype=np.float32)

    def add(self, start: int, mono: np.ndarray, gain: float = 1.0, pan: float = 0.0) -> None:
        """Mix a mono note in at frame `start`, panned -1 (left) .. 1 (right)."""
        frames = len(self.buffer)
        if start >= frames or len(mono) == 0:
            return
        end = min(frames, start + len(mono))
        angle = (pan + 1.0) * np.pi / 4.0
        piece = mono[: end - start] * np.float32(gain)
        self.buffer[start:end, 0] += piece * np.float32(np.cos(angle))
        self.buffer[start:end, 1] += piece * np.float32(np.sin(angle))

    def add_stereo(self, start: int, stereo: np.ndarray, gain: float = 1.0) -> None:
        end = min(len(self.buffer), start + len(stereo))
        if end > start:
            self.buffer[start:end] += stereo[: end - start] * np.float32(gain)


def _clock(frames: int) -> np.ndarray:
    return np.arange(frames, dtype=np.float32) / np.float32(SAMPLE_RATE)


def envelope(
    frames: int, attack: float, decay: float, sustain: float, release: float, hold: float
) -> np.ndarray:
    """ADSR: `hold` seconds of key-down (attack, decay to `sustain`), then `release` to zero."""
    # Built from float32 ramps: np.interp would work in float64 and cost twice as much.
    points_t = [0.0, attack, attack + decay, max(attack + decay, hold), hold + release]
    points_v = [0.0, 1.0, sustain, sustain, 0.0]
    out = np.zeros(frames, dtype=np.float32)
    for i in range(len(points_t) - 1):
        (t0, t1), (v0, v1) = points_t[i : i + 2], points_v[i : i + 2]
        a, b = min(frames, int(t0 * SAMPLE_RATE)), min(frames, int(t1 * SAMPLE_RATE))
        if b > a:
            out[a:b] = np.linspace(v0, v1, b - a, endpoint=False, dtype=np.float32)
    return out


def additive(
    freq: float,
    frames: int,
    harmonics: tuple[float, ...],
    *,
    vibrato: float = 0.0,
    phase: float = 0.0,
) -> np.ndarray:
    """A sum of harmonics (amplitudes 1st, 2nd, ...), skipping any above 18 kHz."""
    t = _clock(frames)
    base = TWO_PI * np.float32(freq) * t + np.float32(phase)
    if vibrato:
        base = base + np.float32(vibrato) * np.sin(TWO_PI * np.float32(5.2) * t)
    out = np.zeros(frames, dtype=np.float32)
    scratch = np.empty(frames, dtype=np.float32)  # reused: fewer large allocations
    for k, amplitude in enumerate(harmonics, start=1):
        if amplitude and freq * k < 18_000:
            np.multiply(base, np.float32(k), out=scratch)
            np.sin(scratch, out=scratch)
            scratch *= np.float32(amplitude)
            out += scratch
    return out


def pad_chord(freqs: list[float], seconds: float, release: float, brightness: float) -> np.ndarray:
    """A soft, slowly swelling chord: every tone's harmonics summed, one envelope for all."""
    frames = int((seconds + release) * SAMPLE_RATE)
    harmonics = (1.0, 0.35 * brightness, 0.18 * brightness, 0.08 * brightness)
    tone = np.zeros(frames, dtype=np.float32)
    for i, freq in enumerate(freqs):
        tone += additive(freq, frames, harmonics, phase=1.3 * i)
    swell = envelope(frames, min(0.8, seconds * 0.4), 0.5, 0.8, release, seconds)
    shimmer = 1.0 + 0.08 * np.sin(TWO_PI * np.float32(0.3) * _clock(frames))
    return tone * swell * shimmer


def widen(mono: np.ndarray, delay_seconds: float = 0.013) -> np.ndarray:
    """Mono to a wide stereo image: the right channel a few milliseconds late (Haas effect)."""
    delay = int(delay_seconds * SAMPLE_RATE)
    out = np.empty((len(mono), 2), dtype=np.float32)
    out[:, 0] = mono
    out[:delay, 1] = 0.0
    out[delay:, 1] = mono[:-delay] if delay else mono
    return out


def bass_note(freq: float, seconds: float, pluck: float) -> np.ndarray:
    """A round bass: sine plus a little second and third harmonic; `pluck` 0 soft .. 1 punchy."""
    frames = int((seconds + 0.08) * SAMPLE_RATE)
    tone = additive(freq, frames, (1.0, 0.35 + 0.3 * pluck, 0.12 + 0.2 * pluck))
    return tone * envelope(frames, 0.006, 0.25, 0.75 - 0.35 * pluck, 0.08, seconds)


def bell_note(freq: float, seconds: float) -> np.ndarray:
    """An FM bell: bright at the strike, mellowing as it rings."""
    frames = int((seconds + 1.2) * SAMPLE_RATE)
    t = _clock(frames)
    decay = np.exp(-t / np.float32(0.35 + 0.4 * min(seconds, 2.0)))
    index = 2.2 * decay
    modulator = np.sin(TWO_PI * np.float32(freq * 3.5) * t)
    tone = np.sin(TWO_PI * np.float32(freq) * t + index * modulator)
    attack = np.clip(t / np.float32(0.004), 0.0, 1.0)
    return (tone * decay * attack).astype(np.float32)


def soft_lead_note(freq: float, seconds: float) -> np.ndarray:
    """A flute-like lead with gentle vibrato."""
    frames = int((seconds + 0.25) * SAMPLE_RATE)
    tone = additive(freq, frames, (1.0, 0.0, 0.11, 0.0, 0.04), vibrato=0.004 * freq / 50)
    return tone * envelope(frames, 0.06, 0.2, 0.8, 0.25, seconds)


def pluck_note(freq: float, seconds: float) -> np.ndarray:
    """A plucked string: upper harmonics die away faster than the fundamental."""
    frames = int((seconds + 0.4) * SAMPLE_RATE)
    t = _clock(frames)
    out = np.zeros(frames, dtype=np.float32)
    # Harmonic k decays as exp(-(3 + 2.5 k) t): one exp, then a multiply per harmonic.
    step = np.exp(-t * np.float32(2.5))
    decay = np.exp(-t * np.float32(3.0))
    phase = TWO_PI * np.float32(freq) * t
    for k in range(1, 7):
        if freq * k >= 18_000:
            break
        decay *= step
        out += np.sin(phase * np.float32(k)) * decay * np.float32(1.0 / k)
    return out * np.clip(t / np.float32(0.002), 0.0, 1.0)


def kick() -> np.ndarray:
    frames = int(0.45 * SAMPLE_RATE)
    t = _clock(frames)
    freq = 45.0 + 90.0 * np.exp(-t / np.float32(0.04))
    phase = np.cumsum(freq) * (TWO_PI / np.float32(SAMPLE_RATE))
    return (np.sin(phase) * np.exp(-t / np.float32(0.16))).astype(np.float32)


def _bright_noise(rng: np.random.Generator, frames: int) -> np.ndarray:
    noise = rng.standard_normal(frames + 1, dtype=np.float32)
    return np.diff(noise) * np.float32(0.5)  # a first difference: a simple high-pass


def snare(rng: np.random.Generator) -> np.ndarray:
    frames = int(0.25 * SAMPLE_RATE)
    t = _clock(frames)
    noise = _bright_noise(rng, frames) * np.exp(-t / np.float32(0.06))
    body = np.sin(TWO_PI * np.float32(185.0) * t) * np.exp(-t / np.float32(0.05))
    return (0.7 * noise + 0.5 * body).astype(np.float32)


def hat(rng: np.random.Generator, open_: bool = False) -> np.ndarray:
    frames = int((0.2 if open_ else 0.06) * SAMPLE_RATE)
    t = _clock(frames)
    noise = np.diff(_bright_noise(rng, frames + 1))
    return (noise * np.exp(-t / np.float32(0.05 if open_ else 0.015))).astype(np.float32)


def echo(track: np.ndarray, delay_seconds: float, feedback: float, repeats: int = 4) -> np.ndarray:
    """Ping-pong echo: each repeat quieter and on the other side."""
    out = track.copy()
    delay = int(delay_seconds * SAMPLE_RATE)
    gain = 1.0
    for i in range(1, repeats + 1):
        gain *= feedback
        shift = delay * i
        if shift >= len(track):
            break
        source = track[:-shift, ::-1] if i % 2 else track[:-shift]
        out[shift:] += source * np.float32(gain)
    return out


def reverb(
    dry: np.ndarray, rng: np.random.Generator, seconds: float, *, block: int = 1 << 17
) -> np.ndarray:
    """Convolution reverb with a synthetic stereo room (decaying, darkening noise).

    The tail is made at half the sample rate (a room's echo has little above 8 kHz), which
    halves the work; overlap-add in blocks keeps memory flat for long pieces.
    """
    rate = SAMPLE_RATE // 2
    half = (dry[0::2][: len(dry) // 2] + dry[1::2][: len(dry) // 2]) * np.float32(0.5)
    ir_frames = int(seconds * rate)
    t = np.arange(ir_frames, dtype=np.float32) / np.float32(rate)
    impulse = rng.standard_normal((ir_frames, 2), dtype=np.float32)
    impulse *= np.exp(-t * np.float32(6.9 / seconds))[:, None]  # -60 dB at `seconds`
    impulse[: int(0.012 * rate)] = 0.0  # a short pre-delay
    size = 1
    while size < block + ir_frames:
        size *= 2
    freqs = np.fft.rfftfreq(size, 1.0 / rate)
    darken = 1.0 / (1.0 + (freqs / 3500.0) ** 2)  # walls absorb the highs first
    spectrum = np.fft.rfft(impulse, size, axis=0) * darken[:, None]
    spectrum /= np.sqrt(np.sum(impulse**2, axis=0) + 1e-9)[None, :]
    spectrum = spectrum.astype(np.complex64)  # numpy's FFT stays in single precision then
    wet = np.zeros((len(half) + ir_frames, 2), dtype=np.float32)
    for start in range(0, len(half), block):
        piece = half[start : start + block]
        tail = np.fft.irfft(np.fft.rfft(piece, size, axis=0) * spectrum, size, axis=0)
        end = min(len(wet), start + size)
        wet[start:end] += tail[: end - start].astype(np.float32)
    out = np.zeros_like(dry)
    # Back to the full rate by linear interpolation (a gentle low-pass of its own).
    wet = wet[: len(half)]
    out[0 : 2 * len(half) : 2] = wet
    out[1 : 2 * len(half) - 1 : 2] = (wet[:-1] + wet[1:]) * np.float32(0.5)
    return out
