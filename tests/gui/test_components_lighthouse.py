"""Issue 14's done-when, in the window: the lighthouse example's shots (prompt → picture → motion)
become one component used three times; the componentised graph runs with the offline engines,
and every inner node is found in the cache the inline run filled (the same cache keys); the
component is published and used from node search in a new graph."""

from __future__ import annotations

import pytest
from gui_helpers import wait_idle
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from test_components_gui import (
    SHOT,
    add_from_search,
    focus_canvas,
    make_with_keys,
    open_lighthouse,
    publish_with_menu,
)

from studio.graph.components import flatten


def run_all(qtbot, window):
    window.actions_by_name["run_all"].trigger()
    qtbot.waitUntil(lambda: window.runner.busy, timeout=30_000)
    wait_idle(qtbot, window, timeout=200_000)


@pytest.mark.timeout(300)
def test_lighthouse_shots_as_one_component_used_three_times(qtbot, window, tmp_path):
    graph = open_lighthouse(window, tmp_path)
    run_all(qtbot, window)  # inline: fills the cache
    assert {window.states.get(n).state for n in graph.nodes} <= {"done", "cached"}
    shots = {
        name: {
            "template": graph.nodes[f"prompt_{name}"].params["template"],
            "seed": graph.nodes[f"image_{name}"].params["seed"],
            "motion": graph.nodes[f"motion_{name}"].params["motion"],
        }
        for name in ("wide", "sea", "light")
    }
    (wide,) = make_with_keys(
        qtbot,
        window,
        SHOT,
        "Scene shot",
        ticks=[("prompt_wide", "template"), ("image_wide", "seed"), ("motion_wide", "motion")],
    )
    # The other two shots: deleted, each replaced by a use of the component with its values.
    uses = {"wide": wide}
    for name in ("sea", "light"):
        window.scene.select_nodes([f"prompt_{name}", f"image_{name}", f"motion_{name}"])
        focus_canvas(window)
        QTest.keyClick(window.view, Qt.Key.Key_Delete)
        add_from_search(window, "scene shot")
        (node_id,) = window.scene.selected_node_ids()
        uses[name] = node_id
        for param, value in shots[name].items():
            editor = window.inspector.editors[param]
            editor.set_value(value)
            editor.value_edited.emit(value, False)  # as the editor sends a finished edit
        assert window.scene.connect_ports("brief", "brief", node_id, "brief")
        assert window.scene.connect_ports(node_id, "video", "timeline", "clips")
    assert (
        sorted(n.type for n in graph.nodes.values() if n.type.startswith("component:"))
        == ["component:scene_shot"] * 3
    )
    clips = sorted(
        (e.order, e.src) for e in graph.edges if e.dst == "timeline" and e.dst_port == "clips"
    )
    assert [src for _o, src in clips] == [uses["wide"], uses["sea"], uses["light"]]

    run_all(qtbot, window)
    flat = flatten(graph)
    inner = [n for n in flat.nodes if "/" in n]
    assert len(inner) == 9
    # Same cache keys as inline: nothing inside the components was computed again.
    assert {n: window.states.get(n).state for n in inner} == {n: "cached" for n in inner}
    assert all(window.states.get(n).state in ("done", "cached") for n in flat.nodes)
    assert (tmp_path / "lighthouse.mp4").stat().st_size > 10_000
    assert any("Run succeeded" in text for _level, text in window.run_log.lines)

    # Each component node shows the summary of its inside and its video, like any node.
    from studio.gui.previews.video import VideoPreview

    for node_id in uses.values():
        assert window.states.get(node_id).state == "cached"
        preview = window.scene.nodes[node_id].preview_item
        assert isinstance(preview, VideoPreview)
    # Inside one use, the inner nodes show that use's states.
    window.components.enter(uses["sea"])
    assert window.scene.nodes["motion_wide"].status.state == "cached"
    window.components.leave()

    publish_with_menu(qtbot, window, wide)
    window.new_document()
    texts = add_from_search(window, "scene shot")
    assert texts[0].startswith("Scene shot")
    (added,) = window.document.graph.nodes
    assert window.document.graph.components["scene_shot"].library == "scene_shot"
    assert set(window.inspector.editors) == {"template", "seed", "motion"}
    assert added in window.scene.nodes
