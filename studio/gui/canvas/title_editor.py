"""Rename a node in place (F2): a line edit over its title bar. Enter or leaving it keeps the new
title (one undo step); Esc leaves the title as it was; an empty title shows the type's title."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QRectF, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLineEdit

from studio.gui.canvas import style
from studio.gui.commands import NodeRenameCommand

if TYPE_CHECKING:
    from studio.gui.canvas.node_item import NodeItem
    from studio.gui.canvas.view import GraphView
    from studio.gui.document import Document


class TitleEditor(QLineEdit):
    def __init__(self, view: GraphView, document: Document, item: NodeItem) -> None:
        super().__init__(view.viewport())
        self.setObjectName("TitleEditor")
        self.view, self.document, self.node_id = view, document, item.node_id
        self._done = False
        self.setText(item.title)
        self.setPlaceholderText(item.spec.title if item.spec else item.node.type)
        header = item.mapRectToScene(QRectF(0, 0, item.width, style.HEADER_HEIGHT))
        self.setGeometry(view.mapFromScene(header).boundingRect().adjusted(4, 2, -4, -2))
        self.selectAll()
        self.installEventFilter(self)
        self.editingFinished.connect(self.commit)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if (
            obj is self
            and isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
            and event.key() == Qt.Key.Key_Escape
        ):
            self.close_editor()
            return True
        return super().eventFilter(obj, event)

    def commit(self) -> None:
        if self._done:
            return
        graph = self.document.graph
        node = graph.nodes.get(self.node_id)
        if node is not None:
            spec = self.document.spec_of(self.node_id)
            title = self.text().strip()
            if spec is not None and title == spec.title:
                title = ""  # the type's own title: not stored, it follows the type
            if (title or None) != node.title:
                self.document.push(NodeRenameCommand(self.document, self.node_id, title or None))
        self.close_editor()

    def close_editor(self) -> None:
        self._done = True
        self.hide()
        self.deleteLater()
        self.view.setFocus()


def edit_title(view: GraphView, document: Document, item: NodeItem) -> TitleEditor:
    editor = TitleEditor(view, document, item)
    editor.show()
    editor.setFocus()
    view.title_editor = editor  # for tests and to close it when the scene changes
    return editor
