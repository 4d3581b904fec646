"""The run log panel: one line per event worth reading, errors in red, newest at the bottom.

A line that names a node of the open graph ("prompt_1: done", "node 'x': ...") shows the name
underlined; clicking the line emits `node_clicked` (the window selects and frames the node).
"""

from __future__ import annotations

import html
import re
import time
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from studio.gui.key_help import for_gui

LEVEL_COLOURS = {"info": "#c9ced6", "warning": "#e0b050", "error": "#ff6b6b"}
NODE_LINK_COLOUR = "#9fc9ff"
MAX_LINES = 5000
STAMP = re.compile(r"^\d\d:\d\d:\d\d ")
# "prompt_1: done in 0.2 s", "  • node 'prompt_1', port 'a': ..."
_NODE_NAMES = (
    re.compile(r"^\s*(?:•\s*)?node '([A-Za-z0-9_-]{1,64})'"),
    re.compile(r"^\s*(?:•\s*)?([A-Za-z0-9_-]{1,64}): "),
)


class RunLog(QPlainTextEdit):
    node_clicked = Signal(str)  # a node id named by the clicked line

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setMaximumBlockCount(MAX_LINES)
        self.setObjectName("RunLog")
        self.lines: list[tuple[str, str]] = []  # (level, text), for tests and copying
        # Whether a name is a node of the open graph (set by the window); None: no links.
        self.knows: Callable[[str], bool] | None = None

    def node_of(self, text: str) -> str | None:
        """The node a log line names, when it is a node of the open graph."""
        for pattern in _NODE_NAMES:
            match = pattern.match(text)
            if match and self.knows is not None and self.knows(match.group(1)):
                return match.group(1)
        return None

    def append(self, level: str, text: str) -> None:
        text = for_gui(text)
        self.lines.append((level, text))
        del self.lines[:-MAX_LINES]
        stamp = time.strftime("%H:%M:%S")
        colour = LEVEL_COLOURS.get(level, LEVEL_COLOURS["info"])
        body = html.escape(text).replace("\n", "<br>")
        node = self.node_of(text)
        if node is not None:  # the first mention of the node reads as a link
            name = html.escape(node)
            body = body.replace(
                name,
                f"<span style='color:{NODE_LINK_COLOUR}; text-decoration:underline'>{name}</span>",
                1,
            )
        self.appendHtml(
            f"<span style='color:#6b7280'>{stamp}</span> <span style='color:{colour}'>{body}</span>"
        )

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        if event.button() != Qt.MouseButton.LeftButton or self.textCursor().hasSelection():
            return
        block = self.cursorForPosition(event.position().toPoint()).block()
        node = self.node_of(STAMP.sub("", block.text(), count=1))
        if node is not None:
            self.node_clicked.emit(node)
