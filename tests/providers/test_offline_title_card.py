"""Title cards: layout, colours, backgrounds, and a clear error for a missing font."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from studio.errors import ProviderError
from studio.providers.offline.title_card import TitleCard, default_font, render_title_card


def _pixels(path):
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"), dtype=np.int32)


def _text_mask(pixels, colour):
    return np.all(np.abs(pixels - np.array(colour)) < 40, axis=2)


def test_the_shipped_font_and_its_licence_are_there():
    font = default_font()
    assert font.is_file() and font.stat().st_size < 1_000_000
    assert (font.parent / "LICENSE-DejaVu.txt").read_text().count("Bitstream") >= 3


def test_centred_text_on_a_colour(tmp_path):
    out = render_title_card(
        TitleCard(
            "HELLO",
            width=400,
            height=200,
            background="colour",
            colour="#102030",
            text_colour="#ffff00",
            shadow=False,
        ),
        tmp_path / "a.png",
    )
    pixels = _pixels(out)
    assert pixels.shape == (200, 400, 3)
    assert tuple(pixels[2, 2]) == (16, 32, 48)
    ys, xs = np.nonzero(_text_mask(pixels, (255, 255, 0)))
    assert len(xs) > 200
    assert abs(xs.mean() - 200) < 20 and abs(ys.mean() - 100) < 20


@pytest.mark.parametrize(
    ("vertical", "horizontal", "where"),
    [
        ("top", "left", (0.25, 0.3)),
        ("bottom", "right", (0.75, 0.7)),
    ],
)
def test_alignment_moves_the_text(tmp_path, vertical, horizontal, where):
    card = TitleCard(
        "Hi",
        width=600,
        height=400,
        background="colour",
        colour="#000000",
        font_size=60,
        vertical=vertical,
        horizontal=horizontal,
        shadow=False,
    )
    ys, xs = np.nonzero(
        _text_mask(_pixels(render_title_card(card, tmp_path / "a.png")), (255, 255, 255))
    )
    if where[0] < 0.5:
        assert ys.mean() < 400 * where[0] and xs.mean() < 600 * where[1]
    else:
        assert ys.mean() > 400 * where[0] and xs.mean() > 600 * where[1]


def test_gradient_goes_from_colour_to_colour2(tmp_path):
    out = render_title_card(
        TitleCard("", width=64, height=100, colour="#000000", colour2="#ffffff"), tmp_path / "g.png"
    )
    pixels = _pixels(out)
    assert pixels[0, 0, 0] < 10 and pixels[-1, 0, 0] > 245
    assert pixels[50, 0, 0] == pytest.approx(128, abs=4)


def test_long_text_wraps_and_shrinks_to_fit(tmp_path):
    text = "A very long title that could never fit on one line of a small card " * 3
    out = render_title_card(
        TitleCard(
            text,
            width=300,
            height=200,
            background="colour",
            colour="#000000",
            font_size=80,
            shadow=False,
        ),
        tmp_path / "long.png",
    )
    ys, xs = np.nonzero(_text_mask(_pixels(out), (255, 255, 255)))
    margin = 0.08 * 200
    assert xs.min() >= margin - 3 and xs.max() <= 300 - margin + 3
    assert ys.min() >= 0 and ys.max() < 200


def test_outline_and_shadow_add_dark_pixels_around_light_text(tmp_path):
    plain = TitleCard(
        "Light", width=300, height=150, background="colour", colour="#808080", shadow=False
    )
    outlined = TitleCard(
        "Light",
        width=300,
        height=150,
        background="colour",
        colour="#808080",
        shadow=True,
        outline=3,
    )
    dark_plain = (_pixels(render_title_card(plain, tmp_path / "p.png")).sum(axis=2) < 150).sum()
    dark_outlined = (
        _pixels(render_title_card(outlined, tmp_path / "o.png")).sum(axis=2) < 150
    ).sum()
    assert dark_plain == 0 and dark_outlined > 500


def test_picture_background_is_fitted_and_dimmed(tmp_path):
    source = tmp_path / "bg.png"
    Image.new("RGB", (200, 100), (200, 100, 50)).save(source)
    out = render_title_card(
        TitleCard("", width=120, height=120, background="image", image=source, dim=0.5),
        tmp_path / "c.png",
    )
    pixels = _pixels(out)
    assert pixels.shape == (120, 120, 3)
    assert tuple(pixels[5, 5]) == pytest.approx((100, 50, 25), abs=2)


def test_missing_font_is_a_clear_error(tmp_path):
    card = TitleCard("x", width=100, height=100, font=tmp_path / "NoSuchFont.ttf")
    with pytest.raises(ProviderError, match=r"the font NoSuchFont\.ttf is missing"):
        render_title_card(card, tmp_path / "x.png")
    assert not (tmp_path / "x.png").exists()


def test_a_file_that_is_not_a_font_is_a_clear_error(tmp_path):
    bogus = tmp_path / "bogus.ttf"
    bogus.write_bytes(b"not a font at all")
    with pytest.raises(ProviderError, match="not a TrueType or OpenType font"):
        render_title_card(TitleCard("x", width=100, height=100, font=bogus), tmp_path / "x.png")
