"""One open graph: the model, its file, its undo stack and whether it has unsaved changes."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from studio.graph.model import Graph, Node

if TYPE_CHECKING:
    from studio.api import NodeSpec
    from studio.engine.registry import NodeRegistry


class Document(QObject):
    """The graph being edited. Every edit goes through `push` (the undo stack); the canvas and the
    inspector follow the model by listening to `graph.subscribe` and to `groups_changed`."""

    path_changed = Signal()
    modified_changed = Signal(bool)
    groups_changed = Signal()
    components_changed = Signal(list)  # ids of component definitions added, replaced or removed

    def __init__(
        self,
        registry: NodeRegistry,
        graph: Graph | None = None,
        path: Path | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        from studio.engine.components import ComponentRegistry

        self.graph = graph if graph is not None else Graph()
        # The node types plus this graph's components (a `component:<id>` node has a spec).
        self.registry = cast(
            "NodeRegistry",
            registry
            if isinstance(registry, ComponentRegistry)
            else ComponentRegistry(registry, self.graph),
        )
        self.path = Path(path).resolve() if path else None
        # An untitled graph's folder under the projects folder, from its first edit (gui.projects).
        self.project_dir: Path | None = None
        self.key = uuid.uuid4().hex[:12]  # names this document's autosave file
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._clean_changed)
        self.mark_unknown_nodes()

    def _clean_changed(self, clean: bool) -> None:
        self.modified_changed.emit(not clean)

    # -- files ------------------------------------------------------------------------------------
    @classmethod
    def open(cls, path: Path, registry: NodeRegistry, parent: QObject | None = None) -> Document:
        """Read a graph file (raises GraphError in user words)."""
        from studio.graph.fileformat import load_graph

        return cls(registry, load_graph(Path(path)), Path(path), parent)

    def save(self, path: Path | None = None) -> list[str]:
        """Write the graph atomically (assets stored relative); returns notes for the user."""
        from studio.graph.fileformat import save_graph

        target = Path(path).resolve() if path else self.path
        if target is None:
            raise ValueError("the document has no file yet; use Save As")
        if self.graph_dir is not None and target.parent != self.graph_dir.resolve():
            self._assets_absolute(self.graph_dir)  # so the save copies them into the new folder
        notes = save_graph(
            self.graph, target, file_params=self.file_params, output_params=self.output_params
        )
        changed = target != self.path
        self.path = target
        self.undo_stack.setClean()
        if changed:
            self.path_changed.emit()
        return notes

    def _assets_absolute(self, folder: Path) -> None:
        for node in self.graph.nodes.values():
            for name in self.file_params(node):
                value = node.params.get(name)
                if isinstance(value, str) and value and not Path(value).is_absolute():
                    source = (folder / value).resolve()
                    if source.is_file():  # a missing file stays as it was, reported by validation
                        node.params[name] = str(source)

    def file_params(self, node: Node) -> list[str]:
        spec = self.spec_of(node.id)
        return [p.name for p in spec.params if p.kind == "file"] if spec else []

    def output_params(self, node: Node) -> list[str]:
        spec = self.spec_of(node.id)
        return [p.name for p in spec.params if p.kind == "output"] if spec else []

    @property
    def graph_dir(self) -> Path | None:
        return self.path.parent if self.path else self.project_dir

    @property
    def display_name(self) -> str:
        if self.path:
            return self.path.name
        return self.project_dir.name if self.project_dir else "Untitled"

    @property
    def is_modified(self) -> bool:
        return not self.undo_stack.isClean()

    # -- model helpers ----------------------------------------------------------------------------
    def spec_of(self, node_id: str) -> NodeSpec | None:
        node = self.graph.nodes.get(node_id)
        return self.registry.get(node.type) if node else None

    def mark_unknown_nodes(self) -> None:
        """Flag nodes whose type is not installed, so a save writes them back untouched."""
        for node in self.graph.nodes.values():
            node.unknown = self.registry.get(node.type) is None

    def push(self, command: QUndoCommand) -> None:
        self.undo_stack.push(command)
