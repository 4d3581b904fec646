"""Find a node (Ctrl+F): type part of its title, id or type; Enter selects it and frames it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QFrame, QLabel, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout

from studio.gui.search import fuzzy_score

if TYPE_CHECKING:
    from studio.gui.main_window import MainWindow

MAX_RESULTS = 50


def find_nodes(window: MainWindow, query: str) -> list[tuple[str, str]]:
    """(node id, label) of the nodes whose title, id or type match `query`, best first."""
    found = []
    for node_id, item in window.scene.nodes.items():
        node = item.node
        fields = (item.title, node_id, node.type)
        scores = [s for s in (fuzzy_score(query, f) for f in fields) if s is not None]
        if scores:
            found.append(
                (-max(scores), item.title.lower(), node_id, f"{item.title}   ·  {node_id}")
            )
    found.sort()
    return [(node_id, label) for _s, _t, node_id, label in found[:MAX_RESULTS]]


class FindNode(QFrame):
    """A small popup over the canvas listing the matching nodes."""

    chosen = Signal(str)  # node id

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window.view)
        self.window_ = window
        self.setObjectName("NodeSearch")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        self.hint = QLabel("Find a node by its title or id")
        self.hint.setObjectName("SearchHint")
        self.field = QLineEdit()
        self.field.setPlaceholderText("title or id…")
        self.results = QListWidget()
        layout.addWidget(self.hint)
        layout.addWidget(self.field)
        layout.addWidget(self.results)
        self.resize(380, 300)
        self.field.textChanged.connect(self.refresh)
        self.field.installEventFilter(self)
        self.results.itemActivated.connect(self._activate)
        self.results.itemClicked.connect(self._activate)
        self.hide()

    def popup(self) -> None:
        view = self.window_.view
        self.move(max(0, (view.width() - self.width()) // 2), 24)
        self.field.clear()
        self.refresh()
        self.show()
        self.raise_()
        self.field.setFocus()

    def refresh(self) -> None:
        self.results.clear()
        for node_id, label in find_nodes(self.window_, self.field.text()):
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, node_id)
            self.results.addItem(item)
        if self.results.count():
            self.results.setCurrentRow(0)
            self.hint.setText("Find a node by its title or id")
        else:
            self.hint.setText(f"No node matches “{self.field.text()}”")

    def _activate(self, item: QListWidgetItem) -> None:
        self.hide()
        self.chosen.emit(item.data(Qt.ItemDataRole.UserRole))

    def eventFilter(self, obj, event) -> bool:
        if obj is self.field and isinstance(event, QKeyEvent):
            if event.type() == QKeyEvent.Type.KeyPress:
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
                    window_view = self.window_.view
                    window_view.setFocus()
                    return True
        return super().eventFilter(obj, event)


def open_find(window: MainWindow) -> FindNode:
    finder = window.finder
    if finder is None:
        finder = window.finder = FindNode(window)
        finder.chosen.connect(lambda node_id: frame_node(window, node_id))
    finder.popup()
    return finder


def frame_node(window: MainWindow, node_id: str) -> bool:
    """Select a node and bring it to the middle of the canvas; False when it is not there."""
    if node_id not in window.scene.nodes:
        window.show_message(f"No node {node_id!r} in this graph")
        return False
    window.scene.select_nodes([node_id])
    window.view.frame([node_id])
    window.view.setFocus()
    return True
