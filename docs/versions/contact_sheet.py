"""Render the lighthouse example's versions and lay frames of each on one contact sheet.

    python docs/versions/contact_sheet.py     # writes docs/screenshots/versions-lighthouse.png

The example is copied to a temporary folder, a Versions node is added after its Timeline
(16x9, 9x16 and 1x1, in English and French) and `studio render` makes them with the offline
engines, full size. The French translation comes from a fake Ollama on 127.0.0.1 (the one the
tests use) answering with a fixed French text; the French narration is spoken by the offline
engine. The sheet has one row per version and a frame from each of its clips, so a look shows
whether every format keeps the lighthouse in view.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import av
from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "providers"))

from fakes.llm import FakeOllama  # noqa: E402
from fakes.server import FakeServer, Recorded, Reply  # noqa: E402

from studio.graph.fileformat import load_graph, save_graph  # noqa: E402
from studio.graph.model import Node  # noqa: E402

VERSIONS = "16x9\n9x16\n1x1\n16x9 fr\n9x16 fr\n1x1 fr"
FRENCH = (
    "Au bord de la terre, un phare sur une falaise rocheuse au-dessus de la mer monte la garde. "
    "La nuit tombe sur la mer, et les vagues battent la mesure en contrebas. "
    "Quand vient le matin, la lumière est toujours là : calme, pleine d'espoir."
)
ROW_HEIGHT = 300
SHARES = (0.15, 0.5, 0.85)  # one frame in each of the example's three clips
OUT = ROOT / "docs" / "screenshots" / "versions-lighthouse.png"


@dataclass
class FrenchOllama(FakeOllama):
    def chat(self, request: Recorded) -> Reply:
        self.words = (FRENCH,)
        return super().chat(request)


def render(folder: Path) -> Path:
    source = ROOT / "resources" / "examples" / "lighthouse.json"
    graph = load_graph(source)
    graph.remove_node("export")
    graph.add_node(
        Node(
            "versions",
            "export.versions",
            {"path": "lighthouse", "versions": VERSIONS, "translator_model": "llama3.2"},
        )
    )
    graph.connect("timeline", "video", "versions", "timeline")
    path = folder / "lighthouse.json"
    save_graph(graph, path)
    with FakeServer() as server:
        FrenchOllama(server)
        env = {**os.environ, "STUDIO_OLLAMA_URL": server.url, "PYTHONPATH": str(ROOT)}
        subprocess.run([sys.executable, "-m", "studio", "render", str(path)], check=True, env=env)
    return folder


def frame_at(video: Path, share: float) -> Image.Image:
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        wanted = int((stream.frames or 1) * share)
        for index, frame in enumerate(container.decode(stream)):
            if index >= wanted:
                return frame.to_image()
    raise SystemExit(f"{video.name} is shorter than expected")


def sheet(folder: Path) -> Image.Image:
    names = [f"{f}.{lang}" for lang in ("en", "fr") for f in ("16x9", "9x16", "1x1")]
    rows = []
    for name in names:
        video = folder / f"lighthouse.{name}.mp4"
        frames = [frame_at(video, share) for share in SHARES]
        scaled = [f.resize((round(f.width * ROW_HEIGHT / f.height), ROW_HEIGHT)) for f in frames]
        rows.append((name, scaled))
    width = 170 + max(sum(f.width + 10 for f in frames) for _, frames in rows)
    image = Image.new("RGB", (width, len(rows) * (ROW_HEIGHT + 10) + 10), (23, 25, 29))
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(ROOT / "resources" / "fonts" / "DejaVuSans-Bold.ttf"), 26)
    for row, (name, frames) in enumerate(rows):
        top = 10 + row * (ROW_HEIGHT + 10)
        draw.text((12, top + ROW_HEIGHT // 2 - 14), name, fill=(230, 230, 230), font=font)
        left = 170
        for frame in frames:
            image.paste(frame, (left, top))
            left += frame.width + 10
    return image


def main() -> int:
    folder = Path(tempfile.mkdtemp(prefix="versions-sheet-"))
    try:
        render(folder)
        OUT.parent.mkdir(parents=True, exist_ok=True)
        sheet(folder).save(OUT)
        subtitles = sorted(p.name for p in folder.iterdir() if p.suffix in (".srt", ".vtt"))
        print(f"wrote {OUT} ({len(subtitles)} subtitle files beside the versions)")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
