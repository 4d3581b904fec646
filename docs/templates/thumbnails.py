"""Render every template offline and keep a frame of its video as the gallery card's picture.

    python docs/templates/thumbnails.py            # writes resources/templates/<name>.png

Each template is copied to a temporary folder and rendered with `studio render` (offline engines,
full size), exactly as a user who opens it and presses Run All gets it; the card shows the frame
at FRAME_AT of the exported video, fitted into a CARD_SIZE picture.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import av
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "resources" / "templates"
CARD_SIZE = (480, 270)
FRAME_AT = 0.4  # of the video's length
BACKGROUND = (23, 25, 29)


def render(template: Path, folder: Path) -> Path:
    copy = folder / template.name
    shutil.copy(template, copy)
    subprocess.run(
        [sys.executable, "-m", "studio", "render", str(copy)], check=True, capture_output=True
    )
    exported = [p for p in folder.iterdir() if p.suffix in (".mp4", ".webm", ".gif")]
    if len(exported) != 1:
        raise SystemExit(f"{template.name}: expected one exported video, found {exported}")
    return exported[0]


def frame_at(video: Path, share: float) -> Image.Image:
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        frames = [f for f in container.decode(stream)]
    return frames[int(len(frames) * share)].to_image()


def card(picture: Image.Image) -> Image.Image:
    picture.thumbnail(CARD_SIZE, Image.Resampling.LANCZOS)
    canvas = Image.new("RGB", CARD_SIZE, BACKGROUND)
    canvas.paste(
        picture, ((CARD_SIZE[0] - picture.width) // 2, (CARD_SIZE[1] - picture.height) // 2)
    )
    return canvas


def main() -> None:
    for template in sorted(TEMPLATES.glob("*.json")):
        with tempfile.TemporaryDirectory() as folder:
            video = render(template, Path(folder))
            card(frame_at(video, FRAME_AT)).save(template.with_suffix(".png"), optimize=True)
        print(f"{template.stem}: {template.with_suffix('.png')}")


if __name__ == "__main__":
    main()
