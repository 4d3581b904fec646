"""An edit inside a component is an edit of every use: the results it changes (inside each use,
the component nodes and what follows them) are dimmed and badged stale, and auto-run runs them
again by itself, exactly as after an edit at the top."""

from __future__ import annotations

from gui_helpers import wait_idle
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from test_autorun import count_runs, toolbar_button
from test_components_gui import click_node, make_with_keys
from test_stale import type_number

from studio.gui.canvas import style
from studio.gui.canvas.node_item import _badge


def card_component(qtbot, window):
    """brief -> [Card: prompt -> title card] -> describe, run once: every result is fresh."""
    brief = window.add_node("text.brief", (0.0, 0.0))
    prompt = window.add_node("text.prompt", (400.0, 0.0))
    card = window.add_node("image.title_card", (800.0, 0.0))
    for name, value in (("width", 160), ("height", 96)):
        type_number(qtbot, window.inspector.editors[name].spin, value)
    describe = window.add_node("image.describe", (1200.0, 0.0))
    assert window.scene.connect_ports(brief, "brief", prompt, "brief")
    assert window.scene.connect_ports(prompt, "text", card, "text")
    assert window.scene.connect_ports(card, "image", describe, "image")
    (use,) = make_with_keys(qtbot, window, [prompt, card], "Card", ticks=[(card, "font_size")])
    window.run_all()
    wait_idle(qtbot, window)
    states = window.states
    for node_id in (brief, use, f"{use}/{prompt}", f"{use}/{card}", describe):
        assert states.get(node_id).state in ("done", "cached"), node_id
        assert not states.get(node_id).stale, node_id
    return brief, use, prompt, card, describe


def test_an_edit_inside_marks_the_uses_and_what_follows_stale(qtbot, window):
    brief, use, prompt, card, describe = card_component(qtbot, window)
    click_node(qtbot, window, use, double=True)
    assert window.components.depth == 1
    click_node(qtbot, window, card)
    type_number(qtbot, window.inspector.editors["width"].spin, 170)

    states = window.states
    assert states.get(f"{use}/{card}").stale  # the edited node, in its use
    assert not states.get(f"{use}/{prompt}").stale  # upstream of the edit: unchanged
    assert states.get(use).stale and _badge(states.get(use)) == "stale"  # the component node
    assert states.get(describe).stale  # and what follows it
    assert not states.get(brief).stale
    # Inside, the edited node's picture is dimmed; the prompt's text is not.
    item = window.scene.nodes[card]
    assert item.preview_item.opacity() == style.STALE_PREVIEW_OPACITY
    assert window.scene.nodes[prompt].preview_item.opacity() == 1.0

    window.run_all()
    wait_idle(qtbot, window)
    for node_id in (use, f"{use}/{card}", describe):
        assert not states.get(node_id).stale, node_id
    assert item.preview_item.opacity() == 1.0


def test_auto_run_runs_again_after_an_edit_inside(qtbot, window):
    _brief, use, _prompt, card, describe = card_component(qtbot, window)
    before = window.states.get(f"{use}/{card}").outputs["image"].digest
    QTest.mouseClick(toolbar_button(window, "auto_run"), Qt.MouseButton.LeftButton)
    click_node(qtbot, window, use, double=True)
    click_node(qtbot, window, card)
    runs = count_runs(window)
    type_number(qtbot, window.inspector.editors["height"].spin, 100)
    states = window.states
    qtbot.waitUntil(lambda: len(runs) == 1, timeout=30_000)
    wait_idle(qtbot, window)
    for node_id in (use, f"{use}/{card}", describe):
        assert not states.get(node_id).stale, node_id
    assert states.get(f"{use}/{card}").outputs["image"].digest != before
    assert window.scene.nodes[card].preview_item.artifact.digest != before
    qtbot.wait(400)  # longer than the debounce: no second run comes
    assert len(runs) == 1


def test_an_exposed_param_edited_at_the_top_makes_the_inside_stale_until_the_re_run(qtbot, window):
    _brief, use, prompt, card, describe = card_component(qtbot, window)
    click_node(qtbot, window, use)
    type_number(qtbot, window.inspector.editors["font_size"].spin, 30)
    states = window.states
    assert states.get(use).stale and states.get(f"{use}/{card}").stale
    assert states.get(describe).stale and not states.get(f"{use}/{prompt}").stale
    window.run_all()
    wait_idle(qtbot, window)
    for node_id in (use, f"{use}/{card}", describe):
        assert not states.get(node_id).stale, node_id
