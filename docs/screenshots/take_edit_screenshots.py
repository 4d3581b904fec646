"""Take the screenshots of the problems panel and of the canvas's editing tools (minimap, bypass,
collapse, colours, reroute dots), under Xvfb at 1600x1000:

    xvfb-run -s '-screen 0 1600x1000x24' python docs/screenshots/take_edit_screenshots.py

Writes problems-panel.png and minimap.png beside this file. Uses throw-away cache, state and
config folders, and no API keys, so the "no key" problem is real.
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
    from PySide6.QtCore import QPointF, Qt

    window.open_path(graph)
    await asyncio.sleep(1.0)
    window.run_all()  # every node offline: the previews show real results
    await until(lambda: not window.runner.busy, 600)
    await asyncio.sleep(3.0)  # thumbnails, posters and waveforms load off the event loop

    # -- the canvas tools: bypass, collapse, colours, a reroute dot, the minimap ------------------
    doc, graph_model = window.document, window.document.graph
    window.scene.select_nodes(["prompt_light"])  # its brief goes straight on to the picture
    window.actions_by_name["bypass"].trigger()
    window.scene.select_nodes(["prompt_wide", "prompt_sea"])
    window.actions_by_name["collapse"].trigger()
    for node_id in ("brief", "narration_text"):
        window.scene.select_nodes([node_id])
        next(a for a in window.colour_menu.actions() if a.text() == "Green").trigger()
    edge = next(e for e in graph_model.edges if e.src == "music" and e.dst == "timeline")
    via = window.scene.edges[edge].path().pointAtPercent(0.5) + QPointF(0, 140)
    window.scene.add_reroute(edge, via)
    window.scene.select_nodes(["timeline"])
    window.view.fit(window.scene.nodes_rect(["image_light", "motion_light", "music", "timeline"]))
    await asyncio.sleep(1.0)
    save(window.view, "minimap.png")
    doc.undo_stack.setClean()

    # -- the problems panel: a key, a damaged file, a typo, an unconnected input ---------------
    broken = graph.parent / "holiday.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)  # a picture cut short
    graph_model.set_param("image_sea", "provider", "fal")
    graph_model.set_param("narration_text", "template", "{subject} keeps watch in the {moood}")
    load = window.add_node("image.load", (320.0, 1200.0))
    graph_model.set_param(load, "file", "holiday.png")
    motion = window.add_node("video.from_image", (640.0, 1200.0))
    from studio.graph.model import Node

    graph_model.add_node(  # a node of a pack this machine does not have
        Node("upscale", "fancy.upscale", {}, pack="studio-upscalers"), (960.0, 1200.0)
    )
    doc.mark_unknown_nodes()
    window.docks["problems"].raise_()
    window.resizeDocks([window.docks["problems"]], [250], Qt.Orientation.Vertical)
    window.problems.schedule_now()
    await until(lambda: window.problems.done == window.problems.generation, 120)
    window.scene.select_nodes(["narration_text"])  # the inspector marks the {moood} typo
    window.view.fit(window.scene.nodes_rect(["narration_text", "music", load, motion, "upscale"]))
    await asyncio.sleep(1.0)
    save(window, "problems-panel.png")


async def until(condition, timeout: float) -> None:
    end = time.monotonic() + timeout
    await asyncio.sleep(0.2)
    while not condition():
        if time.monotonic() > end:
            raise TimeoutError("the studio did not get there in time")
        await asyncio.sleep(0.05)


def save(widget, name: str) -> None:
    from PIL import Image

    image = widget.grab().toImage().convertToFormat(widget.grab().toImage().Format.Format_RGB888)
    pil = Image.frombuffer(
        "RGB",
        (image.width(), image.height()),
        bytes(image.constBits()),
        "raw",
        "RGB",
        image.bytesPerLine(),
    )
    pil.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        HERE / name, optimize=True
    )
    print(f"wrote {HERE / name}")


def main() -> int:
    home = Path(tempfile.mkdtemp(prefix="studio-shots-"))
    for name in ("CACHE", "DATA", "CONFIG", "STATE"):
        os.environ[f"STUDIO_{name}_DIR"] = str(home / name.lower())
    for name in ("FAL_KEY", "BFL_API_KEY", "OPENAI_API_KEY"):
        os.environ.pop(name, None)
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv[:1])
    from studio.gui.app import close_async_resources, install_event_loop
    from studio.gui.theme import apply_theme

    apply_theme(app)
    loop = install_event_loop(app)
    from studio.gui.main_window import MainWindow
    from studio.paths import resources_dir

    project = home / "project"
    project.mkdir()
    graph = project / "lighthouse.json"
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
