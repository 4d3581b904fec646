"""Take the user guide's screenshots (run under Xvfb at 1600x1000).

    xvfb-run -s '-screen 0 1600x1000x24' python docs/guide/screenshots/take.py

Writes the PNGs beside this file. Throw-away cache, settings and log folders, so every node
really runs and nothing of the user's studio shows. Look at every picture after taking it.
"""

from __future__ import annotations

import asyncio
import functools
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "screenshots"))
import shots  # noqa: E402
from shots import example_copy, until  # noqa: E402

save = functools.partial(shots.save, folder=HERE)


async def scenario(window, home: Path) -> None:
    graph = example_copy(home, "lighthouse.studiograph")
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    window.open_path(graph)
    await asyncio.sleep(1.5)
    window.view.fit_all()
    await asyncio.sleep(0.5)
    save(window.grab(), "example-open.png")

    # The node search, on the empty canvas below the graph.
    window.open_search(window.view.mapToScene(window.view.viewport().rect().center()))
    window.search.field.setText("speech")
    await asyncio.sleep(0.8)
    save(window.grab(), "node-search.png")
    window.search.hide()

    window.run_all()
    await until(lambda: not window.runner.busy, 900)
    await asyncio.sleep(3.0)  # thumbnails, posters and waveforms load off the event loop
    window.scene.select_nodes(["narration"])
    window.view.fit_all()
    await asyncio.sleep(1.5)
    save(window.grab(), "example-after-run.png")

    window.scene.select_nodes(["image_light"])
    window.viewer.open_node("image_light")
    await asyncio.sleep(3.0)
    save(window.grab(), "viewer.png")
    window.viewer.dock.hide()
    await asyncio.sleep(0.5)

    window.toggle_shortcuts()
    await asyncio.sleep(0.8)
    save(window.grab(), "shortcuts.png")
    window.toggle_shortcuts()

    from studio.gui.export_dialog import ExportDialog

    dialog = ExportDialog(window.document, window)
    dialog.show()
    await asyncio.sleep(0.8)
    save(dialog.grab(), "export-dialog.png")
    dialog.close()

    from studio.gui.settings_dialog import SettingsDialog

    settings = SettingsDialog(window.runner.providers, window.runner.executor.cache, window)
    settings.show()
    await asyncio.sleep(1.5)
    save(settings.grab(), "settings.png")
    settings.close()

    # A failed node: an image generator set to a provider whose key is missing.
    window.scene.select_nodes(["image_sea"])
    window.inspector.editors["provider"].set_value("fal")
    window.inspector.editors["provider"].value_edited.emit("fal", False)
    window.scene.select_nodes(["motion_sea"])
    window.run_to_selected()
    await until(lambda: not window.runner.busy, 300)
    window.scene.select_nodes(["image_sea"])
    window.view.fit(window.scene.nodes_rect(["prompt_sea", "image_sea", "motion_sea"]))
    await asyncio.sleep(2.0)
    save(window.grab(), "failed-node.png")

    # An unexpected error: the dialog over the window, which keeps running.
    def broken() -> None:
        raise RuntimeError("a forced error, to show the dialog")

    QTimer.singleShot(0, broken)
    await asyncio.sleep(1.5)
    screen = QApplication.primaryScreen()
    save(screen.grabWindow(0), "error-dialog.png")


def main() -> int:
    # A fixed, short folder: its name shows in the status bar.
    home = Path(tempfile.gettempdir()) / "studio-guide"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir()
    return shots.take(scenario, home=home)


if __name__ == "__main__":
    raise SystemExit(main())
