"""Take the README screenshots of the studio (run under Xvfb at 1600x1000).

    xvfb-run -s '-screen 0 1600x1000x24' python docs/screenshots/take_screenshots.py

Writes example-before-run.png, example-after-run.png and failed-node.png beside this file. Uses
throw-away cache and state folders, so every node really runs.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
WIDTH, HEIGHT = 1600, 1000


def main() -> int:
    home = Path(tempfile.mkdtemp(prefix="studio-shots-"))
    for name in ("CACHE", "DATA", "CONFIG", "STATE"):
        os.environ[f"STUDIO_{name}_DIR"] = str(home / name.lower())
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv[:1])
    from studio.gui.app import install_event_loop
    from studio.gui.theme import apply_theme

    apply_theme(app)
    install_event_loop(app, already_running=True)
    from studio.gui.main_window import MainWindow
    from studio.paths import resources_dir

    graph = home / "lighthouse.json"
    shutil.copy(resources_dir() / "examples" / "lighthouse.json", graph)
    window = MainWindow(record_history=False)
    window.ask_save_changes = lambda: "discard"
    window.resize(WIDTH, HEIGHT)
    window.show()
    window.open_path(graph)
    settle(app, 1.0)
    window.view.fit_all()
    settle(app, 1.0)
    save(window, "example-before-run.png")

    window.run_all()
    wait(app, lambda: window.runner.busy, 10)
    wait(app, lambda: not window.runner.busy, 600)
    settle(app, 3.0)  # thumbnails, posters and waveforms load off the event loop
    window.scene.select_nodes(["narration"])
    window.view.fit_all()
    settle(app, 1.0)
    save(window, "example-after-run.png")

    # A failed node: an image generator asked for a provider whose key is missing.
    window.scene.select_nodes(["image_sea"])
    window.inspector.editors["provider"].set_value("fal")
    window.inspector.editors["provider"].value_edited.emit("fal", False)
    window.scene.select_nodes(["motion_sea"])
    window.run_to_selected()
    wait(app, lambda: window.runner.busy, 10)
    wait(app, lambda: not window.runner.busy, 300)
    window.scene.select_nodes(["image_sea"])
    window.view.fit(
        window.scene.nodes_rect(
            ["prompt_sea", "image_sea", "motion_sea", "prompt_light", "image_light", "motion_light"]
        )
    )
    settle(app, 2.0)
    save(window, "failed-node.png")
    window.close()
    shutil.rmtree(home, ignore_errors=True)
    return 0


def settle(app, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def wait(app, condition, timeout: float) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise TimeoutError("the studio did not get there in time")
        app.processEvents()
        time.sleep(0.01)


def save(window, name: str) -> None:
    image = window.grab().toImage()
    # 8-bit palette PNG: a fraction of the size of a full-colour one, plenty for a screenshot.
    from PIL import Image

    buffer = image.convertToFormat(image.Format.Format_RGB888)
    pil = Image.frombuffer(
        "RGB",
        (buffer.width(), buffer.height()),
        bytes(buffer.constBits()),
        "raw",
        "RGB",
        buffer.bytesPerLine(),
    )
    pil.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        HERE / name, optimize=True
    )
    print(f"wrote {HERE / name}")


if __name__ == "__main__":
    raise SystemExit(main())
