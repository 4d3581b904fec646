"""One editor widget per Param kind. Each emits `value_edited(value, continuous)` on user edits
and takes model values through `set_value` without echoing them back."""

from __future__ import annotations

import random
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QSyntaxHighlighter, QTextCharFormat
from PySide6.QtWidgets import (
    QCheckBox,
    QColorDialog,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSlider,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from studio.api import Param, template_variables
from studio.gui.theme import icon

SLIDER_STEPS = 1000
VARIABLE = re.compile(r"(?<!\{)\{[A-Za-z_][A-Za-z0-9_]*\}(?!\})")
VARIABLE_COLOUR = QColor("#e6c35c")
UNKNOWN_VARIABLE_COLOUR = QColor("#ff6b6b")
UNSET_VARIABLE_COLOUR = QColor("#e0a040")
FILE_FILTERS = {
    "image": "Images (*.png *.jpg *.jpeg *.webp *.bmp *.gif *.tif *.tiff)",
    "video": "Videos (*.mp4 *.mov *.mkv *.webm *.avi *.m4v)",
    "audio": "Audio (*.wav *.mp3 *.flac *.ogg *.m4a *.aac *.opus)",
    "font": "Fonts (*.ttf *.otf)",
}


def file_filter(kinds: Iterable[str]) -> str:
    """The open dialog's filter for a file param's kinds (also app mode's Browse…)."""
    filters = [FILE_FILTERS[k] for k in kinds if k in FILE_FILTERS]
    return ";;".join([*filters, "All files (*)"])


class ParamEditor(QWidget):
    value_edited = Signal(object, bool)  # value, continuous (merges into the previous undo step)

    def __init__(self, param: Param, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.param = param
        self.setToolTip(param.help)
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)

    def set_value(self, value: Any) -> None:
        raise NotImplementedError


class NumberEditor(ParamEditor):
    """int/float: a slider (when the range is known) beside a spin box."""

    def __init__(self, param: Param, parent: QWidget | None = None) -> None:
        super().__init__(param, parent)
        self.is_int = param.kind == "int"
        low = param.minimum if param.minimum is not None else -1e9
        high = param.maximum if param.maximum is not None else 1e9
        self.spin: QSpinBox | QDoubleSpinBox
        if self.is_int:
            self.spin = QSpinBox()
            self.spin.setRange(int(max(low, -(2**31))), int(min(high, 2**31 - 1)))
        else:
            self.spin = QDoubleSpinBox()
            self.spin.setDecimals(3)
            self.spin.setRange(low, high)
            self.spin.setSingleStep(_step(low, high))
        self.slider: QSlider | None = None
        self._slider_range = (low, high)  # the slider exists only when both ends are known
        if param.minimum is not None and param.maximum is not None:
            self.slider = QSlider(Qt.Orientation.Horizontal)
            self.slider.setRange(0, SLIDER_STEPS)
            self._layout.addWidget(self.slider, 3)
            self.slider.valueChanged.connect(self._slid)
        self._layout.addWidget(self.spin, 2)
        self.spin.valueChanged.connect(self._spun)

    def _to_slider(self, value: float) -> int:
        low, high = self._slider_range
        return round((value - low) / ((high - low) or 1) * SLIDER_STEPS)

    def _slid(self, position: int) -> None:
        low, high = self._slider_range
        exact = low + (high - low) * position / SLIDER_STEPS
        value = round(exact) if self.is_int else round(exact, 3)
        self.spin.blockSignals(True)
        self._show(value)
        self.spin.blockSignals(False)
        self.value_edited.emit(value, True)

    def _show(self, value: float) -> None:
        if isinstance(self.spin, QSpinBox):
            self.spin.setValue(int(value))
        else:
            self.spin.setValue(value)

    def _spun(self, value: float) -> None:
        if self.slider is not None:
            self.slider.blockSignals(True)
            self.slider.setValue(self._to_slider(value))
            self.slider.blockSignals(False)
        self.value_edited.emit(int(value) if self.is_int else float(value), True)

    def set_value(self, value: Any) -> None:
        if value == self.spin.value():
            return  # the echo of a value being typed: resetting the text would eat "0." of "0.8"
        for widget in (self.spin, self.slider):
            if widget is not None:
                widget.blockSignals(True)
        self._show(value)
        if self.slider is not None:
            self.slider.setValue(self._to_slider(value))
        for widget in (self.spin, self.slider):
            if widget is not None:
                widget.blockSignals(False)


def _step(low: float, high: float) -> float:
    span = high - low
    return 0.01 if span <= 2 else 0.1 if span <= 20 else 1.0


class BoolEditor(ParamEditor):
    def __init__(self, param: Param, parent: QWidget | None = None) -> None:
        super().__init__(param, parent)
        self.box = QCheckBox()
        self._layout.addWidget(self.box)
        self.box.toggled.connect(lambda on: self.value_edited.emit(bool(on), False))

    def set_value(self, value: Any) -> None:
        self.box.blockSignals(True)
        self.box.setChecked(bool(value))
        self.box.blockSignals(False)


class StringEditor(ParamEditor):
    """One line of text; with suggestions (voices, models) an editable list offering them."""

    def __init__(self, param: Param, parent: QWidget | None = None) -> None:
        super().__init__(param, parent)
        suggestions = list(getattr(param, "suggestions", ()) or ())
        self.combo: QComboBox | None = None
        if suggestions:
            self.combo = QComboBox()
            self.combo.setEditable(True)
            self.combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
            self.combo.addItems(suggestions)
            self.combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            self.combo.setMinimumContentsLength(8)
            self.combo.activated.connect(
                lambda i: self.value_edited.emit(self.combo.itemText(i), False)
            )
            line = self.combo.lineEdit()
            if line is None:  # setEditable(True) above gave the combo box its line
                raise RuntimeError("an editable combo box without a line edit")
            self.line = line
            self._layout.addWidget(self.combo)
        else:
            self.line = QLineEdit()
            self._layout.addWidget(self.line)
        self.line.textEdited.connect(lambda text: self.value_edited.emit(text, True))

    def set_value(self, value: Any) -> None:
        if self.line.text() != str(value):
            self.line.setText(str(value))


class VariableHighlighter(QSyntaxHighlighter):
    """Colours `{variables}` in a prompt template ({{ and }} are literal braces, not variables);
    a name no input gives is red with a wavy underline, one whose input is not connected amber."""

    unknown: frozenset[str] = frozenset()
    unset: frozenset[str] = frozenset()

    def highlightBlock(self, text: str) -> None:
        for match in VARIABLE.finditer(text):
            name = match.group()[1:-1]
            style = QTextCharFormat()
            style.setFontWeight(700)
            style.setForeground(VARIABLE_COLOUR)
            if name in self.unknown or name in self.unset:
                colour = UNKNOWN_VARIABLE_COLOUR if name in self.unknown else UNSET_VARIABLE_COLOUR
                style.setForeground(colour)
                style.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
                style.setUnderlineColor(colour)
            self.setFormat(match.start(), match.end() - match.start(), style)


class TextEditor(ParamEditor):
    """Multi-line prompt editor with {variable} highlighting and the list of variables used."""

    def __init__(self, param: Param, parent: QWidget | None = None) -> None:
        super().__init__(param, parent)
        column = QVBoxLayout()
        column.setContentsMargins(0, 0, 0, 0)
        self.edit = QPlainTextEdit()
        self.edit.setMinimumHeight(90)
        self.edit.setTabChangesFocus(True)
        self.highlighter = VariableHighlighter(self.edit.document())
        self.uses = QLabel()
        self.uses.setObjectName("Hint")
        self.problems = QLabel()  # template variables that no input gives (see param_links)
        self.problems.setObjectName("Error")
        self.problems.setWordWrap(True)
        self.problems.hide()
        column.addWidget(self.edit)
        column.addWidget(self.uses)
        column.addWidget(self.problems)
        self._layout.addLayout(column)
        self.edit.textChanged.connect(self._changed)

    def _changed(self) -> None:
        text = self.edit.toPlainText()
        self._show_uses(text)
        self.value_edited.emit(text, True)

    def _show_uses(self, text: str) -> None:
        names = template_variables(text)
        self.uses.setText("uses " + ", ".join(f"{{{n}}}" for n in names) if names else "")

    def set_value(self, value: Any) -> None:
        if self.edit.toPlainText() != str(value):
            self.edit.blockSignals(True)
            self.edit.setPlainText(str(value))
            self.edit.blockSignals(False)
        self._show_uses(str(value))

    def set_issues(self, issues: list[Any]) -> None:
        """Mark the variables no input gives (red) or whose input is not connected (amber)."""
        unknown = frozenset(i.name for i in issues if i.unknown)
        unset = frozenset(i.name for i in issues if not i.unknown)
        if (unknown, unset) != (self.highlighter.unknown, self.highlighter.unset):
            self.highlighter.unknown, self.highlighter.unset = unknown, unset
            self.highlighter.rehighlight()
        self.problems.setText("\n".join(f"⚠ {i.message}" for i in issues))
        self.problems.setObjectName("Error" if unknown else "Warning")
        self.problems.style().unpolish(self.problems)
        self.problems.style().polish(self.problems)
        self.problems.setVisible(bool(issues))


class ChoiceEditor(ParamEditor):
    def __init__(self, param: Param, parent: QWidget | None = None) -> None:
        super().__init__(param, parent)
        self.combo = QComboBox()
        self.combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.combo.setMinimumContentsLength(8)
        self.combo.addItems(list(param.choices))
        self._layout.addWidget(self.combo)
        self.combo.activated.connect(
            lambda i: self.value_edited.emit(self.combo.itemText(i), False)
        )

    def set_value(self, value: Any) -> None:
        self.combo.setCurrentText(str(value))


class SeedEditor(ParamEditor):
    """A seed: a number and a dice button for a fresh random one."""

    def __init__(self, param: Param, parent: QWidget | None = None) -> None:
        super().__init__(param, parent)
        self.spin = QSpinBox()
        self.spin.setRange(int(param.minimum or 0), int(param.maximum or 2**31 - 1))
        self.dice = QToolButton()
        dice = icon("dice")
        if dice.isNull():
            self.dice.setText("Roll")
        else:
            self.dice.setIcon(dice)
        self.dice.setToolTip("A new random seed")
        self._layout.addWidget(self.spin, 1)
        self._layout.addWidget(self.dice)
        self.spin.valueChanged.connect(lambda v: self.value_edited.emit(int(v), True))
        self.dice.clicked.connect(self.roll)

    def roll(self) -> None:
        value = random.randint(int(self.param.minimum or 0), int(self.param.maximum or 2**31 - 1))
        self.set_value(value)
        self.value_edited.emit(value, False)

    def set_value(self, value: Any) -> None:
        self.spin.blockSignals(True)
        self.spin.setValue(int(value))
        self.spin.blockSignals(False)


class FileEditor(ParamEditor):
    """A path (stored relative to the graph file on save) and a Browse button."""

    def __init__(self, param: Param, parent: QWidget | None = None) -> None:
        super().__init__(param, parent)
        self.line = QLineEdit()
        self.line.setPlaceholderText("no file chosen" if not param.optional else "optional")
        self.browse = QPushButton("Browse…")
        self._layout.addWidget(self.line, 1)
        self._layout.addWidget(self.browse)
        self.line.editingFinished.connect(lambda: self.value_edited.emit(self.line.text(), False))
        self.browse.clicked.connect(self.choose)

    def file_filter(self) -> str:
        return file_filter(self.param.file_kinds)

    def choose(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, f"Choose {self.param.title or self.param.name}", "", self.file_filter()
        )
        if path:
            self.line.setText(path)
            self.value_edited.emit(path, False)

    def set_value(self, value: Any) -> None:
        self.line.setText(str(value or ""))


class OutputEditor(FileEditor):
    """Where a node writes a file: relative to the graph's folder, or a place picked here."""

    # A file that exists was picked: the save dialog has asked whether to replace it, so a run
    # need not ask again (the window tells its replace guard).
    replace_approved = Signal(str)

    def __init__(self, param: Param, parent: QWidget | None = None) -> None:
        super().__init__(param, parent)
        self.browse.setText("Save as…")
        self.line.setPlaceholderText("a file name, e.g. output.mp4")

    def choose(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, f"Choose {self.param.title or self.param.name}", self.line.text()
        )
        if path:
            if Path(path).exists():
                self.replace_approved.emit(path)
            self.line.setText(path)
            self.value_edited.emit(path, False)


class ColorEditor(ParamEditor):
    def __init__(self, param: Param, parent: QWidget | None = None) -> None:
        super().__init__(param, parent)
        self.button = QPushButton()
        self.button.setFixedHeight(24)
        self._layout.addWidget(self.button)
        self.button.clicked.connect(self.choose)
        self.value = str(param.default)

    def choose(self) -> None:
        colour = QColorDialog.getColor(QColor(self.value), self, "Choose a colour")
        if colour.isValid():
            self.set_value(colour.name())
            self.value_edited.emit(colour.name(), False)

    def set_value(self, value: Any) -> None:
        self.value = str(value)
        self.button.setText(self.value)
        text = "#000000" if QColor(self.value).lightness() > 128 else "#ffffff"
        self.button.setStyleSheet(f"background: {self.value}; color: {text};")


EDITORS: dict[str, type[ParamEditor]] = {
    "int": NumberEditor,
    "float": NumberEditor,
    "bool": BoolEditor,
    "string": StringEditor,
    "text": TextEditor,
    "choice": ChoiceEditor,
    "seed": SeedEditor,
    "file": FileEditor,
    "output": OutputEditor,
    "color": ColorEditor,
}
