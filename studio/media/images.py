"""Stills in and out with Pillow: any common format in, upright sRGB RGB/RGBA out.

What cameras, phones and other tools really write is handled: EXIF orientation, 16-bit and
32-bit grey, palette pictures with transparency, grey+alpha, CMYK (through its ICC profile when
it has one) and wide-gamut RGB profiles (Display P3, Adobe RGB) converted to sRGB.

What must never reach memory is refused before decoding: the header's pixel count is checked
first (a 30000×30000 PNG of a few KB would otherwise take 2.7 GB), and a truncated file is an
error ("cut short or damaged"), never a half-grey picture (`ImageFile.LOAD_TRUNCATED_IMAGES` is
left False). A colour profile that cannot be read or applied leaves the pixels as they are and
says so in `warnings`: the picture is usable, its colours may be off.

AVIF is read where the installed Pillow decodes it (Pillow 11.3 and newer ship libavif in their
wheels; `PIL.features.check("avif")`).
"""

from __future__ import annotations

import contextlib
import re
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studio.atomic import open_atomic
from studio.media.errors import Loaded, MediaError, check_media_file

if TYPE_CHECKING:
    from PIL import Image

DEFAULT_MAX_PIXELS = 100_000_000
# Formats Pillow decodes by itself, without outside programs (EPS would run Ghostscript).
SUPPORTED_FORMATS = {
    "PNG": "PNG",
    "JPEG": "JPEG",
    "MPO": "JPEG",
    "WEBP": "WebP",
    "GIF": "GIF",
    "BMP": "BMP",
    "DIB": "BMP",
    "TIFF": "TIFF",
    "TGA": "TGA",
    "PPM": "PPM",
    "ICO": "ICO",
    "ICNS": "ICNS",
    "PCX": "PCX",
    "SGI": "SGI",
    "QOI": "QOI",
    "JPEG2000": "JPEG 2000",
    "DDS": "DDS",
    "AVIF": "AVIF",  # only where Pillow was built with libavif: see `_supported_list`
}
AVIF_PILLOW = "11.3"  # the first Pillow whose wheels decode AVIF


def _open(path: Path) -> Image.Image:
    """Open lazily (header only) and check format and size; nothing is decoded yet."""
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    name = path.name
    check_media_file(path, "a picture")
    try:
        with warnings.catch_warnings():
            # Our own limit (checked below) decides; Pillow's warning would only be noise.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(path)
    except Image.DecompressionBombError as exc:
        pixels = re.search(r"\((\d+) pixels\)", str(exc))
        count = f"{int(pixels.group(1)):,} pixels" if pixels else "too many pixels"
        raise MediaError(
            f"{name} is too large to open safely ({count}); it may be a decompression bomb"
        ) from None
    except UnidentifiedImageError:
        raise _unidentified(path) from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise MediaError(f"{name} is cut short or damaged and cannot be opened ({exc})") from None
    if image.format not in SUPPORTED_FORMATS:
        image.close()
        raise MediaError(
            f"{name} is a {image.format} file, which this studio does not read "
            f"(supported: {_supported_list()})"
        )
    return image


def _unidentified(path: Path) -> MediaError:
    """Why Pillow did not know a file: cut short, a format it lacks here, or not a picture."""
    from studio.media.probe import sniff

    started = sniff(path)
    if started == "an AVIF picture" and not _avif_decodes():
        return MediaError(
            f"{path.name} is an AVIF picture, and the installed Pillow cannot decode AVIF "
            f"(Pillow {AVIF_PILLOW} or newer can)"
        )
    if started == "a HEIF picture":
        return MediaError(f"{path.name} is a HEIF/HEIC picture, which this studio does not read")
    if started is not None and started.endswith("picture"):
        return MediaError(
            f"{path.name} is cut short or damaged: it starts like {started}, "
            "but the rest cannot be read"
        )
    return MediaError(
        f"{path.name} is not a picture this studio can read (supported: {_supported_list()})"
    )


def _avif_decodes() -> bool:
    from PIL import features

    return bool(features.check("avif"))


def _supported_list() -> str:
    names = set(SUPPORTED_FORMATS.values())
    if not _avif_decodes():
        names.discard("AVIF")
    return ", ".join(sorted(names))


def _check_pixels(image: Image.Image, name: str, max_pixels: int) -> None:
    width, height = image.size
    if width < 1 or height < 1:
        raise MediaError(f"{name} has no pixels ({width}×{height})")
    if width * height > max_pixels:
        raise MediaError(
            f"{name} is too large to open safely: {width}×{height} is {width * height:,} "
            f"pixels, the limit is {max_pixels:,}; it may be a decompression bomb"
        )


def load_image(
    path: Path, *, max_pixels: int = DEFAULT_MAX_PIXELS, warnings: list[str] | None = None
) -> Image.Image:
    """Decode a still to an upright sRGB image in mode RGB or RGBA (alpha kept when present).

    Raises MediaError, in user words, for a missing, empty, junk, truncated, unsupported or
    oversized file; an oversized one is refused from its header, before any decoding. A colour
    profile that cannot be applied is told in `warnings` (the pixels are kept as they are).
    """
    from PIL import ImageOps

    path = Path(path)
    name = path.name
    image = _open(path)
    try:
        _check_pixels(image, name, max_pixels)
        try:
            image.seek(0)  # animated GIF/WebP, multi-page TIFF: the first frame
            image.load()
        except MemoryError:
            raise MediaError(f"{name} is too large to decode in the memory available") from None
        except Exception as exc:  # a decoder may raise anything on a bad file
            raise MediaError(
                f"{name} is cut short or damaged and cannot be decoded ({_reason(exc)})"
            ) from None
        try:
            upright = ImageOps.exif_transpose(image) or image
        except Exception:  # a broken EXIF block must not lose the picture
            upright = image
        told: list[str] = []
        result = _to_srgb(upright, name, told)
        if warnings is not None:
            warnings.extend(f"{name}: {problem}" for problem in told)
    except BaseException:
        image.close()
        raise
    if result is not image:
        image.close()
    elif getattr(image, "fp", None) is not None:
        # A multi-frame file keeps its file open; hand back a picture that owns nothing.
        result = image.copy()
        image.close()
    return result


def _reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text[:120]


def _to_srgb(image: Image.Image, name: str, told: list[str]) -> Image.Image:
    """Convert any mode to RGB or RGBA with correct tones; a profile problem goes in `told`."""
    mode = image.mode
    if mode == "RGB" and "transparency" in image.info:  # a colour key (PNG tRNS)
        return _profile_to_srgb(image.convert("RGBA"), told)
    if mode in ("RGB", "RGBA"):
        return _profile_to_srgb(image, told)
    if mode == "CMYK":
        return _cmyk_to_rgb(image, told)
    if mode.startswith("I;16") or mode == "I":
        return _deep_grey(image, 65535.0)
    if mode == "F":
        return _deep_grey(image, None)
    if mode in ("P", "PA"):
        return image.convert("RGBA" if image.has_transparency_data else "RGB")
    if mode in ("LA", "La", "RGBa"):
        return image.convert("RGBA")
    if mode in ("1", "L", "RGBX", "YCbCr", "HSV"):
        converted = image.convert("RGBA" if "transparency" in image.info else "RGB")
        return _profile_to_srgb(converted, told) if mode == "RGBX" else converted
    if mode == "LAB":
        return _lab_to_rgb(image, name)
    try:
        return image.convert("RGB")
    except (ValueError, OSError):
        raise MediaError(f"{name} uses the colour mode {mode}, which cannot be converted") from None


def _deep_grey(image: Image.Image, full_scale: float | None) -> Image.Image:
    """16/32-bit integer or float grey to 8-bit RGB, scaled (Pillow's own convert clips)."""
    import numpy as np
    from PIL import Image

    values = np.asarray(image).astype(np.float64)
    if full_scale is None:  # float pictures: 0..1 by convention, else their own range
        top = float(values.max()) if values.size else 1.0
        full_scale = 1.0 if top <= 1.0 else top
    grey = np.clip(np.rint(values * (255.0 / full_scale)), 0, 255).astype(np.uint8)
    return Image.fromarray(grey).convert("RGB")


def _icc_profile(image: Image.Image, told: list[str]) -> Any:
    from io import BytesIO

    from PIL import ImageCms

    data = image.info.get("icc_profile")
    if not data:
        return None
    try:
        return ImageCms.ImageCmsProfile(BytesIO(data))
    except (OSError, ValueError, TypeError, ImageCms.PyCMSError):
        # A broken embedded profile: the pixels are taken as sRGB, which may be off.
        told.append(
            "its embedded colour profile is damaged, so its colours are taken as sRGB "
            "and may look off"
        )
        return None


def _profile_name(profile: Any) -> str:
    from PIL import ImageCms

    try:
        return (ImageCms.getProfileDescription(profile) or "").strip() or "unnamed"
    except (ImageCms.PyCMSError, OSError, ValueError):
        return "unnamed"


def _profile_to_srgb(image: Image.Image, told: list[str]) -> Image.Image:
    """RGB(A) with a non-sRGB ICC profile (Display P3, Adobe RGB) converted to sRGB."""
    from PIL import ImageCms

    profile = _icc_profile(image, told)
    if profile is None:
        return image
    if "srgb" in _profile_name(profile).lower():
        return image
    try:
        return _convert_profile(image, profile, ImageCms.createProfile("sRGB"), image.mode)
    except (ImageCms.PyCMSError, OSError, ValueError):
        told.append(_unconverted(profile, "taken as sRGB"))
        return image


def _convert_profile(
    image: Image.Image, source: Any, target: Any, mode: str, intent: Any = None
) -> Image.Image:
    """ImageCms.profileToProfile into a new picture (it returns None only when in place)."""
    from PIL import ImageCms

    options = {} if intent is None else {"renderingIntent": intent}
    converted = ImageCms.profileToProfile(image, source, target, outputMode=mode, **options)
    if converted is None:
        raise ValueError("the colour conversion gave no picture")
    return converted


def _unconverted(profile: Any, fallback: str) -> str:
    return (
        f"its colour profile ({_profile_name(profile)}) could not be converted to sRGB, so its "
        f"colours are {fallback} and may look off"
    )


def _cmyk_to_rgb(image: Image.Image, told: list[str]) -> Image.Image:
    """CMYK through its embedded ICC profile (how print software meant it); else Pillow's
    plain formula, which is close for most files."""
    from PIL import ImageCms

    profile = _icc_profile(image, told)
    if profile is not None:
        try:
            return _convert_profile(
                image,
                profile,
                ImageCms.createProfile("sRGB"),
                "RGB",
                ImageCms.Intent.PERCEPTUAL,
            )
        except (ImageCms.PyCMSError, OSError, ValueError):
            told.append(_unconverted(profile, "converted by the plain CMYK formula"))
    return image.convert("RGB")


def _lab_to_rgb(image: Image.Image, name: str) -> Image.Image:
    from PIL import ImageCms

    try:
        return _convert_profile(
            image, ImageCms.createProfile("LAB"), ImageCms.createProfile("sRGB"), "RGB"
        )
    except (ImageCms.PyCMSError, OSError, ValueError):
        raise MediaError(f"{name} is a Lab colour picture that cannot be converted") from None


def probe_image(path: Path) -> dict[str, Any]:
    """Format, upright width and height, and colour mode of a still, read from its header."""
    path = Path(path)
    image = _open(path)
    try:
        width, height = image.size
        orientation = 1
        with contextlib.suppress(Exception):
            orientation = int(image.getexif().get(0x0112, 1) or 1)
        if orientation in (5, 6, 7, 8):  # rotated a quarter turn: sides swap when shown
            width, height = height, width
        return {
            "format": image.format,
            "width": width,
            "height": height,
            "mode": image.mode,
            "orientation": orientation,
            "frames": int(getattr(image, "n_frames", 1) or 1),
        }
    finally:
        image.close()


def save_png_atomic(image: Image.Image, path: Path, *, compress_level: int = 3) -> Path:
    """Write `image` as a PNG at `path` through a temp file and a rename (never half-written).

    Compression level 3 is about twice as fast as Pillow's default 6 for a few percent more
    bytes, which suits cache files that are written once and read a few times.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open_atomic(path) as handle:
            image.save(handle, format="PNG", compress_level=compress_level)
    except OSError as exc:
        raise MediaError(f"could not write {path.name}: {exc.strerror or exc}") from None
    return path


def import_image(source: Path, scratch: Path, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> Loaded:
    """Check a user's still and return the normalised PNG to store, its metadata and warnings
    (a colour profile that could not be applied).

    The PNG is upright, sRGB, RGB or RGBA: every later step reads one simple kind of file.
    """
    source = Path(source)
    warnings: list[str] = []
    image = load_image(source, max_pixels=max_pixels, warnings=warnings)
    target = save_png_atomic(image, Path(scratch) / "image.png")
    meta = {"width": image.width, "height": image.height, "has_alpha": image.mode == "RGBA"}
    probe = probe_image(source)
    meta["source_format"] = probe["format"]
    if probe["orientation"] != 1:
        meta["rotated"] = True  # turned upright from its EXIF orientation
    return Loaded(target, meta, warnings)


def check_image_header(path: Path, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> None:
    """Raise MediaError unless `path` is a picture `load_image` would take: a known format and
    a size under the limit, read from the header. Cheap integrity checks where a format has
    them: a PNG's chunk checksums (no inflating), a JPEG decoded at an eighth of its size."""
    path = Path(path)
    image = _open(path)
    try:
        _check_pixels(image, path.name, max_pixels)
        if image.format == "PNG":
            image.verify()
        elif image.format == "JPEG":
            image.draft("RGB", (max(1, image.width // 8), max(1, image.height // 8)))
            image.load()
    except MediaError:
        raise
    except Exception as exc:  # a decoder may raise anything on a bad file
        raise MediaError(
            f"{path.name} is cut short or damaged and cannot be decoded ({_reason(exc)})"
        ) from None
    finally:
        image.close()
