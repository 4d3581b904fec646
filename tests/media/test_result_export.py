"""What Export offers for a picture, a sound and a video (the result's own format first), what
a typed extension means, and the one conversion call for every kind."""

from __future__ import annotations

import pytest
from PIL import Image

from studio.media.errors import MediaError
from studio.media.result_export import chosen_format, convert_result, export_formats
from studio.media.sound_convert import sound_formats


def extensions(formats):
    return [ext for ext, _text in formats]


def test_a_picture_offers_png_jpeg_and_webp_its_own_first():
    assert extensions(export_formats("image", ".png")) == ["png", "jpg", "webp"]
    assert extensions(export_formats("image", ".WEBP")) == ["webp", "png", "jpg"]
    formats = export_formats("image", ".jpeg")  # a provider's .jpeg is the JPEG offered
    assert extensions(formats) == ["jpeg", "png", "webp"]
    assert "JPEG" in formats[0][1]
    assert extensions(export_formats("image", ".gif")) == ["gif", "png", "jpg", "webp"]
    assert export_formats("image", ".gif")[0] == ("gif", "GIF files")


def test_a_sound_offers_what_this_pyav_encodes_its_own_first():
    assert extensions(export_formats("audio", ".wav")) == list(sound_formats())
    m4a = extensions(export_formats("audio", ".m4a"))
    assert m4a[0] == "m4a" and sorted(m4a) == sorted(sound_formats())
    ogg = export_formats("audio", ".ogg")  # Vorbis: copied as it is, or converted
    assert ogg[0] == ("ogg", "OGG files") and extensions(ogg)[1:] == list(sound_formats())


def test_a_video_offers_the_export_containers_and_other_kinds_only_their_own():
    assert extensions(export_formats("video", ".webm")) == ["webm", "mp4", "gif"]
    assert export_formats("text", ".txt") == [("txt", "TXT files")]


def test_a_typed_extension_names_the_offered_format():
    formats = export_formats("image", ".png")
    assert chosen_format(formats, ".JPG") == "jpg"
    assert chosen_format(formats, ".jpeg") == "jpg"
    assert chosen_format(formats, ".bmp") is None
    assert chosen_format(formats, "") is None
    assert chosen_format(export_formats("image", ".jpeg"), ".jpg") == "jpeg"  # its own: copied


def test_convert_result_converts_each_kind_and_refuses_others(tmp_path):
    source = tmp_path / "card.png"
    Image.new("RGB", (40, 20), (1, 2, 3)).save(source)
    result = convert_result("image", source, tmp_path / "card.jpeg", "jpeg")
    with Image.open(result["path"]) as image:
        assert image.format == "JPEG" and image.size == (40, 20)
    with pytest.raises(MediaError, match="a text result cannot be converted"):
        convert_result("text", source, tmp_path / "card.txt", "txt")
