"""View ▸ Versions: the versions a graph's Versions node delivers, one row each with a preview.

The rows come from the node's list (format, language, container, loudness, the file it writes);
while a run goes, each row follows its version's export node (queued, running, written, failed)
and, once the file is written, shows a frame of it. The export nodes are the ones the engine
expands the Versions node into (studio.engine.versions), found by the same expansion, so the
panel never guesses ids. Decoding happens in the preview pool, off the event loop.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from studio.gui.document import Document
    from studio.gui.main_window import MainWindow
    from studio.gui.node_state import NodeStates

COLUMNS = ("Preview", "Version", "Size", "Language", "File", "Loudness", "State")
THUMB = QSize(112, 112)
# Graph changes that can change the versions (moving a node or colouring it cannot).
REFRESH_ON = frozenset(
    {
        "node_added",
        "node_removed",
        "edge_added",
        "edge_removed",
        "param_changed",
        "mode_changed",
        "title_changed",
    }
)
STATES = {
    "queued": "waiting",
    "running": "making…",
    "done": "written",
    "cached": "written",
    "failed": "failed",
    "skipped": "not made (an earlier node failed)",
    "cancelled": "cancelled",
}


class VersionsPanel(QWidget):
    """A table of a Versions node's versions and what the last run made of each."""

    versions_found = Signal()  # a document now has a Versions node (it had none before)

    def __init__(self, registry: Any, states: NodeStates, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.registry = registry
        self.states = states
        self.document: Document | None = None
        self.node_id: str | None = None
        self.rows: dict[str, int] = {}  # export node id -> row
        self.choice = QComboBox()
        self.choice.currentIndexChanged.connect(lambda _i: self.refresh())
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setObjectName("Hint")
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setIconSize(THUMB)
        self.table.verticalHeader().setDefaultSectionSize(THUMB.height() + 8)
        self.table.setColumnWidth(0, THUMB.width() + 12)
        layout = QVBoxLayout(self)
        layout.addWidget(self.choice)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 1)
        states.status_changed.connect(self._node_changed)
        states.result_changed.connect(self._node_changed)

    # -- following the document -----------------------------------------------------------------
    def set_document(self, document: Document) -> None:
        if self.document is not None:
            self.document.graph.unsubscribe(self._graph_changed)
        self.document = document
        document.graph.subscribe(self._graph_changed)
        self.refresh()

    def _graph_changed(self, kind: str, details: dict[str, Any]) -> None:
        if kind in REFRESH_ON:
            self.refresh()

    # -- rows -------------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Rebuild the rows from the chosen Versions node's list."""
        from studio.engine.versions import expand_versions, read_versions, version_nodes
        from studio.errors import GraphErrors

        graph = self.document.graph if self.document is not None else None
        nodes = sorted(
            n for n, node in (graph.nodes.items() if graph else ()) if _is_versions(node)
        )
        self._set_choices(nodes)
        self.table.setRowCount(0)
        self.rows = {}
        if graph is None or not nodes:
            self.node_id = None
            self.status.setText(
                "Add a Versions node (Export ▸ Versions) after a Timeline to deliver it in "
                "several formats and languages; its versions are listed here."
            )
            return
        if self.node_id is None:
            self.versions_found.emit()
        self.node_id = self.choice.currentData() or nodes[0]
        try:
            versions = read_versions(graph, self.registry, self.node_id)
            exports = dict(version_nodes(expand_versions(graph, self.registry))[self.node_id])
        except GraphErrors as exc:
            self.status.setText(f"The versions cannot be made yet: {exc.errors[0].message}")
            return
        except (KeyError, ValueError) as exc:  # a graph mid-edit (a node without its params)
            self.status.setText(f"The versions cannot be read yet: {exc}")
            return
        base = str(graph.nodes[self.node_id].params.get("path", "piece"))
        self.status.setText(
            f"{len(versions)} versions, written as {base}.FORMAT.LANGUAGE.EXT with .srt and "
            ".vtt subtitles beside each. Run the graph to make them."
        )
        for version in versions:
            row = self.table.rowCount()
            self.table.insertRow(row)
            cells = (
                "",
                version.name,
                f"{version.width}×{version.height}",
                version.language,
                version.path_for(base),
                version.loudness,
                "",
            )
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
            node_id = exports.get(version.full_name)
            if node_id is not None:
                self.rows[node_id] = row
                self._node_changed(node_id)
        self.table.resizeColumnsToContents()
        self.table.setColumnWidth(0, THUMB.width() + 12)

    def _set_choices(self, nodes: list[str]) -> None:
        current = self.choice.currentData()
        self.choice.blockSignals(True)
        self.choice.clear()
        for node_id in nodes:
            title = self.document.graph.nodes[node_id].title if self.document else None
            self.choice.addItem(title or node_id, node_id)
        if current in nodes:
            self.choice.setCurrentIndex(nodes.index(current))
        self.choice.setVisible(len(nodes) > 1)
        self.choice.blockSignals(False)

    def row_texts(self) -> list[list[str]]:
        """The table as text, row by row (for tests and for copying)."""

        def text(row: int, column: int) -> str:
            item = self.table.item(row, column)
            return item.text() if item is not None else ""

        return [[text(r, c) for c in range(len(COLUMNS))] for r in range(self.table.rowCount())]

    # -- a version's export node changed -----------------------------------------------------------
    def _node_changed(self, node_id: str) -> None:
        row = self.rows.get(node_id)
        if row is None:
            return
        status = self.states.get(node_id)
        state_item = self.table.item(row, 6)
        if state_item is not None:
            text = STATES.get(status.state, "") if status.state else ""
            state_item.setText(text if status.state != "failed" else f"failed: {status.error}")
        video = status.outputs.get("video") if status.outputs else None
        meta = getattr(video, "meta", None)
        if not meta or "path" not in meta:
            return
        file_item = self.table.item(row, 4)
        if file_item is not None:  # the name; the whole path on hover
            file_item.setText(Path(str(meta["path"])).name)
            file_item.setToolTip(str(meta["path"]))
        loudness = meta.get("loudness_lufs")
        loud_item = self.table.item(row, 5)
        if loudness is not None and loud_item is not None:
            loud_item.setText(f"{loud_item.text().split(' ')[0]} ({loudness:.1f} LUFS)")
        self._load_preview(node_id, video)

    def _load_preview(self, node_id: str, video: Any) -> None:
        from studio.gui.previews import loader

        def shown(result: Any) -> None:
            row = self.rows.get(node_id)
            item = self.table.item(row, 0) if row is not None else None
            if item is not None:
                image, _seconds = result
                item.setData(Qt.ItemDataRole.DecorationRole, QPixmap.fromImage(image))

        loader.load(
            ("version-poster", video.digest, THUMB.width(), THUMB.height()),
            _middle_frame,
            video.path,
            THUMB.width(),
            THUMB.height(),
            on_done=shown,
            what=f"the preview of {video.meta.get('version', 'a version')}",
        )


def _middle_frame(path: Any, width: int, height: int) -> Any:
    """A frame from the middle of a video, scaled to fit (the first is often a fade)."""
    import av
    import numpy as np
    from PySide6.QtGui import QImage

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = stream.frames or 1
        middle = frames // 2
        for index, frame in enumerate(container.decode(stream)):
            if index < middle:
                continue
            scale = min(width / frame.width, height / frame.height)
            w, h = max(2, int(frame.width * scale)), max(2, int(frame.height * scale))
            rgb = np.ascontiguousarray(
                frame.reformat(width=w, height=h, format="rgb24").to_ndarray()
            )
            image = QImage(rgb.data, w, h, rgb.strides[0], QImage.Format.Format_RGB888).copy()
            return image, float(index)
    raise ValueError(f"{path} has no video frames")


def _is_versions(node: Any) -> bool:
    from studio.engine.versions import VERSIONS_TYPE

    return bool(node.type == VERSIONS_TYPE)


def install_versions_panel(window: MainWindow) -> VersionsPanel:
    """Build the Versions dock (tabbed with the run log) for the window's documents."""
    panel = VersionsPanel(window.registry, window.states)
    dock = QDockWidget("Versions", window)
    dock.setObjectName("versions")
    dock.setWidget(panel)
    window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
    # Out of the way until a graph has versions to show (View ▸ Versions opens it any time);
    # then a tab beside the run log.
    dock.hide()

    def show() -> None:
        log = window.docks.get("log")
        if log is not None and not window.tabifiedDockWidgets(log).count(dock):
            window.tabifyDockWidget(log, dock)
        dock.show()
        dock.raise_()

    panel.versions_found.connect(show)
    window.docks["versions"] = dock
    return panel
