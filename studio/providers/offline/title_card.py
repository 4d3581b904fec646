"""Title cards: text over a colour, a gradient or a picture, drawn with Pillow.

The text is wrapped to the frame's width and, when it would not fit, shrunk until it does; it can
sit at the top, centre or bottom, left, centre or right, with a soft shadow and an outline so it
stays readable over any background. The default font ships in `resources/fonts/` with its licence;
characters it lacks (Chinese, Japanese, Hindi, emoji...) come from the system's fonts or the
bundled fallbacks, right-to-left lines read in order, and lines without spaces break between
ideographs (`studio.media.fonts`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from studio.errors import ProviderError

DEFAULT_FONT = "DejaVuSans-Bold.ttf"
BACKGROUNDS = ("colour", "gradient", "image")
VERTICAL = ("top", "centre", "bottom")
HORIZONTAL = ("left", "centre", "right")
MIN_FONT_SIZE = 10
LINE_SPACING = 1.2


@dataclass(frozen=True)
class TitleCard:
    """What a title card shows and how; every field has a sensible default."""

    text: str
    width: int = 1920
    height: int = 1080
    background: str = "gradient"
    colour: str = "#0f1c2e"
    colour2: str = "#3a5a80"
    image: Path | None = None
    dim: float = 0.35  # darkening over a picture, so the text reads
    font: Path | None = None
    font_size: int = 0  # 0: as large as fits, up to a tenth of the height
    vertical: str = "centre"
    horizontal: str = "centre"
    text_colour: str = "#ffffff"
    shadow: bool = True
    outline: int = 0
    margin: float = 0.08  # of the shorter side


def default_font() -> Path:
    from studio.paths import resources_dir

    return resources_dir() / "fonts" / DEFAULT_FONT


def _hex(colour: str) -> tuple[int, int, int]:
    value = colour.strip().lstrip("#")
    if len(value) != 6:
        raise ProviderError(f"{colour!r} is not a colour like #1e90ff", provider="offline")
    try:
        return (int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16))
    except ValueError:
        raise ProviderError(
            f"{colour!r} is not a colour like #1e90ff", provider="offline"
        ) from None


def _load_font(path: Path, size: int):  # -> studio.media.fonts.FontChain
    from PIL import ImageFont

    from studio.media.fonts import FontChain

    if not path.is_file():
        raise ProviderError(
            f"the font {path.name} is missing (looked in {path.parent}); "
            "reinstall the studio or choose another font file",
            provider="offline",
        )
    try:
        return FontChain(size, path, font=ImageFont.truetype(str(path), size))
    except OSError:
        raise ProviderError(
            f"the font {path.name} could not be read: it is not a TrueType or OpenType font",
            provider="offline",
        ) from None


def _background(card: TitleCard):  # -> Image.Image
    import numpy as np
    from PIL import Image, ImageOps

    size = (card.width, card.height)
    if card.background == "image":
        if card.image is None:
            raise ProviderError(
                "an image background needs a picture: connect one", provider="offline"
            )
        try:
            with Image.open(card.image) as picture:
                upright = ImageOps.exif_transpose(picture).convert("RGB")
                canvas = ImageOps.fit(upright, size, Image.Resampling.LANCZOS)
        except (OSError, Image.DecompressionBombError) as exc:
            raise ProviderError(
                f"could not read the background picture: {exc}", provider="offline"
            ) from None
        if card.dim > 0:
            canvas = Image.blend(canvas, Image.new("RGB", size, (0, 0, 0)), min(1.0, card.dim))
        return canvas
    top = np.array(_hex(card.colour), np.float32)
    if card.background == "colour":
        return Image.new("RGB", size, tuple(int(c) for c in top))
    bottom = np.array(_hex(card.colour2), np.float32)
    t = np.linspace(0.0, 1.0, card.height, dtype=np.float32)[:, None, None]
    column = top * (1 - t) + bottom * t
    pixels = np.broadcast_to(column, (card.height, card.width, 3))
    return Image.fromarray(np.round(pixels).astype(np.uint8))


def _wrap(text: str, fonts, max_width: float) -> list[str]:
    return fonts.wrap(text, max_width)


def _layout(card: TitleCard, font_path: Path, box: tuple[float, float]):
    """The largest font (up to the asked size) whose wrapped lines fit the box."""
    size = card.font_size or max(MIN_FONT_SIZE, card.height // 10)
    while True:
        font = _load_font(font_path, size)
        lines = _wrap(card.text, font, box[0])
        widest = max((font.getlength(line) for line in lines), default=0.0)
        height = size * LINE_SPACING * len(lines)
        if (widest <= box[0] and height <= box[1]) or size <= MIN_FONT_SIZE:
            return font, lines, size
        size = max(MIN_FONT_SIZE, int(size * 0.9))


def render_title_card(card: TitleCard, out: Path) -> Path:
    """Draw the card and write it as a PNG at `out` (atomically)."""
    from PIL import Image, ImageDraw, ImageFilter

    from studio.atomic import write_bytes_atomic

    if card.background not in BACKGROUNDS:
        raise ProviderError(
            f"background must be one of {', '.join(BACKGROUNDS)}", provider="offline"
        )
    if card.vertical not in VERTICAL or card.horizontal not in HORIZONTAL:
        raise ProviderError(
            "alignment must be top/centre/bottom and left/centre/right", provider="offline"
        )
    if not (16 <= card.width <= 8192 and 16 <= card.height <= 8192):
        raise ProviderError(
            f"a title card is 16..8192 pixels a side, got {card.width}×{card.height}",
            provider="offline",
        )
    canvas = _background(card)
    margin = card.margin * min(card.width, card.height)
    box = (card.width - 2 * margin, card.height - 2 * margin)
    fonts, lines, size = _layout(card, Path(card.font or default_font()), box)
    line_height = size * LINE_SPACING
    block_height = line_height * len(lines)
    top = {
        "top": margin,
        "centre": (card.height - block_height) / 2,
        "bottom": card.height - margin - block_height,
    }[card.vertical]
    positions = []
    for i, line in enumerate(lines):
        width = fonts.getlength(line)
        x = {
            "left": margin,
            "centre": (card.width - width) / 2,
            "right": card.width - margin - width,
        }[card.horizontal]
        positions.append(((x, top + i * line_height + (line_height - size) / 2), line))
    text_rgb = _hex(card.text_colour)
    if card.shadow:
        shadow = Image.new("L", canvas.size, 0)
        draw = ImageDraw.Draw(shadow)
        offset = max(2, size // 18)
        for (x, y), line in positions:
            fonts.draw(draw, (x + offset, y + offset), line, fill=200)
        shadow = shadow.filter(ImageFilter.GaussianBlur(max(1, size // 14)))
        canvas.paste((0, 0, 0), mask=shadow)
    draw = ImageDraw.Draw(canvas)
    luminance = 0.299 * text_rgb[0] + 0.587 * text_rgb[1] + 0.114 * text_rgb[2]
    stroke_fill = (0, 0, 0) if luminance > 128 else (255, 255, 255)
    for (x, y), line in positions:
        fonts.draw(
            draw,
            (x, y),
            line,
            fill=text_rgb,
            stroke_width=max(0, card.outline),
            stroke_fill=stroke_fill,
        )
    import io

    buffer = io.BytesIO()
    canvas.save(buffer, "PNG", compress_level=6)
    write_bytes_atomic(out, buffer.getvalue())
    return out
