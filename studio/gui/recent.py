"""Recently opened graph files, newest first, kept in the state folder."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QObject, Signal

MAX_RECENT = 10


class RecentFiles(QObject):
    files_changed = Signal()

    def __init__(self, path: Path | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        if path is None:
            from studio.paths import state_dir

            path = state_dir() / "recent.json"
        self.path = path
        try:
            self.files = [str(p) for p in json.loads(path.read_text("utf-8"))][:MAX_RECENT]
        except (OSError, ValueError, TypeError):
            self.files = []

    def add(self, file: Path) -> None:
        name = str(Path(file).resolve())
        self.files = [name, *[f for f in self.files if f != name]][:MAX_RECENT]
        self._save()

    def remove(self, file: str) -> None:
        self.files = [f for f in self.files if f != file]
        self._save()

    def _save(self) -> None:
        from studio.atomic import write_text_atomic

        write_text_atomic(self.path, json.dumps(self.files, indent=1))
        self.files_changed.emit()
