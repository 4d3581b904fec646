"""The issue's "done when" for compare, in the window: one prompt on four candidates (offline +
three local fake services) shows a grid with costs; a click on a cell picks it, and the next run
changes the downstream result without asking any service again; the grid exports a contact
sheet; the inspector edits the candidates as rows."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from gui_helpers import wait_idle

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "nodes"))
from compare_servers import image_services

from studio.gui.candidates_editor import CandidatesEditor
from studio.gui.previews.compare_grid import CompareGridItem


@pytest.fixture
def services(monkeypatch):
    with image_services(monkeypatch) as running:
        yield running


def build(window) -> tuple[str, str, str]:
    graph = window.document.graph
    prompt = window.add_node("text.prompt", (0.0, 0.0))
    graph.set_param(prompt, "template", "a lighthouse on a cliff at dusk")
    compare = window.add_node("compare.image", (320.0, 0.0))
    graph.set_param(compare, "width", 256)
    graph.set_param(compare, "height", 160)
    describe = window.add_node("image.describe", (800.0, 0.0))
    assert window.scene.connect_ports(prompt, "text", compare, "prompt")
    assert window.scene.connect_ports(compare, "image", describe, "image")
    return prompt, compare, describe


def click_cell(qtbot, window, compare: str, number: int) -> None:
    """A real mouse click on the caption of cell `number` of the grid."""
    from PySide6.QtCore import Qt

    item = window.scene.nodes[compare]
    window.view.centerOn(item)
    grid = item.preview_item
    rect = grid.cell_rects[number - 1]
    point = window.view.mapFromScene(grid.mapToScene(rect.center().x(), rect.bottom() - 10))
    qtbot.mouseClick(window.view.viewport(), Qt.MouseButton.LeftButton, pos=point)


def test_four_candidates_a_grid_with_costs_and_a_pick_that_reruns_no_candidate(
    qtbot, window, services
):
    _prompt, compare, describe = build(window)
    # The cost preview counts every paid candidate before anything is paid.
    qtbot.waitUntil(lambda: "est. $" in window.summary.text(), timeout=30_000)
    estimated = window.summary.text()
    assert "3 to run" in estimated and "est. $0.00" not in estimated
    assert services.generations() == {"fal": [], "bfl": [], "openai": []}

    window.run_all()
    wait_idle(qtbot, window, timeout=60_000)
    assert window.states.get(compare).state == "done"
    grid = window.scene.nodes[compare].preview_item
    assert isinstance(grid, CompareGridItem)
    cells = grid.grid.cells
    assert [c["provider"] for c in cells] == ["offline", "fal", "bfl", "openai"]
    from studio.media.contact_sheet import caption_lines

    captions = [caption_lines(c) for c in cells]
    assert captions[0][1].endswith(" s · free")
    assert captions[1][1].endswith("· $0.04") and captions[3][1].endswith("$0.063")
    assert len(grid.children_previews) == 4  # a thumbnail per cell
    first_words = window.states.get(describe).outputs["text"]
    asked = {name: len(r) for name, r in services.generations().items()}
    assert asked == {"fal": 1, "bfl": 1, "openai": 1}

    # A click on cell 3 picks it (undoable); the estimate says the re-pick is free.
    click_cell(qtbot, window, compare, 3)
    assert window.document.graph.nodes[compare].params["pick"] == 3
    qtbot.waitUntil(lambda: "2 to run" in window.summary.text(), timeout=30_000)
    assert "est." not in window.summary.text() or "est. $0.00" in window.summary.text()

    window.run_all()
    wait_idle(qtbot, window, timeout=60_000)
    assert {name: len(r) for name, r in services.generations().items()} == asked
    grid = window.scene.nodes[compare].preview_item
    assert grid.grid.pick == 3 and all(c["cached"] for c in grid.grid.cells)
    picked = window.states.get(compare).outputs["image"]
    assert picked.digest == cells[2]["digest"]
    assert window.states.get(describe).outputs["text"] != first_words

    window.document.undo_stack.undo()
    assert window.document.graph.nodes[compare].params.get("pick", 0) == 0


def test_the_grid_exports_a_contact_sheet_with_labels(qtbot, window, services, tmp_path):
    from PIL import Image

    _prompt, compare, _describe = build(window)
    window.run_all()
    wait_idle(qtbot, window, timeout=60_000)
    grid = window.scene.nodes[compare].preview_item
    assert [text for text, _ in grid.menu_actions()] == ["Export Contact Sheet…"]
    out = tmp_path / "sheet.png"
    grid.export_sheet(out)
    qtbot.waitUntil(out.exists, timeout=30_000)
    with Image.open(out) as sheet:
        assert sheet.size == (2 * 360 + 3 * 20, 74 + 3 * 20 + 2 * (230 + 58))
        pixels = sheet.convert("RGB")
        # The pick (cell 1, offline) has the blue frame; cell 2 shows fal's warm picture.
        assert pixels.getpixel((20 - 2, 74 + 20 + 100)) == (61, 156, 255)
        r, g, b = pixels.getpixel((20 + 360 + 20 + 40, 74 + 20 + 115))
        assert r > g > b
    qtbot.waitUntil(
        lambda: window.statusBar().currentMessage() == f"Contact sheet written to {out}",
        timeout=30_000,
    )


def test_the_inspector_edits_candidates_as_rows(qtbot, window, services):
    _prompt, compare, _describe = build(window)
    window.scene.select_nodes([compare])
    editor = window.inspector.editors["candidates"]
    assert isinstance(editor, CandidatesEditor)
    assert editor.automatic.isVisibleTo(window) and editor.automatic.text() == (
        "Automatic: Offline engines, fal, Black Forest Labs, OpenAI (offline plus every "
        "provider you have set up)."
    )
    editor.defaults_button.click()
    rows = window.document.graph.nodes[compare].params["candidates"]
    assert [r["provider"] for r in rows] == ["offline", "fal", "bfl", "openai"]
    editor.add_button.click()
    rows = window.document.graph.nodes[compare].params["candidates"]
    assert rows[-1] == {"provider": "openai", "model": "", "seed": 1}
    assert editor.table.rowCount() == 5
    editor.table.cellWidget(0, 2).setValue(42)
    editor.table.cellWidget(0, 2).editingFinished.emit()
    assert window.document.graph.nodes[compare].params["candidates"][0]["seed"] == 42
    window.document.undo_stack.undo()
    window.document.undo_stack.undo()
    assert len(window.document.graph.nodes[compare].params["candidates"]) == 4
    assert editor.table.rowCount() == 4


def test_sound_candidates_get_a_cell_each_with_its_own_play_controls(qtbot, window):
    from studio.gui.previews.audio import AudioPreview

    graph = window.document.graph
    words = window.add_node("text.prompt", (0.0, 0.0))
    graph.set_param(words, "template", "calm, hopeful")
    music = window.add_node("compare.music", (320.0, 0.0))
    graph.set_param(music, "duration", 2.0)
    rows = [{"provider": "offline", "model": "", "seed": s} for s in (1, 2, 3)]
    graph.set_param(music, "candidates", rows)
    assert window.scene.connect_ports(words, "text", music, "prompt")
    window.run_all()
    wait_idle(qtbot, window, timeout=60_000)
    grid = window.scene.nodes[music].preview_item
    assert isinstance(grid, CompareGridItem)
    players = grid.children_previews
    assert [type(p) for p in players] == [AudioPreview] * 3
    assert len({p.artifact.digest for p in players}) == 3
    # Each cell's player lies inside its cell, above the caption.
    for player, rect in zip(players, grid.cell_rects, strict=True):
        assert (
            rect.contains(player.pos()) and player.pos().y() + player.size.height() < rect.bottom()
        )
    assert [c["seed"] for c in grid.grid.cells] == [1, 2, 3]
