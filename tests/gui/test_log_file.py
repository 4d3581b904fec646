"""A run in the window writes its story to the log file a user sends with a report."""

from __future__ import annotations

import logging

from gui_helpers import brief_prompt, registry_with_test_nodes, wait_idle

from studio import logs


def test_a_window_run_logs_its_start_its_failed_node_and_its_end(qtbot, make_window, studio_dirs):
    logs.setup()
    window = make_window(registry_with_test_nodes())
    bad = window.add_node("test.fail", (0.0, 0.0))
    brief_prompt(window)
    window.run_all()
    wait_idle(qtbot, window)
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = (studio_dirs / "log" / "studio.log").read_text()
    assert "INFO studio.run: run " in text and "started: the window's graph (3 nodes)" in text
    assert (
        "ERROR studio.run: run " in text
        and f"node {bad} failed: the engine is out of paint" in text
    )
    assert "failed in " in text and f"2 ran, 0 from the cache, failed: {bad}" in text
