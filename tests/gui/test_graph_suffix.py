"""Graphs get their own extension (.studiograph); graphs saved as .json still open and save."""

from __future__ import annotations

import shutil

from gui_helpers import brief_prompt

from studio.paths import resources_dir


def test_save_as_offers_studiograph_and_adds_it_to_a_bare_name(make_window, tmp_path, monkeypatch):
    window = make_window()
    brief_prompt(window)
    asked = []

    def dialog(parent, caption, start, filters):
        asked.append((start, filters))
        return str(tmp_path / "harbour"), ""

    monkeypatch.setattr("studio.gui.main_window.QFileDialog.getSaveFileName", dialog)
    assert window.save()
    # An untitled graph is a project: Save As starts in its folder.
    assert asked[0][0].endswith("Untitled project/Untitled project.studiograph")
    assert asked[0][1].startswith("Graphs (*.studiograph)")
    assert (tmp_path / "harbour.studiograph").is_file()
    assert window.windowTitle().startswith("harbour.studiograph")


def test_an_old_json_graph_opens_saves_in_place_and_save_as_offers_the_new_extension(
    make_window, tmp_path, monkeypatch
):
    old = tmp_path / "lighthouse.json"
    shutil.copy(resources_dir() / "examples" / "lighthouse.json", old)
    window = make_window()
    assert window.open_path(old)
    assert window._save_to(old)  # Ctrl+S keeps the file the user has
    assert old.is_file() and not (tmp_path / "lighthouse.studiograph").exists()
    asked = []

    def dialog(parent, caption, start, filters):
        asked.append(start)
        return start, ""

    monkeypatch.setattr("studio.gui.main_window.QFileDialog.getSaveFileName", dialog)
    assert window.save_as()
    assert asked == [str(tmp_path / "lighthouse.studiograph")]
    new = tmp_path / "lighthouse.studiograph"
    assert new.read_bytes() == old.read_bytes()
    reopened = make_window()
    assert reopened.open_path(new)
    assert len(reopened.document.graph.nodes) == len(window.document.graph.nodes)
