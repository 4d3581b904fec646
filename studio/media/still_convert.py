"""A finished picture in another format, for an export: PNG, JPEG or WebP, with Pillow.

The picture is read by `images.load_image` (upright, sRGB, alpha kept) and written atomically.
JPEG has no transparency: a transparent picture is flattened onto white, as Photoshop's and
GIMP's JPEG exports do, so a logo on a clear background comes out on a page, not on black.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studio.media.errors import MediaError, stop_check

if TYPE_CHECKING:
    from PIL import Image

STILL_FORMATS = {
    "png": "PNG picture, lossless, keeps transparency",
    "jpg": "JPEG picture, quality 92, transparency flattened onto white",
    "webp": "WebP picture, quality 90, keeps transparency",
}
JPEG_BACKGROUND = (255, 255, 255)
WEBP_MAX_SIDE = 16383  # the format's limit: larger pictures cannot be WebP at all
JPEG_MAX_SIDE = 65535

# Pillow's save options. JPEG at quality 92 with full-resolution colour (4:4:4), so coloured
# letters on a title card keep sharp edges; WebP at quality 90 with its alpha kept.
_SAVE: dict[str, tuple[str, dict[str, Any]]] = {
    "png": ("PNG", {"compress_level": 6}),
    "jpg": ("JPEG", {"quality": 92, "subsampling": 0, "optimize": True}),
    "webp": ("WEBP", {"quality": 90, "method": 4}),
}


def convert_still(
    source: Path,
    target: Path,
    fmt: str,
    *,
    progress: Callable[[float | None, str], Any] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> dict[str, Any]:
    """Write the picture `source` to `target` as `fmt` ("png", "jpg" or "webp"), atomically.
    Returns path, width, height and flattened (True when transparency met JPEG's white).
    MediaError in user words for a bad source or a picture the format cannot hold; Cancelled
    when `should_stop` says so; the target is untouched and no temp file stays."""
    from studio.atomic import open_atomic
    from studio.media.images import load_image

    if fmt not in STILL_FORMATS:
        raise MediaError(
            f"a picture cannot be written as {fmt!r} (known: {', '.join(STILL_FORMATS)})"
        )

    check = stop_check(should_stop)

    if progress is not None:
        progress(None, "converting")
    source, target = Path(source), Path(target)
    image = load_image(source)
    _check_size(image, fmt)
    flattened = fmt == "jpg" and image.mode == "RGBA"
    if fmt == "jpg":
        image = flatten(image, JPEG_BACKGROUND)
    check()
    pillow_format, options = _SAVE[fmt]
    target.parent.mkdir(parents=True, exist_ok=True)
    with open_atomic(target) as handle:
        try:
            image.save(handle, format=pillow_format, **options)
        except (ValueError, OSError) as exc:  # the encoder's refusal, or a full disk
            reason = getattr(exc, "strerror", None) or exc
            raise MediaError(f"could not write the {fmt.upper()} picture: {reason}") from None
        check()  # a cancel during the save: the temp file goes, the target stays as it was
    return {"path": target, "width": image.width, "height": image.height, "flattened": flattened}


def flatten(image: Image.Image, background: tuple[int, int, int]) -> Image.Image:
    """An RGB picture: a transparent one composited over `background`, others as they are."""
    from PIL import Image

    if image.mode != "RGBA":
        return image.convert("RGB")
    base = Image.new("RGBA", image.size, (*background, 255))
    return Image.alpha_composite(base, image).convert("RGB")


def _check_size(image: Image.Image, fmt: str) -> None:
    limit = {"webp": WEBP_MAX_SIDE, "jpg": JPEG_MAX_SIDE}.get(fmt)
    if limit is not None and max(image.size) > limit:
        name = "WebP" if fmt == "webp" else "JPEG"
        raise MediaError(
            f"a {name} picture can be at most {limit} pixels on a side; "
            f"this one is {image.width}×{image.height} (export it as PNG)"
        )
