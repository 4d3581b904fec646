"""The Help menu: the user guide (read inside the studio), the shortcuts, the welcome screen and
the bundled examples (each opens as a copy in a new project)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QUrl
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from studio.gui.main_window import MainWindow

GUIDE_HOME = "README.md"


def guide_dir() -> Path:
    """The user guide: `studio/guide` in a wheel, `docs/guide` in a source checkout."""
    here = Path(__file__).resolve().parents[1]
    packaged = here / "guide"
    return packaged if packaged.is_dir() else here.parent / "docs" / "guide"


def examples() -> list[tuple[str, Path]]:
    """(title, file) of every bundled example graph."""
    from studio.paths import resources_dir

    found = []
    for path in sorted((resources_dir() / "examples").glob("*.json")):
        try:
            title = json.loads(path.read_text("utf-8")).get("meta", {}).get("title")
        except (OSError, ValueError, AttributeError):
            continue
        found.append((str(title or path.stem.replace("_", " ").capitalize()), path))
    return found


class GuideWindow(QDialog):
    """The guide's Markdown pages, with their pictures; links between pages open here, links
    to the web in the browser."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("User guide — Multimodal Studio")
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(True)
        self.browser.setSearchPaths([str(guide_dir())])
        self.back, self.home = QPushButton("Back"), QPushButton("Contents")
        self.in_browser = QPushButton("Open in browser")
        self.back.clicked.connect(self.browser.backward)
        self.home.clicked.connect(self.show_home)
        self.in_browser.clicked.connect(lambda: QDesktopServices.openUrl(self.browser.source()))
        self.browser.backwardAvailable.connect(self.back.setEnabled)
        self.back.setEnabled(False)
        row = QHBoxLayout()
        for button in (self.back, self.home):
            row.addWidget(button)
        row.addStretch(1)
        row.addWidget(self.in_browser)
        column = QVBoxLayout(self)
        column.addLayout(row)
        column.addWidget(self.browser, 1)
        self.resize(820, 680)
        self.show_home()

    def show_home(self) -> None:
        self.browser.setSource(QUrl.fromLocalFile(str(guide_dir() / GUIDE_HOME)))


def open_guide(window: MainWindow) -> GuideWindow:
    guide = GuideWindow(window)
    guide.show()
    return guide


def build_help_menu(window: MainWindow, actions: dict[str, QAction]) -> None:
    """Add the Help menu to the window's menu bar (its actions go into `actions`)."""
    from studio.gui import projects
    from studio.gui.welcome import show_welcome

    menu = window.menuBar().addMenu("&Help")

    def add(name: str, text: str, slot, shortcut: str | None = None) -> QAction:
        action = QAction(text, window)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        actions[name] = action
        return action

    add("user_guide", "&User Guide", lambda: open_guide(window), "F1")
    add("help_shortcuts", "&Keyboard Shortcuts", window.toggle_shortcuts)
    add("welcome", "&Welcome Screen", lambda: show_welcome(window))
    examples_menu = menu.addMenu("Open &Example")
    for title, path in examples():

        def open_example(_checked: bool = False, path: Path = path) -> None:
            if window.maybe_save():
                projects.open_copy(window, path)

        action = examples_menu.addAction(title)
        action.triggered.connect(open_example)
        actions.setdefault("open_example", action)  # the first: the lighthouse
