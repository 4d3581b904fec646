"""The view: zoom towards the cursor, pan with the middle mouse or space+drag, fit, detail."""

from __future__ import annotations

import pytest
from gui_helpers import brief_prompt
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtTest import QTest

from studio.gui.canvas import style


def wheel(view, at: QPoint, delta: int) -> None:
    event = QWheelEvent(
        QPointF(at),
        QPointF(view.viewport().mapToGlobal(at)),
        QPoint(0, 0),
        QPoint(0, delta),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    view.wheelEvent(event)


def test_wheel_zooms_towards_the_cursor(qtbot, window):
    brief_prompt(window)
    view = window.view
    at = QPoint(200, 150)
    QTest.mouseMove(view.viewport(), at)
    before = view.mapToScene(at)
    wheel(view, at, 240)
    assert view.zoom == pytest.approx(1.0015**240, rel=1e-3)
    after = view.mapToScene(at)
    assert (after - before).manhattanLength() < 2  # the point under the cursor stays put
    for _ in range(40):
        wheel(view, at, -480)
    assert view.zoom == pytest.approx(style.ZOOM_MIN, rel=1e-3)
    assert not window.scene.detailed  # far out: ports and previews hidden
    assert (
        not next(iter(window.scene.nodes.values())).inputs
        or not next(iter(window.scene.nodes.values())).ports()[0].isVisible()
    )


def test_middle_mouse_and_space_drag_pan(qtbot, window):
    view = window.view
    viewport = view.viewport()
    centre = view.mapToScene(viewport.rect().center())
    QTest.mousePress(
        viewport, Qt.MouseButton.MiddleButton, Qt.KeyboardModifier.NoModifier, QPoint(300, 300)
    )
    QTest.mouseMove(viewport, QPoint(200, 250))
    QTest.mouseRelease(
        viewport, Qt.MouseButton.MiddleButton, Qt.KeyboardModifier.NoModifier, QPoint(200, 250)
    )
    moved = view.mapToScene(viewport.rect().center()) - centre
    assert (round(moved.x()), round(moved.y())) == (100, 50)
    view.setFocus()
    QTest.keyPress(view, Qt.Key.Key_Space)
    QTest.mousePress(
        viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(300, 300)
    )
    QTest.mouseMove(viewport, QPoint(310, 300))
    QTest.mouseRelease(
        viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(310, 300)
    )
    QTest.keyRelease(view, Qt.Key.Key_Space)
    moved = view.mapToScene(viewport.rect().center()) - centre
    assert (round(moved.x()), round(moved.y())) == (90, 50)
    assert window.scene.selected_node_ids() == []  # panning is not a rubber band


def test_fit_all_and_fit_selection(qtbot, window):
    a = window.add_node("text.brief", (0.0, 0.0))
    b = window.add_node("text.prompt", (3000.0, 2000.0))
    view = window.view
    view.fit_all()
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    assert visible.contains(window.scene.nodes_rect())
    window.scene.select_nodes([b])
    view.setFocus()  # F is a canvas shortcut
    QTest.keyClick(view, Qt.Key.Key_F)
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    assert visible.contains(window.scene.nodes[b].sceneBoundingRect())
    assert not visible.contains(window.scene.nodes[a].sceneBoundingRect())
    assert view.zoom == pytest.approx(1.5)
    centre = view.mapToScene(view.viewport().rect().center())
    assert (centre - window.scene.nodes[b].sceneBoundingRect().center()).manhattanLength() < 3


def test_rubber_band_and_shift_extend_the_selection(qtbot, window):
    a = window.add_node("text.brief", (0.0, 0.0))
    b = window.add_node("text.brief", (600.0, 0.0))
    view = window.view
    view.fit_all()
    viewport = view.viewport()

    def band(scene_rect, modifier=Qt.KeyboardModifier.NoModifier):
        start = view.mapFromScene(scene_rect.topLeft())
        end = view.mapFromScene(scene_rect.bottomRight())
        QTest.mousePress(viewport, Qt.MouseButton.LeftButton, modifier, start)
        QTest.mouseMove(viewport, (start + end) / 2)
        QTest.mouseMove(viewport, end)
        QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, modifier, end)

    rect_a = window.scene.nodes[a].sceneBoundingRect().adjusted(-30, -30, 30, 30)
    rect_b = window.scene.nodes[b].sceneBoundingRect().adjusted(-30, -30, 30, 30)
    band(rect_a)
    assert window.scene.selected_node_ids() == [a]
    band(rect_b, Qt.KeyboardModifier.ShiftModifier)
    assert sorted(window.scene.selected_node_ids()) == sorted([a, b])
    QTest.mouseClick(
        viewport,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.ShiftModifier,
        view.mapFromScene(window.scene.nodes[a].scenePos() + QPointF(50, 10)),
    )
    assert window.scene.selected_node_ids() == [b]  # shift+click toggles


def test_shortcut_overlay(qtbot, window):
    window.toggle_shortcuts()
    assert window.overlay.isVisible()
    QTest.keyClick(window.overlay, Qt.Key.Key_Escape)
    assert not window.overlay.isVisible()
