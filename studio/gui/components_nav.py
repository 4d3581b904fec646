"""Going into components: the canvas shows a component's inside, a breadcrumb leads back out.

A component's inside is edited through a `ComponentDocument`: a view of the file's document whose
graph is the definition's inner graph, sharing the file's undo stack, so an edit inside is an
ordinary undo step that changes the definition every use of the component follows. Double-click
or Tab on a component node enters it; Esc, Shift+Tab or a breadcrumb button leaves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from studio.graph.components import (
    BOUNDARY_TYPES,
    ComponentDef,
    component_of,
    instance_nodes,
    instance_type,
)
from studio.gui.components_states import ScopedStates, StateRollup
from studio.gui.document import Document

if TYPE_CHECKING:
    from studio.gui.main_window import MainWindow


def insert_above(widget: QWidget, bar: QWidget) -> None:
    """Put a bar right above `widget` in its (vertical) layout: the canvas's column."""
    column = cast("QVBoxLayout", cast("QWidget", widget.parentWidget()).layout())
    column.insertWidget(column.indexOf(widget), bar)


class ComponentDocument(Document):
    """The inside of one component, edited as a document: the root's undo stack and folder."""

    def __init__(self, root: Document, component_id: str) -> None:
        from studio.engine.components import ComponentRegistry

        definition = root.graph.components[component_id]
        base = getattr(root.registry, "base", root.registry)
        registry = ComponentRegistry(base, root.graph, component_id)
        super().__init__(registry, definition.graph, None, parent=root)  # type: ignore[arg-type]
        self.root = root
        self.component_id = component_id
        self.definition = definition
        self.undo_stack = root.undo_stack  # one history for the file, inside and out
        self.project_dir = root.project_dir

    @property
    def graph_dir(self) -> Any:
        return self.root.graph_dir

    @property
    def display_name(self) -> str:
        return self.root.display_name


@dataclass
class Level:
    """One step into a component: the node entered, what it is, and the view of its inside."""

    node_id: str
    component_id: str
    definition: ComponentDef
    document: ComponentDocument


class Breadcrumb(QFrame):
    """ "Graph › Scene shot › …" above the canvas: a button per level leads back to it."""

    def __init__(self, navigator: ComponentNavigator) -> None:
        super().__init__()
        self.setObjectName("Breadcrumb")
        self.setStyleSheet(
            "#Breadcrumb { background: #23262d; border-bottom: 1px solid #3d9cff; }"
            " #Breadcrumb QPushButton { border: none; color: #9fc9ff; padding: 2px 6px; }"
            " #Breadcrumb QPushButton:hover { text-decoration: underline; }"
            " #Breadcrumb QLabel { color: #e6e9ee; }"
        )
        self.navigator = navigator
        self.row = QHBoxLayout(self)
        self.row.setContentsMargins(8, 3, 8, 3)
        self.buttons: list[QPushButton] = []
        self.current = QLabel()
        self.hint = QLabel()
        self.hint.setObjectName("Hint")
        self.shown: tuple[list[str], int] | None = None  # what the row holds now
        self.hide()

    def show_trail(self, names: list[str], uses: int) -> None:
        # Called after every undo step (the trail may have gone): most leave it as it is.
        if self.shown == (names, uses):
            return
        self.shown = (list(names), uses)
        while self.row.count():
            item = self.row.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None and widget not in (self.current, self.hint):
                widget.deleteLater()
        self.buttons = []
        if len(names) < 2:
            self.hide()
            return
        for depth, name in enumerate(names[:-1]):
            button = QPushButton(name)
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            # Mouse only (Esc and Shift+Tab are the keys): a focused button deleted when the
            # trail is shown again would leave no widget with the focus, not even the canvas.
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setToolTip("Back to this level (Esc or Shift+Tab goes up one)")
            button.clicked.connect(lambda _c=False, d=depth: self.navigator.leave_to(d))
            self.row.addWidget(button)
            self.row.addWidget(QLabel("›"))
            self.buttons.append(button)
        self.current.setText(f"<b>{names[-1]}</b>")
        self.row.addWidget(self.current)
        self.row.addStretch(1)
        where = f"{uses} uses" if uses != 1 else "1 use"
        self.hint.setText(
            f"Editing a component: every change applies to all its uses ({where}) · "
            "Esc or Shift+Tab leaves"
        )
        self.row.addWidget(self.hint)
        self.show()


class ComponentNavigator(QObject):
    """Where the canvas is: the file's graph (depth 0) or inside nested components."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        from studio.gui.components_actions import ComponentActions
        from studio.gui.components_ports import ComponentPorts

        self.window = window
        self.trail: list[Level] = []
        self.breadcrumb = Breadcrumb(self)
        insert_above(window.view, self.breadcrumb)
        self.actions = ComponentActions(window, self)
        self.ports = ComponentPorts(window, self)
        self._root: Document | None = None
        # The kept views of components' insides, of the file `_views_of` (see `view_of`).
        self._views: dict[str, ComponentDocument] = {}
        self._views_of: Document | None = None
        window.scene_changed.connect(self._scene_changed)
        window.view.installEventFilter(self)
        window.search.extra_specs = self.actions.search_specs
        self.rollup = StateRollup(window.states, lambda: self.root)

    @property
    def depth(self) -> int:
        return len(self.trail)

    @property
    def root(self) -> Document:
        return self.window.document

    def handles(self, spec_id: str) -> bool:
        """A node search id the window cannot add by itself (a library component)."""
        from studio.gui.components_actions import LIBRARY_PREFIX

        return spec_id.startswith(LIBRARY_PREFIX)

    def add_from_library(
        self, spec_id: str, position: tuple[float, float], connect: Any = None
    ) -> str | None:
        return self.actions.add_from_library(spec_id, position, connect)

    def current_ids(self) -> list[str]:
        """The components being edited, outermost first."""
        return [level.component_id for level in self.trail]

    # -- following the window ---------------------------------------------------------------------
    def _scene_changed(self) -> None:
        scene = self.window.scene
        scene.node_activated.connect(self._activated)
        scene.port_drop = self.ports.drop_on_node  # a wire dropped on a boundary node: new port
        scene.port_drop_accepts = self.ports.accepts_drop
        if self._root is not self.root:  # another file: start at its top, offer updates
            if self._root is not None:
                self._root.undo_stack.indexChanged.disconnect(self._check_trail)
                self._root.components_changed.disconnect(self._components_changed)
            self._root = self.root
            self.trail = []
            self._root.undo_stack.indexChanged.connect(self._check_trail)
            self._root.components_changed.connect(self._components_changed)
            self._show_breadcrumb()
            self.actions.offer_updates()

    def _activated(self, node_id: str) -> None:
        node = self.window.scene.document.graph.nodes.get(node_id)
        if node is not None and component_of(node) is not None:
            self.enter(node_id)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Tab on a selected component node enters it; Shift+Tab leaves (else Tab searches)."""
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if event.key() == Qt.Key.Key_Backtab and self.trail:
                self.leave()
                return True
            if event.key() == Qt.Key.Key_Tab:
                selected = self.window.scene.selected_node_ids()
                graph = self.window.scene.document.graph
                if len(selected) == 1 and component_of(graph.nodes[selected[0]]) is not None:
                    self.enter(selected[0])
                    return True
        return False

    # -- entering and leaving ---------------------------------------------------------------------
    def enter(self, node_id: str) -> bool:
        """Show the inside of the component node `node_id` of the graph on the canvas."""
        current = self.window.scene.document
        node = current.graph.nodes.get(node_id)
        component_id = component_of(node) if node is not None else None
        definition = self.root.graph.components.get(component_id or "")
        if component_id is None or definition is None:
            self.window.show_message(f"{node_id} is not a component node")
            return False
        if component_id in self.current_ids():
            self.window.show_message("That component contains itself; remove it from here")
            return False
        self.trail.append(Level(node_id, component_id, definition, self.view_of(component_id)))
        self._show_level(select=None)
        return True

    def leave(self) -> None:
        if self.trail:
            self.leave_to(len(self.trail) - 1)

    def leave_to(self, depth: int) -> None:
        """Go back to `depth` (0: the file's graph), selecting the node we came out of."""
        if depth >= len(self.trail):
            return
        came_from = self.trail[depth].node_id
        self.trail = self.trail[:depth]
        self._show_level(select=came_from)

    def _show_level(self, select: str | None) -> None:
        window = self.window
        if self.trail:
            prefix = "".join(f"{level.node_id}/" for level in self.trail)
            states = ScopedStates(window.states, prefix)
            window.show_graph(self.trail[-1].document, states)
            states.setParent(window.scene)  # goes with the scene
        else:
            window.show_graph(self.root)
        self._show_breadcrumb()
        if select is not None and select in window.scene.nodes:
            window.scene.select_nodes([select])
            window.view.frame([select])
        else:
            window.view.fit_all()
        window.view.setFocus()

    def view_of(self, component_id: str) -> ComponentDocument:
        """The (kept) view of a component's inside, made again when its definition was replaced;
        the document an edit inside it (or of a use of another component in it) goes through."""
        if self._views_of is not self.root:  # another file: its own views
            self._views, self._views_of = {}, self.root
        view = self._views.get(component_id)
        if view is None or view.definition is not self.root.graph.components[component_id]:
            view = ComponentDocument(self.root, component_id)
            self._views[component_id] = view
        return view

    def _show_breadcrumb(self) -> None:
        names = ["Graph"] + [level.definition.title for level in self.trail]
        uses = 0
        if self.trail:
            component_id = self.trail[-1].component_id
            uses = len(instance_nodes(self.root.graph, component_id)) + sum(
                len(instance_nodes(d.graph, component_id))
                for d in self.root.graph.components.values()
            )
        self.breadcrumb.show_trail(names, uses)

    # -- keeping the trail true after undo, redo and updates --------------------------------------
    def _check_trail(self, _index: int = 0) -> None:
        """Leave components that an undo (or an update) took away."""
        parent: Document = self.root
        for depth, level in enumerate(self.trail):
            node = parent.graph.nodes.get(level.node_id)
            if (
                node is None
                or component_of(node) != level.component_id
                or self.root.graph.components.get(level.component_id) is not level.definition
            ):
                self.leave_to(depth)
                self.window.show_message("The component you were in is gone (undone)")
                return
            parent = level.document
        self._show_breadcrumb()

    def _components_changed(self, component_ids: list[str]) -> None:
        scene = self.window.scene
        types = {instance_type(c) for c in component_ids}
        if getattr(scene.document, "component_id", None) in component_ids:
            types |= BOUNDARY_TYPES  # inside it: its inputs and outputs nodes show its ports
        scene.rebuild_nodes(
            [n for n, node in scene.document.graph.nodes.items() if node.type in types]
        )
