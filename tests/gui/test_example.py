"""The bundled example graph, run from the window with the offline engines: every node
finishes and every preview (text, image, video, audio) is populated."""

from __future__ import annotations

import shutil

import pytest
from gui_helpers import wait_idle

from studio.gui.previews.audio import AudioPreview
from studio.gui.previews.image import ImagePreview
from studio.gui.previews.text import TextPreview
from studio.gui.previews.video import VideoPreview
from studio.paths import resources_dir

PREVIEW_KINDS = {
    "text.brief": TextPreview,
    "text.prompt": TextPreview,
    "image.generate": ImagePreview,
    "video.from_image": VideoPreview,
    "audio.speech": AudioPreview,
    "audio.music": AudioPreview,
    "compose.timeline": VideoPreview,
    "export.video": VideoPreview,
}


@pytest.mark.timeout(240)
def test_example_graph_runs_from_the_window_with_every_preview(qtbot, window, tmp_path):
    path = tmp_path / "lighthouse.json"  # a copy: the export writes beside the graph
    shutil.copy(resources_dir() / "examples" / "lighthouse.json", path)
    assert window.open_path(path)
    graph = window.document.graph
    window.actions_by_name["run_all"].trigger()
    qtbot.waitUntil(lambda: window.runner.busy, timeout=30_000)
    wait_idle(qtbot, window, timeout=200_000)
    not_done = {
        n: window.states.get(n).error for n in graph.nodes if window.states.get(n).state != "done"
    }
    assert not_done == {}
    items = window.scene.nodes
    for node_id, node in graph.nodes.items():
        assert isinstance(items[node_id].preview_item, PREVIEW_KINDS[node.type]), node_id
    images = [
        items[n].preview_item for n, node in graph.nodes.items() if node.type == "image.generate"
    ]
    videos = [
        items[n].preview_item
        for n, node in graph.nodes.items()
        if node.type in ("video.from_image", "compose.timeline", "export.video")
    ]
    sounds = [
        items[n].preview_item
        for n, node in graph.nodes.items()
        if node.type in ("audio.speech", "audio.music")
    ]
    qtbot.waitUntil(
        lambda: (
            all(i.pixmap is not None for i in images)
            and all(v.poster is not None for v in videos)
            and all(s.peaks is not None for s in sounds)
        ),
        timeout=20_000,
    )
    for item in images + videos:
        picture = getattr(item, "pixmap", None) or item.poster
        assert picture.width() / picture.height() == pytest.approx(16 / 9, rel=0.02)
        assert not item.error
    for sound in sounds:
        assert max(sound.peaks) == 1.0 and sound.duration > 1.0
    music = items["music"].preview_item
    assert music.duration == pytest.approx(20.0, abs=0.5)
    narration = items["narration_text"].preview_item
    assert narration.text.startswith("On the edge of the land, a lighthouse on a rocky cliff")
    assert (tmp_path / "lighthouse.mp4").stat().st_size > 10_000
    assert any("Run succeeded" in text for _level, text in window.run_log.lines)
