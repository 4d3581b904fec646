"""Node search (double-click or Tab): fuzzy match over title, category and port types."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QFrame, QLabel, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout

if TYPE_CHECKING:
    from studio.api import NodeSpec
    from studio.gui.canvas.edge_drag import PortFilter


def fuzzy_score(query: str, text: str) -> float | None:
    """How well `query` matches `text` (higher is better), or None when it does not.

    Every query character must appear in order; consecutive runs, word starts and an early
    first match score higher, so "imgen" finds "Image Generate" before "image to video".
    """
    query, text = query.lower().strip(), text.lower()
    if not query:
        return 0.0
    if query in text:
        return 100.0 - text.index(query) + (20 if text.startswith(query) else 0)
    score, position, previous = 0.0, 0, -2
    for char in query:
        if char == " ":
            continue
        found = text.find(char, position)
        if found < 0:
            return None
        score += 3 if found == previous + 1 else 1
        if found == 0 or text[found - 1] in " ._-/":
            score += 2
        previous, position = found, found + 1
    return score - position * 0.01


def search_text(spec: NodeSpec) -> str:
    ins = " ".join(p.type.value for p in spec.inputs)
    outs = " ".join(p.type.value for p in spec.outputs)
    return f"{spec.title} {spec.category} {spec.id} in {ins} out {outs}"


def search_specs(
    specs: list[NodeSpec], query: str, port_filter: PortFilter | None = None
) -> list[NodeSpec]:
    """Specs matching the query (best first), limited to those that fit a dragged edge."""
    found = []
    for spec in specs:
        if port_filter is not None:
            ports = spec.inputs if port_filter.from_output else spec.outputs
            if not any(port_filter.accepts(p.type) for p in ports):
                continue
        score = fuzzy_score(query, search_text(spec))
        if score is not None:
            found.append((-score, spec.category, spec.title, spec))
    return [entry[-1] for entry in sorted(found, key=lambda e: e[:3])]


class NodeSearch(QFrame):
    """A popup over the canvas: type to filter, Enter or click to add the node."""

    chosen = Signal(str)  # spec id

    def __init__(self, specs: list[NodeSpec], parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("NodeSearch")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.specs = specs
        self.port_filter: PortFilter | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        self.hint = QLabel()
        self.hint.setObjectName("SearchHint")
        self.field = QLineEdit()
        self.field.setPlaceholderText("Search nodes: title, category or port type…")
        self.results = QListWidget()
        self.results.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.results.setTextElideMode(Qt.TextElideMode.ElideRight)
        layout.addWidget(self.hint)
        layout.addWidget(self.field)
        layout.addWidget(self.results)
        self.resize(460, 340)
        self.field.textChanged.connect(self.refresh)
        self.field.installEventFilter(self)
        self.results.itemActivated.connect(self._activate)
        self.results.itemClicked.connect(self._activate)
        self.hide()

    def popup(self, at: QPoint, port_filter: PortFilter | None = None) -> None:
        self.port_filter = port_filter
        if port_filter is None:
            self.hint.setText("Add a node")
        else:
            side = "input" if port_filter.from_output else "output"
            self.hint.setText(f"Nodes with an {side} for {port_filter.port_type.value}")
        parent = self.parentWidget()
        x = max(0, min(at.x(), parent.width() - self.width())) if parent else at.x()
        y = max(0, min(at.y(), parent.height() - self.height())) if parent else at.y()
        self.move(x, y)
        self.field.clear()
        self.refresh()
        self.show()
        self.raise_()
        self.field.setFocus()

    def refresh(self) -> None:
        self.results.clear()
        for spec in search_specs(self.specs, self.field.text(), self.port_filter):
            ins = ", ".join(p.type.value for p in spec.inputs) or "—"
            outs = ", ".join(p.type.value for p in spec.outputs) or "—"
            item = QListWidgetItem(f"{spec.title}    ·  {spec.category}   ({ins} → {outs})")
            item.setData(Qt.ItemDataRole.UserRole, spec.id)
            item.setToolTip(spec.help)
            self.results.addItem(item)
        if self.results.count():
            self.results.setCurrentRow(0)

    def _activate(self, item: QListWidgetItem) -> None:
        self.hide()
        self.chosen.emit(item.data(Qt.ItemDataRole.UserRole))

    def eventFilter(self, obj, event) -> bool:
        if (
            obj is self.field
            and isinstance(event, QKeyEvent)
            and event.type() == QKeyEvent.Type.KeyPress
        ):
            key = event.key()
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up):
                row = self.results.currentRow() + (1 if key == Qt.Key.Key_Down else -1)
                self.results.setCurrentRow(max(0, min(self.results.count() - 1, row)))
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                item = self.results.currentItem()
                if item is not None:
                    self._activate(item)
                return True
            if key == Qt.Key.Key_Escape:
                self.hide()
                return True
        return super().eventFilter(obj, event)
