"""What the canvas shows about each node's last run: state, progress, error and latest result.

A small observable: the run controller writes it, node items and previews listen to
`status_changed(node_id)` and `result_changed(node_id)`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, Signal

STATES = (
    "idle",
    "queued",
    "running",
    "cached",
    "done",
    "failed",
    "cancelled",
    "skipped",  # not run because a node before it failed
    "bypassed",  # passed its input on without running
)
# Progress can arrive after a node was cancelled (a worker thread's last report): it must not
# bring the node back to "running".
_CAN_PROGRESS = ("idle", "queued", "running")


@dataclass
class NodeStatus:
    state: str = "idle"
    fraction: float | None = None  # progress 0..1 while running; None = indeterminate
    message: str = ""
    error: str = ""
    outputs: dict[str, Any] = field(default_factory=dict)  # the latest result (or preview)
    seconds: float | None = None
    # The result is usable but degraded (a font replaced, a damaged video shortened): a badge.
    warnings: list[str] = field(default_factory=list)
    # The graph changed under the shown result (a param or upstream edit): it stays visible,
    # dimmed, until a run that saw the edit replaces it. `stale_edit` is that edit's number.
    stale: bool = False
    stale_edit: int = 0


class NodeStates(QObject):
    """Per-node status, keyed by node id."""

    status_changed = Signal(str)
    result_changed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._status: dict[str, NodeStatus] = {}
        # Edits that made results stale, counted; a run remembers the count its snapshot saw.
        self.edits = 0

    def get(self, node_id: str) -> NodeStatus:
        return self._status.get(node_id) or NodeStatus()

    def set_state(
        self,
        node_id: str,
        state: str,
        *,
        fraction: float | None = None,
        message: str = "",
        error: str = "",
        seconds: float | None = None,
    ) -> None:
        assert state in STATES, state
        status = self._status.setdefault(node_id, NodeStatus())
        if state in ("idle", "queued", "running"):
            status.warnings = []  # a new result is coming: the old one's warnings go with it
        status.state, status.fraction, status.message = state, fraction, message
        status.error = error
        status.seconds = seconds
        self.status_changed.emit(node_id)

    def add_warning(self, node_id: str, message: str) -> None:
        status = self._status.setdefault(node_id, NodeStatus())
        if message not in status.warnings:
            status.warnings.append(message)
            self.status_changed.emit(node_id)

    def set_progress(self, node_id: str, fraction: float | None, message: str = "") -> None:
        status = self._status.setdefault(node_id, NodeStatus())
        if status.state not in _CAN_PROGRESS:
            return
        status.state = "running"
        status.fraction, status.message = fraction, message or status.message
        self.status_changed.emit(node_id)

    def set_result(self, node_id: str, outputs: dict[str, Any]) -> None:
        status = self._status.setdefault(node_id, NodeStatus())
        status.outputs = dict(outputs)
        if not outputs:
            status.stale = False  # nothing shown, nothing out of date
        self.result_changed.emit(node_id)

    def mark_stale(self, node_ids: list[str] | set[str]) -> None:
        """An edit changed what these nodes would produce: their shown results are out of date."""
        self.edits += 1
        for node_id in node_ids:
            status = self._status.get(node_id)
            if status is not None and status.outputs:
                status.stale, status.stale_edit = True, self.edits
                self.status_changed.emit(node_id)

    def clear_stale(self, node_id: str, edits_seen: int) -> None:
        """A new result arrived from a graph that included every edit up to `edits_seen`."""
        status = self._status.get(node_id)
        if status is not None and status.stale and status.stale_edit <= edits_seen:
            status.stale = False
            self.status_changed.emit(node_id)

    def set_stale(self, node_id: str, stale: bool) -> None:
        """Show a summary's result as stale or not (a component node: any of its inside is)."""
        status = self._status.get(node_id)
        if status is not None and status.stale != stale and (status.outputs or not stale):
            status.stale, status.stale_edit = stale, self.edits
            self.status_changed.emit(node_id)

    def settle(self) -> list[str]:
        """A run ended: nodes still queued or running did not finish; they become "cancelled".
        Returns their ids."""
        left = [n for n, s in self._status.items() if s.state in ("queued", "running")]
        for node_id in left:
            self.set_state(node_id, "cancelled")
        return left

    def forget(self, node_id: str) -> None:
        if self._status.pop(node_id, None) is not None:
            self.status_changed.emit(node_id)
            self.result_changed.emit(node_id)

    def clear(self) -> None:
        for node_id in list(self._status):
            self.forget(node_id)
