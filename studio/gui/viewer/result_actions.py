"""What a right-click offers on a result file: reveal it, save a copy elsewhere, copy its path."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QProcess, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QFileDialog, QMenu, QWidget

from studio.media.export import copy_file_atomic

# Asks where to save a copy: (parent, suggested path) -> chosen path or "" (tests replace it).
AskPath = Callable[[QWidget | None, Path], str]


def ask_save_path(parent: QWidget | None, suggested: Path) -> str:
    kind = suggested.suffix.lstrip(".").upper()
    filters = f"{kind} files (*{suggested.suffix});;All files (*)" if kind else "All files (*)"
    path, _ = QFileDialog.getSaveFileName(parent, "Save a copy as", str(suggested), filters)
    return path


class ResultActions:
    """Builds the menu entries and does the work; `ask_path` and `notify` are the window's."""

    def __init__(
        self,
        parent: QWidget | None,
        notify: Callable[[str], None],
        ask_path: AskPath = ask_save_path,
    ) -> None:
        self.parent = parent
        self.notify = notify
        self.ask_path = ask_path
        self.copy_folder: Path | None = None  # where "save a copy" proposes first

    def add_to(self, menu: QMenu, path: Path) -> None:
        menu.addAction("Reveal in Folder", lambda: self.reveal(path))
        menu.addAction("Save a Copy As…", lambda: self.save_copy(path))
        menu.addAction("Copy Path", lambda: self.copy_path(path))

    def reveal(self, path: Path) -> None:
        """Show the file in the system's file manager (selected where the system can)."""
        if sys.platform == "win32":
            QProcess.startDetached("explorer.exe", [f"/select,{path}"])
        elif sys.platform == "darwin":
            QProcess.startDetached("open", ["-R", str(path)])
        else:  # freedesktop has no portable "select this file": open its folder
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(path.parent)))
        self.notify(f"Showing {path.parent}")

    def copy_path(self, path: Path) -> None:
        QApplication.clipboard().setText(str(path))
        self.notify(f"Copied {path}")

    def save_copy(self, path: Path) -> None:
        """Ask where, then copy off the event loop (a video can be gigabytes)."""
        folder = self.copy_folder or Path.home()
        chosen = self.ask_path(self.parent, folder / path.name)
        if not chosen:
            return
        target = Path(chosen)
        if not target.suffix and path.suffix:
            target = target.with_suffix(path.suffix)
        if _format_of(target) != _format_of(path):  # a copy keeps its bytes: never misnamed
            kind = path.suffix.lstrip(".").upper()
            self.notify(
                f"Not saved: a copy stays {kind}, so name it {target.stem}{path.suffix} "
                "(File ▸ Export… converts a result to another format)"
            )
            return
        self.copy_folder = target.parent
        from studio.gui.app import in_background, spawn

        async def copy() -> None:
            await in_background(copy_file_atomic, path, target)
            self.notify(f"Saved a copy as {target}")

        spawn(copy(), f"saving a copy of {path.name} as {target}")


def _format_of(path: Path) -> str:
    suffix = path.suffix.lower()
    return {".jpeg": ".jpg", ".tif": ".tiff"}.get(suffix, suffix)
