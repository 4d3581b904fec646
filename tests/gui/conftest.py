"""GUI fixtures: a qasync loop driven by qtbot, and a main window on isolated folders."""

from __future__ import annotations

import asyncio

import pytest


@pytest.fixture
def qloop(qapp):
    """The qasync loop, marked running: qtbot.wait / waitUntil drive asyncio work."""
    from studio.gui.app import install_event_loop

    loop = install_event_loop(qapp, already_running=True)
    yield loop
    import time

    from studio.gui.app import close_async_resources

    for task in asyncio.all_tasks(loop):
        task.cancel()
    closing = asyncio.ensure_future(close_async_resources())
    deadline = time.monotonic() + 3
    # Until no task is left: a cancelled task may start others as it unwinds (an HTTP connect's
    # attempts); left unstarted when the loop closes, they warn "coroutine ... never awaited".
    while time.monotonic() < deadline:
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        if not pending:
            break
        for task in pending:
            if task is not closing and not task.cancelling():
                task.cancel()
        qapp.processEvents()  # let the cancellations run
        time.sleep(0.005)
    asyncio.events._set_running_loop(None)
    from studio.gui.collector import stop_collecting_on_main_thread

    stop_collecting_on_main_thread()  # tests without a Qt loop get Python's own collection back
    # Not loop.stop(): with no exec() running, its QApplication.exit() would leave Qt's
    # "quit now" flag set and starve the next test's loop. Mark it stopped, then close it.
    loop._QEventLoop__is_running = False
    loop.close()
    asyncio.set_event_loop(None)


@pytest.fixture
def make_window(qtbot, qloop, registry, cache):
    """Build main windows (closed without questions at the end of the test)."""
    from studio.gui.main_window import MainWindow

    windows = []

    def make(reg=None):
        window = MainWindow(registry=reg or registry, cache=cache, record_history=False)
        # Closing at teardown must not ask (qtbot closes its widgets before fixtures end).
        window.ask_save_changes = lambda: "discard"
        qtbot.addWidget(window)
        window.show()
        windows.append(window)
        return window

    yield make
    from PySide6.QtCore import QCoreApplication, QEvent

    for window in windows:
        window.runner.cancel()
        window.close()
        window.deleteLater()
    # Delete them while the loop still exists, so no timer of theirs fires in a later test.
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture
def window(make_window):
    return make_window()


@pytest.fixture
def make_app(qtbot, qloop, registry, cache):
    """Build app-mode windows, each opening a graph file (closed at the end of the test)."""
    from studio.gui.app_window import AppWindow

    windows = []

    def make(path=None, reg=None):
        window = AppWindow(reg or registry, cache, record_history=False)
        qtbot.addWidget(window)
        window.show()
        if path is not None:
            assert window.open_path(path)
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.runner.cancel()
        window.close()
