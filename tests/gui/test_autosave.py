"""Autosave writes the unsaved graph atomically; after a crash the next session offers it back."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from gui_helpers import brief_prompt

from studio.graph.fileformat import dumps_graph
from studio.gui.autosave import autosave_dir, pending_recoveries


def dead_pid() -> int:
    """The id of a process that has exited (as a crashed studio's would be)."""
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(child.stdout)


def test_autosave_writes_only_unsaved_changes(qtbot, window, tmp_path):
    assert window.autosaver.autosave_now() is None  # nothing to save in an empty new graph
    brief_prompt(window)
    written = window.autosaver.autosave_now()
    data = json.loads(written.read_text())
    assert data["pid"] == os.getpid() and data["original"] is None
    assert len(data["graph"]["nodes"]) == 2
    assert [p.name for p in written.parent.iterdir() if p.name.startswith(".")] == []  # atomic
    assert window.autosaver.autosave_now() is None  # unchanged since: no rewrite
    assert pending_recoveries() == []  # our own session's file is not a crash left-over
    window._save_to(tmp_path / "g.json")
    assert not written.exists()  # saved: nothing left to recover


def test_autosave_timer_fires(qtbot, window):
    window.autosaver.timer.setInterval(50)
    brief_prompt(window)
    with qtbot.waitSignal(window.autosaver.autosaved, timeout=30_000):
        pass


def test_a_crashed_session_is_offered_for_recovery(qtbot, make_window, tmp_path):
    crashed = make_window()
    original = tmp_path / "story.json"
    _brief, prompt = brief_prompt(crashed)
    crashed._save_to(original)
    crashed.scene.select_nodes([prompt])
    crashed.inspector.editors["template"].edit.setPlainText("{subject} by night")
    file = crashed.autosaver.autosave_now()
    expected = dumps_graph(crashed.document.graph)
    data = json.loads(file.read_text())
    data["pid"] = dead_pid()  # as if that process had died without saving
    file.write_text(json.dumps(data))
    crashed.autosaver.document = None  # the crashed session leaves its file behind

    window = make_window()
    window.offer_recovery()
    assert window.banner.isVisible()
    assert "story.json" in window.banner_text.text()
    window.banner_recover.click()
    assert dumps_graph(window.document.graph) == expected
    assert window.document.path == original.resolve()
    assert window.isWindowModified()  # recovered work is unsaved until saved
    assert not file.exists() and not window.banner.isVisible()
    assert window.save()
    assert (
        json.loads(original.read_text())["nodes"][prompt]["params"]["template"]
        == "{subject} by night"
    )


def test_recoveries_can_be_discarded(qtbot, window):
    stale = autosave_dir() / "stale.json"
    stale.write_text(
        json.dumps(
            {
                "pid": dead_pid(),
                "saved_at": 1.0,
                "original": None,
                "graph": {
                    "format": "multimodal-studio.graph",
                    "version": 2,
                    "nodes": {},
                    "edges": [],
                },
            }
        )
    )
    window.offer_recovery()
    assert "untitled graph" in window.banner_text.text()
    window.banner_discard.click()
    assert not stale.exists() and not window.banner.isVisible()
