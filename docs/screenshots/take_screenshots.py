"""Take the README screenshots of the studio (run under Xvfb at 1600x1000).

    xvfb-run -s '-screen 0 1600x1000x24' python docs/screenshots/take_screenshots.py

Writes example-before-run.png, example-after-run.png and failed-node.png beside this file. Uses
throw-away cache and state folders, so every node really runs.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
WIDTH, HEIGHT = 1600, 1000


async def scenario(window, graph: Path) -> None:
    window.open_path(graph)
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


async def until(condition, timeout: float) -> None:
    end = time.monotonic() + timeout
    await asyncio.sleep(0.2)  # let the run start
    while not condition():
        if time.monotonic() > end:
            raise TimeoutError("the studio did not get there in time")
        await asyncio.sleep(0.05)


def save(window, name: str) -> None:
    from PIL import Image

    image = window.grab().toImage().convertToFormat(window.grab().toImage().Format.Format_RGB888)
    pil = Image.frombuffer(
        "RGB",
        (image.width(), image.height()),
        bytes(image.constBits()),
        "raw",
        "RGB",
        image.bytesPerLine(),
    )
    # A 256-colour PNG: a fraction of the size of a full-colour one, plenty for a screenshot.
    pil.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        HERE / name, optimize=True
    )
    print(f"wrote {HERE / name}")


def main() -> int:
    home = Path(tempfile.mkdtemp(prefix="studio-shots-"))
    for name in ("CACHE", "DATA", "CONFIG", "STATE"):
        os.environ[f"STUDIO_{name}_DIR"] = str(home / name.lower())
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv[:1])
    from studio.gui.app import close_async_resources, install_event_loop
    from studio.gui.theme import apply_theme

    apply_theme(app)
    loop = install_event_loop(app)
    from studio.gui.main_window import MainWindow
    from studio.paths import resources_dir

    graph = home / "lighthouse.json"
    shutil.copy(resources_dir() / "examples" / "lighthouse.json", graph)
    window = MainWindow(record_history=False)
    window.ask_save_changes = lambda: "discard"
    window.resize(WIDTH, HEIGHT)
    window.show()
    with loop:
        loop.run_until_complete(scenario(window, graph))
        window.close()
        loop.run_until_complete(close_async_resources())
    shutil.rmtree(home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
