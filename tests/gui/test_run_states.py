"""What the canvas says about a run: skipped is not failed, Cancel only while something runs,
and after a cancel no node is left "running"."""

from __future__ import annotations

import os
import time

import pytest
from gui_helpers import SLOW, registry_with_test_nodes, wait_idle
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from studio.api import NodeSpec, Output, Param, PortType


def _late_reporter(ctx, params):
    # CPU work that outlives a cancel and reports progress afterwards (a real encoder does).
    time.sleep(params["seconds"])
    ctx.progress(0.67, "still encoding")
    return "done"


async def _late_run(ctx, inputs, params):
    text = await ctx.run_cpu(_late_reporter, ctx, params)
    return {"text": text}


LATE = NodeSpec(
    id="test.late_progress",
    title="Late Progress",
    category="Test",
    version=1,
    run=_late_run,
    outputs=(Output("text", PortType.TEXT),),
    params=(Param.float("seconds", 1.0, help="How long the CPU work takes.", minimum=0.0),),
)


@pytest.fixture
def test_window(make_window):
    registry = registry_with_test_nodes()
    registry.register(LATE, pack="tests")
    return make_window(registry)


def test_a_node_after_a_failed_one_shows_skipped_not_failed(qtbot, test_window):
    window = test_window
    bad = window.add_node("test.fail", (0.0, 0.0))
    after = window.add_node("text.prompt", (400.0, 0.0))
    assert window.scene.connect_ports(bad, "text", after, "a")
    window.run_all()
    wait_idle(qtbot, window, 60_000)
    assert window.states.get(bad).state == "failed"
    status = window.states.get(after)
    assert status.state == "skipped" and f"upstream node {bad!r} failed" in status.error
    window.scene.select_nodes([after])
    label = window.inspector.error_label
    assert label.isVisible() and label.text().startswith("Skipped")
    assert label.objectName() == "Warning"  # not the red of a failure
    assert "was skipped" in window.scene.nodes[after].toolTip()
    window.scene.select_nodes([bad])
    assert window.inspector.error_label.text().startswith("Failed:")


def test_cancel_is_enabled_only_while_a_run_goes_and_esc_cancels(qtbot, test_window):
    window = test_window
    cancel = window.actions_by_name["cancel"]
    assert not cancel.isEnabled()
    slow = window.add_node("test.slow", (0.0, 0.0))
    window.document.graph.nodes[slow].params.update(steps=400, delay=0.05)
    window.run_all()
    qtbot.waitUntil(lambda: window.states.get(slow).state == "running", timeout=30_000)
    assert cancel.isEnabled()
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key.Key_Escape)
    wait_idle(qtbot, window, 30_000)
    assert window.states.get(slow).state == "cancelled"
    assert not cancel.isEnabled()
    assert SLOW.id == "test.slow"


def test_progress_arriving_after_a_cancel_does_not_bring_a_node_back_to_running(qtbot, test_window):
    # More busy workers than the pool has threads: the run's clean-up waits for a thread, so the
    # late reports arrive before the run ends (on a loaded 2-core machine: "stuck at 67 %").
    window = test_window
    nodes = [
        window.add_node("test.late_progress", (0.0, i * 300.0))
        for i in range((os.cpu_count() or 2) + 1)
    ]
    for node_id in nodes:
        window.document.graph.nodes[node_id].params["seconds"] = 1.5
    window.run_all()
    qtbot.waitUntil(
        lambda: any(window.states.get(n).state == "running" for n in nodes), timeout=30_000
    )
    window.actions_by_name["cancel"].trigger()
    wait_idle(qtbot, window, 30_000)
    qtbot.wait(2500)  # every worker thread has reported its 67 % by now
    states = {n: (window.states.get(n).state, window.states.get(n).fraction) for n in nodes}
    assert all(state == "cancelled" for state, _ in states.values()), states
