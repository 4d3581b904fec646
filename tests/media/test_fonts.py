"""Every script a creator writes in is drawn: no glyph is the font's missing-glyph box, lines
read in their direction, and lines without spaces break between ideographs."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from studio.media import fonts
from studio.media.captions import (
    CaptionBurner,
    caption_chain,
    missing_glyphs_warning,
    split_phrases,
)
from studio.media.fonts import FontChain, break_units, coverage, primary_font
from studio.providers.offline.title_card import TitleCard, render_title_card

SAMPLES = {
    "Japanese": "灯台は海を見守っている。夜が来ても、光は消えない。",
    "Chinese": "灯塔守望着大海，夜晚来临，灯光依旧。",
    "Arabic": "المنارة تحرس البحر، والضوء لا ينطفئ.",
    "Hebrew": "המגדלור שומר על הים, והאור לא כבה.",
    "Hindi": "प्रकाशस्तंभ समुद्र की रखवाली करता है।",
    "Russian": "Маяк охраняет море, и свет не гаснет.",
    "emoji": "The light 🌊 🔥 👍 😀 ❤️ keeps watch",
}
NOT_A_CHARACTER = "\U000f0000"  # private use, plane 15: in no font here, so drawn as .notdef


def bitmap(font, text: str) -> np.ndarray:
    image = Image.new("L", (200, 120))
    ImageDraw.Draw(image).text((20, 10), text, font=font, fill=255)
    return np.asarray(image)


def is_missing_box(font, char: str) -> bool:
    """Whether `font` draws `char` exactly as it draws its missing-glyph box (.notdef)."""
    return np.array_equal(bitmap(font, char), bitmap(font, NOT_A_CHARACTER))


def drawn_characters(text: str) -> list[str]:
    return [c for c in text if not fonts._ignorable(c) and not c.isspace()]


@pytest.mark.parametrize("system", [True, False], ids=["with-system-fonts", "bundled-only"])
@pytest.mark.parametrize("language", SAMPLES)
def test_no_character_of_a_caption_is_the_missing_glyph_box(language: str, system: bool) -> None:
    chain = FontChain(48, system=system)
    text = SAMPLES[language]
    assert chain.missing(text) == set()
    for char in drawn_characters(text):
        font = chain.font_for(char)
        assert NOT_A_CHARACTER not in {chr(p) for p in coverage(Path(font.path))}
        assert not is_missing_box(font, char), f"{char!r} ({language}) is drawn as a box"


def test_the_check_sees_the_boxes_the_shipped_font_alone_draws() -> None:
    dejavu = ImageFont.truetype(str(primary_font()), 48)
    for char in "灯海प😀"[:3]:  # what captions showed before the fallbacks
        assert is_missing_box(dejavu, char)
    assert not is_missing_box(dejavu, "ع") and not is_missing_box(dejavu, "Ж")


@pytest.mark.parametrize("language", SAMPLES)
def test_a_burned_caption_in_each_script_differs_from_one_of_boxes(language: str) -> None:
    text = SAMPLES[language]
    boxes = "".join(NOT_A_CHARACTER if not c.isspace() else c for c in text)
    frames = []
    for caption in (text, boxes):
        frame = np.full((720 * 3 // 2, 1280), 60, np.uint8)
        CaptionBurner(1280, 720).burn(frame, caption)
        frames.append(frame[:720].astype(int))
    assert np.abs(frames[0] - frames[1]).mean() > 0.5


def x_of(chain: FontChain, line: str, part: str) -> float:
    """Where `part` of `line` is drawn: the mean x of the pixels it adds."""

    def draw(text: str) -> np.ndarray:
        image = Image.new("L", (900, 100))
        chain.draw(ImageDraw.Draw(image), (10, 10), text, fill=255)
        return np.asarray(image)

    blanked = line.replace(part, " " * len(part))
    return float(np.argwhere(draw(line) != draw(blanked))[:, 1].mean())


@pytest.mark.parametrize(
    ("line", "first", "second"),
    [
        ("שלום עולם", "שלום", "עולם"),  # one font: raqm's layout
        ("مرحبا بكم", "مرحبا", "بكم"),
        ("مرحبا بكم 日本", "مرحبا", "日本"),  # two fonts: runs put in order here
        ("שלום 🌊 עולם", "שלום", "עולם"),
    ],
)
def test_right_to_left_lines_read_from_the_right(line: str, first: str, second: str) -> None:
    chain = FontChain(40)
    assert x_of(chain, line, first) > x_of(chain, line, second)


def test_a_right_to_left_word_inside_a_left_to_right_line_stays_in_its_place() -> None:
    chain = FontChain(40)
    line = "Hello שלום world 日本"
    xs = [x_of(chain, line, part) for part in ("Hello", "שלום", "world", "日本")]
    assert xs == sorted(xs)
    # Inside the word, the letters run right to left: its first letter is on the right.
    assert x_of(chain, line, "ש") > x_of(chain, line, "ם")


def test_lines_without_spaces_break_between_ideographs_not_before_closing_marks() -> None:
    chain = FontChain(40)
    text = SAMPLES["Japanese"] * 2
    lines = chain.wrap(text, 300)
    assert len(lines) >= 4
    assert "".join(lines) == text
    assert all(chain.getlength(line) <= 300 for line in lines)
    assert not any(line[0] in "。、」" for line in lines)
    assert break_units("「光」は、消えない。") == ["「光」", "は、", "消", "え", "な", "い。"]
    assert break_units("Hello world, 日本語") == ["Hello ", "world, ", "日", "本", "語"]


def test_system_fonts_found_by_fontconfig_come_before_the_bundled_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    system_copy = tmp_path / "SystemDevanagari.ttf"
    system_copy.write_bytes((fonts.fonts_dir() / "NotoSansDevanagari-Bold.ttf").read_bytes())
    fake = tmp_path / "bin" / "fc-match"
    fake.parent.mkdir()
    fake.write_text(f"#!/bin/sh\necho '{system_copy}|0'\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    fonts.system_fonts_for.cache_clear()
    try:
        chain = FontChain(40)
        assert chain.fonts_used("नमस्ते") == [system_copy]
        # What the system font lacks still comes from the bundled fallbacks.
        assert chain.fonts_used("日本")[0].name == "NotoSansCJKjp-Bold-subset.otf"
    finally:
        fonts.system_fonts_for.cache_clear()


def test_characters_no_font_has_are_told() -> None:
    assert missing_glyphs_warning(list(SAMPLES.values())) is None
    warning = missing_glyphs_warning(["Hello " + NOT_A_CHARACTER])
    assert warning is not None and "1 character(s) of the captions" in warning
    assert caption_chain(20).missing("abc") == set()


def test_a_title_card_in_japanese_with_an_emoji_is_not_boxes(tmp_path: Path) -> None:
    shown, boxes = tmp_path / "shown.png", tmp_path / "boxes.png"
    render_title_card(TitleCard("灯台 🌊", width=640, height=360, shadow=False), shown)
    missing = NOT_A_CHARACTER * 2 + " " + NOT_A_CHARACTER
    render_title_card(TitleCard(missing, width=640, height=360, shadow=False), boxes)
    a = np.asarray(Image.open(shown).convert("L")).astype(int)
    b = np.asarray(Image.open(boxes).convert("L")).astype(int)
    assert np.abs(a - b).mean() > 1.0


def test_chinese_and_japanese_captions_are_cut_at_their_own_full_stops_and_commas() -> None:
    assert split_phrases(SAMPLES["Japanese"]) == [
        "灯台は海を見守っている。",
        "夜が来ても、光は消えない。",
    ]
    assert split_phrases("「光は消えない。」と彼は言った。") == [
        "「光は消えない。」",
        "と彼は言った。",
    ]
    long = "灯塔守望着大海" * 8 + "，" + "夜晚来临灯光依旧" * 6 + "。"  # 94 characters, no spaces
    phrases = split_phrases(long)
    assert phrases == [long[:57], long[57:]]
    assert split_phrases("光は消えない。🌊 The end. 👍") == ["光は消えない。🌊", "The end. 👍"]
    assert split_phrases("The sea is calm. The light comes on.") == [
        "The sea is calm.",
        "The light comes on.",
    ]
