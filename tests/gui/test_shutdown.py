"""SIGTERM/SIGHUP to the window: the run is cancelled (history says so), its work folder goes,
unsaved work stays in the autosave, and the process ends normally."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import pytest
from packhelp import SLOW_PACK, env_with, write_pack

# A window that runs a slow node and sends itself the signal (argv[1]) at its first progress:
# WINDOW_START makes the window and starts the run (the studio's, or app mode's with argv[2]).
SIGNALLED = """
import json, os, signal, sys
from PySide6.QtWidgets import QApplication
from studio.gui.app import install_event_loop, run_until_closed
from studio.gui.shutdown import install_stop_signals

app = QApplication([])
loop = install_event_loop(app)
sent = []

def on_event(event):
    if event.kind == "run_started":
        print(json.dumps({"run": event.run_id}), flush=True)
    if event.kind == "progress" and not sent:
        sent.append(True)
        os.kill(os.getpid(), getattr(signal, sys.argv[1]))

WINDOW_START
run_until_closed(app, loop)
print("closed", flush=True)
"""
WINDOW = SIGNALLED.replace(
    "WINDOW_START",
    """
from studio.gui.main_window import MainWindow
window = MainWindow()
install_stop_signals(loop, window)
window.show()
window.add_node("slow.step", (0.0, 0.0))  # an unsaved edit
window.autosaver.autosave_now()
window.runner.event_received.connect(on_event)
window.run_all()
""",
)


@pytest.mark.parametrize("name", ["SIGTERM", "SIGHUP"])
def test_a_stop_signal_cancels_the_run_and_keeps_the_unsaved_work(tmp_path, name):
    site = write_pack(tmp_path / "site", "slow_gui_pack", SLOW_PACK)
    stopped_and_cancelled(WINDOW, site, name)
    from studio.gui.autosave import pending_recoveries

    assert len(pending_recoveries()) == 1, "the unsaved graph is offered back at the next start"
    assert getattr(signal, name)  # the platform has the signal (skips nothing silently)


def stopped_and_cancelled(script: str, site, *argv: str) -> None:
    """Run a SIGNALLED script: the process ends normally, its run was cancelled (the history
    says so) and no work folder is left behind."""
    done = subprocess.run(
        [sys.executable, "-c", script, *argv],
        env=env_with(site),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[-1] == "closed", done.stdout + done.stderr
    from studio.engine.cache import default_cache
    from studio.engine.history import History

    history = History()
    try:
        assert history.run(json.loads(lines[0])["run"])["status"] == "cancelled"
    finally:
        history.close()
    assert not list(default_cache().tmp_dir().glob("run-*")), "work folder left behind"


SLOW_FORM_PACK = """
import asyncio
from studio.api import NodeSpec, Output, Param, PortType


async def run(ctx, inputs, params):
    for i in range(params["steps"]):
        ctx.check_cancelled()
        ctx.progress(i / params["steps"])
        await asyncio.sleep(0.05)
    return {"text": "done"}


def node_specs():
    return [NodeSpec(id="slow.form", title="Slow", category="Slow", version=1, run=run,
                     outputs=(Output("text", PortType.TEXT),),
                     params=(Param.int("steps", 400, minimum=1, maximum=1000, help="Steps."),))]
"""

APP_WINDOW = SIGNALLED.replace(
    "WINDOW_START",
    """
from studio.gui.app_window import AppWindow
window = AppWindow()
install_stop_signals(loop, window)
window.show()
assert window.open_path(sys.argv[2])
window.runner.event_received.connect(on_event)
window.start_render()
""",
)


def test_a_stop_signal_in_app_mode_cancels_the_render_before_closing(tmp_path):
    from studio.graph.fileformat import save_graph
    from studio.graph.form import Form, FormField
    from studio.graph.model import Graph, Node

    site = write_pack(tmp_path / "site", "slow_form_pack", SLOW_FORM_PACK)
    graph = Graph()
    graph.add_node(Node("slow", "slow.form", {"steps": 400}))
    graph.form = Form([FormField("steps", "slow", "steps", "Steps")], result="slow")
    path = tmp_path / "slow.studiograph"
    save_graph(graph, path)
    stopped_and_cancelled(APP_WINDOW, site, "SIGTERM", str(path))
