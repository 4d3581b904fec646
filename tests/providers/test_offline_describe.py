"""Offline description: colours named right, light and shape said plainly."""

from __future__ import annotations

import numpy as np
from PIL import Image

from studio.providers.offline.describe import analyse, describe


def test_a_red_picture_is_called_red(tmp_path):
    path = tmp_path / "red.png"
    Image.new("RGB", (320, 240), (210, 25, 30)).save(path)
    text = describe(path)
    assert "mostly red" in text
    assert "320 by 240" in text and "landscape" in text
    assert "warm" in text


def test_main_colours_with_shares_and_where_the_light_is(tmp_path):
    pixels = np.zeros((200, 100, 3), np.uint8)
    pixels[:70] = (120, 180, 240)  # a light blue sky on top
    pixels[70:] = (30, 90, 40)  # dark green land below
    path = tmp_path / "land.png"
    Image.fromarray(pixels).save(path)
    facts = analyse(path)
    names = [name for name, _ in facts.colours]
    assert names[0].endswith("green") and any(n.endswith("blue") for n in names[:2])
    text = describe(path)
    assert "portrait" in text
    assert "top is lighter than the bottom" in text
    assert "35 percent" in text or "36 percent" in text or "34 percent" in text


def test_dark_and_bright_pictures_read_differently(tmp_path):
    dark, bright = tmp_path / "dark.png", tmp_path / "bright.png"
    Image.new("RGB", (100, 100), (10, 12, 30)).save(dark)
    Image.new("RGB", (100, 100), (250, 245, 235)).save(bright)
    assert "very dark" in describe(dark) and "square" in describe(dark)
    assert "very bright" in describe(bright)
    assert analyse(dark).brightness < 0.15 < 0.85 < analyse(bright).brightness


def test_exif_rotation_is_honoured(tmp_path):
    path = tmp_path / "phone.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° when shown
    Image.new("RGB", (400, 300), (0, 120, 0)).save(path, exif=exif)
    assert "300 by 400" in describe(path)
