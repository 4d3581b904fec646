"""What the user does with components: make one (Ctrl+Shift+G), publish it to the library, find
library components in node search and insert them, and update a graph's older library copies.

Each change to the graph is one undo step. The library is a folder of files
(`studio.graph.library`); a graph keeps its own copy of every component it uses.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFrame, QHBoxLayout, QInputDialog, QLabel, QPushButton

from studio.errors import GraphError, StudioError
from studio.graph import library
from studio.graph.components import (
    ComponentDef,
    component_of,
    dependencies,
    instance_type,
)
from studio.graph.model import Edge, Graph
from studio.gui import editing
from studio.gui.commands import EdgeRemoveCommand
from studio.gui.components_edit import (
    ComponentsSetCommand,
    ComponentTagCommand,
    ParamDropCommand,
    exposed_names,
    make_component,
)
from studio.gui.components_nav import insert_above
from studio.gui.form_actions import FormSetCommand

if TYPE_CHECKING:
    from studio.api import NodeSpec
    from studio.gui.components_nav import ComponentNavigator
    from studio.gui.main_window import MainWindow

LIBRARY_PREFIX = "library:"  # node search's id for a library component not yet in the graph


class UpdateBar(QFrame):
    """A non-blocking bar over the canvas: newer library versions of components the graph uses."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("Banner")
        row = QHBoxLayout(self)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.update_button = QPushButton("Update")
        self.keep_button = QPushButton("Keep these versions")
        row.addWidget(self.text, 1)
        row.addWidget(self.update_button)
        row.addWidget(self.keep_button)
        self.keep_button.clicked.connect(self.hide)
        self.close_button = QPushButton("Close")
        row.addWidget(self.close_button)
        self.close_button.clicked.connect(self.hide)
        self.hide()

    def offer(self, text: str) -> None:
        self.text.setText(text)
        self.update_button.show()
        self.keep_button.show()
        self.close_button.hide()
        self.show()

    def show_done(self, text: str) -> None:
        """What the update did (and took away), until the user closes it."""
        self.text.setText(text)
        self.update_button.hide()
        self.keep_button.hide()
        self.close_button.show()
        self.show()


class ComponentActions(QObject):
    def __init__(self, window: MainWindow, navigator: ComponentNavigator) -> None:
        super().__init__(window)
        self.window = window
        self.navigator = navigator
        self.dialog: Any = None  # the open Make component / Publish dialog (tests drive it)
        self.update_bar = UpdateBar()
        insert_above(navigator.breadcrumb, self.update_bar)
        self.update_bar.update_button.clicked.connect(self.update_all)
        self._offered: list[library.Outdated] = []
        # Node search's spec of each library entry, built once per parsed entry (the library
        # hands back the same entry object until its file changes).
        self._library_specs: dict[int, tuple[library.LibraryEntry, NodeSpec]] = {}

    @property
    def root(self) -> Any:
        return self.window.document

    # -- make -------------------------------------------------------------------------------------
    def make_from_selection(self) -> None:
        """Edit > Make component: ask a name and the exposed params, then make it (one step)."""
        from studio.gui.components_dialog import MakeComponentDialog

        selected = self.window.scene.selected_node_ids()
        if not selected:
            self.window.show_message("Select the nodes to make a component from")
            return
        document = self.window.edited
        dialog = MakeComponentDialog(document, selected, self.window)
        self.dialog = dialog

        def accepted() -> None:
            try:
                node_id = make_component(
                    document,
                    selected,
                    dialog.title(),
                    exposed_names(dialog.exposed()),
                    help=dialog.help_text(),
                )
            except GraphError as exc:
                self.window.report_error("Could not make a component", str(exc))
                return
            self.window.scene.select_nodes([node_id])
            self.window.show_message(
                f"Made component {dialog.title()}: double-click it (or Tab) to edit its inside"
            )

        dialog.accepted.connect(accepted)
        dialog.finished.connect(lambda _r: setattr(self, "dialog", None))
        dialog.open()

    # -- publish ----------------------------------------------------------------------------------
    def publish_node(self, node_id: str) -> None:
        """Right-click > Publish to library…: ask the library name, then write the file."""
        node = self.window.edited.graph.nodes.get(node_id)
        component_id = component_of(node) if node is not None else None
        definition = self.root.graph.components.get(component_id or "")
        if definition is None or component_id is None:
            return
        dialog = QInputDialog(self.window)
        dialog.setWindowTitle("Publish to library")
        dialog.setLabelText(
            f"Publish {definition.title} to your component library as "
            "(lowercase letters, digits and _):"
        )
        dialog.setTextValue(definition.library or component_id)
        self.dialog = dialog
        dialog.accepted.connect(lambda: self.publish(component_id, dialog.textValue().strip()))
        dialog.finished.connect(lambda _r: setattr(self, "dialog", None))
        dialog.open()

    def publish(self, component_id: str, name: str | None = None) -> library.LibraryEntry | None:
        try:
            entry = library.publish(
                self.root.graph,
                component_id,
                name or None,
                graph_dir=self.root.graph_dir,
                file_params=self._file_params(self.root.graph.components),
            )
        except StudioError as exc:
            self.window.report_error("Could not publish the component", str(exc))
            return None
        definition = self.root.graph.components[component_id]
        if (definition.library, definition.version) != (entry.name, entry.version):
            self.root.push(ComponentTagCommand(self.root, component_id, entry.name, entry.version))
        self.window.show_message(
            f"Published {entry.title} as {entry.name} v{entry.version} to {entry.path.parent}"
        )
        self.window.run_log.append(
            "info", f"Published {entry.title} v{entry.version}: {entry.path}"
        )
        return entry

    # -- node search ------------------------------------------------------------------------------
    def search_specs(self) -> list[NodeSpec]:
        """The graph's components usable here, and the library's that the graph has no copy of."""
        from studio.engine.components import ComponentRegistry, instance_spec

        graph = self.root.graph
        registry = self.window.edited.registry
        inside = set(self.navigator.current_ids())
        specs: list[NodeSpec] = []
        for component_id in sorted(graph.components):
            if inside & dependencies(graph.components, [component_id]):
                continue  # it holds the component being edited: it cannot go in there
            spec = registry.get(instance_type(component_id))
            if spec is not None:
                specs.append(spec)
        have = {(d.library, d.version) for d in graph.components.values() if d.library}
        entries, _problems = library.list_library()
        base = getattr(registry, "base", registry)
        built: dict[int, tuple[library.LibraryEntry, NodeSpec]] = {}
        for entry in entries:
            known = self._library_specs.get(id(entry))
            if known is None or known[0] is not entry:
                shelf = Graph()
                shelf.components = entry.definitions
                spec = instance_spec(entry.definition, ComponentRegistry(base, shelf), ())
                help_text = f"{spec.help} From your component library (version {entry.version})."
                known = (entry, replace(spec, id=LIBRARY_PREFIX + entry.name, help=help_text))
            built[id(entry)] = known
            if (entry.name, entry.version) not in have:
                specs.append(known[1])
        self._library_specs = built  # entries gone from the library are forgotten
        return specs

    def add_from_library(
        self, spec_id: str, position: tuple[float, float], connect: Any = None
    ) -> str | None:
        """Copy a library component into the graph and add a node of it (one undo step)."""
        name = spec_id[len(LIBRARY_PREFIX) :]
        try:
            entry = library.find_entry(name)
        except GraphError as exc:
            self.window.report_error("Could not read the library component", str(exc))
            return None
        if entry is None:
            self.window.show_message(f"{name} is no longer in the component library")
            return None
        added: list[str | None] = []
        self._with_files_of(
            [entry], lambda moved: added.append(self._insert(entry, moved, position, connect))
        )
        return added[0] if added else None  # None too while big files copy in the background

    def _insert(
        self,
        entry: library.LibraryEntry,
        moved: dict[str, str],
        position: tuple[float, float],
        connect: Any,
    ) -> str | None:
        added, component_id = library.insert(self.root.graph, entry)
        library.repoint_files(added, moved)
        if component_id in self.navigator.current_ids():
            self.window.show_message(f"{entry.title} cannot go inside itself")
            return None
        document = self.window.edited
        stack = document.undo_stack
        stack.beginMacro(f"Add {entry.title}")
        if added:
            stack.push(ComponentsSetCommand(self.root, dict(added), f"Copy {entry.title} in"))
        spec = document.registry.get(instance_type(component_id))
        node_id = editing.add_node(document, spec, position, None, connect) if spec else None
        stack.endMacro()
        if node_id is not None:
            self.window.scene.select_nodes([node_id])
        return node_id

    # -- the files library components carry ------------------------------------------------------
    def _file_params(self, definitions: dict[str, ComponentDef]) -> library.FileParams:
        """Which params of a node inside `definitions` name files (their specs say)."""
        from studio.engine.components import ComponentRegistry

        base = getattr(self.window.edited.registry, "base", self.window.edited.registry)
        shelf = Graph()
        shelf.components = definitions
        registry = ComponentRegistry(base, shelf)

        def names(node: Any) -> list[str]:
            spec = registry.get(node.type)
            return [p.name for p in spec.params if p.kind == "file"] if spec else []

        return names

    def _with_files_of(self, entries: list[library.LibraryEntry], then: Any) -> None:
        """Copy the files `entries` carry into the graph's project, then call `then(moved)` with
        each library value -> the project's path. A missing or uncopyable file is reported in
        words and `then` is not called: the graph is not changed."""
        from studio.gui.projects import adopt_then

        files: dict[str, Any] = {}
        try:
            for entry in entries:
                files.update(library.carried_files(entry, self._file_params(entry.definitions)))
        except GraphError as exc:
            self.window.report_error("Could not use the library component", str(exc))
            return
        if not files:
            then({})
            return
        values = list(files)
        adopt_then(
            self.window,
            self.root,
            [files[v] for v in values],
            lambda relative: then(dict(zip(values, relative, strict=True))),
        )

    # -- updates from the library -----------------------------------------------------------------
    def offer_updates(self) -> None:
        """After a graph is opened: say which library components have a newer version."""
        try:
            self._offered = library.outdated(self.root.graph)
        except StudioError:
            self._offered = []
        if not self._offered:
            self.update_bar.hide()
            return
        lines = [f"{o.title} (v{o.have} → v{o.latest})" for o in self._offered]
        notes = self._notes()
        text = "The component library has newer versions of " + ", ".join(lines) + "."
        if notes:
            text += " After the update: " + "; ".join(notes) + "."
        self.update_bar.offer(text)

    def _notes(self) -> list[str]:
        notes: list[str] = []
        for item in self._offered:
            entry = library.find_entry(item.name)
            if entry is not None:
                notes += library.updated_copy(self.root.graph, item.component_id, entry)[1]
        return notes

    def update_all(self) -> None:
        """Swap in the library's versions, and take out what they no longer have (a setting's
        values and the form fields that set it, wires to ports that are gone), all as one undo
        step; the bar says what went."""
        self.update_bar.hide()
        try:
            offered = [(item, library.find_entry(item.name)) for item in self._offered]
        except GraphError as exc:  # the file changed since the offer
            self.window.report_error("Could not read the library component", str(exc))
            return
        found = [(item, entry) for item, entry in offered if entry is not None]
        entries = [entry for _item, entry in found]
        self._with_files_of(entries, lambda moved: self._update(found, moved))

    def _update(
        self, found: list[tuple[library.Outdated, library.LibraryEntry]], moved: dict[str, str]
    ) -> None:
        from studio.graph.component_update import fit_update

        root = self.root
        # What the graph will be after each update, so several updates add up.
        scratch = Graph()
        scratch.nodes, scratch.edges = root.graph.nodes, root.graph.edges
        scratch.components = dict(root.graph.components)
        scratch.form = root.graph.form
        definitions: dict[str, ComponentDef | None] = {}
        edges: list[Edge] = []
        params: list[tuple[str, str]] = []
        form_fields: list[str] = []
        removed: list[str] = []
        updated: list[library.Outdated] = []
        for item, entry in found:
            added, _notes = library.updated_copy(scratch, item.component_id, entry)
            library.repoint_files(added, moved)
            cleanup = fit_update(scratch, added, item.component_id)
            for changed in (added, cleanup.definitions):
                scratch.components.update(changed)
                definitions.update(changed)
            edges += [e for e in cleanup.edges if e not in edges]
            params += [p for p in cleanup.params if p not in params]
            form_fields += [f for f in cleanup.form_fields if f not in form_fields]
            removed += cleanup.removed
            updated.append(item)
        if not definitions:
            return
        titles = ", ".join(f"{o.title} (v{o.latest})" for o in updated)
        stack = root.undo_stack
        stack.beginMacro(f"Update {titles}")
        for edge in edges:
            stack.push(EdgeRemoveCommand(root, edge))
        for node_id, name in params:
            stack.push(ParamDropCommand(root, node_id, name))
        if form_fields and root.graph.form is not None:  # fields that set a dropped setting
            form = copy.deepcopy(root.graph.form)
            form.fields = [f for f in form.fields if f.name not in form_fields]
            stack.push(FormSetCommand(root, form, "Remove form fields"))
        stack.push(ComponentsSetCommand(root, definitions, f"Update {titles}"))
        stack.endMacro()
        for line in removed:
            self.window.run_log.append("warning", f"Component update removed {line}")
        text = f"Updated {titles} from the component library."
        if removed:
            text += " Removed what the new version no longer has: " + "; ".join(removed) + "."
        self.update_bar.show_done(text)
        self.window.show_message(text)
        self._offered = []
