"""SIGTERM and SIGHUP (a logout, `kill`, a system shutdown) stop the studio the way Ctrl+C stops a
render: the run is cancelled (remote jobs too, so nothing keeps billing), its work folders are
removed, the history says "cancelled", and unsaved work stays in the autosave for recovery.
Only SIGKILL, which no program can catch, leaves a run "interrupted"."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer

from studio.gui.app import spawn

if TYPE_CHECKING:
    from studio.gui.run_window import RunWindow

STOP_SIGNALS = ("SIGTERM", "SIGHUP")
RUN_STOP_WAIT = 30.0  # seconds to wait for the run (and its remote cancels) to end


def install_stop_signals(loop: asyncio.AbstractEventLoop, window: RunWindow) -> list[int]:
    """Route the stop signals to `stop(window)`; returns the signals handled (none on Windows)."""
    installed = []
    for name in STOP_SIGNALS:
        signum = getattr(signal, name, None)
        if signum is None:
            continue
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signum, _on_signal, window, name)
            installed.append(signum)
    return installed


def _on_signal(window: RunWindow, name: str) -> None:
    spawn(stop(window, name), f"stopping on {name}")


async def stop(window: RunWindow, reason: str) -> None:
    """Keep the unsaved work, cancel the run and wait for it to end, then close without asking."""
    window.about_to_stop(reason)
    runner = window.runner
    if runner.busy:
        runner.cancel()
        deadline = time.monotonic() + RUN_STOP_WAIT
        while runner.busy and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
    window.closing_on_signal = True
    # From Qt's own loop, not inside this task: quitting from within a task stops the asyncio
    # loop under the coroutine that is still waiting for the window to close.
    QTimer.singleShot(0, window.close)
