"""Take the screenshots of the problems panel and of the canvas's editing tools (minimap, bypass,
collapse, colours, reroute dots), under Xvfb at 1600x1000:

    xvfb-run -s '-screen 0 1600x1000x24' python docs/screenshots/take_edit_screenshots.py

Writes problems-panel.png and minimap.png beside this file. Uses throw-away cache, state and
config folders, and no API keys, so the "no key" problem is real.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from shots import example_copy, save, take, until


async def scenario(window, home: Path) -> None:
    from PySide6.QtCore import QPointF, Qt

    graph = example_copy(home / "project")
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


if __name__ == "__main__":
    raise SystemExit(take(scenario))
