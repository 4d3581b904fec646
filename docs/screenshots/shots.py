"""What the screenshot scripts share: throw-away studio folders, the themed window on qasync's
loop, waiting for the studio, and saving a 256-colour PNG.

    from shots import example_copy, save, take, until

    async def scenario(window, home): ...
    raise SystemExit(take(scenario))

Run the scripts under Xvfb (`xvfb-run -s '-screen 0 1600x1000x24' python SCRIPT`) and look at
every picture they write.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
WIDTH, HEIGHT = 1600, 1000
# Every folder the studio writes to, pointed into the throw-away home: nothing of the user's
# studio shows, and every node really runs.
FOLDERS = ("CACHE", "DATA", "CONFIG", "STATE", "LOG", "PROJECTS")
KEYS = ("FAL_KEY", "BFL_API_KEY", "OPENAI_API_KEY")  # a key in the shell would change the pictures


async def until(condition: Callable[[], Any], timeout: float) -> None:
    end = time.monotonic() + timeout
    await asyncio.sleep(0.2)  # let what was just started start
    while not condition():
        if time.monotonic() > end:
            raise TimeoutError("the studio did not get there in time")
        await asyncio.sleep(0.05)


def save(widget: Any, name: str, folder: Path = HERE) -> None:
    """A widget (or a QPixmap) as `folder/name`, a 256-colour PNG: a fraction of a full-colour
    one's size, plenty for a screenshot."""
    from PIL import Image

    pixmap = widget.grab() if hasattr(widget, "grab") else widget
    image = pixmap.toImage()
    image = image.convertToFormat(image.Format.Format_RGB888)
    pil = Image.frombuffer(
        "RGB",
        (image.width(), image.height()),
        bytes(image.constBits()),
        "raw",
        "RGB",
        image.bytesPerLine(),
    )
    pil.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        folder / name, optimize=True
    )
    print(f"wrote {folder / name} ({image.width()}x{image.height()})")


def example_copy(folder: Path, name: str = "lighthouse.json") -> Path:
    """A copy of the bundled example to open (the original must not change)."""
    from studio.paths import resources_dir

    folder.mkdir(parents=True, exist_ok=True)
    graph = folder / name
    shutil.copy(resources_dir() / "examples" / "lighthouse.json", graph)
    return graph


def main_window() -> Any:
    from studio.gui.main_window import MainWindow

    window = MainWindow(record_history=False)
    window.ask_save_changes = lambda: "discard"
    window.resize(WIDTH, HEIGHT)
    return window


def take(
    scenario: Callable[[Any, Path], Awaitable[None]],
    *,
    home: Path | None = None,
    make_window: Callable[[], Any] = main_window,
) -> int:
    """Run `scenario(window, home)` in a studio whose folders all live in `home` (a new temp
    folder unless given; removed afterwards). Returns the exit code."""
    if home is None:
        home = Path(tempfile.mkdtemp(prefix="studio-shots-"))
    for name in FOLDERS:
        os.environ[f"STUDIO_{name}_DIR"] = str(home / name.lower())
    for name in KEYS:
        os.environ.pop(name, None)
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv[:1])
    from studio import logs
    from studio.gui.app import close_async_resources, install_event_loop
    from studio.gui.error_dialog import install
    from studio.gui.theme import apply_theme

    logs.setup()
    apply_theme(app)  # as studio.gui.app.main does
    loop = install_event_loop(app)
    window = make_window()
    install(lambda: window)
    window.show()
    with loop:
        loop.run_until_complete(scenario(window, home))
        window.close()
        loop.run_until_complete(close_async_resources())
    shutil.rmtree(home, ignore_errors=True)
    return 0
