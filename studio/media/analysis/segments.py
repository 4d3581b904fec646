"""Where the segments of a timeline are, and which words are spoken in each.

From the clips, segments are placed exactly as the timeline places them (`timeline.plan_slots`,
a crossfade's middle being the boundary); from a finished timeline video, the boundaries are
found in the pictures (a cut or a crossfade changes the colours of the whole frame within a
second). Words come from the speech's sentence timings, from SubRip captions, or from a plain
text spread over the time the voice speaks.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

# A boundary in a finished video: the frame signature moves this much within a second...
BOUNDARY_CHANGE = 0.08
# ...and boundaries are at least this far apart (a crossfade is one boundary, not several).
MIN_SEGMENT = 1.5
_SRT_TIME = re.compile(r"(\d+):(\d\d):(\d\d)[,.](\d{1,3})\s*-->\s*(\d+):(\d\d):(\d\d)[,.](\d{1,3})")


@dataclass(frozen=True)
class Segment:
    index: int  # 1-based
    start: float
    end: float
    clip: int | None = None  # 1-based clip number when the clips are known

    @property
    def length(self) -> float:
        return self.end - self.start


def segments_from_clips(
    count: int,
    *,
    narration_seconds: float | None,
    clip_duration: float,
    fit_to_narration: bool,
    transition: str,
    transition_seconds: float,
    fps: int = 30,
) -> tuple[list[Segment], list[str]]:
    """The clips' segments as the timeline lays them out, and its notes about adjustments."""
    from studio.media.timeline import TimelineSettings, plan_slots

    settings = TimelineSettings(
        fps=fps,
        clip_duration=clip_duration,
        fit_to_narration=fit_to_narration,
        transition=transition,
        transition_seconds=transition_seconds,
    )
    slots, total, notes = plan_slots(count, settings, narration_seconds)
    bounds = [0.0]
    for before, after in itertools.pairwise(slots):
        # A crossfade belongs half to each clip: the boundary is its middle.
        bounds.append((after.start + before.start + before.length) / 2 / fps)
    bounds.append(total / fps)
    segments = [Segment(i + 1, bounds[i], bounds[i + 1], clip=i + 1) for i in range(count)]
    return segments, notes


def frame_signatures(frames: Sequence[np.ndarray]) -> np.ndarray:
    """Each frame as 48 numbers: the mean colour of a 4 x 4 grid of its parts, 0..1."""
    import numpy as np

    signatures = []
    for frame in frames:
        height, width = frame.shape[:2]
        cells = [
            frame[y * height // 4 : (y + 1) * height // 4, x * width // 4 : (x + 1) * width // 4]
            .reshape(-1, 3)
            .mean(axis=0)
            for y in range(4)
            for x in range(4)
        ]
        signatures.append(np.concatenate(cells) / 255.0)
    return np.asarray(signatures)


def segments_from_frames(
    frames: Sequence[np.ndarray], fps: float, duration: float
) -> list[Segment]:
    """Segments of a finished video, cut where the whole picture changes within a second."""
    import numpy as np

    if len(frames) < 3:
        return [Segment(1, 0.0, duration)]
    signatures = frame_signatures(frames)
    span = max(1, round(fps / 2))  # compare half a second before with half a second after
    change = np.zeros(len(signatures))
    for i in range(span, len(signatures) - span):
        change[i] = float(np.abs(signatures[i + span] - signatures[i - span]).mean())
    boundaries: list[float] = []
    order = np.argsort(change)[::-1]
    for i in order:
        if change[i] < BOUNDARY_CHANGE:
            break
        # The boundary is the single step of largest change near the peak: a cut's frame, a
        # crossfade's middle.
        low, high = max(1, i - span), min(len(signatures) - 1, i + span)
        steps = [
            float(np.abs(signatures[j] - signatures[j - 1]).mean()) for j in range(low, high + 1)
        ]
        t = (low + int(np.argmax(steps))) / fps
        if t < MIN_SEGMENT or duration - t < MIN_SEGMENT:
            continue
        if all(abs(t - b) >= MIN_SEGMENT for b in boundaries):
            boundaries.append(t)
    bounds = [0.0, *sorted(boundaries), duration]
    return [Segment(n + 1, bounds[n], bounds[n + 1]) for n in range(len(bounds) - 1)]


def parse_srt(text: str) -> list[tuple[float, float, str]] | None:
    """SubRip captions as [(start, end, text)], or None when the text is not SubRip."""
    cues = []
    for block in re.split(r"\n\s*\n", (text or "").strip()):
        lines = [line for line in block.splitlines() if line.strip()]
        match = next((_SRT_TIME.search(line) for line in lines if _SRT_TIME.search(line)), None)
        if match is None:
            continue
        g = [int(x) for x in match.groups()]
        start = g[0] * 3600 + g[1] * 60 + g[2] + g[3] / 10 ** len(match.group(4))
        end = g[4] * 3600 + g[5] * 60 + g[6] + g[7] / 10 ** len(match.group(8))
        words = [line for line in lines if not _SRT_TIME.search(line) and not line.isdigit()]
        cues.append((start, end, " ".join(words)))
    return cues or None


def spread_words(
    text: str, voiced: Sequence[tuple[float, float]]
) -> list[tuple[float, float, str]]:
    """A plain text as timed pieces: its words spread evenly over the voiced stretches."""
    words = text.split()
    total = sum(end - start for start, end in voiced)
    if not words or total <= 0:
        return []
    pieces, used = [], 0
    for start, end in voiced:
        share = round(len(words) * (end - start) / total)
        chunk = words[used : used + share]
        used += len(chunk)
        if chunk:
            pieces.append((start, end, " ".join(chunk)))
    if used < len(words) and pieces:  # rounding left a few: they belong to the last stretch
        start, end, last = pieces[-1]
        pieces[-1] = (start, end, f"{last} {' '.join(words[used:])}")
    return pieces


def voiced_stretches(samples: np.ndarray, rate: int) -> list[tuple[float, float]]:
    """Where a voice recording is audible: 50 ms frames above a tenth of its loud level,
    joined across pauses shorter than 0.3 s."""
    import numpy as np

    hop = int(0.05 * rate)
    if samples.size < hop:
        return []
    count = samples.size // hop
    power = (samples[: count * hop].reshape(count, hop) ** 2).mean(axis=1)
    loud = power > 0.01 * float(np.percentile(power, 95)) + 1e-10
    stretches: list[list[float]] = []
    for i, on in enumerate(loud):
        if not on:
            continue
        t = i * hop / rate
        if stretches and t - stretches[-1][1] <= 0.3:
            stretches[-1][1] = t + hop / rate
        else:
            stretches.append([t, t + hop / rate])
    return [(a, b) for a, b in stretches]


def timed_words(
    captions: str | None,
    sentences: Sequence[Sequence[Any]] | None,
    voiced: Sequence[tuple[float, float]],
) -> tuple[list[tuple[float, float, str]], str]:
    """The narration's words with times, and where the times come from (for the report)."""
    if sentences:
        return [(float(s[0]), float(s[1]), str(s[2])) for s in sentences], "the voice's sentences"
    if captions:
        cues = parse_srt(captions)
        if cues:
            return cues, "the subtitles' times"
        return spread_words(captions, voiced), "the captions spread over the voice"
    return [], "no words"
