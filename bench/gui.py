"""Desktop studio benchmarks (offscreen). Prints the figures and whether each meets its target.

    python bench/gui.py

- heartbeat: a 5 ms QTimer on the main thread while the example graph runs from the window
  (fresh cache, so every node computes): gaps between beats, max < 50 ms and p99 < 20 ms;
- open: a 1,000-node graph opens (read, scene built, first paint) in < 2 s;
- repaint: a full repaint of that graph at fit-all, median < 30 ms;
- cold start: a fresh interpreter to the window shown in < 1.5 s.
"""

from __future__ import annotations

import itertools
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
TARGETS = {
    "heartbeat max ms": 50,
    "heartbeat p99 ms": 20,
    "open 1000 nodes s": 2.0,
    "repaint median ms": 30,
    "cold start s": 1.5,
}

COLD_START = """
import time, sys
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv[:1])
from studio.gui.theme import apply_theme
apply_theme(app)
from studio.gui.app import install_event_loop
install_event_loop(app, already_running=True)
from studio.gui.main_window import MainWindow
window = MainWindow()
window.show()
while not (window.windowHandle() and window.windowHandle().isExposed()):
    app.processEvents()
app.processEvents()
print("shown", flush=True)
"""


def isolate() -> Path:
    home = Path(tempfile.mkdtemp(prefix="studio-bench-"))
    for name in ("CACHE", "DATA", "CONFIG", "STATE"):
        (home / name.lower()).mkdir()
        os.environ[f"STUDIO_{name}_DIR"] = str(home / name.lower())
    return home


def pump(app, condition, timeout: float) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise TimeoutError("timed out")
        app.processEvents()
        time.sleep(0.001)


def cold_start() -> float:
    best = float("inf")
    for _ in range(3):  # the best of three: other processes share this machine
        start = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, "-c", COLD_START],
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=os.environ.copy(),
        )
        line = child.stdout.readline()
        elapsed = time.perf_counter() - start
        child.kill()
        child.wait()
        if line.strip() != "shown":
            raise RuntimeError("the window did not show")
        best = min(best, elapsed)
    return best


def big_graph(path: Path, count: int = 1000) -> None:
    from studio.graph.fileformat import save_graph
    from studio.graph.model import Graph, Node

    graph = Graph()
    columns = 40
    for i in range(count):
        node_id = f"p{i}"
        graph.add_node(
            Node(node_id, "text.prompt", {"template": f"{{a}} and {i}"}),
            ((i % columns) * 320.0, (i // columns) * 300.0),
        )
        if i % columns:
            graph.connect(f"p{i - 1}", "text", node_id, "a")
    save_graph(graph, path)


def main() -> int:
    home = isolate()
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv[:1])
    from studio.gui.app import install_event_loop
    from studio.gui.theme import apply_theme

    apply_theme(app)
    install_event_loop(app, already_running=True)
    from PySide6.QtCore import QTimer

    from studio.gui.main_window import MainWindow
    from studio.paths import resources_dir

    figures: dict[str, float] = {}
    window = MainWindow(record_history=False)
    window.ask_save_changes = lambda: "discard"
    window.resize(1600, 1000)
    window.show()
    pump(app, lambda: window.windowHandle().isExposed(), 10)
    ready: list[bool] = []
    window.runner.providers_ready.connect(lambda: ready.append(True))
    warm_start = time.perf_counter()
    pump(app, lambda: bool(ready), 60)  # engines imported in the background after start-up
    print(f"background warm-up after the window showed: {time.perf_counter() - warm_start:.2f} s")

    # -- heartbeat during a run of the example graph -------------------------------------------
    example = home / "lighthouse.json"
    shutil.copy(resources_dir() / "examples" / "lighthouse.json", example)
    window.open_path(example)
    beats: list[float] = []
    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(lambda: beats.append(time.perf_counter()))
    timer.start()
    window.run_all()
    pump(app, lambda: window.runner.busy, 10)
    started = time.perf_counter()
    pump(app, lambda: not window.runner.busy, 900)
    run_seconds = time.perf_counter() - started
    settled = time.perf_counter() + 2  # previews decode after the run: keep measuring
    pump(app, lambda: time.perf_counter() > settled, 10)
    timer.stop()
    gaps = sorted((b - a) * 1000 for a, b in itertools.pairwise(beats))
    failed = [n for n in window.document.graph.nodes if window.states.get(n).state != "done"]
    figures["heartbeat max ms"] = gaps[-1]
    figures["heartbeat p99 ms"] = gaps[int(len(gaps) * 0.99)]
    print(
        f"example run: {run_seconds:.1f} s, {len(beats)} beats, median gap "
        f"{statistics.median(gaps):.1f} ms, nodes not done: {failed or 'none'}"
    )

    # -- a 1,000-node graph: open, then repaint at fit-all --------------------------------------
    big = home / "big.json"
    big_graph(big)
    viewport = window.view.viewport()
    start = time.perf_counter()
    window.open_path(big, ask=False)
    viewport.repaint()
    figures["open 1000 nodes s"] = time.perf_counter() - start
    window.view.fit_all()
    app.processEvents()
    paints = []
    for _ in range(30):
        start = time.perf_counter()
        viewport.repaint()
        paints.append((time.perf_counter() - start) * 1000)
    figures["repaint median ms"] = statistics.median(paints)
    print(
        f"1,000 nodes, {len(window.document.graph.edges)} edges; zoom at fit-all "
        f"{window.view.zoom:.2f}; repaints {min(paints):.1f}..{max(paints):.1f} ms"
    )
    window.close()

    figures["cold start s"] = cold_start()
    ok = True
    for name, value in figures.items():
        target = TARGETS[name]
        passed = value < target
        ok &= passed
        print(f"{name:<20} {value:8.2f}   target < {target:<6} {'ok' if passed else 'MISSED'}")
    shutil.rmtree(home, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
