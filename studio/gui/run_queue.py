"""Runs waiting their turn: a persistent queue (survives a restart) and the panel that shows it."""

from __future__ import annotations

import json
import logging
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

log = logging.getLogger(__name__)
QUEUE_FILE = "run-queue.json"


@dataclass
class QueueEntry:
    """One requested run: a snapshot of the graph when Run was pressed, and what to run."""

    label: str
    graph: dict[str, Any]  # the graph file's JSON (graph_to_dict)
    graph_dir: str | None
    targets: list[str] = field(default_factory=list)  # empty: the whole graph
    doc_key: str = ""
    doc_path: str | None = None
    # Output paths the user chose in the session (they may leave the graph's folder).
    chosen_outputs: list[str] = field(default_factory=list)
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:10])
    created: float = field(default_factory=time.time)


class RunQueue(QObject):
    """Waiting runs, in order. Every change is written atomically to the state folder."""

    entries_changed = Signal()

    def __init__(
        self, path: Path | None = None, parent: QObject | None = None, persistent: bool = True
    ) -> None:
        """`persistent=False`: kept in memory only (app mode's runs are not the studio's queue,
        and must neither load nor overwrite its file)."""
        super().__init__(parent)
        if path is None:
            from studio.paths import state_dir

            path = state_dir() / QUEUE_FILE
        self.path = path
        self.persistent = persistent
        self.entries: list[QueueEntry] = self._load() if persistent else []

    def _load(self) -> list[QueueEntry]:
        try:
            data = json.loads(self.path.read_text("utf-8"))
            return [QueueEntry(**entry) for entry in data.get("entries", [])]
        except FileNotFoundError:
            return []
        except (OSError, ValueError, TypeError) as exc:  # a damaged file must not stop the app
            log.warning("ignoring unreadable run queue %s: %s", self.path, exc)
            return []

    def _save(self) -> None:
        from studio.atomic import write_text_atomic

        if not self.persistent:
            self.entries_changed.emit()
            return
        data = {"version": 1, "entries": [asdict(e) for e in self.entries]}
        write_text_atomic(self.path, json.dumps(data, sort_keys=True))
        self.entries_changed.emit()

    def add(self, entry: QueueEntry) -> None:
        self.entries.append(entry)
        self._save()

    def remove(self, entry_id: str) -> None:
        self.entries = [e for e in self.entries if e.id != entry_id]
        self._save()

    def move(self, entry_id: str, delta: int) -> None:
        index = next((i for i, e in enumerate(self.entries) if e.id == entry_id), None)
        if index is None:
            return
        target = max(0, min(len(self.entries) - 1, index + delta))
        self.entries.insert(target, self.entries.pop(index))
        self._save()

    def pop_next(self) -> QueueEntry | None:
        if not self.entries:
            return None
        entry = self.entries.pop(0)
        self._save()
        return entry


class RunQueuePanel(QWidget):
    """Shows the waiting runs; move them up or down, remove them, or start the queue."""

    start_requested = Signal()

    def __init__(self, queue: RunQueue, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.queue = queue
        self.list = QListWidget()
        self.up, self.down = QPushButton("Up"), QPushButton("Down")
        self.remove, self.start = QPushButton("Remove"), QPushButton("Start queue")
        buttons = QHBoxLayout()
        for button in (self.up, self.down, self.remove, self.start):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.list)
        layout.addLayout(buttons)
        self.up.clicked.connect(lambda: self._move(-1))
        self.down.clicked.connect(lambda: self._move(1))
        self.remove.clicked.connect(self._remove)
        self.start.clicked.connect(self.start_requested)
        self.start_tip = "Runs restored after a restart wait here until you start them."
        self.start.setToolTip(self.start_tip)
        queue.entries_changed.connect(self.refresh)
        self.busy = False
        self.refresh()

    def set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.refresh()

    def refresh(self) -> None:
        current = self._selected_id()
        self.list.clear()
        for entry in self.queue.entries:
            when = time.strftime("%H:%M:%S", time.localtime(entry.created))
            item = QListWidgetItem(f"{entry.label}   ·  queued {when}")
            item.setData(Qt.ItemDataRole.UserRole, entry.id)
            self.list.addItem(item)
            if entry.id == current:
                self.list.setCurrentItem(item)
        if not self.queue.entries:
            placeholder = QListWidgetItem(
                "No runs waiting. Starting a run while another is going puts it here."
            )
            placeholder.setFlags(Qt.ItemFlag.NoItemFlags)
            self.list.addItem(placeholder)
        self.start.setEnabled(bool(self.queue.entries) and not self.busy)

    def _selected_id(self) -> str | None:
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def _move(self, delta: int) -> None:
        entry_id = self._selected_id()
        if entry_id:
            self.queue.move(entry_id, delta)

    def _remove(self) -> None:
        entry_id = self._selected_id()
        if entry_id:
            self.queue.remove(entry_id)
