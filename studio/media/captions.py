"""Captions from the narration text: phrases timed to the speech, an .srt writer, and burn-in.

Timing: the text is split into sentences, and long sentences into short phrases. When the speech
engine reported when each sentence sounds (the offline voices do), every phrase starts and ends
exactly when its words are spoken: a phrase that begins a sentence starts with it, one that ends
a sentence ends with it, and phrases inside a long sentence share its time by their characters
(`cues_from_sentences`). Otherwise each phrase gets screen time in proportion to its characters,
laid over the time the narration is actually audible (the speech segments the mixer found by
silence detection), so pauses carry no caption drift.

Burn-in: each caption is drawn once with Pillow into an RGBA box, converted to I420 with its alpha
at luma and chroma resolution, and then alpha-blended into every frame it covers with integer numpy
arithmetic on the box's region only.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

MAX_PHRASE_CHARS = 80  # about two lines of a readable subtitle
# After a full stop and a space, or after a Chinese or Japanese full stop (and its closing
# bracket), which no space follows.
_SENTENCE_END = re.compile(
    r"(?<=[.!?…])[\"'”’)\]]*\s+|(?<=[。！？])(?![」』）])\s*|(?<=[。！？][」』）])\s*"
)
_TRAILING_MARKS = re.compile(r"[^\w\s「『（(\"'“‘\[]+\s*")  # emoji, symbols: not words or openers
_SOFT_BREAK = re.compile(r"(?<=[,;:—–])\s+|(?<=[、，；：])\s*")


@dataclass(frozen=True)
class Cue:
    """One caption on screen from `start` to `end` seconds."""

    start: float
    end: float
    text: str


# -- splitting and timing --------------------------------------------------------------------------
def split_phrases(text: str, max_chars: int = MAX_PHRASE_CHARS) -> list[str]:
    """Split narration into sentences, and sentences longer than `max_chars` into phrases."""
    text = " ".join(text.split())
    phrases: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        sentence = sentence.strip()
        if not sentence:
            continue
        trailing = _TRAILING_MARKS.match(sentence)
        if phrases and trailing:
            # Emoji or marks after a full stop belong to the sentence they end.
            glue = "" if phrases[-1][-1] in "。！？」』）" else " "
            phrases[-1] = f"{phrases[-1]}{glue}{trailing.group().strip()}"
            sentence = sentence[trailing.end() :].strip()
            if not sentence:
                continue
        if len(sentence) <= max_chars:
            phrases.append(sentence)
            continue
        current = ""
        for part in _SOFT_BREAK.split(sentence):
            for word_group in split_words(part, max_chars):
                if current and len(current) + 1 + len(word_group) > max_chars:
                    phrases.append(current)
                    current = word_group
                else:
                    current = f"{current} {word_group}".strip()
        if current:
            phrases.append(current)
    return phrases


def split_words(text: str, max_chars: int) -> list[str]:
    """Words packed greedily into groups of at most `max_chars`; a longer word is cut."""
    groups: list[str] = []
    current = ""
    for word in text.split():
        while len(word) > max_chars:  # one enormous "word": cut it
            if current:
                groups.append(current)
                current = ""
            groups.append(word[:max_chars])
            word = word[max_chars:]
        if current and len(current) + 1 + len(word) > max_chars:
            groups.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    if current:
        groups.append(current)
    return groups


def time_captions(
    text: str,
    duration: float,
    speech_segments: Sequence[tuple[float, float]] | None = None,
) -> list[Cue]:
    """Cues for `text`, spread over the speech segments (or over 0..duration when none)."""
    phrases = split_phrases(text)
    segments = [
        (max(0.0, s), min(duration, e))
        for s, e in (speech_segments or ())
        if min(duration, e) > max(0.0, s)
    ]
    if not segments:
        segments = [(0.0, duration)]
    if not phrases or duration <= 0:
        return []
    speech_total = sum(e - s for s, e in segments)
    weights = [len(p) for p in phrases]
    total_chars = sum(weights)
    cues: list[list[Any]] = []
    done = 0
    for phrase, weight in zip(phrases, weights, strict=True):
        a = speech_total * done / total_chars
        b = speech_total * (done + weight) / total_chars
        done += weight
        start, end = _speech_to_clock(a, segments, True), _speech_to_clock(b, segments, False)
        cues.append([start, end, phrase])
    _snap_to_pauses(cues, segments)
    return [Cue(round(s, 3), round(max(e, s + 0.05), 3), p) for s, e, p in cues]


def cues_from_sentences(
    text: str, sentences: Sequence[Sequence[Any]], duration: float
) -> list[Cue] | None:
    """Cues for `text` timed by the spoken sentences [(start, end, text), ...] of its narration.

    The caption text and the spoken text are matched character by character (spaces aside), so
    the two may be split into sentences differently. Captions edited apart from the narration
    (a typo fixed, a word shortened) but with as many sentences as were spoken are matched
    sentence by sentence: each keeps its spoken sentence's time, so an edit moves no other
    caption. Returns None when neither matches: the caller times them another way.
    """
    spans: list[tuple[float, float, int, int]] = []  # start, end, first char, char count
    chars = 0
    spoken = []
    for entry in sentences:
        start, end, said = float(entry[0]), float(entry[1]), str(entry[2])
        letters = "".join(said.split())
        if not letters or end <= start:
            continue
        spans.append((start, end, chars, len(letters)))
        spoken.append(letters)
        chars += len(letters)
    phrases = split_phrases(text)
    if not spans or duration <= 0:
        return None
    if "".join(spoken) != "".join("".join(phrases).split()):
        return _cues_by_sentence(text, [(s, e) for s, e, _, _ in spans], duration)

    def clock(position: int, is_end: bool) -> float:
        # The sentence holding this character (for an end, the one holding the character before).
        probe = position - 1 if is_end else position
        for start, end, first, count in spans:
            if first <= probe < first + count:
                return start + (end - start) * (position - first) / count
        return spans[-1][1]

    cues = []
    position = 0
    for phrase in phrases:
        count = len("".join(phrase.split()))
        start, end = clock(position, False), clock(position + count, True)
        position += count
        start, end = min(start, duration), min(end, duration)
        if end > start:
            cues.append(Cue(round(start, 3), round(max(end, start + 0.05), 3), phrase))
    return cues


def _cues_by_sentence(
    text: str, spans: Sequence[tuple[float, float]], duration: float
) -> list[Cue] | None:
    """Each written sentence over its spoken sentence's time (phrases share it by characters),
    or None when the two do not have as many sentences."""
    written = [part.strip() for part in _SENTENCE_END.split(" ".join(text.split()))]
    written = [part for part in written if part]
    if len(written) != len(spans):
        return None
    cues = []
    for sentence, (start, end) in zip(written, spans, strict=True):
        phrases = split_phrases(sentence)
        # Letters without spaces, as the exact match counts them: an unedited sentence gets
        # the very times it would get there.
        sizes = [len("".join(p.split())) for p in phrases]
        total = sum(sizes) or 1
        done = 0
        for phrase, size in zip(phrases, sizes, strict=True):
            a = start + (end - start) * done / total
            done += size
            b = start + (end - start) * done / total
            a, b = min(a, duration), min(b, duration)
            if b > a:
                cues.append(Cue(round(a, 3), round(max(b, a + 0.05), 3), phrase))
    return cues


SNAP_SECONDS = 0.75  # how far a phrase boundary may move to land in a pause
MIN_CUE_SECONDS = 0.3


def _snap_to_pauses(cues: list[list], segments: list[tuple[float, float]]) -> None:
    """Move each boundary between two phrases into a nearby pause of the speech, when there is
    one: speakers pause between sentences, so the caption changes when the voice does."""
    gaps = [(a[1], b[0]) for a, b in itertools.pairwise(segments)]
    used: set[int] = set()
    for before, after in itertools.pairwise(cues):
        boundary = before[1]
        best = None
        for index, (gap_start, gap_end) in enumerate(gaps):
            distance = max(gap_start - boundary, boundary - gap_end, 0.0)
            if (
                index not in used
                and distance <= SNAP_SECONDS
                and (best is None or distance < best[0])
            ):
                best = (distance, index, gap_start, gap_end)
        if best is None:
            continue
        _, index, gap_start, gap_end = best
        if gap_start - before[0] >= MIN_CUE_SECONDS and after[1] - gap_end >= MIN_CUE_SECONDS:
            before[1], after[0] = gap_start, gap_end
            used.add(index)


def _speech_to_clock(position: float, segments: list[tuple[float, float]], is_start: bool) -> float:
    """Map a time measured in speech only onto the clock: a start falling on a segment's end moves
    to the next segment's start, so no caption starts in a silence."""
    elapsed = 0.0
    for start, end in segments:
        length = end - start
        if position < elapsed + length or (not is_start and position <= elapsed + length):
            return start + (position - elapsed)
        elapsed += length
    return segments[-1][1]


# -- SRT -----------------------------------------------------------------------------------------
def _srt_time(seconds: float) -> str:
    millis = max(0, round(seconds * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d},{millis:03d}"


def to_srt(cues: Sequence[Cue]) -> str:
    """SubRip text: numbered cues, `HH:MM:SS,mmm --> HH:MM:SS,mmm`, blank line between."""
    blocks = [
        f"{n}\n{_srt_time(c.start)} --> {_srt_time(c.end)}\n{c.text}\n"
        for n, c in enumerate(cues, start=1)
    ]
    return "\n".join(blocks)


def write_srt(path: Path, cues: Sequence[Cue]) -> Path:
    """Write an .srt file atomically."""
    from studio.atomic import write_text_atomic

    write_text_atomic(Path(path), to_srt(cues))
    return Path(path)


# -- fonts ---------------------------------------------------------------------------------------
def find_font() -> Path | None:
    """The caption font shipped in `resources/fonts/` (None when it is not there)."""
    from studio.media.fonts import primary_font

    font = primary_font()
    return font if font.is_file() else None


def load_font(size: int, font_path: Path | None = None) -> Any:
    """A Pillow font of `size` px: the given or shipped TTF, else Pillow's built-in font."""
    return resolve_font(size, font_path)[0]


def resolve_font(size: int, font_path: Path | None = None) -> tuple[Any, str | None]:
    """The font captions are drawn with, and a sentence for the user when it had to be replaced.

    A font that fails to load is replaced by the shipped DejaVu Sans, and a damaged or missing
    shipped font by Pillow's plain built-in font: captions still show, and the user is told.
    """
    font, _path, warning = _resolve(size, font_path)
    return font, warning


def caption_chain(size: int, font_path: Path | None = None) -> Any:
    """The `fonts.FontChain` captions are drawn with: the resolved font, then the system's
    and the bundled fallbacks for the characters it lacks."""
    from studio.media.fonts import FontChain

    font, path, _ = _resolve(size, font_path)
    return FontChain(size, path, font=font)


def missing_glyphs_warning(texts: Sequence[str], font_path: Path | None = None) -> str | None:
    """A sentence naming the characters of `texts` no font here can draw (None when all can)."""
    missing = sorted(caption_chain(24, font_path).missing("".join(texts)))
    if not missing:
        return None
    shown = " ".join(missing[:12]) + (" ..." if len(missing) > 12 else "")
    return (
        f"no font on this machine can draw {len(missing)} character(s) of the captions, so "
        f"they show as boxes: {shown} (install a font for that script; the studio looks for "
        "fonts through fontconfig)"
    )


def _resolve(size: int, font_path: Path | None) -> tuple[Any, Path | None, str | None]:
    from PIL import ImageFont

    failed: list[str] = []
    shipped = find_font()
    for path in dict.fromkeys(p for p in (font_path, shipped) if p is not None):
        try:
            font = ImageFont.truetype(str(path), size)
        except OSError:
            failed.append(Path(path).name)
            continue
        if not failed:
            return font, Path(path), None
        return (
            font,
            Path(path),
            f"the caption font {failed[0]} could not be loaded: captions use {path.name}",
        )
    wanted = failed[0] if failed else "shipped in resources/fonts"
    return (
        ImageFont.load_default(size),
        None,
        (
            f"the caption font {wanted} could not be loaded: captions use Pillow's plain built-in "
            "font (reinstall the studio to get DejaVu Sans back)"
        ),
    )


def caption_font_warning(font_path: Path | None = None) -> str | None:
    """What `CaptionBurner` will say about its font: None when the wanted font loads."""
    return resolve_font(24, font_path)[1]


# -- safe areas ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class SafeArea:
    """Margins (fractions of the frame) that a platform's own buttons and text may cover."""

    top: float
    bottom: float
    left: float
    right: float


# Vertical video (Shorts, Reels, TikTok): the caption and description sit over the bottom fifth
# and a column of buttons down the right side, so captions keep clear of both.
VERTICAL_SAFE_AREA = SafeArea(top=0.10, bottom=0.22, left=0.06, right=0.14)
FEED_SAFE_AREA = SafeArea(top=0.06, bottom=0.10, left=0.06, right=0.06)  # 4:5 and square feeds
LANDSCAPE_SAFE_AREA = SafeArea(top=0.05, bottom=0.07, left=0.07, right=0.07)


def safe_area_for(width: int, height: int) -> SafeArea:
    """The caption-safe area of a frame of this shape: vertical (9:16 and taller than 2:3),
    feed (4:5 to square), or landscape."""
    aspect = width / height
    if aspect < 0.7:
        return VERTICAL_SAFE_AREA
    if aspect < 1.2:
        return FEED_SAFE_AREA
    return LANDSCAPE_SAFE_AREA


# -- burn-in -------------------------------------------------------------------------------------
@dataclass
class _Overlay:
    x: int
    y: int
    y_plane: np.ndarray  # premultiplied: value * alpha (uint16, alpha in 0..256)
    y_keep: np.ndarray  # 256 - alpha (uint16)
    u_plane: np.ndarray
    v_plane: np.ndarray
    c_keep: np.ndarray


class CaptionBurner:
    """Draws captions into I420 frames of one size; each caption is rendered once and cached.

    Captions are wrapped to the safe area's width and sit centred on it, just above its bottom
    margin (`safe_area_for` the frame's shape unless one is given).
    """

    def __init__(
        self,
        width: int,
        height: int,
        font_path: Path | None = None,
        safe_area: SafeArea | None = None,
    ) -> None:
        self.width, self.height = width, height
        self.safe_area = safe_area or safe_area_for(width, height)
        self.font_size = max(10, round(min(width, height) * 0.05))
        self.fonts = caption_chain(self.font_size, font_path)
        self._cache: dict[str, _Overlay | None] = {}

    def burn(self, frame: np.ndarray, text: str) -> np.ndarray:
        """Blend caption `text` into an I420 frame (h*3/2, w) in place; returns the frame."""
        from studio.media.encode import i420_planes

        overlay = self._cache.get(text)
        if text not in self._cache:
            if len(self._cache) > 64:  # captions come in order: old ones are not needed again
                self._cache.clear()
            overlay = self._cache[text] = self._render(text)
        if overlay is None:
            return frame
        h, w = self.height, self.width
        oh, ow = overlay.y_plane.shape
        region = frame[overlay.y : overlay.y + oh, overlay.x : overlay.x + ow]
        _blend(region, overlay.y_keep, overlay.y_plane)
        _, u, v = i420_planes(frame, w, h)
        cy, cx = overlay.y // 2, overlay.x // 2
        for plane, value in ((u, overlay.u_plane), (v, overlay.v_plane)):
            _blend(plane[cy : cy + oh // 2, cx : cx + ow // 2], overlay.c_keep, value)
        return frame

    def _wrap(self, text: str, max_width: float) -> list[str]:
        return [line for line in self.fonts.wrap(" ".join(text.split()), max_width) if line]

    def _render(self, text: str) -> _Overlay | None:
        import cv2
        import numpy as np
        from PIL import Image, ImageDraw

        from studio.media.encode import i420_planes

        safe = self.safe_area
        size = self.font_size
        pad, spacing = size // 2, size // 4
        stroke = max(1, size // 18)
        # The box (text, outline and padding) fits the safe width.
        room = self.width * (1.0 - safe.left - safe.right) - 2 * (pad + stroke)
        lines = self._wrap(text, room)
        if not lines:
            return None
        ascent, descent = self.fonts.metrics()
        line_height = ascent + descent
        widths = [self.fonts.getlength(line) for line in lines]
        text_w = math.ceil(max(widths)) + 2 * stroke
        text_h = line_height * len(lines) + spacing * (len(lines) - 1) + 2 * stroke
        ow = min(self.width, text_w + 2 * pad)
        oh = min(self.height, text_h + 2 * pad)
        ow, oh = ow + ow % 2, oh + oh % 2
        ow, oh = min(ow, self.width - self.width % 2), min(oh, self.height - self.height % 2)
        image = Image.new("RGBA", (ow, oh), (0, 0, 0, 0))
        draw = ImageDraw.Draw(image)
        draw.rounded_rectangle((0, 0, ow - 1, oh - 1), radius=pad // 2, fill=(0, 0, 0, 150))
        top = (oh - text_h) / 2 + stroke
        for index, (line, width) in enumerate(zip(lines, widths, strict=True)):
            self.fonts.draw(
                draw,
                ((ow - width) / 2, top + index * (line_height + spacing)),
                line,
                fill=(255, 255, 255, 255),
                stroke_width=stroke,
                stroke_fill=(0, 0, 0, 255),
            )
        rgba = np.asarray(image)
        yuv = cv2.cvtColor(np.ascontiguousarray(rgba[:, :, :3]), cv2.COLOR_RGB2YUV_I420)
        alpha = rgba[:, :, 3].astype(np.float32)
        alpha_c = cv2.resize(alpha, (ow // 2, oh // 2), interpolation=cv2.INTER_AREA)
        a = np.round(alpha * 256 / 255).astype(np.uint16)
        ac = np.round(alpha_c * 256 / 255).astype(np.uint16)
        y_plane, u, v = (p.astype(np.uint16) for p in i420_planes(yuv, ow, oh))
        # Centred on the safe area (clamped to the frame when a caption is wider than it).
        middle = self.width * (safe.left + (1.0 - safe.left - safe.right) / 2)
        x = min(max(0, round(middle - ow / 2)), self.width - ow) & ~1
        y = max(0, self.height - oh - round(self.height * safe.bottom)) & ~1
        return _Overlay(
            x=x,
            y=y,
            y_plane=y_plane * a,
            y_keep=256 - a,
            u_plane=u * ac,
            v_plane=v * ac,
            c_keep=256 - ac,
        )


def _blend(region: np.ndarray, keep: np.ndarray, premultiplied: np.ndarray) -> None:
    """region = (region * keep + premultiplied) / 256, in place, without temporaries."""
    import numpy as np

    mixed = np.multiply(region, keep, dtype=np.uint16)
    mixed += premultiplied
    mixed >>= 8
    region[:] = mixed


def cue_at(cues: Sequence[Cue], t: float, hint: int = 0) -> tuple[Cue | None, int]:
    """The cue showing at time t (and the index to start the next search from: cues are sorted)."""
    index = hint
    while index < len(cues) and cues[index].end <= t:
        index += 1
    if index < len(cues) and cues[index].start <= t:
        return cues[index], index
    return None, index
