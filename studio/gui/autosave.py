"""Autosave every minute to the state folder, and recovery of what a crashed session left.

Each autosave file records the process id that wrote it; a file whose process is gone is a crash
left-over and is offered for recovery. A clean save or close deletes the file.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from studio.processes import process_alive

if TYPE_CHECKING:
    from studio.gui.document import Document

AUTOSAVE_INTERVAL_MS = 60_000


def autosave_dir() -> Path:
    from studio.paths import state_dir

    folder = state_dir() / "autosave"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@dataclass(frozen=True)
class Recovery:
    """An autosave left by a session that ended without saving."""

    file: Path
    original: str | None  # the graph file it was editing, if it had one
    saved_at: float

    @property
    def label(self) -> str:
        name = Path(self.original).name if self.original else "an untitled graph"
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(self.saved_at))
        return f"{name} (autosaved {when})"


class Autosaver(QObject):
    autosaved = Signal(str)  # the file written

    def __init__(
        self, interval_ms: int = AUTOSAVE_INTERVAL_MS, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.document: Document | None = None
        self._changes = 0  # edits since the last autosave
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.autosave_now)
        self.timer.start()

    def set_document(self, document: Document) -> None:
        if self.document is not None:
            self.discard()
            self.document.graph.unsubscribe(self._on_change)
        self.document = document
        self._changes = 1 if document.is_modified else 0
        document.graph.subscribe(self._on_change)
        document.groups_changed.connect(lambda: self._on_change("group", {}))
        document.modified_changed.connect(self._on_modified)

    def _on_change(self, _kind: str, _details: dict) -> None:
        self._changes += 1

    def _on_modified(self, modified: bool) -> None:
        if not modified:  # saved (or undone back to the saved state): nothing to recover
            self.discard()

    @property
    def file(self) -> Path | None:
        return autosave_dir() / f"{self.document.key}.json" if self.document else None

    def autosave_now(self) -> Path | None:
        """Write the document if it changed since the last autosave (atomically)."""
        doc = self.document
        if doc is None or not doc.is_modified or not self._changes:
            return None
        from studio.atomic import write_text_atomic
        from studio.graph.fileformat import graph_to_dict

        data = {
            "pid": os.getpid(),
            "saved_at": time.time(),
            "original": str(doc.path) if doc.path else None,
            "project": str(doc.project_dir) if doc.project_dir else None,
            "graph": graph_to_dict(doc.graph),
        }
        target = self.file
        if target is None:
            return None
        write_text_atomic(target, json.dumps(data, sort_keys=True))
        self._changes = 0
        self.autosaved.emit(str(target))
        return target

    def discard(self) -> None:
        if self.file is not None:
            self.file.unlink(missing_ok=True)
        self._changes = 0


def pending_recoveries() -> list[Recovery]:
    """Autosaves whose writing process no longer runs (a crash), newest first."""
    found = []
    for file in autosave_dir().glob("*.json"):
        try:
            data = json.loads(file.read_text("utf-8"))
            pid = int(data["pid"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if process_alive(pid):  # ours, or a session still running
            continue
        found.append(Recovery(file, data.get("original"), float(data.get("saved_at", 0))))
    return sorted(found, key=lambda r: -r.saved_at)


def load_recovery(recovery: Recovery, registry, parent=None) -> Document:
    """A document holding the autosaved graph, marked unsaved, pointing at its original file."""
    from studio.graph.fileformat import graph_from_dict
    from studio.gui.document import Document

    data = json.loads(recovery.file.read_text("utf-8"))
    path = Path(recovery.original) if recovery.original else None
    document = Document(registry, graph_from_dict(data["graph"], "the autosave"), path, parent)
    if path is None and data.get("project"):  # an untitled project: its assets are there
        document.project_dir = Path(data["project"])
    document.undo_stack.resetClean()  # recovered work is unsaved until the user saves it
    return document
