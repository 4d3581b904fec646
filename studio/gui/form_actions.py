"""Defining a graph's app-mode form in the studio: right-click a param in the inspector.

"Add to Form…" asks for the field's name, label, help and (for a text or a choice) the values it
allows; "Remove from Form" takes it out again. Each is one undo step on the graph's `form`
section (studio.graph.form), saved with the graph, and what `studio app` and View > App Mode show.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QUndoCommand
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QWidget,
)

from studio.graph.form import Form, FormField, field_name_problem

if TYPE_CHECKING:
    from studio.api import Param
    from studio.gui.document import Document

CHOICE_KINDS = ("string", "choice")  # params whose allowed values a field may narrow


class FormSetCommand(QUndoCommand):
    """Replace the graph's form (None: no form)."""

    def __init__(self, document: Document, form: Form | None, text: str) -> None:
        super().__init__(text)
        self.document = document
        self.new = copy.deepcopy(form)
        self.old = copy.deepcopy(document.graph.form)

    def redo(self) -> None:
        self.document.graph.set_form(copy.deepcopy(self.new))

    def undo(self) -> None:
        self.document.graph.set_form(copy.deepcopy(self.old))


def field_of(document: Document, node_id: str, param_name: str) -> FormField | None:
    form = document.graph.form
    if form is None:
        return None
    return next((f for f in form.fields if (f.node, f.param) == (node_id, param_name)), None)


def install_form_menu(inspector: Any, label: QLabel, node_id: str, param: Param) -> None:
    """Right-click on a param's label in the inspector: add it to the form, or remove it."""
    label.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
    label.customContextMenuRequested.connect(
        lambda pos: _popup(inspector, label, node_id, param, pos)
    )
    label.setProperty("plain_text", label.text())
    mark_in_form(inspector, label, node_id, param)


def mark_in_form(inspector: Any, label: QLabel, node_id: str, param: Param) -> None:
    """A param in the form has ▣ after its label (kept up to date through undo and redo)."""
    document = inspector.document
    in_form = document is not None and field_of(document, node_id, param.name) is not None
    plain = label.property("plain_text") or label.text()
    label.setText(f"{plain} ▣" if in_form else plain)
    tip = "\n\nIn the app-mode form (right-click to remove it)." if in_form else ""
    label.setToolTip(param.help + tip)


def _popup(inspector: Any, label: QLabel, node_id: str, param: Param, pos: QPoint) -> None:
    menu = form_menu(inspector, node_id, param)
    if menu is not None:
        inspector.form_menu = menu  # kept while it is open (and for tests)
        menu.popup(label.mapToGlobal(pos))


def form_menu(inspector: Any, node_id: str, param: Param) -> QMenu | None:
    document = inspector.document
    if document is None or getattr(document, "root", document) is not document:
        return None  # inside a component: a form field names a node of the graph itself
    menu = QMenu(inspector)
    existing = field_of(document, node_id, param.name)
    if existing is None:
        menu.addAction("Add to Form…", lambda: ask_field(inspector, node_id, param))
    else:
        menu.addAction(
            f"Remove “{existing.label or existing.name}” from Form",
            lambda: remove_field(inspector, existing.name),
        )
    return menu


def ask_field(inspector: Any, node_id: str, param: Param) -> FieldDialog:
    """Open the field dialog (not modal to the loop: the window keeps running)."""
    document = inspector.document
    dialog = FieldDialog(document, node_id, param, inspector)
    inspector.form_dialog = dialog

    def accepted() -> None:
        field = dialog.field()
        form = copy.deepcopy(document.graph.form) or Form()
        form.fields.append(field)
        document.push(FormSetCommand(document, form, f"Add {field.name!r} to the form"))

    dialog.accepted.connect(accepted)
    dialog.open()
    return dialog


def remove_field(inspector: Any, name: str) -> None:
    remove_form_field(inspector.document, name)


def remove_form_field(document: Document, name: str) -> None:
    """Take a field out of the form (one undo step); an empty, untitled form goes away."""
    form = copy.deepcopy(document.graph.form)
    if form is None:
        return
    form.fields = [f for f in form.fields if f.name != name]
    document.push(FormSetCommand(document, kept_form(form), f"Remove {name!r} from the form"))


def rename_form_field(document: Document, old: str, new: str) -> str:
    """Give a field a new name (one undo step); what is wrong with the name instead ("" if done).

    The name must follow the form's rule and be free; app mode's remembered value for the field
    goes with it.
    """
    form = copy.deepcopy(document.graph.form)
    field = form.field(old) if form is not None else None
    if form is None or field is None or new == old:
        return ""
    problem = field_name_problem(new, {f.name for f in form.fields if f is not field})
    if problem:
        return f"{sentence(problem)}."
    field.name = new
    document.push(FormSetCommand(document, form, f"Rename form field {old!r} to {new!r}"))
    carry_remembered_value(document, old, new)
    return ""


def carry_remembered_value(document: Document, old: str, new: str) -> None:
    """App mode remembers the last values per graph file by field name: the renamed field keeps
    its value. Copied, not moved: the saved file (until saved again) and Undo use the old name."""
    from studio.gui.settings import GuiSettings

    if document.path is None:
        return  # never saved: app mode remembers nothing for it
    settings = GuiSettings.load()
    values = settings.form_values.get(str(document.path))
    if settings.problems or values is None or old not in values:
        return  # (a damaged settings file is left for the window to report, not overwritten)
    values[new] = values[old]
    settings.save()


def sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def kept_form(form: Form) -> Form | None:
    """A form with no field, title or result is no form."""
    return form if form.fields or form.title or form.result else None


def split_choices(text: str) -> tuple[str, ...]:
    """Allowed values as typed: separated by commas, blanks dropped."""
    return tuple(v.strip() for v in text.split(",") if v.strip())


def choices_problem(param: Param, values: tuple[str, ...]) -> str:
    """What is wrong with the first allowed value the setting would not take ("" if none)."""
    for value in values:
        try:
            param.coerce(value)
        except ValueError as exc:
            return f"Allowed value {value!r}: the setting {exc}."
    return ""


class FieldDialog(QDialog):
    """Name, label, help and allowed values of a new form field."""

    def __init__(self, document: Document, node_id: str, param: Param, parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add to Form")
        self.document, self.node_id, self.param = document, node_id, param
        taken = {f.name for f in document.graph.form.fields} if document.graph.form else set()
        self.taken = taken
        self.name = QLineEdit(_free_name(param.name, taken))
        self.name.setToolTip("What `studio render --form NAME=VALUE` calls it")
        self.label = QLineEdit(param.title or param.name.replace("_", " ").capitalize())
        self.help = QPlainTextEdit(param.help)
        self.help.setFixedHeight(self.help.fontMetrics().lineSpacing() * 4 + 12)
        self.choices = QLineEdit(", ".join(param.choices) if param.kind == "choice" else "")
        self.choices.setPlaceholderText("any value the setting takes")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #ff8a80;")
        layout = QFormLayout(self)
        layout.addRow(QLabel(f"{node_id} · {param.title or param.name}"))
        layout.addRow("Field name", self.name)
        layout.addRow("Label", self.label)
        layout.addRow("Help", self.help)
        if param.kind in CHOICE_KINDS:
            layout.addRow("Allowed values", self.choices)
        layout.addRow(self.message)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Add")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addRow(self.buttons)
        for line in (self.name, self.choices):
            line.textChanged.connect(self._check)
        self._check()

    def _allowed(self) -> tuple[str, ...]:
        if self.param.kind not in CHOICE_KINDS:
            return ()
        return split_choices(self.choices.text())

    def problem(self) -> str:
        problem = field_name_problem(self.name.text().strip(), self.taken)
        if problem:
            return f"{sentence(problem)}."
        return choices_problem(self.param, self._allowed())

    def _check(self) -> None:
        problem = self.problem()
        self.message.setText(problem)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problem)

    def accept(self) -> None:
        if not self.problem():
            super().accept()

    def field(self) -> FormField:
        return FormField(
            name=self.name.text().strip(),
            node=self.node_id,
            param=self.param.name,
            label=self.label.text().strip(),
            help=self.help.toPlainText().strip(),
            choices=self._allowed(),
        )


def _free_name(wanted: str, taken: set[str]) -> str:
    base = "".join(c if c.isalnum() or c == "_" else "_" for c in wanted.lower()).strip("_")
    base = base if base and base[0].isalpha() else f"field_{base}"
    base = base[:36]
    name, number = base, 1
    while name in taken:
        number += 1
        name = f"{base}_{number}"
    return name
