"""An unexpected exception in the window: a dialog, a log entry, and the studio keeps running.

`install(app)` replaces `sys.excepthook` (Qt slots and event handlers that raise end up there),
`threading.excepthook` and the asyncio loop's exception handler. Each writes the traceback to the
log file and shows `ErrorDialog`: what happened in one line, the details to copy into a report,
and a button that opens the log folder. One dialog at a time; a repeat of the same error counts
up in it instead of stacking windows.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from PySide6.QtCore import QObject, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.logs import FILE_ONLY

log = logging.getLogger(__name__)


def _redact(text: str) -> str:
    """No key and no long text leaves in the details: keys scrubbed, each line cut short."""
    from studio.logs import cut_lines

    try:
        from studio.providers.keys import redact

        text = redact(text)
    except Exception:  # the dialog must still show when the providers cannot load
        pass
    return cut_lines(text)


def summary_of(error: BaseException) -> str:
    text = " ".join(str(error).split())
    if len(text) > 300:
        text = text[:300] + "…"
    return _redact(f"{type(error).__name__}: {text}" if text else type(error).__name__)


class ErrorDialog(QDialog):
    """What happened, the details to copy, the log folder to open; closing it changes nothing."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Something went wrong — Multimodal Studio")
        self.setMinimumWidth(560)
        self.count = 0
        self.details = ""
        self._summary = ""
        self.headline = QLabel()
        self.headline.setWordWrap(True)
        self.headline.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.explanation = QLabel()
        self.explanation.setWordWrap(True)
        self.detail_view = QPlainTextEdit()
        self.detail_view.setReadOnly(True)
        self.detail_view.setMinimumHeight(160)
        self.detail_view.setVisible(False)
        buttons = QDialogButtonBox()
        self.copy_button = QPushButton("Copy details")
        self.show_button = QPushButton("Show details")
        self.folder_button = QPushButton("Open log folder")
        close = QPushButton("Close")
        for button in (self.copy_button, self.show_button, self.folder_button):
            buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(close, QDialogButtonBox.ButtonRole.RejectRole)
        self.copy_button.clicked.connect(self.copy_details)
        self.show_button.clicked.connect(self._toggle_details)
        self.folder_button.clicked.connect(self.open_log_folder)
        close.clicked.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.headline)
        layout.addWidget(self.explanation)
        layout.addWidget(self.detail_view, 1)
        layout.addWidget(buttons)

    def report(self, what: str, summary: str, details: str) -> None:
        """Show (or update) the dialog for one unexpected error."""
        if self.isVisible() and summary == self._summary:
            self.count += 1
        else:
            self.count = 1
        self._summary = summary
        self.details = details
        times = f" (it happened {self.count} times)" if self.count > 1 else ""
        self.headline.setText(f"<b>Unexpected error {what}</b>{times}<br>{_html(summary)}")
        log_path = _log_path()
        where = f"The details are in the log file {log_path}." if log_path else ""
        self.explanation.setText(
            "The studio keeps running and your graph is still open; save it if you can. "
            f"{where} Please send the details with a report (API keys are removed from them and "
            "long texts cut to their first words)."
        )
        self.detail_view.setPlainText(details)
        self.show()
        self.raise_()

    def copy_details(self) -> None:
        clipboard = QGuiApplication.clipboard()
        if clipboard is not None:
            clipboard.setText(self.details)

    def open_log_folder(self) -> None:
        from studio.paths import log_dir

        QDesktopServices.openUrl(QUrl.fromLocalFile(str(log_dir())))

    def _toggle_details(self) -> None:
        visible = not self.detail_view.isVisible()
        self.detail_view.setVisible(visible)
        self.show_button.setText("Hide details" if visible else "Show details")
        self.adjustSize()


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _log_path() -> Path | None:
    from studio.logs import current_log_file

    return current_log_file()


class ErrorReporter(QObject):
    """Takes unexpected errors from any thread and shows them in the window's thread."""

    raised = Signal(str, str, str)  # where it happened, summary, details

    def __init__(self, parent_widget: Callable[[], QWidget | None] | None = None) -> None:
        super().__init__()
        self._parent_widget = parent_widget or (lambda: None)
        self.dialog: ErrorDialog | None = None
        # Queued: an error from a worker thread is shown by the window's thread.
        self.raised.connect(self._show, Qt.ConnectionType.QueuedConnection)

    def handle(self, what: str, error: BaseException, tb: TracebackType | None = None) -> None:
        """Log one unexpected error with its traceback and ask for the dialog."""
        log.error("unexpected error %s", what, exc_info=(type(error), error, tb), extra=FILE_ONLY)
        details = _details(what, error, tb)
        self.raised.emit(what, summary_of(error), details)

    def _show(self, what: str, summary: str, details: str) -> None:
        if self.dialog is None:
            self.dialog = ErrorDialog(self._parent_widget())
        self.dialog.report(what, summary, details)


def _details(what: str, error: BaseException, tb: TracebackType | None) -> str:
    from studio.logs import versions

    lines = [f"Unexpected error {what}: {summary_of(error)}", ""]
    lines += [f"{name} {version}" for name, version in versions().items()]
    lines += ["", *traceback.format_exception(type(error), error, tb)]
    return _redact("".join(line if line.endswith("\n") else line + "\n" for line in lines))


_reporter: ErrorReporter | None = None


def install(parent_widget: Callable[[], QWidget | None] | None = None) -> ErrorReporter:
    """Route every unexpected exception of this process to the log and the dialog."""
    global _reporter
    reporter = ErrorReporter(parent_widget)
    _reporter = reporter

    def excepthook(kind: type[BaseException], error: BaseException, tb: Any) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, error, tb)
            return
        reporter.handle("in the window", error, tb)

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None or issubclass(args.exc_type, SystemExit):
            return
        name = args.thread.name if args.thread is not None else "a worker"
        reporter.handle(f"in the background ({name})", args.exc_value, args.exc_traceback)

    sys.excepthook = excepthook
    threading.excepthook = thread_hook
    return reporter


def asyncio_handler(reporter: ErrorReporter) -> Callable[[Any, dict[str, Any]], None]:
    """A loop exception handler: what escapes a callback or an unawaited task goes to `reporter`."""

    def handle(loop: Any, context: dict[str, Any]) -> None:
        error = context.get("exception")
        if not isinstance(error, Exception):
            log.warning("event loop: %s", context.get("message", "unknown problem"))
            return
        reporter.handle("in a background task", error, error.__traceback__)

    return handle
