"""View ▸ Versions: the Versions node's list as rows, each following its export with a preview."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from gui_helpers import wait_idle
from PySide6.QtCore import Qt

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "nodes"))

from test_video_nodes import story_graph

from studio.graph.fileformat import save_graph
from studio.graph.model import Node


def versions_file(folder: Path) -> Path:
    graph = story_graph(folder)
    graph.remove_node("export")
    graph.set_param("timeline", "burn_captions", False)
    graph.add_node(
        Node(
            "versions",
            "export.versions",
            {"path": "out/story", "versions": "180x320\n180x180", "quality": "draft"},
        )
    )
    graph.connect("timeline", "video", "versions", "timeline")
    path = folder / "story.json"
    save_graph(graph, path)
    return path


def test_the_panel_lists_the_versions_and_follows_edits(qtbot, window, tmp_path) -> None:
    panel = window.versions_panel
    assert "Add a Versions node" in panel.status.text()
    assert not window.docks["versions"].isVisible()  # out of the way without versions
    assert window.open_path(versions_file(tmp_path))
    assert window.docks["versions"].isVisible()
    rows = panel.row_texts()
    assert [r[1:5] for r in rows] == [
        ["180x320.en", "180×320", "en", "out/story.180x320.en.mp4"],
        ["180x180.en", "180×180", "en", "out/story.180x180.en.mp4"],
    ]
    assert "2 versions, written as out/story.FORMAT.LANGUAGE.EXT" in panel.status.text()
    window.document.graph.set_param("versions", "versions", "180x320 fr webm podcast")
    assert [r[1:6] for r in panel.row_texts()] == [
        ["180x320.fr", "180×320", "fr", "out/story.180x320.fr.webm", "podcast"]
    ]
    window.document.graph.set_param("versions", "versions", "fr only")
    assert panel.row_texts() == []
    assert "names no format" in panel.status.text()


@pytest.mark.timeout(240)
def test_after_a_run_each_version_shows_its_file_and_a_frame(qtbot, window, tmp_path) -> None:
    assert window.open_path(versions_file(tmp_path))
    window.actions_by_name["run_all"].trigger()
    qtbot.waitUntil(lambda: window.runner.busy, timeout=30_000)
    wait_idle(qtbot, window, timeout=200_000)
    panel = window.versions_panel
    rows = panel.row_texts()
    assert [r[6] for r in rows] == ["written", "written"], rows
    assert rows[0][4] == "story.180x320.en.mp4"
    assert panel.table.item(0, 4).toolTip() == str(tmp_path / "out" / "story.180x320.en.mp4")
    assert "LUFS" in rows[0][5]
    assert (tmp_path / "out" / "story.180x180.en.vtt").is_file()

    def previews():
        icons = [panel.table.item(r, 0).data(Qt.ItemDataRole.DecorationRole) for r in range(2)]
        return [icon for icon in icons if icon is not None]

    qtbot.waitUntil(lambda: len(previews()) == 2, timeout=20_000)
    tall, square = previews()
    assert tall.height() > tall.width() and square.width() == square.height()
    panel.resize(900, 320)
    panel.grab().save(str(tmp_path / "versions-panel.png"))
    assert window.states.get("versions").state == "done"


@pytest.mark.timeout(240)
def test_keep_both_numbers_the_versions_base_so_every_file_is_kept(qtbot, window, tmp_path):
    from dialog_driving import button_named, click, when_shown
    from PySide6.QtWidgets import QMessageBox

    out = tmp_path / "out"
    out.mkdir()
    theirs = out / "story.180x320.en.mp4"
    theirs.write_bytes(b"a version delivered last week")
    assert window.open_path(versions_file(tmp_path))
    texts = []

    def keep_both(box):
        texts.append(box.text())
        click(button_named(box, "Keep Both"))

    asked = when_shown(lambda w: isinstance(w, QMessageBox), keep_both)
    window.actions_by_name["run_all"].trigger()
    qtbot.waitUntil(lambda: bool(asked), timeout=30_000)
    assert "“story.180x320.en.mp4” already exists" in texts[0]
    assert "writes this run's export as “story-2.180x320.en.mp4”" in texts[0]
    wait_idle(qtbot, window, timeout=200_000)
    assert theirs.read_bytes() == b"a version delivered last week"
    written = sorted(p.name for p in out.glob("story-2.*.mp4"))
    assert written == ["story-2.180x180.en.mp4", "story-2.180x320.en.mp4"]  # one set, numbered
    assert not (out / "story.180x180.en.mp4").exists()
    assert window.document.graph.nodes["versions"].params["path"] == "out/story"  # graph as is
    lines = [text for _level, text in window.run_log.lines]
    assert "The versions story.* are kept; this run writes story-2.*" in lines
