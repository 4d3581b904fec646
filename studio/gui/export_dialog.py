"""Export: run the graph's Export Video node to a chosen file, or copy a node's media result.

The file chosen here is this export's: the node keeps its own path (the one Run All writes)
unless "Use this file for the node's later runs" is ticked. A file that is there already is
replaced only when the user says so (the save dialog of Browse asks, or Export asks Replace /
Keep Both / Cancel for a typed name).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QCheckBox,
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

from studio.media.containers import VIDEO_FORMATS

if TYPE_CHECKING:
    from studio.gui.document import Document

EXPORT_NODE = "export.video"
MEDIA_TYPES = ("video", "audio", "image")
FORMATS = VIDEO_FORMATS


@dataclass(frozen=True)
class ExportChoice:
    node_id: str
    path: Path
    format: str | None  # for an Export Video node; None when a result is copied
    via_export_node: bool
    use_for_node: bool = False  # also set the node's path (undoable), for later runs
    replace_ok: bool = False  # the file exists and the user agreed to replace it


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
        self.format.addItems(list(FORMATS))
        self.format.currentTextChanged.connect(self._format_changed)
        self.use_for_node = QCheckBox("Use this file for the node's later runs too")
        self.use_for_node.setToolTip(
            "Unticked, the node keeps its own path: Run All writes there, this export here"
        )
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setObjectName("Hint")
        self._replace_ok: Path | None = None  # a file the user agreed to replace
        self.path.textEdited.connect(lambda _text: self._forget_replace())
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        form = QFormLayout(self)
        form.addRow("Export", self.node)
        form.addRow("To file", row)
        form.addRow("Format", self.format)
        form.addRow(self.use_for_node)
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
        self.use_for_node.setEnabled(is_export)
        self._forget_replace()
        params = self.document.graph.nodes[node_id].params
        if is_export:
            self.path.setText(str(params.get("path", "output.mp4")))
            self.format.setCurrentText(str(params.get("format", "mp4")))
            self.note.setText(
                "Runs the graph up to this Export Video node, which writes the file. "
                "The node's own path stays as it is unless you tick the box."
            )
        else:
            self.note.setText(
                "Runs the graph up to this node, then writes its result to the file: as it is, "
                "or converted when the name says another format (a picture as .jpg or .webp, a "
                "sound as .flac, .mp3, .opus, .m4a or .wav)."
            )

    def _format_changed(self, fmt: str) -> None:
        """A file named for the old format follows the new one (clip.mp4 -> clip.webm)."""
        text = self.path.text().strip()
        path = Path(text)
        if text and path.suffix.lower().lstrip(".") in FORMATS and path.suffix != f".{fmt}":
            self.path.setText(str(path.with_suffix(f".{fmt}")))
            self._forget_replace()

    def _forget_replace(self) -> None:
        self._replace_ok = None

    def browse(self) -> None:
        start = self.path.text() or str(self.document.graph_dir or Path.home())
        # The save dialog asks before it picks a file that exists: that answer counts.
        path, _ = QFileDialog.getSaveFileName(self, "Export to", start)
        if path:
            self.path.setText(path)
            self._replace_ok = self._target(path)

    def _target(self, text: str) -> Path:
        path = Path(text.strip()).expanduser()
        if not path.is_absolute() and self.document.graph_dir is not None:
            path = self.document.graph_dir / path
        data = self.node.currentData()
        if data and data[1] and not path.suffix:  # the export node adds the format's extension
            path = path.with_suffix(f".{self.format.currentText()}")
        return path

    def accept(self) -> None:
        """Export, unless the file exists and the user would rather not replace it."""
        from studio.gui.replace_guard import NUMBER, REPLACE, ask_replace

        choice = self.choice()
        if choice is not None and choice.path.exists() and not choice.replace_ok:
            from studio.graph.outputs import numbered_file

            kept = {choice.path: numbered_file(choice.path)}
            answer = ask_replace(self, [(choice.node_id, "path", choice.path)], kept)
            if answer == REPLACE:
                self._replace_ok = choice.path
            elif answer == NUMBER:
                self.path.setText(str(kept[choice.path]))
            else:
                return  # stays open: choose another name
        super().accept()

    def choice(self) -> ExportChoice | None:
        data = self.node.currentData()
        text = self.path.text().strip()
        if not data or not text:
            return None
        node_id, is_export = data
        path = self._target(text)
        return ExportChoice(
            node_id,
            path,
            self.format.currentText() if is_export else None,
            is_export,
            use_for_node=is_export and self.use_for_node.isChecked(),
            replace_ok=self._replace_ok is not None and self._replace_ok == path,
        )


def copy_result(source: Path, target: Path) -> None:
    """Copy a cached result to the user's file atomically (blocking: run it off the loop).
    The copy is the user's own file: their usual mode, not the cache's."""
    from studio.media.export import copy_file_atomic

    target.parent.mkdir(parents=True, exist_ok=True)
    copy_file_atomic(source, target)
