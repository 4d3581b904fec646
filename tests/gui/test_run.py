"""Running from the window: previews fill in, cancel keeps the window usable, failures show on
the node and in the log, runs queue up, cached results come back after reopening."""

from __future__ import annotations

import json

from gui_helpers import brief_prompt, registry_with_test_nodes, wait_idle

from studio.gui.previews.text import TextPreview


def test_run_all_fills_text_previews_and_the_summary(qtbot, window):
    brief, prompt = brief_prompt(window)
    window.actions_by_name["run_all"].trigger()
    assert window.summary.text() == "Running…"  # a run starts at once (the work is spawned)
    wait_idle(qtbot, window)
    # Then how the run ended, until the estimate says what is cached: never "Running…" idle.
    assert window.summary.text() in ("Last run succeeded", "2 nodes · 0 to run · 2 cached")
    for node_id in (brief, prompt):
        assert window.states.get(node_id).state == "done"
    preview = window.scene.nodes[prompt].preview_item
    assert isinstance(preview, TextPreview)
    assert (
        preview.text == "a lighthouse on a cliff at dusk, cinematic, calm, hopeful, "
        "colours of deep blue, amber"
    )
    assert window.scene.nodes[brief].preview_item.text.startswith("subject: a lighthouse")
    qtbot.waitUntil(lambda: "2 cached" in window.summary.text(), timeout=30_000)
    assert "0 to run" in window.summary.text()
    assert any("Run succeeded" in text for _level, text in window.run_log.lines)


def test_run_up_to_a_node_runs_only_what_it_needs(qtbot, window):
    _brief, prompt = brief_prompt(window)
    lonely = window.add_node("text.prompt", (0.0, 600.0))
    window.scene.select_nodes([prompt])
    window.actions_by_name["run_to"].trigger()
    wait_idle(qtbot, window)
    assert window.states.get(prompt).state == "done"
    assert window.states.get(lonely).state == "idle"
    assert window.scene.nodes[lonely].preview_item is None


def test_cancel_mid_run_and_keep_working(qtbot, make_window):
    window = make_window(registry_with_test_nodes())
    slow = window.add_node("test.slow", (0.0, 0.0))
    window.run_all()
    qtbot.waitUntil(lambda: (window.states.get(slow).fraction or 0) > 0.05, timeout=10_000)
    assert window.scene.nodes[slow].status.state == "running"
    window.view.setFocus()
    window.actions_by_name["cancel"].trigger()  # Esc
    wait_idle(qtbot, window, timeout=30_000)
    assert window.summary.text() != "Running…"
    assert window.states.get(slow).state == "cancelled"
    assert any("cancelled" in text for _level, text in window.run_log.lines)
    # The window still works: edit, then run again to the end.
    quick = window.add_node("test.slow", (0.0, 400.0))
    window.inspector.editors["steps"].spin.setValue(2)
    window.inspector.editors["delay"].spin.setValue(0.0)
    window.scene.select_nodes([quick])
    window.run_to_selected()
    wait_idle(qtbot, window)
    assert window.states.get(quick).state == "done"
    assert window.scene.nodes[quick].preview_item.text == "slept 2 steps"


def test_a_failure_shows_on_the_node_and_in_the_log_and_other_branches_finish(qtbot, make_window):
    window = make_window(registry_with_test_nodes())
    bad = window.add_node("test.fail", (0.0, 0.0))
    _brief, prompt = brief_prompt(window)
    window.run_all()
    wait_idle(qtbot, window)
    status = window.states.get(bad)
    assert status.state == "failed" and status.error == "the engine is out of paint"
    assert "the engine is out of paint" in window.scene.nodes[bad].toolTip()
    assert ("error", f"{bad}: the engine is out of paint") in window.run_log.lines
    assert window.states.get(prompt).state == "done"
    window.scene.select_nodes([bad])
    assert "out of paint" in window.inspector.error_label.text()


def test_an_invalid_graph_is_reported_per_node(qtbot, window):
    motion = window.add_node("video.from_image", (0.0, 0.0))  # its image input is required
    window.run_all()
    wait_idle(qtbot, window)
    assert window.states.get(motion).state == "failed"
    assert "required input 'image'" in window.states.get(motion).error
    assert any("cannot run yet" in text for level, text in window.run_log.lines if level == "error")


def test_runs_started_while_busy_wait_in_a_persistent_queue(qtbot, make_window, tmp_path):
    from studio.gui.run_queue import RunQueue

    window = make_window(registry_with_test_nodes())
    slow = window.add_node("test.slow", (0.0, 0.0))
    brief, prompt = brief_prompt(window)
    window.runner.run_to(slow)
    qtbot.waitUntil(lambda: window.runner.busy, timeout=30_000)
    first = window.runner.request([prompt])
    second = window.runner.request([brief])
    assert [e.id for e in window.queue.entries] == [first.id, second.id]
    assert window.queue_panel.list.count() == 2
    window.queue_panel.list.setCurrentRow(1)
    window.queue_panel.up.click()  # reorder: the brief run goes first
    assert [e.id for e in window.queue.entries] == [second.id, first.id]
    saved = json.loads(window.queue.path.read_text())
    assert [e["id"] for e in saved["entries"]] == [second.id, first.id]
    restarted = RunQueue(window.queue.path)  # what the next session would see
    assert [e.targets for e in restarted.entries] == [[brief], [prompt]]
    window.queue_panel.list.setCurrentRow(1)
    window.queue_panel.remove.click()
    assert [e.id for e in window.queue.entries] == [second.id]
    window.runner.cancel()
    wait_idle(qtbot, window)  # the queued run started by itself after the cancel
    assert window.states.get(brief).state == "done"
    assert window.states.get(prompt).state == "idle"  # its run was removed from the queue


def test_reopened_graph_shows_cached_results_without_running(qtbot, make_window, tmp_path):
    window = make_window()
    _brief, prompt = brief_prompt(window)
    window.run_all()
    wait_idle(qtbot, window)
    path = tmp_path / "g.json"
    window._save_to(path)
    later = make_window()
    later.open_path(path)
    qtbot.waitUntil(lambda: later.states.get(prompt).state == "cached", timeout=30_000)
    assert isinstance(later.scene.nodes[prompt].preview_item, TextPreview)
    assert later.runner.busy is False
    # An edit makes the node stale; undoing it brings the cached result back.
    later.scene.select_nodes([prompt])
    later.inspector.editors["template"].edit.setPlainText("{mood}")
    assert later.states.get(prompt).state == "idle"
    later.document.undo_stack.undo()
    qtbot.waitUntil(lambda: later.states.get(prompt).state == "cached", timeout=30_000)
