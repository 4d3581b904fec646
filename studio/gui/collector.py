"""Python's cyclic garbage collector, run on the window's thread only.

An automatic collection runs in whichever thread allocates when a threshold is crossed: often a
worker (preview decoding, the executor's CPU pool, the viewer's video decoder). If it frees a Qt
object caught in a reference cycle, Qt deletes that object on the wrong thread, its timers stay
registered with the window's thread, and one fires later into freed memory: a segfault (seen in
the GUI tests, one run in two). So automatic collection is off while the window runs, and the
window's thread collects on a timer with Python's own thresholds (pyqtgraph does the same).
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

CHECK_INTERVAL_MS = 250

_collector: MainThreadCollector | None = None


class MainThreadCollector(QObject):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.thresholds = gc.get_threshold()
        self.timer = QTimer(self)
        self.timer.setInterval(CHECK_INTERVAL_MS)
        self.timer.timeout.connect(self.check)

    def start(self) -> None:
        gc.disable()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()
        gc.enable()

    def check(self) -> None:
        """Collect the generations whose thresholds were crossed, as automatic collection would."""
        gen0, gen1, gen2 = gc.get_count()
        first, second, third = self.thresholds
        if gen0 > first:
            gc.collect(0)
            if gen1 > second:
                gc.collect(1)
                if gen2 > third:
                    gc.collect(2)


def collect_on_main_thread(app: QObject) -> MainThreadCollector:
    """Switch automatic collection off and collect on this (the window's) thread instead."""
    global _collector
    if _collector is None:
        _collector = MainThreadCollector(app)
    _collector.start()
    return _collector


def stop_collecting_on_main_thread() -> None:
    """Give collection back to Python (a test's loop is closing; the next one installs again)."""
    if _collector is not None:
        _collector.stop()
