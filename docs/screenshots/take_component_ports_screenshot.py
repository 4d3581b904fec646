"""Take component-ports.png, under Xvfb at 1600x1000:

    xvfb-run -a -s '-screen 0 1600x1000x24' \
        python docs/screenshots/take_component_ports_screenshot.py

Inside the lighthouse example's "Scene shot" component after the motion node's free 'prompt'
input was dropped on the inputs node: the component has a second input, wired inside, and both
boundary nodes show their empty "+ drop a wire: new port" slot. Then component-port-drop.png:
the picture node's image output dragged over the outputs node, which lights up in the wire's
colour (letting go would add the output). Throw-away folders, no run.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from shots import example_copy, save, take


async def scenario(window, home: Path) -> None:
    from studio.gui.components_edit import make_component

    window.open_path(example_copy(home / "project"))
    node_id = make_component(
        window.document, ["prompt_wide", "image_wide", "motion_wide"], "Scene shot"
    )
    window.components.enter(node_id)
    window.components.ports.add_port(window.edited, "motion_wide", "prompt", False)
    window.scene.select_nodes(["inputs"])
    window.view.fit_all()
    await asyncio.sleep(1.0)
    save(window, "component-ports.png")

    scene = window.scene
    scene.clearSelection()
    image = scene.nodes["image_wide"].outputs["image"]
    outputs = scene.nodes["outputs"]
    scene.begin_edge_drag_from_port(image, image.anchor())
    scene.move_edge_drag(outputs.mapToScene(outputs.width / 2, outputs.height / 2))
    await asyncio.sleep(0.5)
    save(window.view, "component-port-drop.png")
    scene.cancel_edge_drag()


if __name__ == "__main__":
    raise SystemExit(take(scenario))
