"""A picture exported as PNG, JPEG or WebP: right format, size and pixels; JPEG flattens
transparency onto white; a bad source, a refused size or a stop leaves nothing behind."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from studio.errors import Cancelled
from studio.media.errors import MediaError
from studio.media.still_convert import STILL_FORMATS, convert_still


def half_clear_png(path: Path, size=(80, 50)) -> Path:
    """Left half opaque red, right half fully transparent."""
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    image.paste((220, 30, 30, 255), (0, 0, size[0] // 2, size[1]))
    image.save(path)
    return path


def test_jpeg_flattens_transparency_onto_white(tmp_path):
    source = half_clear_png(tmp_path / "logo.png")
    result = convert_still(source, tmp_path / "logo.jpg", "jpg")
    assert result["flattened"] and (result["width"], result["height"]) == (80, 50)
    with Image.open(tmp_path / "logo.jpg") as image:
        assert image.format == "JPEG" and image.mode == "RGB" and image.size == (80, 50)
        red = image.getpixel((10, 25))
        clear = image.getpixel((70, 25))
    assert all(abs(a - b) <= 6 for a, b in zip(red, (220, 30, 30), strict=True))
    assert min(clear) >= 250  # white paper, not black
    assert "white" in STILL_FORMATS["jpg"]


def test_webp_keeps_transparency_and_png_is_lossless(tmp_path):
    source = half_clear_png(tmp_path / "logo.png")
    convert_still(source, tmp_path / "logo.webp", "webp")
    with Image.open(tmp_path / "logo.webp") as image:
        assert image.format == "WEBP" and image.size == (80, 50)
        assert image.convert("RGBA").getpixel((70, 25))[3] == 0
        assert image.convert("RGBA").getpixel((10, 25))[3] == 255
    convert_still(tmp_path / "logo.webp", tmp_path / "again.png", "png")
    with Image.open(tmp_path / "again.png") as image:
        assert image.format == "PNG" and image.mode == "RGBA" and image.size == (80, 50)


def test_a_bad_source_says_why_and_writes_nothing(tmp_path):
    junk = tmp_path / "card.png"
    junk.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)  # starts right, then nothing
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(MediaError, match=r"^card\.png is cut short or damaged"):
        convert_still(junk, out / "card.jpg", "jpg")
    assert list(out.iterdir()) == []


def test_a_picture_too_wide_for_webp_is_refused_before_writing(tmp_path):
    wide = tmp_path / "strip.png"
    Image.new("RGB", (16_384, 2), (10, 20, 30)).save(wide)
    with pytest.raises(MediaError, match=r"at most 16383 pixels on a side; this one is 16384×2"):
        convert_still(wide, tmp_path / "strip.webp", "webp")
    assert not (tmp_path / "strip.webp").exists()


def test_a_stop_leaves_the_old_file_as_it_was(tmp_path):
    source = half_clear_png(tmp_path / "logo.png")
    target = tmp_path / "out" / "logo.jpg"
    target.parent.mkdir()
    target.write_bytes(b"the user's older file")
    with pytest.raises(Cancelled):
        convert_still(source, target, "jpg", should_stop=lambda: True)
    assert target.read_bytes() == b"the user's older file"
    assert list(target.parent.iterdir()) == [target]


def test_an_unknown_format_is_refused(tmp_path):
    with pytest.raises(MediaError, match="cannot be written as 'bmp'"):
        convert_still(half_clear_png(tmp_path / "a.png"), tmp_path / "a.bmp", "bmp")
