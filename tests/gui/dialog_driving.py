"""Answering dialogs a user meets in the middle of a click: a modal exec() blocks the caller,
so the answer is scheduled before the click and given as soon as the dialog shows."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QApplication, QMessageBox, QToolBar, QWidget

LEFT = Qt.MouseButton.LeftButton


class Watch(list):
    """The dialogs acted on; stop() ends the watch (a watch never left running into a later
    test, where it could answer that test's dialog)."""

    stopped = False

    def stop(self) -> None:
        self.stopped = True


def when_shown(
    find: Callable[[QWidget], bool], act: Callable[[QWidget], None], timeout: float = 30.0
) -> Watch:
    """Call `act(dialog)` once a visible top-level widget with `find(widget)` shows up.

    Returns a Watch that holds the dialog once it was acted on (empty: it never came)."""
    seen = Watch()
    deadline = time.monotonic() + timeout

    def poll() -> None:
        if seen.stopped:
            return
        for widget in QApplication.topLevelWidgets():
            if widget.isVisible() and find(widget):
                seen.append(widget)
                try:
                    act(widget)
                except BaseException:
                    widget.close()  # a failed step fails the test instead of leaving it waiting
                    raise
                return
        if time.monotonic() < deadline:
            QTimer.singleShot(20, poll)

    QTimer.singleShot(0, poll)
    return seen


def click(button: QAbstractButton) -> None:
    QTest.mouseMove(button)
    QTest.mouseClick(button, LEFT)


def button_named(dialog: QWidget, text: str) -> QAbstractButton:
    return next(
        b for b in dialog.findChildren(QAbstractButton) if b.text().replace("&", "") == text
    )


def answer_replace(text: str) -> Watch:
    """Click `text` (Replace, Keep Both, Cancel) in the "Replace the export?" question."""

    def is_question(widget: QWidget) -> bool:
        return isinstance(widget, QMessageBox) and widget.objectName() == "ReplaceExport"

    return when_shown(is_question, lambda box: click(button_named(box, text)))


def toolbar_button(window, name: str) -> QWidget:
    toolbar = window.findChild(QToolBar, "main-toolbar")
    return toolbar.widgetForAction(window.actions_by_name[name])
