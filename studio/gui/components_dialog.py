"""The "Make component" dialog: a name, a line of help, and which inner params the node shows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from studio.gui.document import Document

NODE_ROLE = Qt.ItemDataRole.UserRole


class MakeComponentDialog(QDialog):
    """Lists every param of the selected nodes under its node; ticked ones are exposed."""

    def __init__(
        self, document: Document, node_ids: list[str], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Make component")
        self.resize(460, 480)
        column = QVBoxLayout(self)
        form = QFormLayout()
        self.title_edit = QLineEdit(_suggested_title(document, node_ids))
        self.title_edit.selectAll()
        self.help_edit = QLineEdit()
        self.help_edit.setPlaceholderText("What it makes (shown in node search)")
        form.addRow("Name", self.title_edit)
        form.addRow("Help", self.help_edit)
        column.addLayout(form)
        note = QLabel(
            f"{len(node_ids)} nodes become one component node; the wires that cross the "
            "selection become its inputs and outputs. Tick the settings the component node "
            "should show (the others stay as they are inside)."
        )
        note.setWordWrap(True)
        note.setObjectName("Hint")
        column.addWidget(note)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Show on the component node", "Value"])
        self.tree.setColumnWidth(0, 260)
        # Fusion draws a tick box's outline from the window colour, which on the dark theme is
        # as dark as the list: a lighter one makes the boxes to tick visible.
        palette = self.tree.palette()
        palette.setColor(QPalette.ColorRole.Window, QColor("#aab1bd"))
        self.tree.setPalette(palette)
        for node_id in sorted(node_ids, key=lambda n: document.graph.positions.get(n, (0, 0))):
            node = document.graph.nodes[node_id]
            spec = document.spec_of(node_id)
            if spec is None or not spec.params:
                continue
            parent_item = QTreeWidgetItem([node.title or spec.title, node_id])
            self.tree.addTopLevelItem(parent_item)
            for param in spec.params:
                value = node.params.get(param.name, param.default)
                item = QTreeWidgetItem([param.title or param.name, _short(value)])
                item.setData(0, NODE_ROLE, (node_id, param.name, param.title or param.name))
                item.setCheckState(0, Qt.CheckState.Unchecked)
                item.setToolTip(0, param.help)
                parent_item.addChild(item)
            parent_item.setExpanded(True)
        column.addWidget(self.tree, 1)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Make component")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        column.addWidget(buttons)
        self.title_edit.textChanged.connect(
            lambda text: self.ok_button.setEnabled(bool(text.strip()))
        )

    def param_items(self) -> list[QTreeWidgetItem]:
        items: list[QTreeWidgetItem] = []
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            if top is not None:
                items += [c for j in range(top.childCount()) if (c := top.child(j)) is not None]
        return items

    def tick(self, node_id: str, param: str) -> None:
        for item in self.param_items():
            if item.data(0, NODE_ROLE)[:2] == (node_id, param):
                item.setCheckState(0, Qt.CheckState.Checked)

    def exposed(self) -> list[tuple[str, str, str]]:
        """(node, param, title) of the ticked params, in the order shown."""
        return [
            tuple(item.data(0, NODE_ROLE))
            for item in self.param_items()
            if item.checkState(0) == Qt.CheckState.Checked
        ]

    def title(self) -> str:
        return self.title_edit.text().strip()

    def help_text(self) -> str:
        return self.help_edit.text().strip()


def _suggested_title(document: Document, node_ids: list[str]) -> str:
    """The title of a group frame holding exactly the selection, else "Component"."""
    chosen = set(node_ids)
    for group in document.graph.groups:
        if set(group.nodes) == chosen and group.title:
            return group.title
    return "Component"


def _short(value: object) -> str:
    text = str(value).replace("\n", " ")
    return text if len(text) <= 60 else text[:57] + "…"
