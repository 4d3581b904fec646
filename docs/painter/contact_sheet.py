"""Draw the offline painter's contact sheet: 24 prompts, one seed each, labelled.

Run from the repository: python docs/painter/contact_sheet.py
(writes docs/painter/contact-sheet.png beside it).
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from studio.media.captions import load_font  # noqa: E402
from studio.providers.offline.procedural_image import render, unpainted_report  # noqa: E402

PROMPTS = [
    "a red fishing boat on a stormy sea at night",
    "a portrait of a woman reading",
    "a man walking a dog on the beach at sunset",
    "a lighthouse on a rocky cliff above the sea at dusk",
    "a white sailboat on a calm lake at dawn",
    "a girl sitting in a field of red poppies",
    "a horse in a green meadow under a golden sky",
    "a black cat in front of a little house at night",
    "a yellow car on a road through the desert",
    "a winding path through a forest in the morning",
    "a flock of birds over the sea at sunset",
    "a stone bridge over a river at dusk",
    "a city skyline at night with lit windows",
    "three cottages in a snowy village at dusk",
    "an old oak tree on a hill in summer",
    "a couple walking through fields of sunflowers",
    "a ship leaving the harbour in the rain",
    "a campfire in the mountains under the stars",
    "a lone hiker on a mountain ridge at dawn",
    "a blue car parked by a teal house",
    "trees in autumn, orange and golden, by a lake",
    "a dragon over a castle",
    "a galaxy in deep purple space",
    "a fisherman seated on the shore with his dog at dawn",
]
TILE = (384, 240)
LABEL = 58


def main() -> None:
    columns = 4
    rows = (len(PROMPTS) + columns - 1) // columns
    sheet = Image.new("RGB", (columns * TILE[0], rows * (TILE[1] + LABEL)), (24, 24, 28))
    draw = ImageDraw.Draw(sheet)
    font = load_font(13)
    for index, prompt in enumerate(PROMPTS):
        x, y = (index % columns) * TILE[0], (index // columns) * (TILE[1] + LABEL)
        picture = render(prompt, width=TILE[0] * 2, height=TILE[1] * 2, seed=index + 1)
        sheet.paste(Image.fromarray(picture).resize(TILE, Image.LANCZOS), (x, y))
        draw.text((x + 6, y + TILE[1] + 4), prompt, fill=(235, 235, 235), font=font)
        warning = unpainted_report(prompt, seed=index + 1)
        if warning:  # on two lines: what it could not paint, then what it painted
            missing, _, painted = warning.partition("; ")
            draw.text((x + 6, y + TILE[1] + 21), missing, fill=(250, 190, 90), font=font)
            draw.text((x + 6, y + TILE[1] + 37), painted, fill=(250, 190, 90), font=font)
    out = Path(__file__).with_name("contact-sheet.png")
    sheet.save(out, optimize=True)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
