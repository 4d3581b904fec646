"""Rebuild the fallback fonts in resources/fonts/ from Debian's font packages (run by hand).

    apt-get download fonts-noto-cjk fonts-noto-core fonts-symbola
    for d in *.deb; do dpkg-deb -x "$d" x; done
    python packaging/fonts/make_fallback_fonts.py x resources/fonts

What is kept, and why (the studio draws captions and title cards, not books):
- Noto Sans CJK JP Bold, subset to the characters of everyday Chinese, Japanese and Korean
  text: GB 2312 (6,763 simplified hanzi), JIS X 0208 (6,355 kanji, kana), Big5 level 1 (5,401
  common traditional hanzi), KS X 1001's 2,350 Hangul syllables, CJK punctuation, fullwidth
  forms. About 5 MB instead of 20 MB; rare characters come from the system's fonts when it has
  them (fontconfig). One regional style (Japanese) serves all: the glyph shapes of a few
  shared ideographs differ from the Chinese ones, which a system font fixes where installed.
- Noto Sans Devanagari, Bengali, Tamil and Thai Bold, whole (they are small).
- Symbola, subset to the emoji and pictograph blocks: monochrome emoji drawn like the text
  (white with an outline). Colour emoji fonts are bitmaps at one fixed size (CBDT), which Pillow
  cannot scale to a caption's size.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont


def encoded(codec: str, first: int, last: int, trail: tuple[int, int] = (0xA1, 0xFE)) -> set[int]:
    """Code points of the two-byte characters of a legacy CJK encoding, lead bytes first..last."""
    points = set()
    for lead in range(first, last + 1):
        for byte in range(trail[0], trail[1] + 1):
            try:
                text = bytes([lead, byte]).decode(codec)
            except UnicodeDecodeError:
                continue
            points.update(ord(c) for c in text)
    return points


def cjk_points() -> set[int]:
    points = encoded("gb2312", 0xA1, 0xF7)  # all of GB 2312
    points |= encoded("euc_jp", 0xA1, 0xF4)  # all of JIS X 0208
    points |= encoded("big5", 0xA4, 0xC6, (0x40, 0xFE))  # Big5 level 1
    points |= encoded("euc_kr", 0xB0, 0xC8)  # KS X 1001's Hangul syllables (not its hanja)
    for first, last in (
        (0x3000, 0x303F),  # CJK punctuation
        (0x3040, 0x30FF),  # hiragana, katakana
        (0x31F0, 0x31FF),
        (0xFF00, 0xFFEF),  # fullwidth and halfwidth forms
        (0x3130, 0x318F),  # Hangul compatibility jamo
    ):
        points.update(range(first, last + 1))
    return {p for p in points if p > 0x7F}


EMOJI_BLOCKS = (  # DejaVu has the arrows and shapes; these are the pictographs it lacks
    (0x2300, 0x23FF),
    (0x2600, 0x27BF),
    (0x2B00, 0x2BFF),
    (0x1F000, 0x1FAFF),
)


def write_subset(font: TTFont, points: set[int], out: Path) -> None:
    options = subset.Options()
    options.layout_features = ["*"]  # keep shaping (vertical forms, ligatures, sequences)
    options.name_IDs = ["*"]
    options.notdef_outline = True  # a missing character still draws as a box, as before
    options.hinting = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(points & set(font.getBestCmap())))
    subsetter.subset(font)
    font.save(out)
    print(f"{out.name}: {len(font.getBestCmap())} characters, {out.stat().st_size:,} bytes")


def main(source: Path, target: Path) -> None:
    noto = source / "usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"
    japanese = TTCollection(noto).fonts[0]  # Noto Sans CJK JP Bold
    write_subset(japanese, cjk_points(), target / "NotoSansCJKjp-Bold-subset.otf")
    core = source / "usr/share/fonts/truetype/noto"
    for name in ("Devanagari", "Bengali", "Tamil", "Thai"):
        data = (core / f"NotoSans{name}-Bold.ttf").read_bytes()
        (target / f"NotoSans{name}-Bold.ttf").write_bytes(data)
    symbola = TTFont(source / "usr/share/fonts/truetype/ancient-scripts/Symbola_hint.ttf")
    points = {p for first, last in EMOJI_BLOCKS for p in range(first, last + 1)}
    write_subset(symbola, points, target / "Symbola-emoji-subset.ttf")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
