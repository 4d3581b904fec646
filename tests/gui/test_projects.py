"""An untitled graph is a project from its first edit: a folder under the projects folder, where
files picked with Browse or dropped from outside are copied and where its exports go."""

from __future__ import annotations

import json
import os
from pathlib import Path

from gui_helpers import wait_idle, write_png
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtTest import QTest

from studio.graph.validate import validate_graph
from studio.paths import projects_dir, resources_dir


def _browse(qtbot, window, monkeypatch, node_id: str, picked: Path) -> None:
    """Select the node, then click its file editor's Browse button; the dialog answers `picked`."""
    monkeypatch.setattr(
        "studio.gui.param_editors.QFileDialog.getOpenFileName",
        lambda *a, **k: (str(picked), ""),
    )
    window.scene.select_nodes([node_id])
    editor = window.inspector.editors["file"]
    QTest.mouseClick(editor.browse, Qt.MouseButton.LeftButton)


def test_the_first_edit_makes_an_untitled_graph_a_project(window):
    assert window.document.project_dir is None  # nothing edited yet: no folder
    assert window.windowTitle().startswith("Untitled[*]")
    window.add_node("text.brief", (0.0, 0.0))
    assert window.document.project_dir == projects_dir() / "Untitled project"
    assert window.document.graph_dir == window.document.project_dir
    assert window.windowTitle().startswith("Untitled project[*]")
    window.ask_save_changes = lambda: "discard"
    window.new_document()
    window.add_node("text.brief", (0.0, 0.0))
    assert window.document.project_dir == projects_dir() / "Untitled project 2"


def test_a_file_picked_with_browse_is_copied_into_the_project(qtbot, window, monkeypatch, tmp_path):
    outside = write_png(tmp_path / "photo.png")
    node = window.add_node("image.load", (0.0, 0.0))
    _browse(qtbot, window, monkeypatch, node, outside)
    params = window.document.graph.nodes[node].params
    qtbot.waitUntil(lambda: params.get("file") == "assets/photo.png", timeout=30_000)
    copied = window.document.project_dir / "assets" / "photo.png"
    assert copied.read_bytes() == outside.read_bytes()
    assert window.inspector.editors["file"].line.text() == "assets/photo.png"
    problems = validate_graph(window.document.graph, window.registry, window.document.graph_dir)
    assert problems == []
    window.run_all()
    wait_idle(qtbot, window, timeout=60_000)
    assert window.states.get(node).state == "done", window.states.get(node).error


def test_the_same_file_is_copied_once_and_a_namesake_gets_a_number(
    qtbot, window, monkeypatch, tmp_path
):
    first = write_png(tmp_path / "photo.png", colour=(10, 200, 10))
    other_folder = tmp_path / "other"
    other_folder.mkdir()
    namesake = write_png(other_folder / "photo.png", colour=(200, 10, 10))
    a = window.add_node("image.load", (0.0, 0.0))
    b = window.add_node("image.load", (0.0, 300.0))
    c = window.add_node("image.load", (0.0, 600.0))
    graph = window.document.graph
    for node, picked, expected in (
        (a, first, "assets/photo.png"),
        (b, first, "assets/photo.png"),
        (c, namesake, "assets/photo-2.png"),
    ):
        _browse(qtbot, window, monkeypatch, node, picked)
        qtbot.waitUntil(lambda n=node, e=expected: graph.nodes[n].params.get("file") == e)
    assets = window.document.project_dir / "assets"
    assert sorted(p.name for p in assets.iterdir()) == ["photo-2.png", "photo.png"]
    assert (assets / "photo-2.png").read_bytes() == namesake.read_bytes()


def test_a_saved_graph_copies_a_browsed_file_beside_it_too(qtbot, window, monkeypatch, tmp_path):
    folder = tmp_path / "story"
    folder.mkdir()
    node = window.add_node("image.load", (0.0, 0.0))
    window._save_to(folder / "story.json")
    picked = write_png(tmp_path / "photo.png")
    _browse(qtbot, window, monkeypatch, node, picked)
    qtbot.waitUntil(
        lambda: window.document.graph.nodes[node].params.get("file") == "assets/photo.png"
    )
    assert (folder / "assets" / "photo.png").is_file()
    window.run_all()
    wait_idle(qtbot, window, timeout=60_000)
    log = "\n".join(text for _level, text in window.run_log.lines)
    assert "leaves the graph's folder" not in log
    assert window.states.get(node).state == "done", window.states.get(node).error


def test_a_file_dropped_from_outside_is_copied_and_shown_relative(qtbot, window, tmp_path):
    picture = write_png(tmp_path / "dropped.png")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(picture))])
    event = QDropEvent(
        QPointF(QPoint(300, 200)),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.view.dropEvent(event)
    qtbot.waitUntil(lambda: len(window.document.graph.nodes) == 1, timeout=30_000)
    (node,) = window.document.graph.nodes.values()
    assert node.type == "image.load" and node.params["file"] == "assets/dropped.png"
    assert (window.document.project_dir / "assets" / "dropped.png").is_file()
    assert window.inspector.editors["file"].line.text() == "assets/dropped.png"  # selected


def test_an_untitled_graphs_export_goes_into_its_project_folder(qtbot, window, tmp_path):
    cwd = os.getcwd()
    os.chdir(tmp_path)  # where a relative export would land without a project
    try:
        card = window.add_node("image.title_card", (0.0, 0.0))
        window.document.graph.set_param(card, "width", 64)
        window.document.graph.set_param(card, "height", 64)
        motion = window.add_node("video.from_image", (300.0, 0.0))
        for name, value in (("preset", "custom"), ("width", 64), ("height", 64), ("duration", 0.3)):
            window.document.graph.set_param(motion, name, value)
        export = window.add_node("export.video", (600.0, 0.0))
        window.document.graph.set_param(export, "path", "clip.mp4")
        assert window.scene.connect_ports(card, "image", motion, "image")
        assert window.scene.connect_ports(motion, "video", export, "video")
        window.run_all()
        wait_idle(qtbot, window, timeout=90_000)
    finally:
        os.chdir(cwd)
    assert window.states.get(export).state == "done", window.states.get(export).error
    assert (window.document.project_dir / "clip.mp4").stat().st_size > 1000
    assert not (tmp_path / "clip.mp4").exists()


def test_opening_a_bundled_example_opens_a_copy_in_a_new_project(window):
    example = resources_dir() / "examples" / "lighthouse.json"
    before = example.read_bytes()
    assert window.open_path(example)
    document = window.document
    assert document.path is None
    assert document.project_dir is not None
    assert document.project_dir.parent == projects_dir()
    assert document.graph_dir == document.project_dir  # its export lands there
    assert "lighthouse" in window.windowTitle().lower()
    assert len(document.graph.nodes) == 15
    window.document.graph.set_param("brief", "mood", "stormy")
    window.autosaver.autosave_now()
    assert example.read_bytes() == before  # the installed file is never written


def test_save_as_starts_in_the_project_folder_and_keeps_the_assets(
    qtbot, window, monkeypatch, tmp_path
):
    node = window.add_node("image.load", (0.0, 0.0))
    _browse(qtbot, window, monkeypatch, node, write_png(tmp_path / "photo.png"))
    qtbot.waitUntil(
        lambda: window.document.graph.nodes[node].params.get("file") == "assets/photo.png"
    )
    asked = []

    def answer(parent, title, start, *rest, **kw):
        asked.append(start)
        return start, ""

    monkeypatch.setattr("studio.gui.main_window.QFileDialog.getSaveFileName", answer)
    assert window.save()
    project = projects_dir() / "Untitled project"
    assert asked == [str(project / "Untitled project.studiograph")]
    saved = json.loads((project / "Untitled project.studiograph").read_text())
    assert saved["nodes"][node]["params"]["file"] == "assets/photo.png"
    # Saved elsewhere later: the picture goes along into the new folder's assets.
    other = tmp_path / "moved"
    other.mkdir()
    monkeypatch.setattr(
        "studio.gui.main_window.QFileDialog.getSaveFileName",
        lambda *a, **k: (str(other / "moved.json"), ""),
    )
    assert window.save_as()
    moved = json.loads((other / "moved.json").read_text())
    assert moved["nodes"][node]["params"]["file"] == "assets/photo.png"
    assert (other / "assets" / "photo.png").read_bytes() == (tmp_path / "photo.png").read_bytes()


def test_a_recovered_untitled_project_keeps_its_folder(qtbot, make_window, monkeypatch, tmp_path):
    from studio.gui.autosave import load_recovery, pending_recoveries

    first = make_window()
    node = first.add_node("image.load", (0.0, 0.0))
    _browse(qtbot, first, monkeypatch, node, write_png(tmp_path / "photo.png"))
    qtbot.waitUntil(
        lambda: first.document.graph.nodes[node].params.get("file") == "assets/photo.png"
    )
    written = first.autosaver.autosave_now()
    data = json.loads(written.read_text())
    data["pid"] = 2**22 + 12345  # as if the session that wrote it had crashed
    written.write_text(json.dumps(data))
    (recovery,) = [r for r in pending_recoveries() if r.file == written]
    document = load_recovery(recovery, first.registry)
    assert document.project_dir == first.document.project_dir
    assert validate_graph(document.graph, first.registry, document.graph_dir) == []


def test_a_big_file_is_copied_in_the_background_while_the_window_answers(
    qtbot, window, monkeypatch, tmp_path
):
    monkeypatch.setattr("studio.gui.projects.SYNC_COPY_LIMIT", 0)  # every file counts as big
    node = window.add_node("image.load", (0.0, 0.0))
    _browse(qtbot, window, monkeypatch, node, write_png(tmp_path / "photo.png"))
    assert window.document.graph.nodes[node].params.get("file", "") == ""  # not yet: copying
    assert window.statusBar().currentMessage() == "Copying photo.png into the project…"
    qtbot.waitUntil(
        lambda: window.document.graph.nodes[node].params.get("file") == "assets/photo.png"
    )
    assert (window.document.project_dir / "assets" / "photo.png").is_file()


def test_a_file_that_cannot_be_copied_is_told_and_nothing_changes(
    qtbot, window, monkeypatch, tmp_path
):
    node = window.add_node("image.load", (0.0, 0.0))
    _browse(qtbot, window, monkeypatch, node, tmp_path / "gone.png")
    assert window.document.graph.nodes[node].params.get("file", "") == ""
    errors = [text for level, text in window.run_log.lines if level == "error"]
    assert errors and errors[-1].startswith("Could not copy into the project: gone.png:")
