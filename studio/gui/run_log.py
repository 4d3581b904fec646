"""The run log panel: one line per event worth reading, errors in red, newest at the bottom."""

from __future__ import annotations

import html
import time

from PySide6.QtWidgets import QPlainTextEdit, QWidget

LEVEL_COLOURS = {"info": "#c9ced6", "warning": "#e0b050", "error": "#ff6b6b"}
MAX_LINES = 5000


class RunLog(QPlainTextEdit):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setMaximumBlockCount(MAX_LINES)
        self.setObjectName("RunLog")
        self.lines: list[tuple[str, str]] = []  # (level, text), for tests and copying

    def append(self, level: str, text: str) -> None:
        self.lines.append((level, text))
        del self.lines[:-MAX_LINES]
        stamp = time.strftime("%H:%M:%S")
        colour = LEVEL_COLOURS.get(level, LEVEL_COLOURS["info"])
        body = html.escape(text).replace("\n", "<br>")
        self.appendHtml(
            f"<span style='color:#6b7280'>{stamp}</span> <span style='color:{colour}'>{body}</span>"
        )
