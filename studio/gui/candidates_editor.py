"""The inspector's editor of a compare node's candidates: one row per provider, model, seed.

An empty list means "every provider you have set up, plus offline": the editor says which those
are now, and "Use these" turns them into rows to edit. Every change is one undoable param edit.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from studio.api import MAX_CANDIDATES, Param
from studio.gui.param_editors import ParamEditor

ROW_HEIGHT = 30


class CandidatesEditor(ParamEditor):
    def __init__(self, param: Param, providers: Any, parent: QWidget | None = None) -> None:
        super().__init__(param, parent)
        self.providers = providers
        self.fields = tuple(param.choices) or ("provider", "model", "seed")
        offered = [
            p for p in (providers.all() if providers else []) if param.capability in p.capabilities
        ]
        self.provider_ids = [p.id for p in offered] or ["offline"]
        self.titles = {p.id: p.title or p.id for p in offered}
        self.rows: list[dict[str, Any]] = []
        column = QVBoxLayout()
        column.setContentsMargins(0, 0, 0, 0)
        self.table = QTableWidget(0, len(self.fields))
        self.table.setHorizontalHeaderLabels([f.capitalize() for f in self.fields])
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.automatic = QLabel()
        self.automatic.setObjectName("Hint")
        self.automatic.setWordWrap(True)
        buttons = QHBoxLayout()
        self.add_button = QPushButton("Add")
        self.remove_button = QPushButton("Remove")
        self.defaults_button = QPushButton("Use these")
        self.add_button.setToolTip("Add a candidate (another provider, model or seed)")
        self.remove_button.setToolTip("Remove the selected candidate")
        self.defaults_button.setToolTip("Turn the automatic candidates into rows to edit")
        for button in (self.add_button, self.remove_button, self.defaults_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        column.addWidget(self.automatic)
        column.addWidget(self.table)
        column.addLayout(buttons)
        self._layout.addLayout(column)
        self.add_button.clicked.connect(self.add_row)
        self.remove_button.clicked.connect(self.remove_row)
        self.defaults_button.clicked.connect(self.use_defaults)

    # -- what the automatic candidates are now ---------------------------------------------------
    def default_rows(self) -> list[dict[str, Any]]:
        ids = ["offline"]
        if self.providers is not None and self.param.capability is not None:
            ids += [i for i in self.providers.configured(self.param.capability) if i != "offline"]
        return [{"provider": i, "model": "", "seed": 0} for i in ids]

    # -- edits -----------------------------------------------------------------------------------
    def add_row(self) -> None:
        if len(self.rows) >= MAX_CANDIDATES:
            return
        rows = self.rows or self.default_rows()
        last: dict[str, Any] = rows[-1] if rows else {"provider": "offline", "model": "", "seed": 0}
        # A new row repeats the last one with the next seed: the quickest useful variation.
        self._emit([*rows, {**last, "seed": int(last.get("seed", 0)) + 1}])

    def remove_row(self) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self.rows):
            self._emit([r for i, r in enumerate(self.rows) if i != row])

    def use_defaults(self) -> None:
        self._emit(self.default_rows())

    def _set_field(self, row: int, field: str, value: Any) -> None:
        if not 0 <= row < len(self.rows) or self.rows[row].get(field) == value:
            return
        rows = [dict(r) for r in self.rows]
        rows[row][field] = value
        self._emit(rows)

    def _emit(self, rows: list[dict[str, Any]]) -> None:
        rows = [
            {"provider": r["provider"], "model": r.get("model", ""), "seed": r.get("seed", 0)}
            for r in rows
        ]
        self.set_value(rows)
        self.value_edited.emit(rows, False)

    # -- showing the model's value -----------------------------------------------------------------
    def set_value(self, value: Any) -> None:
        self.rows = [dict(r) for r in value or ()] if isinstance(value, (list, tuple)) else []
        self.table.setRowCount(len(self.rows))
        for index, row in enumerate(self.rows):
            for column, field in enumerate(self.fields):
                self.table.setCellWidget(index, column, self._cell(index, field, row))
        self.table.setFixedHeight(
            self.table.horizontalHeader().height() + ROW_HEIGHT * max(1, len(self.rows)) + 4
        )
        automatic = not self.rows
        if automatic:
            names = ", ".join(
                self.titles.get(r["provider"], r["provider"]) for r in self.default_rows()
            )
            self.automatic.setText(
                f"Automatic: {names} (offline plus every provider you have set up)."
            )
        self.automatic.setVisible(automatic)
        self.table.setVisible(not automatic)
        self.defaults_button.setVisible(automatic)
        self.remove_button.setEnabled(not automatic)
        self.add_button.setEnabled(len(self.rows) < MAX_CANDIDATES)

    def _cell(self, index: int, field: str, row: dict[str, Any]) -> QWidget:
        if field == "provider":
            combo = QComboBox()
            ids = list(self.provider_ids)
            if row["provider"] not in ids:  # kept as the file says, even if not installed
                ids.append(row["provider"])
            for provider_id in ids:
                combo.addItem(self.titles.get(provider_id, provider_id), provider_id)
            combo.setCurrentIndex(ids.index(row["provider"]))
            combo.activated.connect(
                lambda i, c=combo: self._set_field(index, "provider", c.itemData(i))
            )
            return combo
        if field == "model":
            line = QLineEdit(str(row.get("model", "")))
            line.setPlaceholderText("default")
            line.editingFinished.connect(
                lambda w=line: self._set_field(index, "model", w.text().strip())
            )
            return line
        spin = QSpinBox()
        spin.setRange(0, 2**31 - 1)
        spin.setValue(int(row.get("seed", 0)))
        spin.setAlignment(Qt.AlignmentFlag.AlignRight)
        spin.editingFinished.connect(lambda w=spin: self._set_field(index, "seed", w.value()))
        return spin
