"""Export: run the graph's Export Video node to a chosen file, or copy a node's media result."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

if TYPE_CHECKING:
    from studio.gui.document import Document

EXPORT_NODE = "export.video"
MEDIA_TYPES = ("video", "audio", "image")


@dataclass(frozen=True)
class ExportChoice:
    node_id: str
    path: Path
    format: str | None  # for an Export Video node; None when a result is copied
    via_export_node: bool


def export_candidates(document: Document) -> list[tuple[str, str, bool]]:
    """(node id, label, is an export node): export nodes first, then nodes with media outputs."""
    found = []
    for node_id in sorted(document.graph.nodes):
        spec = document.spec_of(node_id)
        if spec is not None and spec.id == EXPORT_NODE:
            found.append((node_id, f"{node_id} — {spec.title}", True))
    for node_id in sorted(document.graph.nodes):
        spec = document.spec_of(node_id)
        if spec is None or spec.id == EXPORT_NODE:
            continue
        kinds = [o.type.value for o in spec.outputs if o.type.value in MEDIA_TYPES]
        if kinds:
            found.append((node_id, f"{node_id} — {spec.title} ({kinds[0]} result)", False))
    return found


class ExportDialog(QDialog):
    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export")
        self.document = document
        self.candidates = export_candidates(document)
        self.node = QComboBox()
        for node_id, label, is_export in self.candidates:
            self.node.addItem(label, (node_id, is_export))
        self.path = QLineEdit()
        browse = QPushButton("Browse…")
        browse.clicked.connect(self.browse)
        self.format = QComboBox()
        self.format.addItems(["mp4", "webm", "gif"])
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setObjectName("Hint")
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        form = QFormLayout(self)
        form.addRow("Export", self.node)
        form.addRow("To file", row)
        form.addRow("Format", self.format)
        form.addRow(self.note)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self.node.currentIndexChanged.connect(self._node_changed)
        self._node_changed()
        if not self.candidates:
            self.note.setText(
                "Nothing to export yet: add an Export Video node, or any node "
                "that makes an image, a video or a sound."
            )
            self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)

    def _node_changed(self) -> None:
        data = self.node.currentData()
        if not data:
            return
        node_id, is_export = data
        self.format.setEnabled(is_export)
        params = self.document.graph.nodes[node_id].params
        if is_export:
            self.path.setText(str(params.get("path", "output.mp4")))
            self.format.setCurrentText(str(params.get("format", "mp4")))
            self.note.setText("Runs the graph up to this Export Video node, which writes the file.")
        else:
            self.note.setText("Runs the graph up to this node, then copies its result to the file.")

    def browse(self) -> None:
        start = self.path.text() or str(self.document.graph_dir or Path.home())
        path, _ = QFileDialog.getSaveFileName(self, "Export to", start)
        if path:
            self.path.setText(path)

    def choice(self) -> ExportChoice | None:
        data = self.node.currentData()
        text = self.path.text().strip()
        if not data or not text:
            return None
        node_id, is_export = data
        path = Path(text).expanduser()
        if not path.is_absolute() and self.document.graph_dir is not None:
            path = self.document.graph_dir / path
        return ExportChoice(
            node_id, path, self.format.currentText() if is_export else None, is_export
        )


def copy_result(source: Path, target: Path) -> None:
    """Copy a cached result to the user's file atomically (blocking: run it off the loop)."""
    import shutil
    import tempfile

    from studio.atomic import move_atomic

    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(
        dir=target.parent, prefix=f".{target.name}.", suffix=".tmp", delete=False
    ) as handle:
        temp = Path(handle.name)
    try:
        shutil.copyfile(source, temp)
        move_atomic(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
