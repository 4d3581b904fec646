"""Reference cycles are collected on the window's thread, never on a worker's."""

from __future__ import annotations

import gc
import threading


class Cycle:
    freed_on: list[str] = []

    def __init__(self) -> None:
        self.me = self

    def __del__(self) -> None:
        Cycle.freed_on.append(threading.current_thread().name)


def test_a_cycle_made_and_dropped_on_a_worker_is_freed_on_the_window_thread(qtbot, qloop):
    assert not gc.isenabled()  # the window's loop took collection over
    gc.collect()
    Cycle.freed_on.clear()
    allocated: list[list[int]] = []

    def work() -> None:
        Cycle()  # unreachable at once, but only a collection can free it
        allocated.extend([] for _ in range(3 * gc.get_threshold()[0]))  # crosses the threshold

    worker = threading.Thread(target=work, name="decoder-like worker")
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: bool(Cycle.freed_on), timeout=10_000)
    assert Cycle.freed_on == [threading.main_thread().name]
