"""Desktop studio benchmarks (offscreen). Prints the figures and whether each meets its target.

    python bench/gui.py

- heartbeat: a 5 ms QTimer on the main thread while the example graph runs from the window
  (fresh cache, so every node computes): gaps between beats, max < 50 ms and p99 < 20 ms;
  then again, the cache emptied, while the viewer plays a 1080p clip of the example (looped);
- viewer: a double-click on a video preview of the example to its first frame painted in the
  viewer, < 0.5 s (the worst of five previews);
- auto-run: with auto-run on, an edit of a 1920x1080 title card to its refreshed preview
  (debounce, render, thumbnail), < 1 s (the worst of three edits);
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

ROOT = Path(__file__).resolve().parent.parent
# The tests' 1920x1200 offscreen screen: on Qt's 800x800 default the window (fitted to the
# screen) would be too small to measure what a 1600x1000 window shows.
os.environ.setdefault(
    "QT_QPA_PLATFORM", f"offscreen:configfile={ROOT / 'tests' / 'offscreen-screen.json'}"
)
TARGETS = {
    "heartbeat max ms": 50,
    "heartbeat p99 ms": 20,
    "viewer first frame s": 0.5,
    "heartbeat+video max ms": 50,
    "heartbeat+video p99 ms": 20,
    "auto-run refresh s": 1.0,
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


def first_frame_after_double_click(app, window, node_id: str) -> float:
    """Seconds from a double-click on the node's video preview to its first frame painted."""
    from PySide6.QtCore import QPointF, Qt
    from PySide6.QtTest import QTest

    item = window.scene.nodes[node_id]
    window.view.fit(window.scene.nodes_rect([node_id]))  # previews show from this zoom on
    pump(app, lambda: getattr(item.preview_item, "poster", None) is not None, 30)
    app.processEvents()
    preview = item.preview_item
    at = window.view.mapFromScene(preview.mapToScene(preview.picture.center() - QPointF(0, 10)))
    page = window.viewer.panel.video_page
    window.viewer.panel.show_nothing()  # a cold open each time (an export may be its input's file)
    app.processEvents()
    start = time.perf_counter()
    QTest.mouseDClick(
        window.view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at
    )
    pump(app, lambda: page.error or (page.artifact and page.view.painted_image is not None), 10)
    if page.error or window.viewer.node_id != node_id:
        raise RuntimeError(f"the viewer did not show {node_id}: {page.error or 'missed'}")
    return time.perf_counter() - start


def heartbeat_while_playing(app, window, home: Path) -> tuple[list[float], int, float]:
    """The example runs again (cache emptied) while the viewer plays a copy of its video."""
    from PySide6.QtCore import QPointF, QTimer

    clip = home / "playing.mp4"
    shutil.copy(window.states.get("timeline").outputs["video"].path, clip)
    window.add_files([clip], QPointF(0, 1400))
    (player_node,) = window.scene.selected_node_ids()
    window.runner.run_to(player_node)
    pump(app, lambda: window.runner.busy, 10)
    pump(app, lambda: not window.runner.busy, 120)
    first_frame_after_double_click(app, window, player_node)
    page = window.viewer.panel.video_page
    # Alone first: what playing costs the window's thread (CPU time, not disturbed by load),
    # beside the same loop idle.
    idle_cpu, _ = window_thread_cpu(app, page, 2.0)
    page.play(1.0)
    cpu, alone = window_thread_cpu(app, page, 4.0)
    page.pause()
    print(
        f"playback alone: {alone:.1f} fps of {page.info.fps:g}, "
        f"{page.info.width}x{page.info.height} shown at {page.frame.image.width()}x"
        f"{page.frame.image.height()}; the window's thread spends {cpu * 1000:.0f} ms of CPU "
        f"a second ({idle_cpu * 1000:.0f} ms idle, the bench's polling)"
    )
    shown: list[int] = []
    window.runner.executor.cache.clear()
    beats: list[float] = []
    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(lambda: beats.append(time.perf_counter()))
    page.play(1.0)
    timer.start()
    window.run_all()
    pump(app, lambda: window.runner.busy, 10)
    started = time.perf_counter()
    last = None
    while window.runner.busy:
        if not page.playing:
            page.play(1.0)  # at the end: again from the start
        if page.frame is not None and page.frame is not last:
            shown.append(page.frame.index)
            last = page.frame
        app.processEvents()
        time.sleep(0.001)
    run_seconds = time.perf_counter() - started
    timer.stop()
    page.pause()
    return sorted((b - a) * 1000 for a, b in itertools.pairwise(beats)), len(shown), run_seconds


def window_thread_cpu(app, page, seconds: float) -> tuple[float, float]:
    """CPU seconds per second of the window's thread, and frames shown per second."""
    cpu, wall, last, frames = time.thread_time(), time.perf_counter(), page.frame, 0
    while time.perf_counter() - wall < seconds:
        if page.frame is not last:
            frames, last = frames + 1, page.frame
        app.processEvents()
        time.sleep(0.001)
    wall = time.perf_counter() - wall
    return (time.thread_time() - cpu) / wall, frames / wall


def auto_run_refreshes(app, window) -> list[float]:
    """Auto-run on: seconds from an edit of a 1920x1080 title card to its new preview drawn."""
    window.new_document()
    card = window.add_node("image.title_card", (0.0, 0.0))
    window.run_all()
    pump(app, lambda: window.runner.busy, 10)
    pump(app, lambda: not window.runner.busy, 120)
    window.autorun.set_enabled(True)
    window.view.fit(window.scene.nodes_rect([card]))
    times = []
    for size in (60, 72, 84):
        old = window.scene.nodes[card].preview_item
        start = time.perf_counter()
        window.inspector.editors["font_size"].spin.setValue(size)  # as typed and confirmed

        def refreshed(old=old) -> bool:
            preview = window.scene.nodes[card].preview_item
            return preview is not old and getattr(preview, "pixmap", None) is not None

        pump(app, refreshed, 30)
        times.append(time.perf_counter() - start)
        pump(app, lambda: not window.runner.busy, 30)
    window.autorun.set_enabled(False)
    return times


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
    window.runner.replace_guard.confirm = lambda *_: "replace"  # the bench re-renders its own file
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

    # -- the viewer: double-click on a video preview -> first frame; then play it during a run --
    videos = ["motion_light", "motion_sea", "motion_wide", "timeline", "export"]
    firsts = {node: first_frame_after_double_click(app, window, node) for node in videos}
    figures["viewer first frame s"] = max(firsts.values())
    print("viewer first frames: " + ", ".join(f"{n} {s * 1000:.0f} ms" for n, s in firsts.items()))
    gaps, frames, run_seconds = heartbeat_while_playing(app, window, home)
    figures["heartbeat+video max ms"] = gaps[-1]
    figures["heartbeat+video p99 ms"] = gaps[int(len(gaps) * 0.99)]
    print(
        f"example run again (cache emptied) while the viewer played: {run_seconds:.1f} s, "
        f"{frames} frames shown ({frames / run_seconds:.1f} fps), median gap "
        f"{statistics.median(gaps):.1f} ms"
    )
    refreshes = auto_run_refreshes(app, window)
    figures["auto-run refresh s"] = max(refreshes)
    print("auto-run edit to new preview: " + ", ".join(f"{s * 1000:.0f} ms" for s in refreshes))

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
