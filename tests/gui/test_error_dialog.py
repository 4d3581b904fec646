"""An unexpected exception in the window: a dialog, a log entry, and the studio keeps running."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

# A real `studio open FILE` (through studio.cli.main) in which a Qt callback raises: the script
# then reads what the user would see, adds a node to show the window still works, and closes.
SCRIPT = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

app = QApplication(sys.argv[:1])
seen = {}

def window():
    return next(w for w in QApplication.topLevelWidgets() if w.inherits("QMainWindow"))

def break_something():
    raise RuntimeError("forced failure for the test (FAL key sk-test-secret-123456)")

def look():
    dialogs = [w for w in QApplication.topLevelWidgets()
               if type(w).__name__ == "ErrorDialog" and w.isVisible()]
    seen["dialogs"] = len(dialogs)
    seen["headline"] = dialogs[0].headline.text() if dialogs else ""
    seen["details"] = dialogs[0].details if dialogs else ""
    main = window()
    main.add_node("text.brief", (0.0, 0.0))
    seen["nodes"] = len(main.document.graph.nodes)
    seen["window_visible"] = main.isVisible()
    main.ask_save_changes = lambda: "discard"
    for widget in QApplication.topLevelWidgets():
        widget.close()

QTimer.singleShot(2500, break_something)
QTimer.singleShot(5000, look)
from studio.cli import main
code = main(["open", sys.argv[1]])
print("seen:", seen)
sys.exit(code)
"""


@pytest.mark.qt_no_exception_capture
def test_a_forced_exception_shows_the_dialog_lands_in_the_log_and_the_studio_goes_on(tmp_path):
    from studio.graph.fileformat import save_graph
    from studio.graph.model import Graph, Node

    graph = Graph()
    graph.add_node(Node("brief", "text.brief", {}), (0.0, 0.0))
    path = tmp_path / "story.studiograph"
    save_graph(graph, path)
    log_dir = tmp_path / "logs"
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "STUDIO_LOG_DIR": str(log_dir),
        "FAL_KEY": "sk-test-secret-123456",
    }
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seen = eval(done.stdout.split("seen:", 1)[1].strip())
    assert seen["dialogs"] == 1
    assert "RuntimeError: forced failure for the test" in seen["headline"]
    assert "Traceback (most recent call last)" in seen["details"]
    assert "studio 0.1.0" in seen["details"] and "Qt 6." in seen["details"]
    # The studio kept running: the window is up and still takes edits.
    assert seen["window_visible"] is True
    assert seen["nodes"] == 2
    # The key never shows: not in the dialog's details, not in the log, not on stderr.
    assert "sk-test-secret-123456" not in seen["details"] + seen["headline"] + done.stderr
    log_text = (log_dir / "studio.log").read_text()
    assert "sk-test-secret-123456" not in log_text
    assert "ERROR studio.gui.error_dialog: unexpected error in the window" in log_text
    assert "in break_something\nRuntimeError: forced failure for the test (FAL key ***)" in log_text
    assert "start window: studio open" in log_text


@pytest.mark.qt_no_exception_capture
def test_the_dialog_copies_its_details_opens_the_log_folder_and_counts_repeats(
    qtbot, monkeypatch, studio_dirs
):
    from PySide6.QtGui import QDesktopServices, QGuiApplication

    from studio import logs
    from studio.gui import error_dialog

    logs.setup()
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()))
    reporter = error_dialog.ErrorReporter()
    for _ in range(3):
        try:
            {}["missing"]
        except KeyError as exc:
            reporter.handle("in the window", exc, exc.__traceback__)
    qtbot.waitUntil(
        lambda: reporter.dialog is not None and reporter.dialog.count == 3, timeout=30_000
    )
    dialog = reporter.dialog
    qtbot.addWidget(dialog)
    assert dialog.isVisible()
    assert "it happened 3 times" in dialog.headline.text()
    assert "KeyError: 'missing'" in dialog.headline.text()
    assert str(studio_dirs / "log" / "studio.log") in dialog.explanation.text()
    dialog.copy_button.click()
    copied = QGuiApplication.clipboard().text()
    assert copied == dialog.details
    assert "KeyError: 'missing'" in copied and "Traceback" in copied
    dialog.folder_button.click()
    assert opened == [str(studio_dirs / "log")]
    assert not dialog.detail_view.isVisible()
    dialog.show_button.click()
    assert dialog.detail_view.isVisible()
    assert "Traceback" in dialog.detail_view.toPlainText()
    logged = (studio_dirs / "log" / "studio.log").read_text()
    assert logged.count("unexpected error in the window") == 3


def test_a_thread_that_raises_is_reported_in_the_window_thread(qtbot, studio_dirs):
    import threading

    from studio.gui import error_dialog

    saved = sys.excepthook, threading.excepthook
    try:
        reporter = error_dialog.install()

        def work():
            raise ValueError("a worker broke")

        thread = threading.Thread(target=work, name="decoder")
        thread.start()
        thread.join()
        qtbot.waitUntil(lambda: reporter.dialog is not None, timeout=30_000)
        qtbot.addWidget(reporter.dialog)
        assert "in the background (decoder)" in reporter.dialog.headline.text()
        assert "ValueError: a worker broke" in reporter.dialog.headline.text()
    finally:
        sys.excepthook, threading.excepthook = saved
