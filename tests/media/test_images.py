"""Stills as a viewer would check them: which way up, which corner the marker is in, the tones of
16-bit, palette, grey+alpha and CMYK files; bombs, truncated and junk files refused in words.

Every picture is made here with Pillow (or, for the bomb, a PNG header written with zlib).
"""

from __future__ import annotations

import os
import struct
import tracemalloc
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageCms, ImageFile, features

from studio.media.errors import MediaError
from studio.media.images import (
    check_image_header,
    import_image,
    load_image,
    probe_image,
    save_png_atomic,
)

RED, BLUE, GREEN = (230, 20, 20), (20, 20, 230), (20, 200, 20)


def marked(width: int = 90, height: int = 60) -> Image.Image:
    """Green picture with a red block top-left and a blue block top-right (as it should show)."""
    image = Image.new("RGB", (width, height), GREEN)
    image.paste(RED, (0, 0, width // 3, height // 3))
    image.paste(BLUE, (width - width // 3, 0, width, height // 3))
    return image


def corner(image: Image.Image, where: str) -> tuple[int, ...]:
    """Mean colour near a corner ('tl', 'tr', 'bl', 'br'), away from JPEG's edge ringing."""
    width, height = image.size
    x = 4 if where[1] == "l" else width - 9
    y = 4 if where[0] == "t" else height - 9
    block = np.asarray(image.convert("RGB"))[y : y + 5, x : x + 5].reshape(-1, 3)
    return tuple(int(v) for v in block.mean(axis=0))


def near(colour: tuple[int, ...], wanted: tuple[int, ...], tolerance: int = 25) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(colour, wanted, strict=True))


# How a camera stores a picture for each EXIF orientation: the inverse of what a viewer applies.
STORED = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


@pytest.mark.parametrize("orientation", sorted(STORED))
def test_exif_orientation_puts_the_marker_top_left(tmp_path: Path, orientation: int) -> None:
    shown = marked()
    method = STORED[orientation]
    stored = shown if method is None else shown.transpose(method)
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = tmp_path / f"phone-{orientation}.jpg"
    stored.save(path, quality=92, exif=exif.tobytes())

    image = load_image(path)
    assert image.mode == "RGB" and image.size == (90, 60)
    assert near(corner(image, "tl"), RED)
    assert near(corner(image, "tr"), BLUE)
    assert near(corner(image, "bl"), GREEN) and near(corner(image, "br"), GREEN)
    probe = probe_image(path)
    assert (probe["width"], probe["height"], probe["orientation"]) == (90, 60, orientation)


def test_sixteen_bit_grey_keeps_its_tones(tmp_path: Path) -> None:
    ramp = np.tile(np.linspace(0, 65535, 256).astype(np.uint16), (16, 1))
    path = tmp_path / "scan16.png"
    Image.fromarray(ramp).save(path)
    assert Image.open(path).mode.startswith("I")
    pixels = np.asarray(load_image(path))
    assert pixels.shape == (16, 256, 3)
    # Mid-grey stays mid-grey (a plain convert would clip everything above 255 to white).
    assert pixels[0, 0, 0] == 0 and pixels[0, 255, 0] == 255
    assert abs(int(pixels[0, 128, 0]) - 128) <= 1
    assert np.all(np.diff(pixels[0, :, 0].astype(int)) >= 0)


def test_32_bit_and_float_grey_tiffs_are_scaled_not_clipped(tmp_path: Path) -> None:
    deep = np.full((8, 8), 32768, dtype=np.int32)
    Image.fromarray(deep).save(tmp_path / "deep.tif")
    assert abs(int(np.asarray(load_image(tmp_path / "deep.tif"))[0, 0, 0]) - 128) <= 1
    unit = np.full((8, 8), 0.25, dtype=np.float32)
    Image.fromarray(unit, mode="F").save(tmp_path / "float.tif")
    assert abs(int(np.asarray(load_image(tmp_path / "float.tif"))[0, 0, 0]) - 64) <= 1


@pytest.mark.parametrize("suffix", ["png", "gif"])
def test_palette_with_transparency_keeps_it(tmp_path: Path, suffix: str) -> None:
    image = Image.new("P", (20, 20), 1)
    image.putpalette([0, 0, 0, 200, 40, 40] + [0] * 762)
    image.paste(0, (0, 0, 10, 20))  # left half: index 0, the transparent one
    path = tmp_path / f"sticker.{suffix}"
    image.save(path, transparency=0)
    loaded = load_image(path)
    assert loaded.mode == "RGBA"
    assert loaded.getpixel((2, 5))[3] == 0
    assert loaded.getpixel((15, 5)) == (200, 40, 40, 255)


def test_palette_without_transparency_is_plain_rgb(tmp_path: Path) -> None:
    path = tmp_path / "flat.png"
    marked().convert("P", palette=Image.Palette.ADAPTIVE, colors=8).save(path)
    loaded = load_image(path)
    assert loaded.mode == "RGB" and near(corner(loaded, "tl"), RED, 10)


def test_grey_with_alpha_becomes_rgba_with_the_same_grey(tmp_path: Path) -> None:
    image = Image.merge(
        "LA", (Image.new("L", (10, 10), 90), Image.linear_gradient("L").resize((10, 10)))
    )
    path = tmp_path / "shadow.png"
    image.save(path)
    loaded = load_image(path)
    assert loaded.mode == "RGBA"
    r, g, b, a = loaded.getpixel((5, 9))
    assert (r, g, b) == (90, 90, 90) and a > 200
    assert loaded.getpixel((5, 0))[3] < 30


def test_bilevel_and_grey_become_rgb(tmp_path: Path) -> None:
    Image.new("1", (8, 8), 1).save(tmp_path / "fax.tif")
    Image.new("L", (8, 8), 77).save(tmp_path / "grey.bmp")
    assert load_image(tmp_path / "fax.tif").getpixel((0, 0)) == (255, 255, 255)
    assert load_image(tmp_path / "grey.bmp").getpixel((0, 0)) == (77, 77, 77)


def test_cmyk_without_a_profile_converts_with_plain_tones(tmp_path: Path) -> None:
    path = tmp_path / "print.jpg"
    Image.new("CMYK", (16, 16), (0, 255, 255, 0)).save(path, quality=95)  # magenta + yellow
    loaded = load_image(path)
    assert loaded.mode == "RGB" and near(loaded.getpixel((8, 8)), (255, 0, 0), 8)


def _s15(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def cmyk_profile(inks: dict[str, tuple[int, int, int]]) -> bytes:
    """A minimal ICC v2 CMYK printer profile (lut8 A2B0 on a 2-point grid): each ink prints the
    sRGB colour given, inks multiply on white paper. Enough for LittleCMS to convert with it."""
    corners = np.ones((16, 3))
    for index in range(16):
        for bit, ink in zip((8, 4, 2, 1), "CMYK", strict=True):
            if index & bit:
                corners[index] *= np.array(inks[ink]) / 255.0
    rgb = Image.fromarray(np.rint(corners * 255).astype(np.uint8).reshape(1, 16, 3), "RGB")
    to_lab = ImageCms.buildTransform(
        ImageCms.createProfile("sRGB"), ImageCms.createProfile("LAB"), "RGB", "LAB"
    )
    lab = np.asarray(ImageCms.applyTransform(rgb, to_lab)).reshape(16, 3).copy()
    # Pillow keeps a and b as signed bytes; ICC's 8-bit Lab stores them offset by 128.
    lab[:, 1:] = (lab[:, 1:].view(np.int8).astype(np.int16) + 128).astype(np.uint8)
    identity = np.arange(256, dtype=np.uint8)
    matrix = b"".join(_s15(v) for v in (1, 0, 0, 0, 1, 0, 0, 0, 1))
    lut = (
        b"mft1"
        + bytes(4)
        + bytes([4, 3, 2, 0])
        + matrix
        + np.tile(identity, 4).tobytes()
        + lab.tobytes()
        + np.tile(identity, 3).tobytes()
    )
    name = b"test press CMYK"
    desc = (
        b"desc"
        + bytes(4)
        + struct.pack(">I", len(name) + 1)
        + name
        + b"\0"
        + bytes(8)
        + bytes(3)
        + bytes(67)
    )
    d50 = _s15(0.9642) + _s15(1.0) + _s15(0.8249)
    tags = [
        (b"desc", desc),
        (b"wtpt", b"XYZ " + bytes(4) + d50),
        (b"cprt", b"text" + bytes(4) + b"public domain\0"),
        (b"A2B0", lut),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table = data = b""
    for signature, body in tags:
        table += signature + struct.pack(">II", offset + len(data), len(body))
        data += body + bytes((-len(body)) % 4)
    header = (
        struct.pack(">I", offset + len(data))
        + bytes(4)
        + struct.pack(">I", 0x02100000)
        + b"prtrCMYKLab "
        + bytes(12)
        + b"acsp"
        + bytes(28)
        + d50
    )
    return header + bytes(128 - len(header)) + struct.pack(">I", len(tags)) + table + data


def test_cmyk_with_an_icc_profile_converts_through_it(tmp_path: Path) -> None:
    press = cmyk_profile(
        {"C": (0, 160, 225), "M": (230, 0, 126), "Y": (255, 237, 0), "K": (35, 31, 32)}
    )
    path = tmp_path / "brochure.jpg"
    Image.new("CMYK", (16, 16), (255, 0, 0, 0)).save(path, quality=95, icc_profile=press)
    loaded = load_image(path)
    # The press's cyan ink, not the naive formula's (0, 255, 255).
    assert loaded.mode == "RGB" and near(loaded.getpixel((8, 8)), (0, 160, 225), 10)
    paper = tmp_path / "paper.jpg"
    Image.new("CMYK", (16, 16), (0, 0, 0, 0)).save(paper, quality=95, icc_profile=press)
    assert near(load_image(paper).getpixel((8, 8)), (255, 255, 255), 3)


def test_srgb_tagged_pictures_are_left_as_they_are(tmp_path: Path) -> None:
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    path = tmp_path / "tagged.png"
    marked().save(path, icc_profile=srgb)
    assert np.array_equal(np.asarray(load_image(path)), np.asarray(marked()))


def test_animated_gif_gives_its_first_frame(tmp_path: Path) -> None:
    frames = [Image.new("RGB", (12, 12), colour) for colour in (RED, BLUE, GREEN)]
    path = tmp_path / "anim.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100)
    loaded = load_image(path)
    assert near(loaded.getpixel((6, 6)), RED, 12)
    assert probe_image(path)["frames"] == 3


@pytest.mark.parametrize("suffix", ["webp", "bmp", "tiff", "tga", "ppm", "png"])
def test_common_formats_load(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"pic.{suffix}"
    marked().save(path, **({"lossless": True} if suffix == "webp" else {}))
    loaded = load_image(path)
    assert loaded.size == (90, 60) and near(corner(loaded, "tr"), BLUE, 4)


def bomb_png(width: int, height: int) -> bytes:
    """A PNG whose header claims width×height with a tiny compressed IDAT (a few KB on disk)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    packer = zlib.compressobj(9)
    idat = packer.compress(bytes(1 + width * 3) * 20) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("side", [(30000, 30000), (12000, 10000)])
def test_decompression_bombs_are_refused_from_the_header(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, side: tuple[int, int]
) -> None:
    path = tmp_path / "bomb.png"
    path.write_bytes(bomb_png(*side))
    assert path.stat().st_size < 10_000

    def never(*args: object) -> None:
        raise AssertionError("the bomb was decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", never)
    tracemalloc.start()
    try:
        with pytest.raises(MediaError, match="too large") as caught:
            load_image(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "bomb.png" in str(caught.value)
    assert peak < 5_000_000


def test_the_pixel_limit_is_the_callers(tmp_path: Path) -> None:
    path = tmp_path / "big.png"
    Image.new("RGB", (1200, 1000)).save(path)
    with pytest.raises(MediaError, match="1,200,000 pixels"):
        load_image(path, max_pixels=1_000_000)
    assert load_image(path).size == (1200, 1000)


@pytest.mark.parametrize("suffix", ["jpg", "png", "webp", "gif"])
def test_truncated_pictures_are_refused_not_half_grey(tmp_path: Path, suffix: str) -> None:
    whole = tmp_path / f"whole.{suffix}"
    Image.effect_noise((200, 200), 64).convert("RGB").save(whole)
    cut = tmp_path / f"cut.{suffix}"
    data = whole.read_bytes()
    cut.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(MediaError, match=rf"cut\.{suffix} is cut short or damaged"):
        load_image(cut)
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


@pytest.mark.parametrize("suffix", ["jpg", "png", "webp", "gif"])
def test_a_picture_cut_to_its_first_bytes_is_called_cut_short(tmp_path: Path, suffix: str) -> None:
    whole = tmp_path / f"whole.{suffix}"
    Image.effect_noise((200, 200), 64).convert("RGB").save(whole)
    cut = tmp_path / f"cut.{suffix}"
    cut.write_bytes(whole.read_bytes()[:24])  # a download stopped after the first packet
    with pytest.raises(MediaError, match=rf"cut\.{suffix} is cut short or damaged"):
        load_image(cut)


@pytest.mark.skipif(not features.check("avif"), reason="this Pillow was built without libavif")
def test_avif_loads_where_pillow_decodes_it(tmp_path: Path) -> None:
    path = tmp_path / "phone.avif"
    marked().save(path, quality=90)
    assert probe_image(path)["format"] == "AVIF"
    loaded = load_image(path)
    assert loaded.size == (90, 60) and loaded.mode == "RGB"
    assert near(corner(loaded, "tl"), RED, 30) and near(corner(loaded, "tr"), BLUE, 30)


def test_avif_without_libavif_names_the_pillow_that_reads_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "phone.avif"
    # The first bytes of any AVIF: an ISO box "ftyp" with the brand "avif".
    path.write_bytes(b"\x00\x00\x00\x20ftypavif\x00\x00\x00\x00avifmif1miaf" + bytes(200))
    monkeypatch.setattr(features, "check", lambda name: name != "avif")
    with pytest.raises(MediaError, match=r"phone\.avif is an AVIF picture.*Pillow 11\.3"):
        load_image(path)


def _eps(path: Path) -> None:
    path.write_bytes(b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n%%EOF\n")


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty"),
        (np.random.default_rng(5).bytes(5000), "not a picture"),
        (b"<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'/>", "not a picture"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", "not a picture"),
        (None, "not found"),
    ],
    ids=["zero-bytes", "random-bytes", "svg", "wav", "missing"],
)
def test_junk_is_refused_in_words(tmp_path: Path, content: bytes | None, reason: str) -> None:
    path = tmp_path / "holiday.png"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(MediaError, match=reason) as caught:
        load_image(path)
    assert "holiday.png" in str(caught.value)
    with pytest.raises(MediaError):
        probe_image(path)


def test_formats_needing_outside_programs_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "logo.eps"
    _eps(path)
    with pytest.raises(MediaError, match="EPS file"):
        load_image(path)


def test_save_png_atomic_roundtrips_and_never_leaves_a_half_file(tmp_path: Path) -> None:
    path = save_png_atomic(marked(), tmp_path / "out.png")
    assert np.array_equal(np.asarray(Image.open(path)), np.asarray(marked()))
    before = path.read_bytes()
    with pytest.raises((MediaError, OSError)):
        save_png_atomic(Image.new("CMYK", (4, 4)), path)  # PNG cannot hold CMYK
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["out.png"]


def test_probe_reads_the_header_only(tmp_path: Path) -> None:
    path = tmp_path / "scan.tiff"
    Image.new("CMYK", (300, 200)).save(path)
    assert probe_image(path) == {
        "format": "TIFF",
        "width": 300,
        "height": 200,
        "mode": "CMYK",
        "orientation": 1,
        "frames": 1,
    }


# -- colour profiles that cannot be used: the picture loads, the user is told ---------------------
def test_a_damaged_colour_profile_is_told_not_hidden(tmp_path: Path) -> None:
    path = tmp_path / "scan.png"
    marked().save(path, icc_profile=b"\x00" * 50 + b"not a profile" * 10)
    loaded = import_image(path, tmp_path / "out")
    assert loaded.warnings == [
        "scan.png: its embedded colour profile is damaged, so its colours are taken as sRGB "
        "and may look off"
    ]
    with Image.open(loaded.path) as png:  # the pixels are kept as they were
        assert np.array_equal(np.asarray(png), np.asarray(marked()))


def test_a_colour_profile_that_does_not_convert_is_told(tmp_path: Path) -> None:
    press = cmyk_profile(
        {"C": (0, 160, 225), "M": (230, 0, 126), "Y": (255, 237, 0), "K": (35, 31, 32)}
    )
    path = tmp_path / "mislabelled.jpg"  # RGB pixels tagged with a printer's CMYK profile
    marked().save(path, quality=95, icc_profile=press)
    loaded = import_image(path, tmp_path / "out")
    assert loaded.warnings == [
        "mislabelled.jpg: its colour profile (test press CMYK) could not be converted to sRGB, "
        "so its colours are taken as sRGB and may look off"
    ]
    assert loaded.meta["width"] == 90
    plain = tmp_path / "plain.jpg"
    marked().save(plain, quality=95)
    assert import_image(plain, tmp_path / "out2").warnings == []


# -- the header probe `studio validate` runs ------------------------------------------------------
def test_the_header_probe_refuses_what_a_load_would(tmp_path: Path) -> None:
    good = tmp_path / "good.jpg"
    marked().save(good)
    check_image_header(good)
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(bomb_png(12000, 10000))
    with pytest.raises(MediaError, match="too large to open safely"):
        check_image_header(bomb)
    for suffix in ("png", "jpg"):
        whole = tmp_path / f"whole.{suffix}"
        Image.effect_noise((300, 300), 64).convert("RGB").save(whole)
        cut = tmp_path / f"cut.{suffix}"
        cut.write_bytes(whole.read_bytes()[: whole.stat().st_size * 2 // 3])
        with pytest.raises(MediaError, match=rf"cut\.{suffix} is cut short or damaged"):
            check_image_header(cut)
