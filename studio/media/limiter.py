"""A look-ahead brick-wall peak limiter, streamed block by block (numpy, flat memory)."""

from __future__ import annotations

import numpy as np

# Peak ceiling: -1.5 dBFS leaves room for the overshoot of lossy encoding (AAC in the MP4 was
# measured 0.7 dB above the WAV's peak), so the delivered file does not clip either.
DEFAULT_CEILING_DB = -1.5


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
