"""Results that no longer match the graph stay visible, dimmed and badged "stale", until re-run."""

from __future__ import annotations

from gui_helpers import registry_with_test_nodes, wait_idle
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest

from studio.gui.canvas import style
from studio.gui.canvas.node_item import _badge
from studio.gui.previews.image import ImagePreview


def small_title_card(qtbot, window) -> str:
    """A 320x180 title card, its size typed into the inspector."""
    card = window.add_node("image.title_card", (0.0, 0.0))
    for name, value in (("width", 320), ("height", 180)):
        type_number(qtbot, window.inspector.editors[name].spin, value)
    return card


def type_number(qtbot, spin, value) -> None:
    """Select the spin box's text and type a new value, as a user does."""
    spin.setFocus()
    QTest.keySequence(spin, QKeySequence.StandardKey.SelectAll)
    QTest.keyClicks(spin, str(value))
    QTest.keyClick(spin, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: abs(spin.value() - value) < 1e-9, timeout=5_000)


def test_an_edit_dims_the_old_result_and_badges_it_stale_until_the_re_run(qtbot, window):
    card = small_title_card(qtbot, window)
    item = window.scene.nodes[card]
    window.run_all()
    wait_idle(qtbot, window)
    old = item.preview_item
    assert isinstance(old, ImagePreview) and window.states.get(card).state == "done"
    assert not window.states.get(card).stale and old.opacity() == 1.0

    type_number(qtbot, window.inspector.editors["font_size"].spin, 40)  # the user edits a param

    status = window.states.get(card)
    assert status.stale and _badge(status) == "stale"
    assert item.preview_item is old  # the old picture is still there to compare with...
    assert old.opacity() == style.STALE_PREVIEW_OPACITY  # ...dimmed
    assert "stale" in item.toolTip() and "Run to refresh" in item.toolTip()

    window.run_all()
    wait_idle(qtbot, window)
    status = window.states.get(card)
    assert status.state == "done" and not status.stale and _badge(status).startswith("done")
    fresh = item.preview_item
    assert fresh is not old and fresh.artifact.digest != old.artifact.digest
    assert fresh.opacity() == 1.0


def test_undoing_the_edit_brings_back_the_cached_result_not_stale(qtbot, window):
    card = small_title_card(qtbot, window)
    window.run_all()
    wait_idle(qtbot, window)
    digest = window.scene.nodes[card].preview_item.artifact.digest
    type_number(qtbot, window.inspector.editors["font_size"].spin, 40)
    assert window.states.get(card).stale
    window.view.setFocus()
    QTest.keySequence(window, QKeySequence.StandardKey.Undo)
    assert window.document.graph.nodes[card].params["font_size"] == 0
    # The estimate finds the result of these params in the cache: it matches the graph again.
    qtbot.waitUntil(lambda: not window.states.get(card).stale, timeout=30_000)
    assert window.states.get(card).state == "cached"
    assert window.scene.nodes[card].preview_item.artifact.digest == digest
    assert window.scene.nodes[card].preview_item.opacity() == 1.0


def test_an_edit_during_a_run_leaves_that_runs_result_stale(qtbot, make_window):
    window = make_window(registry_with_test_nodes())
    slow = window.add_node("test.slow", (0.0, 0.0))
    editors = window.inspector.editors
    type_number(qtbot, editors["steps"].spin, 2)
    type_number(qtbot, editors["delay"].spin, 0)
    window.run_all()
    wait_idle(qtbot, window)
    assert window.scene.nodes[slow].preview_item.text == "slept 2 steps"

    type_number(qtbot, editors["steps"].spin, 30)
    type_number(qtbot, editors["delay"].spin, 0.05)
    window.run_all()  # this run includes both edits...
    qtbot.waitUntil(lambda: (window.states.get(slow).fraction or 0) > 0.1, timeout=30_000)
    type_number(qtbot, editors["steps"].spin, 31)  # ...this edit comes after its snapshot
    wait_idle(qtbot, window, timeout=30_000)

    status = window.states.get(slow)
    item = window.scene.nodes[slow]
    assert item.preview_item.text == "slept 30 steps"  # the run's result is shown...
    assert status.state == "done" and status.stale  # ...but it is not what the graph says now
    assert _badge(status) == "stale" and item.preview_item.opacity() < 1.0
