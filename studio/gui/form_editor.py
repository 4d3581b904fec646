"""View > Form: the graph's app-mode form, edited in the studio.

The fields in their order (Up, Down, Remove), the chosen field's name, label, help and allowed
values, and the form's title and result node. Every change is one undo step on the graph's `form`
section (`FormSetCommand`, as "Add to Form…" in the inspector), and the panel follows the form
through undo and redo. Fields are added from the inspector (right-click a param's label).
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFocusEvent, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.graph.form import Form, FormField
from studio.gui.form_actions import (
    CHOICE_KINDS,
    FormSetCommand,
    choices_problem,
    kept_form,
    remove_form_field,
    rename_form_field,
    split_choices,
)

if TYPE_CHECKING:
    from studio.api import Param
    from studio.gui.document import Document
    from studio.gui.main_window import MainWindow

AUTOMATIC_RESULT = "Automatic: the graph's one export"
NO_FIELDS = (
    "No fields yet. To add one, select a node, right-click a setting's name in the inspector "
    "and choose Add to Form…"
)
REFRESH_ON = ("form_changed", "node_added", "node_removed", "title_changed")


class HelpEdit(QPlainTextEdit):
    """A few lines of help; `editing_finished` when the focus leaves, as a QLineEdit does."""

    editing_finished = Signal()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.editing_finished.emit()


class FormEditor(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document: Document | None = None
        self._filling = False  # widgets being set from the form: no edit to record
        self._stale = False  # the form changed while the panel was hidden
        self.title = QLineEdit()
        self.title.setPlaceholderText("the graph's title")
        self.title.setToolTip("The title app mode shows above the form")
        self.result = QComboBox()
        self.result.setToolTip("The node whose result app mode shows and exports")
        self.list = QListWidget()
        self.list.setAccessibleName("Form fields")
        self.empty = QLabel(NO_FIELDS)
        self.empty.setObjectName("Hint")
        self.empty.setWordWrap(True)
        self.up, self.down = QPushButton("Up"), QPushButton("Down")
        self.remove = QPushButton("Remove")
        self.up.setToolTip("Show this field earlier in the form")
        self.down.setToolTip("Show this field later in the form")
        self.remove.setToolTip("Take this field out of the form (the setting stays in the graph)")
        self.where = QLabel()
        self.where.setObjectName("Hint")
        self.where.setWordWrap(True)
        self.name = QLineEdit()
        self.name.setAccessibleName("Field name")
        self.name.setToolTip(
            "What the command line calls this field (studio render GRAPH --form NAME=value, "
            "--form-help): lowercase letters, digits and '_'"
        )
        self.label = QLineEdit()
        self.label.setPlaceholderText("the setting's own name")
        self.help = HelpEdit()
        self.help.setTabChangesFocus(True)
        self.help.setFixedHeight(self.help.fontMetrics().lineSpacing() * 3 + 12)
        self.choices = QLineEdit()
        self.choices.setPlaceholderText("any value the setting takes")
        self.choices.setToolTip("Values separated by commas: app mode offers only these")
        self.choices_label = QLabel("Allowed values")
        self.message = QLabel()
        self.message.setObjectName("Error")
        self.message.setStyleSheet("color: #ff8a80;")
        self.message.setWordWrap(True)
        self.message.hide()
        self._build()
        self.title.editingFinished.connect(self._title_edited)
        self.result.activated.connect(self._result_chosen)
        self.list.currentRowChanged.connect(lambda _row: self._show_field())
        self.up.clicked.connect(lambda: self._move(-1))
        self.down.clicked.connect(lambda: self._move(1))
        self.remove.clicked.connect(self._remove)
        self.name.editingFinished.connect(self._name_edited)
        self.label.editingFinished.connect(self._label_edited)
        self.help.editing_finished.connect(self._help_edited)
        self.choices.editingFinished.connect(self._choices_edited)
        self.refresh()

    def _build(self) -> None:
        top = QFormLayout()
        top.addRow("Title", self.title)
        top.addRow("Result", self.result)
        buttons = QHBoxLayout()
        for button in (self.up, self.down, self.remove):
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.details = QGroupBox("Field")
        detail = QFormLayout(self.details)
        detail.addRow(self.where)
        detail.addRow("Name", self.name)
        detail.addRow("Label", self.label)
        detail.addRow("Help", self.help)
        detail.addRow(self.choices_label, self.choices)
        detail.addRow(self.message)
        column = QVBoxLayout(self)
        column.setContentsMargins(6, 6, 6, 6)
        column.addLayout(top)
        column.addWidget(QLabel("Fields, in the order app mode shows them"))
        column.addWidget(self.list, 1)
        column.addWidget(self.empty)
        column.addLayout(buttons)
        column.addWidget(self.details)

    # -- following the document -------------------------------------------------------------------
    def set_document(self, document: Document) -> None:
        if self.document is not None:
            self.document.graph.unsubscribe(self._on_model)
        self.document = document
        self.list.clear()  # another graph: its first field comes first
        document.graph.subscribe(self._on_model)
        self._refresh_when_seen()

    def _on_model(self, kind: str, _details: dict[str, Any]) -> None:
        if kind in REFRESH_ON:
            self._refresh_when_seen()

    def _refresh_when_seen(self) -> None:
        """Hidden (the dock closed, or a tab behind the inspector), the panel catches up when it
        is shown: opening a graph or pasting nodes does not rebuild a list nobody sees."""
        if self.isVisible():
            self.refresh()
        else:
            self._stale = True

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()

    @property
    def form(self) -> Form | None:
        return self.document.graph.form if self.document is not None else None

    def selected_name(self) -> str | None:
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def refresh(self) -> None:
        """Show the form as it is now, keeping the chosen field chosen (renamed, or undone back
        to its old name, it is the field in the same place)."""
        chosen, row = self.selected_name(), self.list.currentRow()
        form = self.form
        self._stale = False
        self._filling = True
        try:
            self.setEnabled(self.document is not None)
            self.title.setText(form.title if form else "")
            self._fill_results(form)
            self.list.clear()
            for item in form.fields if form else []:
                entry = QListWidgetItem(f"{self._label_of(item)}   ·  {item.node}.{item.param}")
                entry.setData(Qt.ItemDataRole.UserRole, item.name)
                entry.setToolTip(f"--form {item.name}=…")
                self.list.addItem(entry)
            names = [f.name for f in form.fields] if form else []
            if names:
                kept = names.index(chosen) if chosen in names else min(max(row, 0), len(names) - 1)
                self.list.setCurrentRow(kept)
            self.empty.setVisible(not names)
        finally:
            self._filling = False
        self._show_field()

    def _fill_results(self, form: Form | None) -> None:
        from studio.gui.export_dialog import export_candidates

        self.result.clear()
        self.result.addItem(AUTOMATIC_RESULT, None)
        if self.document is None:
            return
        listed = []
        for node_id, label, _is_export in export_candidates(self.document):
            self.result.addItem(label, node_id)
            listed.append(node_id)
        current = form.result if form else None
        if current and current not in listed:
            gone = "" if current in self.document.graph.nodes else " (gone)"
            self.result.addItem(f"{current}{gone}", current)
        index = self.result.findData(current) if current else 0
        self.result.setCurrentIndex(max(0, index))

    def _label_of(self, item: FormField) -> str:
        param = self._param_of(item)
        return item.label or (param.title if param and param.title else "") or item.name

    def _param_of(self, item: FormField) -> Param | None:
        if self.document is None:
            return None
        spec = self.document.spec_of(item.node)
        return spec.param(item.param) if spec else None

    def selected_field(self) -> FormField | None:
        name, form = self.selected_name(), self.form
        return form.field(name) if form is not None and name else None

    def _show_field(self) -> None:
        field = self.selected_field()
        row = self.list.currentRow()
        self.up.setEnabled(field is not None and row > 0)
        self.down.setEnabled(field is not None and row < self.list.count() - 1)
        self.remove.setEnabled(field is not None)
        self.details.setEnabled(field is not None)
        self.message.hide()
        self._filling = True
        try:
            param = self._param_of(field) if field else None
            setting = (param.title if param else "") or (field.param if field else "")
            self.where.setText(
                f"Sets {field.node} · {setting}; on the command line: --form {field.name}=…"
                if field
                else ""
            )
            self.name.setText(field.name if field else "")
            self.label.setText(field.label if field else "")
            self.label.setPlaceholderText(
                (param.title if param and param.title else "") or "the setting's own name"
            )
            self.help.setPlainText(field.help if field else "")
            self.help.setPlaceholderText(param.help if param else "")
            narrowable = param is not None and param.kind in CHOICE_KINDS
            self.choices.setText(", ".join(field.choices) if field else "")
            self.choices.setVisible(narrowable)
            self.choices_label.setVisible(narrowable)
        finally:
            self._filling = False

    # -- edits: each one undo step ----------------------------------------------------------------
    def _push(self, form: Form | None, text: str) -> None:
        assert self.document is not None
        self.document.push(FormSetCommand(self.document, form, text))

    def _edited_form(self) -> Form:
        return copy.deepcopy(self.form) or Form()

    def _title_edited(self) -> None:
        text = self.title.text().strip()
        if self._filling or self.document is None or text == (self.form.title if self.form else ""):
            return
        form = self._edited_form()
        form.title = text
        self._push(kept_form(form), "Set the form's title")

    def _result_chosen(self, index: int) -> None:
        node_id = self.result.itemData(index)
        if self.document is None or node_id == (self.form.result if self.form else None):
            return
        form = self._edited_form()
        form.result = node_id
        self._push(kept_form(form), "Set the form's result")

    def _move(self, delta: int) -> None:
        field = self.selected_field()
        if field is None:
            return
        form = self._edited_form()
        names = [f.name for f in form.fields]
        index = names.index(field.name)
        target = max(0, min(len(names) - 1, index + delta))
        if target == index:
            return
        form.fields.insert(target, form.fields.pop(index))
        where = "up" if delta < 0 else "down"
        self._push(form, f"Move {field.name!r} {where} in the form")

    def _remove(self) -> None:
        field = self.selected_field()
        if field is not None and self.document is not None:
            remove_form_field(self.document, field.name)

    def _change_field(self, what: str, **changes: Any) -> None:
        field = self.selected_field()
        if self._filling or field is None:
            return
        if all(getattr(field, key) == value for key, value in changes.items()):
            return
        form = self._edited_form()
        edited = form.field(field.name)
        assert edited is not None
        for key, value in changes.items():
            setattr(edited, key, value)
        self._push(form, f"Change the {what} of {field.name!r}")

    def _name_edited(self) -> None:
        field = self.selected_field()
        if self._filling or field is None or self.document is None:
            return
        problem = rename_form_field(self.document, field.name, self.name.text().strip())
        if problem:
            self.name.setText(field.name)  # back to the name it has
            self.message.setText(f"{problem} Not changed.")
            self.message.show()

    def _label_edited(self) -> None:
        self._change_field("label", label=self.label.text().strip())

    def _help_edited(self) -> None:
        self._change_field("help", help=self.help.toPlainText().strip())

    def _choices_edited(self) -> None:
        field = self.selected_field()
        param = self._param_of(field) if field else None
        if self._filling or field is None or param is None:
            return
        values = split_choices(self.choices.text())
        problem = choices_problem(param, values)
        if problem:
            self.message.setText(f"{problem} Not changed.")
            self.message.show()
            return
        self.message.hide()
        self._change_field("allowed values", choices=values)


def install_form_editor(window: MainWindow) -> FormEditor:
    """The Form dock (View > Form), tabbed with the inspector, hidden until asked for."""
    editor = FormEditor()
    dock = QDockWidget("Form", window)
    dock.setObjectName("form")
    dock.setWidget(editor)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    dock.hide()

    def shown(on: bool) -> None:
        """From the View menu: a tab beside the inspector, in front."""
        inspector = window.docks["inspector"]
        if on and inspector.isVisible() and dock not in window.tabifiedDockWidgets(inspector):
            window.tabifyDockWidget(inspector, dock)
        if on:
            dock.show()
            dock.raise_()

    dock.toggleViewAction().triggered.connect(shown)
    window.docks["form"] = dock
    return editor
