"""`studio open FILE` and `studio app GRAPH` through the real entry point: the window opens the
file and the process exits cleanly when the window is closed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from studio.graph.fileformat import save_graph
from studio.graph.model import Graph, Node

SCRIPT = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from studio.graph import fileformat

app = QApplication(sys.argv[:1])
seen, reads = [], []
load_graph = fileformat.load_graph

def counted(path):
    reads.append(str(path))
    return load_graph(path)

fileformat.load_graph = counted

def close_all():
    for widget in QApplication.topLevelWidgets():
        if widget.inherits("QMainWindow"):
            seen.append(widget.windowTitle())
            widget.close()

QTimer.singleShot(2500, close_all)
from studio.cli import main
code = main(sys.argv[1:])
print("titles:", seen)
print("reads:", len(reads))
sys.exit(code)
"""


def run_studio(*argv: str) -> subprocess.CompletedProcess[str]:
    """`studio ARGV` in a process of its own, its windows closed after a moment."""
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, *argv],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr and "Aborted" not in done.stderr
    return done


def story(folder: Path) -> Path:
    graph = Graph()
    graph.add_node(Node("brief", "text.brief", {}), (0.0, 0.0))
    graph.meta["title"] = "Story"
    path = folder / "story.json"
    save_graph(graph, path)
    return path


def test_studio_open_shows_the_file_and_exits_cleanly(tmp_path):
    done = run_studio("open", str(story(tmp_path)))
    assert "titles: ['story.json[*] — Multimodal Studio']" in done.stdout


def test_studio_app_reads_the_graph_once_and_shows_its_app_window(tmp_path):
    story(tmp_path)
    done = run_studio("app", str(tmp_path))  # the folder: its one graph file
    assert "titles: ['Story — App mode — Multimodal Studio']" in done.stdout
    assert "reads: 1" in done.stdout


def test_a_broken_node_pack_is_named_in_the_log_and_the_studio_still_works(make_window):
    from studio.engine.registry import NodeRegistry

    def broken():
        raise ImportError("No module named 'torch'")

    from nodes import node_specs

    registry = NodeRegistry()
    registry.register_pack("multimodal-studio", "0", node_specs)
    registry.register_pack("studio-broken-pack", "1.0", broken)
    window = make_window(registry)
    lines = [text for level, text in window.run_log.lines if level == "warning"]
    assert any("studio-broken-pack" in line and "torch" in line for line in lines)
    assert any(spec.id == "image.generate" for spec in window.registry.specs())


def test_studio_app_ends_normally_on_a_stop_signal(tmp_path):
    """SIGTERM (a logout, `kill`) closes app mode the studio's way: any render cancelled (remote
    jobs too), then a normal exit, not a process killed mid-write."""
    story(tmp_path)
    script = SCRIPT.replace(
        "QTimer.singleShot(2500, close_all)",
        "import os, signal\nQTimer.singleShot(2500, lambda: os.kill(os.getpid(), signal.SIGTERM))",
    )
    done = subprocess.run(
        [sys.executable, "-c", script, "app", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert done.returncode == 0, (done.returncode, done.stderr[-3000:])
    assert "Traceback" not in done.stderr
    assert "titles: []" in done.stdout  # closed by the signal, not by the script
