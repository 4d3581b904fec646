"""Take the screenshots of components, under Xvfb at 1600x1000:

    xvfb-run -a -s '-screen 0 1600x1000x24' python docs/screenshots/take_component_screenshots.py

The lighthouse example's three shots (prompt -> picture -> motion) become one component, "Scene
shot", used three times. It writes component-make.png (the Make component dialog over the
window, three settings ticked); after a run with the offline engines component-graph.png (the
graph with its three component nodes), component-editing.png (inside one use, with the
breadcrumb over the canvas) and component-search.png (node search in a new graph listing the
published component). Throw-away cache, data and config folders.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from shots import WIDTH, example_copy, save, take, until


async def scenario(window, home: Path) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from studio.gui.components_edit import exposed_names, make_component

    window.open_path(example_copy(home / "project"))
    graph = window.document.graph
    shots = {
        name: {
            "template": graph.nodes[f"prompt_{name}"].params["template"],
            "seed": graph.nodes[f"image_{name}"].params["seed"],
            "motion": graph.nodes[f"motion_{name}"].params["motion"],
        }
        for name in ("wide", "sea", "light")
    }
    await make_dialog_shot(window)
    ticks = [("prompt_wide", "template", "Shot"), ("image_wide", "seed", "Seed")]
    ticks.append(("motion_wide", "motion", "Motion"))
    uses = {
        "wide": make_component(
            window.document,
            ["prompt_wide", "image_wide", "motion_wide"],
            "Scene shot",
            exposed_names(ticks),
            help="One shot of a scene: a prompt from the brief, a picture, a slow camera move.",
        )
    }
    for name in ("sea", "light"):
        x, y = graph.positions[f"image_{name}"]
        window.scene.select_nodes([f"prompt_{name}", f"image_{name}", f"motion_{name}"])
        window.delete_selection()
        node_id = window.add_node("component:scene_shot", (x, y))
        for param, value in shots[name].items():
            window.document.graph.set_param(node_id, param, value)
        window.scene.connect_ports("brief", "brief", node_id, "brief")
        window.scene.connect_ports(node_id, "video", "timeline", "clips")
        uses[name] = node_id
    window.document.undo_stack.setClean()
    window.run_all()
    await until(lambda: not window.runner.busy, 900)
    await asyncio.sleep(3.0)  # thumbnails and posters load off the event loop
    window.scene.select_nodes([uses["sea"]])
    window.view.fit_all()
    await asyncio.sleep(1.0)
    save(window, "component-graph.png")

    window.components.enter(uses["wide"])  # its seed is the one inside: the inspector agrees
    window.scene.select_nodes(["image_wide"])
    window.view.fit_all()
    await asyncio.sleep(2.0)
    save(window, "component-editing.png")
    window.components.leave()

    window.components.actions.publish("scene_shot")
    window.new_document()
    await asyncio.sleep(0.5)
    window.open_search(window.view.mapToScene(window.view.viewport().rect().center()))
    window.search.move(520, 260)
    QTest.keyClicks(window.search.field, "scene")
    await asyncio.sleep(0.5)
    window.search.results.setCurrentRow(0)
    QTest.keyClick(window.search.field, Qt.Key.Key_Down)
    QTest.keyClick(window.search.field, Qt.Key.Key_Up)
    await asyncio.sleep(0.5)
    save(window, "component-search.png")


async def make_dialog_shot(window) -> None:
    """The Make component dialog over the window, the shot's three nodes selected and three of
    their settings ticked; then cancelled (the scenario makes the component itself)."""
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QColor, QPainter

    shot = ["prompt_wide", "image_wide", "motion_wide"]
    window.scene.select_nodes(shot)
    window.view.frame(shot)
    window.components.actions.make_from_selection()
    dialog = window.components.actions.dialog
    await until(dialog.isVisible, 10)
    dialog.resize(520, 560)
    dialog.move(window.mapToGlobal(QPoint(WIDTH // 2 - 260, 150)))
    dialog.title_edit.setText("Scene shot")
    dialog.help_edit.setText(
        "One shot of a scene: a prompt from the brief, a picture, a slow camera move."
    )
    dialog.help_edit.setCursorPosition(0)
    for node_id, param in zip(shot, ("template", "seed", "motion"), strict=True):
        dialog.tick(node_id, param)
    await asyncio.sleep(1.0)
    picture = window.grab()
    painter = QPainter(picture)
    corner = window.mapFromGlobal(dialog.mapToGlobal(QPoint(0, 0)))
    painter.drawPixmap(corner, dialog.grab())
    painter.setPen(QColor("#3d9cff"))  # Xvfb has no window frames: outline the dialog
    painter.drawRect(corner.x() - 1, corner.y() - 1, dialog.width() + 1, dialog.height() + 1)
    painter.end()
    save(picture, "component-make.png")
    dialog.reject()
    await asyncio.sleep(0.2)


if __name__ == "__main__":
    raise SystemExit(take(scenario))
