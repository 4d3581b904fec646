"""The fields of app mode's form: one editor per form field, built from the param it sets.

Choices are combo boxes, a long text is a small text box, a picture (a file param) is a line with
Browse…, a switch is a check box and everything else (numbers too) a line the user types in: a
value is checked only when the form is used (`studio.graph.form.parse_value`), and a wrong one is
named under its field, never silently clamped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.gui.param_editors import file_filter

if TYPE_CHECKING:
    from studio.graph.form import ResolvedField

TEXT_LINES = 3  # a long text field shows this many lines


def ask_open_file(parent: QWidget, title: str, file_filter: str) -> str:
    path, _ = QFileDialog.getOpenFileName(parent, title, "", file_filter)
    return path


class FieldEditor(QWidget):
    """One field: its label, an editor fitting the param, and a line for its problem."""

    changed = Signal()

    def __init__(self, resolved: ResolvedField, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.resolved = resolved
        self.name = resolved.field.name
        self.label = QLabel(resolved.label)
        self.label.setObjectName("FormLabel")
        self.label.setStyleSheet("font-weight: bold;")
        self.label.setToolTip(resolved.help)
        self.problem = QLabel()
        self.problem.setObjectName("FormProblem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #ff8a80;")
        self.problem.hide()
        self.browse: QPushButton | None = None
        self.editor = self._make_editor()
        self.editor.setToolTip(resolved.help)
        self.editor.setAccessibleName(resolved.label)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 6)
        column.setSpacing(3)
        column.addWidget(self.label)
        if self.browse is not None:
            row = QHBoxLayout()
            row.addWidget(self.editor, 1)
            row.addWidget(self.browse)
            column.addLayout(row)
        else:
            column.addWidget(self.editor)
        column.addWidget(self.problem)
        self.set_value(resolved.value)

    def _make_editor(self) -> QWidget:
        param, help_text = self.resolved.param, self.resolved.help
        if self.resolved.choices:
            combo = QComboBox()
            combo.addItems(list(self.resolved.choices))
            combo.currentIndexChanged.connect(lambda _i: self.changed.emit())
            return combo
        if param.kind == "bool":
            box = QCheckBox(self.resolved.label)
            box.toggled.connect(lambda _on: self.changed.emit())
            return box
        if param.kind == "text":
            text = QPlainTextEdit()
            text.setPlaceholderText(help_text)
            text.setTabChangesFocus(True)
            line_height = text.fontMetrics().lineSpacing()
            text.setFixedHeight(line_height * TEXT_LINES + 14)
            text.textChanged.connect(self.changed.emit)
            return text
        line = QLineEdit()
        if param.kind in ("int", "seed", "float") and (
            param.minimum is not None and param.maximum is not None
        ):
            line.setPlaceholderText(f"a number from {param.minimum:g} to {param.maximum:g}")
        else:
            line.setPlaceholderText(help_text)
        line.textChanged.connect(lambda _t: self.changed.emit())
        if param.kind == "file":
            line.setPlaceholderText("no file chosen: Browse…")
            self.browse = QPushButton("Browse…")
            self.browse.setToolTip("Choose a file; it is copied into the project")
        return line

    # -- values -----------------------------------------------------------------------------------
    def value(self) -> Any:
        editor = self.editor
        if isinstance(editor, QComboBox):
            return editor.currentText()
        if isinstance(editor, QCheckBox):
            return editor.isChecked()
        if isinstance(editor, QPlainTextEdit):
            return editor.toPlainText()
        assert isinstance(editor, QLineEdit)
        return editor.text()

    def set_value(self, value: Any) -> None:
        editor = self.editor
        if isinstance(editor, QComboBox):
            index = editor.findText(str(value))
            if index >= 0:
                editor.setCurrentIndex(index)
        elif isinstance(editor, QCheckBox):
            editor.setChecked(bool(value))
        elif isinstance(editor, QPlainTextEdit):
            editor.setPlainText("" if value is None else str(value))
        elif isinstance(editor, QLineEdit):
            editor.setText("" if value is None else _plain(value))

    def set_problem(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.setVisible(bool(text))

    def file_filter(self) -> str:
        return file_filter(self.resolved.param.file_kinds)


def _plain(value: Any) -> str:
    """A number as a person writes it (5, not 5.0)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class FormPanel(QWidget):
    """Every field of a form, in its order."""

    changed = Signal()

    def __init__(
        self,
        fields: list[ResolvedField],
        adopt: Callable[[str, str], None] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """`adopt(field name, chosen path)` copies a browsed file into the project and sets it."""
        super().__init__(parent)
        self.editors: dict[str, FieldEditor] = {}
        self.ask_file = ask_open_file  # tests replace it
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        for resolved in fields:
            editor = FieldEditor(resolved)
            editor.changed.connect(lambda e=editor: self._edited(e))
            if editor.browse is not None and adopt is not None:
                editor.browse.clicked.connect(lambda _c=False, e=editor: self._browse(e, adopt))
            self.editors[editor.name] = editor
            column.addWidget(editor)
        column.addStretch(1)

    def _edited(self, editor: FieldEditor) -> None:
        editor.set_problem("")
        self.changed.emit()

    def _browse(self, editor: FieldEditor, adopt: Callable[[str, str], None]) -> None:
        title = f"Choose {editor.resolved.label}"
        path = self.ask_file(self, title, editor.file_filter())
        if path:
            adopt(editor.name, path)

    def values(self) -> dict[str, Any]:
        return {name: editor.value() for name, editor in self.editors.items()}

    def set_values(self, values: dict[str, Any]) -> None:
        for name, value in values.items():
            if name in self.editors:
                self.editors[name].set_value(value)

    def clear_problems(self) -> None:
        for editor in self.editors.values():
            editor.set_problem("")
