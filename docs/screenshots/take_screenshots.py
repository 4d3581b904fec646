"""Take the README screenshots of the studio (run under Xvfb at 1600x1000).

    xvfb-run -s '-screen 0 1600x1000x24' python docs/screenshots/take_screenshots.py

Writes example-before-run.png, example-after-run.png and failed-node.png beside this file. Uses
throw-away cache and state folders, so every node really runs.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from shots import example_copy, save, take, until


async def scenario(window, home: Path) -> None:
    window.open_path(example_copy(home))
    await asyncio.sleep(1.0)
    window.view.fit_all()
    await asyncio.sleep(0.5)
    save(window, "example-before-run.png")

    window.run_all()
    await until(lambda: not window.runner.busy, 600)
    await asyncio.sleep(3.0)  # thumbnails, posters and waveforms load off the event loop
    window.scene.select_nodes(["narration"])
    window.view.fit_all()
    await asyncio.sleep(1.0)
    save(window, "example-after-run.png")

    # A failed node: an image generator set to a provider whose key is missing.
    window.scene.select_nodes(["image_sea"])
    window.inspector.editors["provider"].set_value("fal")
    window.inspector.editors["provider"].value_edited.emit("fal", False)
    window.scene.select_nodes(["motion_sea"])
    window.run_to_selected()
    await until(lambda: not window.runner.busy, 300)
    window.scene.select_nodes(["image_sea"])
    window.view.fit(
        window.scene.nodes_rect(
            ["prompt_sea", "image_sea", "motion_sea", "prompt_light", "image_light", "motion_light"]
        )
    )
    await asyncio.sleep(2.0)
    save(window, "failed-node.png")


if __name__ == "__main__":
    raise SystemExit(take(scenario))
