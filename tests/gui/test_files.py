"""Files: save and reopen to identical bytes, unknown nodes kept, unsaved-state title, asking
before dropping changes, recent files, dropped media stored relative to the graph."""

from __future__ import annotations

import json

from gui_helpers import brief_prompt, write_png
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from studio.graph.fileformat import dumps_graph
from studio.gui.commands import ParamSetCommand


def test_save_and_reopen_gives_identical_files(qtbot, make_window, tmp_path, monkeypatch):
    window = make_window()
    brief, prompt = brief_prompt(window)
    window.scene.select_nodes([brief, prompt])
    window.group_selection()
    window.document.push(
        ParamSetCommand(window.document, prompt, "template", "{subject} at {mood} — ünïcode")
    )
    first = tmp_path / "first.json"
    monkeypatch.setattr(
        "studio.gui.main_window.QFileDialog.getSaveFileName", lambda *a, **k: (str(first), "")
    )
    assert "Untitled" in window.windowTitle() and window.isWindowModified()
    assert window.save()  # no file yet: Save asks where (Save As)
    assert not window.isWindowModified()
    assert window.windowTitle().startswith("first.json")
    assert window.recent.files[0] == str(first.resolve())

    other = make_window()
    assert other.open_path(first)
    second = tmp_path / "second.json"
    other._save_to(second)
    assert first.read_bytes() == second.read_bytes()
    doc = json.loads(first.read_text())
    assert doc["nodes"][prompt]["params"]["template"].endswith("ünïcode")
    assert doc["layout"]["groups"][0]["nodes"] == sorted([brief, prompt])
    assert set(other.scene.nodes) == {brief, prompt} and len(other.scene.edges) == 1


def test_unknown_nodes_survive_a_save_untouched(qtbot, window, tmp_path):
    source = {
        "format": "multimodal-studio.graph",
        "version": 2,
        "meta": {},
        "nodes": {
            "b": {"type": "text.brief", "type_version": 1, "params": {}},
            "x": {
                "type": "fancy.upscale",
                "type_version": 3,
                "pack": "fancy-pack",
                "params": {"factor": 4, "nested": {"keep": [1, 2]}},
                "extra": "field",
            },
        },
        "edges": [{"from": "b", "out": "brief", "to": "x", "in": "text", "order": 0}],
        "layout": {"positions": {"b": [0, 0], "x": [400, 0]}, "groups": []},
    }
    path = tmp_path / "g.json"
    path.write_text(json.dumps(source))
    assert window.open_path(path)
    assert any("fancy.upscale" in text for _level, text in window.run_log.lines)
    window.scene.select_nodes(["x"])  # the inspector explains instead of editing
    assert window.inspector.editors == {}
    header = window.scene.nodes["x"].scenePos()
    window.scene.select_nodes(["x"])
    window.scene.begin_node_drag(header)
    window.scene.drag_nodes_to(header + QPointF(40, 0))
    window.scene.end_node_drag()
    out = tmp_path / "out.json"
    window._save_to(out)
    saved = json.loads(out.read_text())
    assert saved["nodes"]["x"] == source["nodes"]["x"]
    assert saved["edges"] == source["edges"]
    assert saved["layout"]["positions"]["x"] == [440.0, 0.0]


def test_closing_with_unsaved_changes_asks(qtbot, window, tmp_path, monkeypatch):
    brief_prompt(window)
    answers = ["cancel", "save"]
    asked = []

    def ask():
        asked.append(True)
        return answers.pop(0)

    window.ask_save_changes = ask
    target = tmp_path / "kept.json"
    monkeypatch.setattr(
        "studio.gui.main_window.QFileDialog.getSaveFileName", lambda *a, **k: (str(target), "")
    )
    assert not window.close()  # cancel: the window stays
    assert window.isVisible()
    assert window.close()  # save: written, then closed
    assert len(asked) == 2 and target.is_file()
    assert len(json.loads(target.read_text())["nodes"]) == 2


def test_new_asks_and_open_errors_are_words_not_crashes(qtbot, window, tmp_path):
    brief_prompt(window)
    window.ask_save_changes = lambda: "cancel"
    window.new_document()
    assert len(window.document.graph.nodes) == 2  # cancelled: nothing lost
    window.ask_save_changes = lambda: "discard"
    window.new_document()
    assert window.document.graph.nodes == {} and not window.isWindowModified()
    bad = tmp_path / "bad.json"
    bad.write_text("{ not json")
    assert not window.open_path(bad)
    assert any("not valid JSON" in text for level, text in window.run_log.lines if level == "error")
    assert window.document.graph.nodes == {}


def test_dropped_media_files_become_load_nodes_stored_relative(qtbot, window, tmp_path):
    picture = write_png(tmp_path / "photo.png")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(picture))])
    viewport_point = QPoint(300, 200)
    event = QDropEvent(
        QPointF(viewport_point),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.view.dropEvent(event)
    qtbot.waitUntil(lambda: len(window.document.graph.nodes) == 1)  # after the copy
    (node,) = window.document.graph.nodes.values()
    assert node.type == "image.load"
    file_param = next(p.name for p in window.registry.get("image.load").params if p.kind == "file")
    assert node.params[file_param] == "assets/photo.png"  # copied into the untitled project
    x, y = window.document.graph.positions[node.id]
    expected = window.view.mapToScene(viewport_point)
    assert (round(x), round(y)) == (round(expected.x()), round(expected.y()))
    window._save_to(tmp_path / "graph.json")
    saved = json.loads((tmp_path / "graph.json").read_text())
    assert saved["nodes"][node.id]["params"][file_param] == "assets/photo.png"
    assert (tmp_path / "assets" / "photo.png").read_bytes() == picture.read_bytes()
    assert dumps_graph(window.document.graph) == (tmp_path / "graph.json").read_text()


def test_opening_a_bundle_unpacks_it_and_opens_its_graph(make_window, qtbot, tmp_path, registry):
    from pathlib import Path

    from studio.bundle import pack_graph
    from studio.engine.cache import default_cache
    from studio.graph.fileformat import save_graph
    from studio.graph.model import Graph, Node

    graph = Graph()
    graph.add_node(Node("brief", "text.brief", {"mood": "shared"}))
    source = tmp_path / "made-here" / "story.json"
    source.parent.mkdir()
    save_graph(graph, source)
    bundle = tmp_path / "story.studiopack"
    pack_graph(source, bundle, registry=registry, cache=default_cache())
    window = make_window()
    target = tmp_path / "unpacked" / "story"
    assert window.open_bundle(bundle, target)
    qtbot.waitUntil(lambda: window.document.path is not None, timeout=10000)
    assert Path(window.document.path).parent == target
    assert window.document.graph.nodes["brief"].params["mood"] == "shared"
    junk = tmp_path / "junk.studiopack"
    junk.write_bytes(b"not a zip at all")
    window.open_bundle(junk, tmp_path / "nowhere")
    qtbot.waitUntil(
        lambda: any("not a bundle" in text for _, text in window.run_log.lines), timeout=10000
    )
    assert not (tmp_path / "nowhere").exists()
