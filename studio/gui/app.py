"""The application: one qasync event loop, set up here, and the one way to start a background task.

`main(path)` is what `studio` and `studio open FILE` call. Heavy modules (the canvas, the engine,
media libraries) are imported after the window's toolkit is up, and media ones only when needed.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, cast

from PySide6.QtCore import QObject, Signal

if TYPE_CHECKING:
    from qasync import QEventLoop

    from studio.graph.model import Graph

log = logging.getLogger(__name__)
SWITCH_INTERVAL = 0.001  # seconds
WORKER_NICENESS = 10  # worker threads give way to the window's thread


class TaskFailures(QObject):
    """Where background tasks report failure; the main window shows them in the log and status."""

    task_failed = Signal(str, str)  # what the task was doing, the error in words


_failures: TaskFailures | None = None
_tasks: set[asyncio.Future[Any]] = set()


def task_failures() -> TaskFailures:
    global _failures
    if _failures is None:
        _failures = TaskFailures()
    return _failures


def spawn(coro: Coroutine[Any, Any, Any], what: str) -> asyncio.Future[Any]:
    """Start a fire-and-forget task; if it fails, the failure is reported in the UI, never lost."""
    task = asyncio.ensure_future(coro)
    _tasks.add(task)

    def done(t: asyncio.Future[Any]) -> None:
        _tasks.discard(t)
        if t.cancelled():
            return
        error = t.exception()
        if error is not None:
            log.error("%s failed", what, exc_info=error)
            task_failures().task_failed.emit(what, _in_words(error))

    task.add_done_callback(done)
    return task


def _in_words(error: BaseException) -> str:
    from studio.errors import StudioError

    if isinstance(error, StudioError):
        return str(error)
    return f"{type(error).__name__}: {error}"


def lower_thread_priority() -> None:
    """Make the calling worker thread yield the CPU to the window's thread (Linux, where each
    thread has its own nice value; elsewhere a no-op). Used as the pools' thread initializer."""
    if not sys.platform.startswith("linux"):
        return
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), WORKER_NICENESS)
    except OSError:
        pass


def _background_pool() -> Any:
    """A pool for blocking odd jobs (file copies, cache upkeep, DNS lookups): the loop's default
    executor. qasync's own default is a QThread pool whose threads abort the process if they
    still exist when the interpreter exits; plain threads do not."""
    from concurrent.futures import ThreadPoolExecutor

    return ThreadPoolExecutor(
        max_workers=4, thread_name_prefix="studio-background", initializer=lower_thread_priority
    )


async def in_background(function: Any, *args: Any) -> Any:
    """Run blocking work in the loop's background pool without blocking the loop."""
    return await asyncio.get_running_loop().run_in_executor(None, function, *args)


async def close_async_resources() -> None:
    """Close what async code keeps open on this loop: the providers' pooled HTTP client.

    asyncio.run() would close it through its async-generator hooks; qasync has none.
    """
    try:
        from studio.providers.http.pool import close_shared_client
    except ImportError:  # no HTTP providers installed
        return
    await close_shared_client()


def install_event_loop(app: Any, already_running: bool = False) -> QEventLoop:
    """Make the qasync loop the asyncio loop of this thread (tests pass already_running=True)."""
    from qasync import QEventLoop

    # Worker threads (rendering, decoding) hold the GIL in turns of this length; the default
    # 5 ms lets a few busy workers starve the window for tens of milliseconds at a time.
    sys.setswitchinterval(SWITCH_INTERVAL)
    from studio.gui.collector import collect_on_main_thread

    collect_on_main_thread(app)  # a collection on a worker thread could free Qt objects there
    loop = QEventLoop(app, already_running=already_running)
    loop.set_default_executor(_background_pool())
    # What asyncio's own run_forever does and qasync's does not: an async generator left
    # suspended (httpx's body iterators when a loop over them stops early) is closed as a
    # task on this loop, not by the garbage collector, where its cleanup cannot await.
    sys.set_asyncgen_hooks(
        firstiter=loop._asyncgen_firstiter_hook, finalizer=loop._asyncgen_finalizer_hook
    )
    asyncio.set_event_loop(loop)
    return loop


EXIT_NO_WINDOW = 2  # the window cannot start here (the message says why)


def main(path: str | None = None, app_mode: bool = False, graph: Graph | None = None) -> int:
    """Open the desktop studio (optionally with a graph file) and run until the window closes.

    `app_mode`: open the graph's form alone (`studio app GRAPH`), not the studio; `graph` is the
    file's graph when the caller has read it already (it is not read again).
    """
    from PySide6.QtWidgets import QApplication

    if QApplication.instance() is None:
        from studio.gui.display_check import problem
        from studio.logs import FILE_ONLY

        reason = problem()
        if reason is not None:
            log.error("the window cannot start: %s", reason, extra=FILE_ONLY)
            print(f"studio: the window cannot start. {reason}", file=sys.stderr)
            return EXIT_NO_WINDOW
    # instance() is typed as the QCoreApplication base; this process only ever makes a QApplication.
    app = cast(QApplication, QApplication.instance() or QApplication(sys.argv[:1]))
    app.setApplicationName("Multimodal Studio")
    app.setOrganizationName("multimodal-studio")
    from studio.gui.error_dialog import asyncio_handler, install

    window: Any = None
    reporter = install(lambda: window)
    _log_window_start(app)
    from studio.gui.theme import apply_theme

    apply_theme(app)
    loop = install_event_loop(app)
    loop.set_exception_handler(asyncio_handler(reporter))
    from studio.gui.shutdown import install_stop_signals

    if app_mode and path:
        from studio.gui.app_window import AppWindow

        window = AppWindow()  # the crash dialog's parent, as the studio's window is
        install_stop_signals(loop, window)
        window.show()
        opened = window.open_path(path, graph)
        run_until_closed(app, loop)
        return 0 if opened else EXIT_NO_WINDOW
    from studio.gui.main_window import MainWindow

    window = MainWindow()
    install_stop_signals(loop, window)
    window.show()
    if path:
        window.open_path(path)
    else:
        from studio.gui.welcome import show_welcome

        show_welcome(window)  # templates, recent files, a blank graph
    window.offer_recovery()
    from studio.gui.desktop_offer import offer_if_bundle

    offer_if_bundle(window)  # a desktop bundle asks once to join the app menu
    run_until_closed(app, loop)
    return 0


def run_until_closed(app: Any, loop: Any) -> None:
    """Run the event loop until the last window closes, then close the async resources."""
    closed = asyncio.Event()
    app.aboutToQuit.connect(closed.set)
    app.lastWindowClosed.connect(app.quit)
    with loop:
        loop.run_until_complete(closed.wait())
        loop.run_until_complete(close_async_resources())


def _log_window_start(app: Any) -> None:
    from PySide6.QtCore import qVersion

    from studio.logs import environment_summary

    log.info(
        "window: Qt %s, platform %s (%s)", qVersion(), app.platformName(), environment_summary()
    )
