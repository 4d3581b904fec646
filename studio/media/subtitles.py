"""Subtitle files beside an export: SubRip (.srt) and WebVTT (.vtt), written atomically.

Players, editors and platforms (YouTube, Vimeo, social uploads) take one or the other; both are
written from the same cues, so they always agree.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from studio.media.captions import Cue, to_srt


def _vtt_time(seconds: float) -> str:
    millis = max(0, round(seconds * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def to_vtt(cues: Sequence[Cue]) -> str:
    """WebVTT text: the `WEBVTT` header, then `HH:MM:SS.mmm --> HH:MM:SS.mmm` cues."""
    blocks = ["WEBVTT\n"]
    for cue in cues:
        # "-->" inside a cue's text would end it early; a blank line would split it.
        text = "\n".join(line for line in cue.text.replace("-->", "→").splitlines() if line)
        blocks.append(f"{_vtt_time(cue.start)} --> {_vtt_time(cue.end)}\n{text}\n")
    return "\n".join(blocks)


_SRT_TIME = re.compile(r"(\d+):(\d{2}):(\d{2})[,.](\d{3})")


def parse_srt(text: str) -> list[Cue]:
    """The cues of SubRip text (as `to_srt` writes it; a cue's lines are joined by spaces)."""
    cues = []
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip()):
        lines = [line for line in block.splitlines() if line.strip()]
        timing = next((i for i, line in enumerate(lines) if "-->" in line), None)
        if timing is None:
            continue
        start, _, end = lines[timing].partition("-->")
        a, b = _SRT_TIME.search(start), _SRT_TIME.search(end)
        if a is None or b is None:
            raise ValueError(f"a subtitle time cannot be read: {lines[timing]!r}")
        words = " ".join(line.strip() for line in lines[timing + 1 :])
        cues.append(Cue(_seconds(a), _seconds(b), words))
    return cues


def _seconds(match: re.Match[str]) -> float:
    hours, minutes, secs, millis = (int(g) for g in match.groups())
    return hours * 3600 + minutes * 60 + secs + millis / 1000


def cues_from_meta(value: Any) -> list[Cue]:
    """Cues stored in a video artifact's metadata as [[start, end, text], ...]."""
    cues = []
    for item in value or ():
        start, end, text = item
        cues.append(Cue(float(start), float(end), str(text)))
    return cues


def cues_to_meta(cues: Sequence[Cue]) -> list[list[Any]]:
    return [[round(c.start, 3), round(c.end, 3), c.text] for c in cues]


def write_subtitles(target: Path, cues: Sequence[Cue]) -> list[Path]:
    """Write `target`.srt and `target`.vtt (the video's name, other suffixes); [] without cues."""
    from studio.atomic import write_text_atomic

    if not cues:
        return []
    target = Path(target)
    written = []
    for suffix, text in ((".srt", to_srt(cues)), (".vtt", to_vtt(cues))):
        path = target.with_suffix(suffix)
        write_text_atomic(path, text)
        written.append(path)
    return written
