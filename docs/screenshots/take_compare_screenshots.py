"""Take the screenshots of the compare grid and the coherence strip (under Xvfb at 1600x1000).

    xvfb-run -s '-screen 0 1600x1000x24' python docs/screenshots/take_compare_screenshots.py

Writes beside this file:
- compare-grid.png: one prompt on four candidates (the offline engine and three local fake
  image services from tests/providers/fakes, on 127.0.0.1), after a click picked cell 3;
- contact-sheet.png: that grid exported as a contact sheet;
- coherence-lighthouse.png: the lighthouse example with a Coherence Check wired like its timeline;
- coherence-mismatch.png: a made graph whose middle picture (a bright, warm desert) sits between
  two night scenes under somber music: its segment is flagged, the others are not;
- coherence-mismatch-menu.png: the suggestions a click on the flagged segment offers.
Uses throw-away cache and state folders, so every node really runs.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1] / "tests" / "nodes"))
from shots import save, take, until  # noqa: E402


async def compare_scenario(window) -> None:
    graph = window.document.graph
    prompt = window.add_node("text.prompt", (0.0, 0.0))
    graph.set_param(prompt, "template", "a lighthouse on a cliff at dusk")
    compare = window.add_node("compare.image", (330.0, 0.0))
    graph.set_param(compare, "width", 256)
    graph.set_param(compare, "height", 160)
    describe = window.add_node("image.describe", (800.0, 0.0))
    window.scene.connect_ports(prompt, "text", compare, "prompt")
    window.scene.connect_ports(compare, "image", describe, "image")
    window.run_all()
    await until(lambda: not window.runner.busy, 300)
    grid = window.scene.nodes[compare].preview_item
    grid.choose(3)
    window.run_all()
    await until(lambda: not window.runner.busy, 300)
    await asyncio.sleep(2.0)
    window.scene.select_nodes([compare])
    window.view.fit_all()
    await asyncio.sleep(1.0)
    save(window, "compare-grid.png")
    grid = window.scene.nodes[compare].preview_item
    grid.export_sheet(HERE / "contact-sheet.png")
    await until(lambda: (HERE / "contact-sheet.png").exists(), 60)


async def coherence_scenario(
    window, graph_path: Path, name: str, around: list[str], menu_shot: str = ""
) -> None:
    window.open_path(graph_path, ask=False)
    window.actions_by_name["minimap"].setChecked(False)  # it would cover the strip's corner
    window.view.minimap.setVisible(False)
    await asyncio.sleep(1.0)
    window.scene.select_nodes(["check"])
    window.run_to_selected()
    await until(lambda: not window.runner.busy, 900)
    await asyncio.sleep(3.0)
    window.scene.select_nodes(["check"])
    window.view.fit(window.scene.nodes_rect(around))
    await asyncio.sleep(1.0)
    save(window, name)
    if menu_shot:
        # The suggestions of the flagged segment, as a click on it shows them (a popup is its
        # own window: the screen is grabbed, not the main window).
        strip = window.scene.nodes["check"].preview_item
        segment = next(s for s in strip.report["segments"] if s["mismatches"])
        rect = strip.segment_rect(segment)
        point = window.view.mapToGlobal(window.view.mapFromScene(strip.mapToScene(rect.center())))
        menu = strip.segment_menu(segment)
        menu.popup(point)
        await asyncio.sleep(1.0)
        save(window.screen().grabWindow(0), menu_shot)
        menu.close()


def lighthouse_with_check(folder: Path) -> Path:
    from studio.graph.fileformat import load_graph, save_graph
    from studio.graph.model import Node
    from studio.paths import resources_dir

    graph = load_graph(resources_dir() / "examples" / "lighthouse.json")
    graph.add_node(Node("check", "check.coherence", {}))
    for edge in graph.edges_into("timeline"):
        graph.connect(edge.src, edge.src_port, "check", edge.dst_port)
    graph.positions["check"] = (1300.0, 760.0)
    path = folder / "lighthouse-check.json"
    save_graph(graph, path)
    return path


def mismatched_graph(folder: Path) -> Path:
    """Night sea, bright desert, night forest; somber music; a calm narration; the check."""
    from studio.graph.fileformat import save_graph
    from studio.graph.model import Graph, Node

    words = (
        "The tide comes in over the flat stones. The boats sit in the harbour, side by side. "
        "A path runs along the shore to the old stone wall. The lamps are lit along the quay, "
        "one after another, as the evening comes."
    )
    graph = Graph()
    pictures = [
        ("waves on the sea at night, moon and stars", None),
        ("a desert at noon, golden sand", {"mood": "happy", "palette": "amber, gold"}),
        ("a dark forest at night", None),
    ]
    for n, (prompt, brief) in enumerate(pictures, start=1):
        graph.add_node(Node(f"prompt{n}", "text.prompt", {"template": prompt}))
        graph.add_node(
            Node(f"image{n}", "image.generate", {"width": 640, "height": 360, "seed": 2})
        )
        graph.connect(f"prompt{n}", "text", f"image{n}", "prompt")
        graph.positions[f"prompt{n}"] = (0.0, 280.0 * (n - 1))
        graph.positions[f"image{n}"] = (300.0, 280.0 * (n - 1))
        if brief:
            graph.add_node(Node(f"brief{n}", "text.brief", brief))
            graph.connect(f"brief{n}", "brief", f"image{n}", "brief")
            graph.positions[f"brief{n}"] = (-300.0, 280.0)
    graph.add_node(Node("mood", "text.prompt", {"template": "somber, sad"}))
    graph.add_node(Node("music", "audio.music", {"duration": 30.0, "seed": 3}))
    graph.connect("mood", "text", "music", "prompt")
    graph.add_node(Node("words", "text.prompt", {"template": words}))
    graph.add_node(Node("voice", "audio.speech", {"voice": "joe", "rate": 0.9}))
    graph.connect("words", "text", "voice", "text")
    graph.add_node(Node("check", "check.coherence", {}))
    for n in (1, 2, 3):
        graph.connect(f"image{n}", "image", "check", "clips")
    graph.connect("music", "audio", "check", "music")
    graph.connect("voice", "audio", "check", "narration")
    graph.connect("words", "text", "check", "captions")
    graph.positions.update(
        {
            "mood": (0.0, 860.0),
            "music": (300.0, 860.0),
            "words": (0.0, 1140.0),
            "voice": (300.0, 1140.0),
            "check": (640.0, 420.0),
        }
    )
    path = folder / "mismatch-check.json"
    save_graph(graph, path)
    return path


async def scenarios(window, home: Path) -> None:
    import pytest
    from compare_servers import image_services

    with pytest.MonkeyPatch.context() as monkeypatch, image_services(monkeypatch):
        await compare_scenario(window)
    await coherence_scenario(
        window,
        lighthouse_with_check(home),
        "coherence-lighthouse.png",
        ["timeline", "check", "export"],
    )
    await coherence_scenario(
        window,
        mismatched_graph(home),
        "coherence-mismatch.png",
        ["check", "image2", "image3"],
        "coherence-mismatch-menu.png",
    )


if __name__ == "__main__":
    raise SystemExit(take(scenarios))
