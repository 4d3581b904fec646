"""The mood of narration, measured: the words' sentiment, the speaking rate, the pitch range.

- Sentiment: the small lexicon in `lexicon.py` (words with a clear feeling, negations turned).
- Speaking rate: syllables per second over the time the voice speaks in the stretch (words per
  minute too, for people; syllables are the fairer measure: "on the edge of the land" is six
  quick words). About 4.5 a second is an even pace; under 3.5 slow, over 5.5 fast.
- Pitch: the fundamental frequency of voiced frames (normalised autocorrelation, 70-400 Hz,
  octave jumps folded back); its range (10th to 90th percentile, in semitones) tells a lively
  voice from a flat one.

Valence follows the words; energy follows the rate and the pitch range (Scherer 2003: faster,
more varied speech sounds more aroused).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from studio.media.analysis.lexicon import Sentiment, sentiment, tokens

if TYPE_CHECKING:
    import numpy as np

PITCH_FRAME = 0.04  # seconds
PITCH_HOP = 0.01
MIN_F0, MAX_F0 = 70.0, 400.0
VOICED_CORRELATION = 0.55


@dataclass(frozen=True)
class NarrationMood:
    sentiment: float  # -1..1
    words: int
    wpm: float  # words per minute while speaking (0: no words in this stretch)
    syllables_per_second: float  # while speaking
    pitch_hz: float  # median fundamental frequency of the voiced frames (0: none)
    pitch_range_st: float  # 10th..90th percentile of the pitch, in semitones
    speaking: float  # seconds of this stretch in which the voice speaks
    valence: float
    energy: float
    described: list[str] = field(default_factory=list)
    hits: list[str] = field(default_factory=list)

    def numbers(self) -> dict[str, Any]:
        return {
            "sentiment": round(self.sentiment, 2),
            "words": self.words,
            "words_per_minute": round(self.wpm),
            "syllables_per_second": round(self.syllables_per_second, 2),
            "pitch_hz": round(self.pitch_hz, 1),
            "pitch_range_semitones": round(self.pitch_range_st, 1),
            "speaking_seconds": round(self.speaking, 2),
            "valence": round(self.valence, 2),
            "energy": round(self.energy, 2),
            "feeling_words": list(self.hits),
        }

    def describe(self) -> str:
        pitch = (
            f"pitch {self.pitch_hz:.0f} Hz over {self.pitch_range_st:.1f} semitones"
            if self.pitch_hz
            else "pitch not measured"
        )
        found = ", ".join(self.hits[:6]) or "no feeling words"
        return (
            f"{', '.join(self.described)} — sentiment {self.sentiment:+.2f} ({found}), "
            f"{self.syllables_per_second:.1f} syllables/s ({self.wpm:.0f} words/min), {pitch}"
        )


def analyse_narration(
    text: str,
    samples: np.ndarray | None,
    rate: int,
    speaking_seconds: float | None = None,
) -> NarrationMood:
    """The mood of the narration in one stretch: the words spoken in it, and its samples
    (None when only the words are known, as from a timeline's subtitles)."""
    feeling: Sentiment = sentiment(text)
    count = len(tokens(text))
    pitch_hz, pitch_range = 0.0, 0.0
    voiced_seconds = 0.0
    if samples is not None and len(samples):
        pitch_hz, pitch_range, voiced_seconds = pitch_track(samples, rate)
    speaking = speaking_seconds if speaking_seconds is not None else voiced_seconds
    spoken = bool(count) and speaking > 0.3
    wpm = count / speaking * 60.0 if spoken else 0.0
    sps = sum(syllables(w) for w in tokens(text)) / speaking if spoken else 0.0
    valence, energy = narration_valence_energy(feeling.score, sps, pitch_range)
    words = narration_words(feeling.score, sps, pitch_range, count)
    return NarrationMood(
        feeling.score,
        count,
        wpm,
        sps,
        pitch_hz,
        pitch_range,
        speaking,
        valence,
        energy,
        words,
        feeling.hits,
    )


def syllables(word: str) -> int:
    """Syllables of an English word, by its vowel groups (a silent final e not counted)."""
    import re

    word = word.lower()
    groups = len(re.findall(r"[aeiouy]+", word))
    if word.endswith("e") and not word.endswith(("le", "ee", "ye")) and groups > 1:
        groups -= 1
    return max(1, groups)


def pitch_track(samples: np.ndarray, rate: int) -> tuple[float, float, float]:
    """(median F0 in Hz, 10-90 % range in semitones, voiced seconds) of a voice."""
    import numpy as np

    samples = np.asarray(samples, dtype=np.float32)
    frame, hop = int(PITCH_FRAME * rate), int(PITCH_HOP * rate)
    if samples.size < frame:
        return 0.0, 0.0, 0.0
    count = 1 + (samples.size - frame) // hop
    index = np.arange(frame)[None, :] + hop * np.arange(count)[:, None]
    frames = samples[index] - samples[index].mean(axis=1, keepdims=True)
    energy = (frames**2).mean(axis=1)
    loud = energy > max(1e-7, 0.05 * float(np.percentile(energy, 95)))
    shortest, longest = int(rate / MAX_F0), int(rate / MIN_F0)
    spectrum = np.fft.rfft(frames, n=2 * frame, axis=1)
    auto = np.fft.irfft(spectrum * np.conj(spectrum), axis=1)[:, :frame]
    auto /= np.maximum(auto[:, :1], 1e-12)
    window = auto[:, shortest : longest + 1]
    lags = np.argmax(window, axis=1) + shortest
    peaks = window[np.arange(count), lags - shortest]
    voiced = loud & (peaks > VOICED_CORRELATION)
    if voiced.sum() < 5:
        return 0.0, 0.0, float(loud.sum() * PITCH_HOP)
    f0 = rate / lags[voiced]
    # Autocorrelation now and then locks on twice or half the period: fold those back.
    centre = float(np.median(f0))
    f0 = np.where(f0 > 1.7 * centre, f0 / 2, np.where(f0 < 0.6 * centre, f0 * 2, f0))
    low, median, high = np.percentile(f0, [10, 50, 90])
    return float(median), float(12 * math.log2(high / low)), float(loud.sum() * PITCH_HOP)


def narration_valence_energy(score: float, sps: float, pitch_range: float) -> tuple[float, float]:
    """valence = the words' sentiment × 1.6 (feeling words are sparse);
    energy = 0.6 × (syllables/s - 4.5) / 1.2 + 0.4 × (pitch range - 6 semitones) / 4."""
    rate = _clip((sps - 4.5) / 1.2) if sps else 0.0
    spread = _clip((pitch_range - 6.0) / 4.0) if pitch_range else 0.0
    return _clip(1.6 * score), _clip(0.6 * rate + 0.4 * spread)


def narration_words(score: float, sps: float, pitch_range: float, count: int) -> list[str]:
    if not count:
        return ["no narration here"]
    words = ["hopeful words" if score > 0.15 else "sad words" if score < -0.15 else "even words"]
    if sps:
        words.append("slow speech" if sps < 3.5 else "fast speech" if sps > 5.5 else "even pace")
    if pitch_range:
        words.append("flat voice" if pitch_range < 3 else "lively voice" if pitch_range > 9 else "")
    return [w for w in words if w]


def words_between(
    sentences: Sequence[Sequence[Any]], start: float, end: float
) -> tuple[str, float]:
    """The words spoken between `start` and `end` seconds, and for how long the voice speaks
    then, from sentence timings [(start, end, text), ...]: a sentence's words are spread
    evenly over its time, so a sentence cut by a segment boundary is split there."""
    picked: list[str] = []
    speaking = 0.0
    for entry in sentences:
        s_start, s_end, text = float(entry[0]), float(entry[1]), str(entry[2])
        overlap = min(end, s_end) - max(start, s_start)
        if overlap <= 0 or s_end <= s_start:
            continue
        speaking += overlap
        words = text.split()
        first = round(len(words) * (max(start, s_start) - s_start) / (s_end - s_start))
        last = round(len(words) * (min(end, s_end) - s_start) / (s_end - s_start))
        picked.extend(words[first:last])
    return " ".join(picked), speaking


def _clip(value: float) -> float:
    return max(-1.0, min(1.0, float(value)))
