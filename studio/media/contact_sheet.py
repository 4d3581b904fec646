"""A compare node's grid as a contact sheet: one PNG with every candidate and its label.

Each cell shows the result (a picture; a video's middle frame; a sound's waveform), then who
made it (number, provider, model, seed) and what it took (time, cost); a failed candidate shows
its reason; the pick has a blue frame. Made to send to a client, so it reads without the studio.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PIL import Image, ImageDraw, ImageFont

CELL_WIDTH = 360
MEDIA_HEIGHT = 230
CAPTION_HEIGHT = 58
MARGIN = 20
HEADER_HEIGHT = 74
BACKGROUND = (27, 29, 34)
CELL_BACKGROUND = (23, 25, 29)
TEXT = (225, 228, 232)
DIM_TEXT = (150, 155, 165)
FAILED = (229, 83, 75)
PICK = (61, 156, 255)
WAVE = (63, 212, 154)


def columns_for(count: int) -> int:
    """Columns of the grid: 2 up to four candidates, 3 up to nine, then 4."""
    return 1 if count <= 1 else 2 if count <= 4 else 3 if count <= 9 else 4


def money(cell: Mapping[str, Any]) -> str:
    from studio.providers.costs import format_usd

    cost = cell.get("cost_usd")
    if cost is None:
        return "price unknown"
    return "free" if cost == 0 else format_usd(float(cost))


def timing(cell: Mapping[str, Any]) -> str:
    seconds = cell.get("seconds")
    took = f"{seconds:.1f} s" if isinstance(seconds, (int, float)) else "time not known"
    return f"cached ({took})" if cell.get("cached") else took


def caption_lines(cell: Mapping[str, Any]) -> tuple[str, str]:
    """A cell's two label lines: "2. fal · fal-ai/flux-pro/v1.1 · seed 0", "3.1 s · $0.04"."""
    who = f"{cell['number']}. " + " · ".join(
        str(x) for x in (cell.get("provider"), cell.get("model")) if x
    )
    if cell.get("seed") is not None:
        who += f" · seed {cell['seed']}"
    if cell.get("status") != "ok":
        return who, f"failed · {money(cell)}"
    return who, f"{timing(cell)} · {money(cell)}"


def render_contact_sheet(
    cells: Sequence[Mapping[str, Any]],
    paths: Mapping[int, Path],
    out: Path,
    *,
    pick: int,
    title: str = "",
    subtitle: str = "",
) -> Path:
    """Draw the cells (a compare node's meta["compare"]["cells"]) with their results
    (`paths` by cell number) into a PNG at `out`, written atomically."""
    from PIL import Image, ImageDraw

    from studio.media.images import save_png_atomic

    count = max(1, len(cells))
    cols = columns_for(count)
    rows = math.ceil(count / cols)
    cell_height = MEDIA_HEIGHT + CAPTION_HEIGHT
    width = MARGIN * (cols + 1) + CELL_WIDTH * cols
    height = HEADER_HEIGHT + MARGIN * (rows + 1) + cell_height * rows
    sheet = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(sheet)
    big, small = _font(20), _font(14)
    draw.text(
        (MARGIN, MARGIN),
        _fit_text(draw, title or "Candidates", big, width - 2 * MARGIN),
        font=big,
        fill=TEXT,
    )
    if subtitle:
        draw.text(
            (MARGIN, MARGIN + 30),
            _fit_text(draw, subtitle, small, width - 2 * MARGIN),
            font=small,
            fill=DIM_TEXT,
        )
    for i, cell in enumerate(cells):
        x = MARGIN + (i % cols) * (CELL_WIDTH + MARGIN)
        y = HEADER_HEIGHT + MARGIN + (i // cols) * (cell_height + MARGIN)
        draw.rectangle([x, y, x + CELL_WIDTH - 1, y + cell_height - 1], fill=CELL_BACKGROUND)
        box = (x + 4, y + 4, CELL_WIDTH - 8, MEDIA_HEIGHT - 8)
        number = int(cell["number"])
        path = paths.get(number)
        if cell.get("status") == "ok" and path is not None:
            thumb = _thumbnail(Path(path), str(cell.get("kind", "image")), box[2], box[3])
            sheet.paste(
                thumb, (box[0] + (box[2] - thumb.width) // 2, box[1] + (box[3] - thumb.height) // 2)
            )
        else:
            reason = str(cell.get("error") or "no result")
            _wrapped(draw, reason, small, box, FAILED)
        who, what = caption_lines(cell)
        text_x = x + 10
        draw.text(
            (text_x, y + MEDIA_HEIGHT + 6),
            _fit_text(draw, who, small, CELL_WIDTH - 20),
            font=small,
            fill=TEXT,
        )
        draw.text(
            (text_x, y + MEDIA_HEIGHT + 28),
            _fit_text(draw, what, small, CELL_WIDTH - 20),
            font=small,
            fill=FAILED if cell.get("status") != "ok" else DIM_TEXT,
        )
        if number == pick:
            draw.rectangle(
                [x - 3, y - 3, x + CELL_WIDTH + 2, y + cell_height + 2], outline=PICK, width=4
            )
            label = "PICKED"
            w = draw.textlength(label, font=small) + 12
            draw.rectangle([x + CELL_WIDTH - w - 6, y + 6, x + CELL_WIDTH - 6, y + 26], fill=PICK)
            draw.text((x + CELL_WIDTH - w, y + 8), label, font=small, fill=(255, 255, 255))
    return save_png_atomic(sheet, Path(out))


def _thumbnail(path: Path, kind: str, width: int, height: int) -> Image.Image:
    from PIL import Image

    if kind == "audio":
        return _waveform(path, width, height)
    if kind == "video":
        from studio.media.analysis.sources import clip_frames

        frames = clip_frames(path, fps=2.0, width=width, height=height)
        return Image.fromarray(frames[len(frames) // 2])
    from PIL import ImageOps

    with Image.open(path) as image:
        # Fitted both ways: a small result is enlarged so every cell reads at the same size.
        return ImageOps.contain(image.convert("RGB"), (width, height), Image.Resampling.LANCZOS)


def _waveform(path: Path, width: int, height: int) -> Image.Image:
    import numpy as np
    from PIL import Image, ImageDraw

    from studio.media.analysis.sources import mono

    samples = np.abs(mono(path, rate=8000))
    image = Image.new("RGB", (width, height), CELL_BACKGROUND)
    draw = ImageDraw.Draw(image)
    if samples.size >= width:
        peaks = samples[: samples.size - samples.size % width].reshape(width, -1).max(axis=1)
        top = float(peaks.max()) or 1.0
        mid = height / 2
        for x, peak in enumerate(peaks):
            half = float(peak) / top * mid * 0.9
            draw.line([(x, mid - half), (x, mid + half)], fill=WAVE)
    seconds = samples.size / 8000
    draw.text((6, height - 20), f"♪ {seconds:.1f} s", font=_font(13), fill=TEXT)
    return image


def _wrapped(
    draw: ImageDraw.ImageDraw,
    text: str,
    font: Any,
    box: tuple[int, int, int, int],
    fill: tuple[int, int, int],
) -> None:
    x, y, width, height = box
    words, lines, line = text.split(), [], ""
    for word in words:
        trial = f"{line} {word}".strip()
        if draw.textlength(trial, font=font) <= width - 16 or not line:
            line = trial
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    lines = lines[: max(1, (height - 16) // 18)]
    top = y + (height - 18 * len(lines)) // 2
    for n, text_line in enumerate(lines):
        draw.text((x + 8, top + 18 * n), text_line, font=font, fill=fill)


def _fit_text(draw: ImageDraw.ImageDraw, text: str, font: Any, width: float) -> str:
    """The text, cut with an ellipsis to fit `width` pixels."""
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text + "…"


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    from PIL import ImageFont

    from studio.paths import resources_dir

    try:
        return ImageFont.truetype(str(resources_dir() / "fonts" / "DejaVuSans-Bold.ttf"), size)
    except OSError:  # a damaged install: a plain font still labels the sheet
        return ImageFont.load_default(size)
