"""Auto-run on edit: off by default, a toolbar toggle; after an edit the free nodes run again by
themselves (debounced) and previews follow; a paid provider is never called without a click."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "providers"))
from fakes.example_servers import example_servers
from fakes.openai import FakeOpenAI
from fakes.server import FakeServer
from gui_helpers import wait_idle
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QToolBar
from test_stale import small_title_card, type_number

from studio.engine.events import RunStarted


def toolbar_button(window, name: str):
    toolbar = window.findChild(QToolBar, "main-toolbar")
    return toolbar.widgetForAction(window.actions_by_name[name])


def count_runs(window) -> list[RunStarted]:
    runs: list[RunStarted] = []
    window.runner.event_received.connect(
        lambda event: runs.append(event) if isinstance(event, RunStarted) else None
    )
    return runs


def preview_digest(window, node_id: str) -> str:
    return window.scene.nodes[node_id].preview_item.artifact.digest


def test_auto_run_is_off_by_default_and_a_toolbar_toggle(qtbot, window):
    button = toolbar_button(window, "auto_run")
    assert button.isCheckable() and not button.isChecked() and not window.autorun.enabled
    assert "paid or server nodes wait for Run" in button.toolTip()
    card = small_title_card(qtbot, window)
    window.run_all()
    wait_idle(qtbot, window)
    first = preview_digest(window, card)
    runs = count_runs(window)

    type_number(qtbot, window.inspector.editors["font_size"].spin, 40)
    qtbot.wait(1500)  # off: nothing runs by itself
    assert runs == [] and window.states.get(card).stale

    QTest.mouseClick(button, Qt.MouseButton.LeftButton)
    assert window.autorun.enabled and button.isChecked()
    type_number(qtbot, window.inspector.editors["font_size"].spin, 48)
    settled(qtbot, window, card)
    assert len(runs) == 1
    assert preview_digest(window, card) != first  # the preview follows the edit
    assert window.scene.nodes[card].preview_item.opacity() == 1.0

    QTest.mouseClick(button, Qt.MouseButton.LeftButton)
    assert not window.autorun.enabled


def test_a_burst_of_edits_runs_once_when_they_rest(qtbot, window):
    card = small_title_card(qtbot, window)
    window.run_all()
    wait_idle(qtbot, window)
    QTest.mouseClick(toolbar_button(window, "auto_run"), Qt.MouseButton.LeftButton)
    runs = count_runs(window)
    spin = window.inspector.editors["font_size"].spin
    spin.setFocus()
    QTest.keySequence(spin, QKeySequence.StandardKey.SelectAll)
    QTest.keyClicks(spin, "36")  # two edits, 3 then 36, a few ms apart
    QTest.keyClick(spin, Qt.Key.Key_Up)  # and a third: 37
    assert window.document.graph.nodes[card].params["font_size"] == 37
    settled(qtbot, window, card)
    qtbot.wait(600)  # longer than the debounce: no second run comes
    assert len(runs) == 1
    assert window.states.get(card).state == "done"


@pytest.fixture
def paid_servers(monkeypatch):
    """Fake fal (images) and OpenAI (text) servers, keys set: every paid call is counted."""
    with example_servers(monkeypatch) as servers, FakeServer() as openai_server:
        openai = FakeOpenAI(openai_server)
        monkeypatch.setenv("STUDIO_OPENAI_URL", openai.base_url)
        monkeypatch.setenv("FAL_KEY", "fal-autorun-secret")
        monkeypatch.setenv("OPENAI_API_KEY", "openai-autorun-secret")
        yield servers.fal, openai


def type_text(qtbot, window, name: str, text: str) -> None:
    editor = window.inspector.editors[name].edit
    editor.setFocus()
    QTest.keySequence(editor, QKeySequence.StandardKey.SelectAll)
    QTest.keyClicks(editor, text)


def choose(qtbot, window, name: str, value: str) -> None:
    """Pick `value` in a param's combo box with the arrow keys, as a user does."""
    combo = window.inspector.editors[name].combo
    found = lambda: max(combo.findData(value), combo.findText(value))  # noqa: E731
    qtbot.waitUntil(lambda: found() >= 0, timeout=30_000)  # providers are listed off the loop
    combo.setFocus()
    key = Qt.Key.Key_Down if found() > combo.currentIndex() else Qt.Key.Key_Up
    for _ in range(combo.count()):
        if combo.currentIndex() == found():
            break
        QTest.keyClick(combo, key)
    node = window.inspector.node_id
    assert window.document.graph.nodes[node].params[name] == value


def paid_graph(qtbot, window):
    """An offline prompt feeds a fal picture (then an offline motion) and an OpenAI rewrite.

    Run once: every node done, fal and OpenAI called once each.
    """
    window.runner.confirm_unknown_cost = lambda estimate: True
    prompt = window.add_node("text.prompt", (0.0, 0.0))
    type_text(qtbot, window, "template", "a lighthouse at dusk")
    picture = window.add_node("image.generate", (400.0, 0.0))
    choose(qtbot, window, "provider", "fal")
    motion = window.add_node("video.from_image", (800.0, 0.0))
    editors = window.inspector.editors
    choose(qtbot, window, "preset", "custom")
    type_number(qtbot, editors["width"].spin, 160)
    type_number(qtbot, editors["height"].spin, 96)
    type_number(qtbot, editors["duration"].spin, 1)
    enhance = window.add_node("text.enhance", (400.0, 400.0))
    choose(qtbot, window, "provider", "openai")
    for src, src_port, dst, dst_port in (
        (prompt, "text", picture, "prompt"),
        (picture, "image", motion, "image"),
        (prompt, "text", enhance, "prompt"),
    ):
        assert window.scene.connect_ports(src, src_port, dst, dst_port)
    window.run_all()
    wait_idle(qtbot, window, timeout=60_000)
    for node_id in (prompt, picture, motion, enhance):
        assert window.states.get(node_id).state == "done", window.states.get(node_id).error
    return prompt, picture, motion, enhance


def fal_submits(fal) -> int:
    return len([r for r in fal.api.requests if r.method == "POST" and "fal-ai/" in r.path])


def openai_chats(openai) -> int:
    return len(openai.server.received("POST", "/v1/chat/completions"))


def test_paid_providers_never_run_without_a_click(qtbot, window, paid_servers):
    fal, openai = paid_servers
    prompt, picture, motion, enhance = paid_graph(qtbot, window)
    assert (fal_submits(fal), openai_chats(openai)) == (1, 1)
    QTest.mouseClick(toolbar_button(window, "auto_run"), Qt.MouseButton.LeftButton)

    # Downstream of a paid node that is cached: the offline node re-runs, the paid one is a hit.
    window.scene.select_nodes([motion])
    old_motion = preview_digest(window, motion)
    type_number(qtbot, window.inspector.editors["duration"].spin, 2)
    settled(qtbot, window, motion)
    assert preview_digest(window, motion) != old_motion
    assert window.states.get(picture).state == "cached"
    assert fal_submits(fal) == 1  # fal was not called again

    # Upstream of paid nodes: the offline prompt re-runs; fal and OpenAI wait, stale.
    window.scene.select_nodes([prompt])
    type_text(qtbot, window, "template", "a lighthouse in fog")
    settled(qtbot, window, prompt)
    qtbot.wait(800)
    assert window.scene.nodes[prompt].preview_item.text == "a lighthouse in fog"
    for node_id in (picture, motion, enhance):
        assert window.states.get(node_id).stale
    assert (fal_submits(fal), openai_chats(openai)) == (1, 1)  # neither was called
    assert any(
        "Auto-run left stale" in text and enhance in text and picture in text
        for _level, text in window.run_log.lines
    )

    QTest.mouseClick(toolbar_button(window, "run_all"), Qt.MouseButton.LeftButton)  # a click
    wait_idle(qtbot, window, timeout=60_000)
    assert (fal_submits(fal), openai_chats(openai)) == (2, 2)
    assert not any(window.states.get(n).stale for n in (picture, motion, enhance))
    sent = openai.server.received("POST", "/v1/chat/completions")[-1].json
    assert "a lighthouse in fog" in str(sent["messages"])


def test_a_paid_node_whose_cached_result_vanished_is_stopped_before_it_starts(
    qtbot, window, paid_servers
):
    fal, _openai = paid_servers
    _prompt, picture, motion, _enhance = paid_graph(qtbot, window)
    QTest.mouseClick(toolbar_button(window, "auto_run"), Qt.MouseButton.LeftButton)
    # Between the auto-run's check (the picture is cached) and its run, the cache is emptied.
    window.autorun.ran.connect(lambda targets, left: window.runner.executor.cache.clear())
    window.scene.select_nodes([motion])
    type_number(qtbot, window.inspector.editors["duration"].spin, 2)
    qtbot.waitUntil(
        lambda: any("Auto-run stopped before" in t for _l, t in window.run_log.lines),
        timeout=60_000,
    )
    wait_idle(qtbot, window)
    assert fal_submits(fal) == 1  # the paid call never went out
    assert window.states.get(picture).state == "cancelled"
    assert window.states.get(motion).stale


def settled(qtbot, window, node_id: str) -> None:
    """Wait until the node's new result is in (done, no longer stale) and the run is over."""
    qtbot.waitUntil(
        lambda: window.states.get(node_id).state == "done" and not window.states.get(node_id).stale,
        timeout=60_000,
    )
    wait_idle(qtbot, window)
