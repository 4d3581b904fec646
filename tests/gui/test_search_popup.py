"""The node search popup, typed into: help words and synonyms, and a clear 'no node matches'."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest


def first_id(window) -> str:
    return window.search.results.item(0).data(Qt.ItemDataRole.UserRole)


def test_typing_a_synonym_finds_the_node_and_enter_adds_it(qtbot, window):
    window.open_search(QPointF(0, 0))
    QTest.keyClicks(window.search.field, "narration")
    assert first_id(window) == "audio.speech"
    assert "speech" in window.search.results.item(0).text().lower()
    window.search.field.clear()
    QTest.keyClicks(window.search.field, "ken burns")
    assert first_id(window) == "video.from_image"
    QTest.keyClick(window.search.field, Qt.Key.Key_Return)
    (node,) = window.document.graph.nodes.values()
    assert node.type == "video.from_image"


def test_no_match_says_so_and_offers_the_closest_names(qtbot, window):
    window.open_search(QPointF(0, 0))
    QTest.keyClicks(window.search.field, "speach")
    assert window.search.hint.text().startswith("No node matches “speach”")
    assert "Speech" in window.search.hint.text()
    item = window.search.results.item(0)
    assert item.text().startswith("≈ Speech")
    QTest.keyClick(window.search.field, Qt.Key.Key_Return)  # the closest one can still be added
    (node,) = window.document.graph.nodes.values()
    assert node.type == "audio.speech"


def test_a_wire_dropped_on_the_canvas_lists_nodes_taking_it_first(qtbot, window):
    load = window.add_node("image.load", (0.0, 0.0))
    window.view.fit_all()
    out = window.scene.nodes[load].outputs["image"]
    viewport = window.view.viewport()
    start = window.view.mapFromScene(out.anchor())
    end = start + QPointF(250, 120).toPoint()
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    for i in range(1, 6):
        QTest.mouseMove(viewport, start + (end - start) * i / 5)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)
    assert window.search.isVisible()
    registry = window.registry
    listed = [
        registry.get(window.search.results.item(i).data(Qt.ItemDataRole.UserRole))
        for i in range(window.search.results.count())
    ]
    first_takes = [s.inputs[0].type.value in ("image", "visual[]") for s in listed]
    assert first_takes[0] and first_takes == sorted(first_takes, reverse=True)
    assert not all(first_takes)  # Sound to Video takes a picture too, as its second input
