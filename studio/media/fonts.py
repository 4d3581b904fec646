"""Text in every script: a chain of fonts drawn run by run, right-to-left lines in the right
order, and line breaks for scripts written without spaces.

The chain, first font that has a character wins:
1. the text's own font (the shipped DejaVu Sans Bold, or one the user chose): Latin, Greek,
   Cyrillic, Arabic, Hebrew and many symbols;
2. the system's fonts that have the characters it lacks, found through fontconfig
   (`fc-match --sort` with the missing characters as its charset), when fontconfig is there;
3. the fallbacks bundled in `resources/fonts/` (see its README): Noto Sans CJK (a subset for
   everyday Chinese, Japanese and Korean), Noto Sans Devanagari, Bengali, Tamil and Thai, and
   Symbola's emoji, so a machine with no such fonts still draws them.
Which font covers a character is read from the font's cmap (fontTools), once per font.

Layout: a line drawn with one font is one Pillow call (its raqm layout does the bidi algorithm
and the shaping, Arabic joining included). A line that needs several fonts is cut into runs of
one font and one direction; the runs are put in visual order the way the Unicode bidi algorithm
does (rule L2 over run levels: a right-to-left paragraph runs from the right, a left-to-right
run inside it keeps its order), and each run is shaped by raqm in its direction.

Line breaking: between words at spaces, and also between any two ideographs or kana (Chinese
and Japanese use no spaces), never before closing punctuation (、。」…) or after opening
punctuation (「（). A word wider than the line is cut between characters.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PRIMARY_FONT = "DejaVuSans-Bold.ttf"
# The bundled fallbacks, in the order they are tried.
BUNDLED_FALLBACKS = (
    "NotoSansCJKjp-Bold-subset.otf",
    "NotoSansDevanagari-Bold.ttf",
    "NotoSansBengali-Bold.ttf",
    "NotoSansTamil-Bold.ttf",
    "NotoSansThai-Bold.ttf",
    "Symbola-emoji-subset.ttf",
)
BUILT_IN = Path("<Pillow's built-in font>")
SYSTEM_FONTS_TRIED = 8  # fontconfig's best matches for a text's missing characters
_CLOSING = set("、。，．・：；？！゛゜ヽヾゝゞ々ー）」』】〕〉》〙〗〟’”｝〜…‥,.!?;:)]}%")
_OPENING = set("（「『【〔〈《〘〖〝‘“｛([{")
_LOCK = threading.Lock()


# -- which font has a character ------------------------------------------------------------------
def fonts_dir() -> Path:
    from studio.paths import resources_dir

    return resources_dir() / "fonts"


def primary_font() -> Path:
    """The shipped caption and title font (DejaVu Sans Bold)."""
    return fonts_dir() / PRIMARY_FONT


def bundled_fallbacks() -> list[Path]:
    """The bundled fallback fonts that are present, in the order they are tried."""
    folder = fonts_dir()
    return [folder / name for name in BUNDLED_FALLBACKS if (folder / name).is_file()]


@functools.lru_cache(maxsize=64)
def coverage(path: Path, index: int = 0) -> frozenset[int]:
    """The code points a font file has glyphs for (empty when it cannot be read)."""
    from fontTools.ttLib import TTFont

    if path == BUILT_IN:
        return frozenset(range(0x20, 0x7F))
    try:
        with TTFont(str(path), fontNumber=index, lazy=True) as font:
            cmap = font.getBestCmap() or {}
    except Exception:  # any unreadable font simply covers nothing
        return frozenset()
    return frozenset(cmap)


def _ignorable(char: str) -> bool:
    """Characters that need no glyph of their own: spaces, joiners, variation selectors and
    marks that belong to the character before."""
    category = unicodedata.category(char)
    return char.isspace() or category in ("Mn", "Me", "Cf", "Cc") or 0xFE00 <= ord(char) <= 0xFE0F


@functools.lru_cache(maxsize=256)
def system_fonts_for(characters: frozenset[str]) -> tuple[tuple[Path, int], ...]:
    """System fonts (file, index) that have some of `characters`, best first, by fontconfig.

    Empty when fontconfig (`fc-match`) is not installed.
    """
    fc_match = shutil.which("fc-match")
    if fc_match is None or not characters:
        return ()
    charset = " ".join(f"{ord(c):x}" for c in sorted(characters))
    try:
        answer = subprocess.run(
            [fc_match, "--sort", "--format=%{file}|%{index}\\n", f"sans:bold:charset={charset}"],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return ()
    found: list[tuple[Path, int]] = []
    for line in answer.splitlines():
        file, _, index = line.partition("|")
        if not file or not Path(file).is_file():
            continue
        entry = (Path(file), int(index or 0))
        if entry not in found and coverage(*entry) & {ord(c) for c in characters}:
            found.append(entry)
        if len(found) >= SYSTEM_FONTS_TRIED:
            break
    return tuple(found)


# -- the chain -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Run:
    """Part of a line drawn with one font in one direction."""

    text: str
    font: Any  # PIL.ImageFont.FreeTypeFont
    rtl: bool


class FontChain:
    """Fonts of one size that together draw a text: measure, wrap and draw lines with them."""

    def __init__(
        self,
        size: int,
        primary: Path | None = None,
        *,
        font: Any = None,
        system: bool = True,
    ) -> None:
        """`primary` is the text's own font file (the shipped DejaVu Sans Bold by default);
        `font`, an already loaded Pillow font to use instead (Pillow's built-in one, whose
        characters are taken to be ASCII's)."""
        self.size = size
        self.primary_path = Path(primary) if primary is not None else primary_font()
        if font is not None and primary is None:
            self.primary_path = BUILT_IN
        self.system = system
        self._fonts: dict[tuple[Path, int], Any] = {}
        if font is not None:
            self._fonts[(self.primary_path, 0)] = font
        self.primary = self._load(self.primary_path, 0)
        if self.primary is None:
            raise OSError(f"the font {self.primary_path.name} could not be loaded")
        self._entries: list[tuple[Path, int]] = [(self.primary_path, 0)]
        self._known: set[str] = set()  # characters whose fonts are already in the chain

    # -- fonts ---------------------------------------------------------------------------------
    def _load(self, path: Path, index: int) -> Any:
        from PIL import ImageFont

        key = (path, index)
        if key not in self._fonts:
            try:
                self._fonts[key] = ImageFont.truetype(str(path), self.size, index=index)
            except OSError:  # a bitmap-only colour font (one fixed size) or a damaged file
                self._fonts[key] = None
        return self._fonts[key]

    def _prepare(self, text: str) -> None:
        """Add to the chain the fonts for characters of `text` the chain lacks."""
        new = {c for c in text if c not in self._known and not _ignorable(c)}
        if not new:
            return
        missing = {c for c in new if self._entry_for(c) is None}
        if missing and self.system:
            with _LOCK:
                system = system_fonts_for(frozenset(missing))
            for entry in system:
                if entry not in self._entries and self._load(*entry) is not None:
                    self._entries.append(entry)
            missing = {c for c in missing if self._entry_for(c) is None}
        if missing:
            for path in bundled_fallbacks():
                entry = (path, 0)
                if entry not in self._entries and self._load(path, 0) is not None:
                    self._entries.append(entry)
        self._known |= new

    def _entry_for(self, char: str) -> tuple[Path, int] | None:
        point = ord(char)
        for entry in self._entries:
            if self._fonts.get(entry) is not None and point in coverage(*entry):
                return entry
        return None

    def font_for(self, char: str) -> Any:
        """The font that draws `char` (the primary one when none has it: a missing box)."""
        self._prepare(char)
        entry = self._entry_for(char)
        return self._fonts[entry] if entry is not None else self.primary

    def missing(self, text: str) -> set[str]:
        """Characters of `text` that no font of the chain has (they draw as boxes)."""
        self._prepare(text)
        return {c for c in text if not _ignorable(c) and self._entry_for(c) is None}

    def fonts_used(self, text: str) -> list[Path]:
        """The font files that draw `text`, in chain order."""
        self._prepare(text)
        used = {self._entry_for(c) for c in text if not _ignorable(c)}
        return [path for path, index in self._entries if (path, index) in used]

    # -- runs ----------------------------------------------------------------------------------
    def runs(self, line: str) -> list[Run]:
        """The runs of one line, in visual order (left to right on the screen)."""
        self._prepare(line)
        if not line:
            return []
        primary = self._entries[0]
        base = "rtl" if _paragraph_rtl(line) else "ltr"
        # Each character's font: marks and spaces go with the character before; punctuation
        # too when that font has it.
        entries: list[tuple[Path, int]] = []
        for char in line:
            previous = entries[-1] if entries else primary
            punctuation = unicodedata.category(char).startswith("P")
            if _ignorable(char) or (punctuation and ord(char) in coverage(*previous)):
                entries.append(previous)
            else:
                entries.append(self._entry_for(char) or primary)
        directions = _resolved_directions(line, base)
        runs: list[list[Any]] = []  # [text, entry, direction]
        for char, entry, direction in zip(line, entries, directions, strict=True):
            if runs and runs[-1][1] == entry and runs[-1][2] == direction:
                runs[-1][0] += char
            else:
                runs.append([char, entry, direction])
        # The runs' bidi levels: right-to-left 1; left-to-right 0, or 2 inside an RTL line.
        levels = [1 if d == "rtl" else (2 if base == "rtl" else 0) for _t, _e, d in runs]
        return [
            Run(runs[i][0], self._fonts[runs[i][1]], runs[i][2] == "rtl")
            for i in _visual_order(levels)
        ]

    # -- measuring -----------------------------------------------------------------------------
    def getlength(self, line: str) -> float:
        """The advance width of one line, in pixels."""
        if not line:
            return 0.0
        runs = self.runs(line)
        if len({id(r.font) for r in runs}) == 1:
            return float(runs[0].font.getlength(line))
        return float(
            sum(r.font.getlength(r.text, direction="rtl" if r.rtl else "ltr") for r in runs)
        )

    def metrics(self) -> tuple[int, int]:
        """(ascent, descent) of a line: the primary font's, so every line has the same height."""
        ascent, descent = self.primary.getmetrics()
        return int(ascent), int(descent)

    # -- wrapping ------------------------------------------------------------------------------
    def wrap(self, text: str, max_width: float) -> list[str]:
        """Lines of `text` no wider than `max_width` (see the module docstring)."""
        lines: list[str] = []
        for paragraph in text.splitlines() or [""]:
            current = ""
            for unit in break_units(paragraph):
                candidate = current + unit
                if not current.strip() or self.getlength(candidate.rstrip()) <= max_width:
                    current = candidate
                    continue
                lines.append(current.rstrip())
                current = unit.lstrip()
                while self.getlength(current.rstrip()) > max_width and len(current) > 1:
                    cut = self._fit(current, max_width)
                    lines.append(current[:cut])
                    current = current[cut:]
            while current.strip() and self.getlength(current.rstrip()) > max_width:
                cut = self._fit(current, max_width)
                if cut >= len(current):
                    break
                lines.append(current[:cut])
                current = current[cut:]
            if current.strip() or not lines or not paragraph:
                lines.append(current.rstrip())
        return lines

    def _fit(self, word: str, max_width: float) -> int:
        """How many characters of `word` fit `max_width` (at least one)."""
        count = 1
        while count < len(word) and self.getlength(word[: count + 1]) <= max_width:
            count += 1
        return count

    # -- drawing -------------------------------------------------------------------------------
    def draw(
        self,
        draw: Any,
        xy: tuple[float, float],
        line: str,
        *,
        fill: Any,
        stroke_width: int = 0,
        stroke_fill: Any = None,
    ) -> None:
        """Draw one line with its top-left corner at `xy` (the primary font's ascent below is
        the baseline every run shares)."""
        if not line:
            return
        x, y = xy
        baseline = y + self.metrics()[0]
        runs = self.runs(line)
        if len({id(r.font) for r in runs}) == 1:  # one font: raqm does the whole line
            draw.text(
                (x, baseline),
                line,
                font=runs[0].font,
                fill=fill,
                anchor="ls",
                stroke_width=stroke_width,
                stroke_fill=stroke_fill,
            )
            return
        for run in runs:
            direction = "rtl" if run.rtl else "ltr"
            draw.text(
                (x, baseline),
                run.text,
                font=run.font,
                fill=fill,
                anchor="ls",
                direction=direction,
                stroke_width=stroke_width,
                stroke_fill=stroke_fill,
                embedded_color=False,
            )
            x += run.font.getlength(run.text, direction=direction)


# -- bidi and breaking helpers -------------------------------------------------------------------
def _strong_direction(char: str) -> str | None:
    kind = unicodedata.bidirectional(char)
    if kind in ("R", "AL"):
        return "rtl"
    if kind == "L":
        return "ltr"
    return None


def _resolved_directions(line: str, base: str) -> list[str]:
    """Each character's direction: strong characters their own; a stretch of neutral ones
    (spaces, digits, punctuation) that of the strong characters around it when both sides
    agree, else the line's (UBA rules N1, N2; the line's direction stands at both ends)."""
    strong = [_strong_direction(c) for c in line]
    resolved: list[str] = []
    i = 0
    while i < len(line):
        if strong[i] is not None:
            resolved.append(strong[i] or base)
            i += 1
            continue
        j = i
        while j < len(line) and strong[j] is None:
            j += 1
        before = resolved[-1] if resolved else base
        after = strong[j] if j < len(line) else base
        resolved.extend([before if before == after else base] * (j - i))
        i = j
    return resolved


def _paragraph_rtl(line: str) -> bool:
    """The line's base direction: that of its first strong character (UBA rules P2, P3)."""
    for char in line:
        direction = _strong_direction(char)
        if direction is not None:
            return direction == "rtl"
    return False


def _visual_order(levels: list[int]) -> list[int]:
    """Indices in visual order: from the highest level down to 1, reverse every stretch of
    runs at that level or higher (UBA rule L2)."""
    order = list(range(len(levels)))
    for level in range(max(levels, default=0), 0, -1):
        i = 0
        while i < len(order):
            if levels[order[i]] >= level:
                j = i
                while j < len(order) and levels[order[j]] >= level:
                    j += 1
                order[i:j] = reversed(order[i:j])
                i = j
            else:
                i += 1
    return order


_NO_SPACE_SCRIPT = re.compile(
    "[\u2e80-\u2fff\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    "\U00020000-\U0003134f]"
)


def break_units(text: str) -> list[str]:
    """The pieces a line may break between: words with the spaces after them, and each ideograph
    or kana with the punctuation that must stay with it."""
    units: list[str] = []
    word = ""
    pending_open = ""
    for char in text:
        if char in _OPENING:
            if word and not word[-1].isspace() and not _NO_SPACE_SCRIPT.match(word[-1]):
                word += char  # "(like" inside a word of a spaced script
                continue
            if word:
                units.append(word)
                word = ""
            pending_open += char
            continue
        if char in _CLOSING or (_ignorable(char) and not char.isspace()):
            if pending_open:
                word += pending_open
                pending_open = ""
            word += char
            continue
        if _NO_SPACE_SCRIPT.match(char):
            if word:
                units.append(word)
            word = pending_open + char
            pending_open = ""
            continue
        if char.isspace():
            word += char
            continue
        if word and (word[-1].isspace() or _NO_SPACE_SCRIPT.match(word[-1])):
            units.append(word)
            word = ""
        word += pending_open + char
        pending_open = ""
    if word or pending_open:
        units.append(word + pending_open)
    return units
