"""Component edits as undo steps: make a component from a selection, define, replace or tag one.

Every definition lives in the root graph's `components` (also one made inside another component);
the commands here change that section and tell the root document (`components_changed`) so the
canvas can rebuild the component nodes whose ports or params changed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QUndoCommand

from studio.errors import GraphError
from studio.graph.components import (
    ComponentDef,
    ExposedParam,
    extract,
    free_component_id,
)
from studio.graph.types import PortType
from studio.gui.commands import (
    EdgeAddCommand,
    EdgeRemoveCommand,
    GroupRemoveCommand,
    NodeAddCommand,
    NodeRemoveCommand,
)

if TYPE_CHECKING:
    from studio.gui.document import Document


def root_of(document: Document) -> Document:
    """The document a file holds (a component's inside is edited through a view of it)."""
    root: Document = getattr(document, "root", document)
    return root


class ComponentsSetCommand(QUndoCommand):
    """Put definitions into the root graph (None removes one); undo puts the old ones back."""

    def __init__(
        self, root: Document, definitions: dict[str, ComponentDef | None], text: str
    ) -> None:
        super().__init__(text)
        self.root = root
        self.new = dict(definitions)
        self.old = {cid: root.graph.components.get(cid) for cid in definitions}

    def _apply(self, definitions: dict[str, ComponentDef | None]) -> None:
        components = self.root.graph.components
        for component_id, definition in definitions.items():
            if definition is None:
                components.pop(component_id, None)
            else:
                components[component_id] = definition
        self.root.components_changed.emit(sorted(definitions))

    def redo(self) -> None:
        self._apply(self.new)

    def undo(self) -> None:
        self._apply(self.old)


class ComponentTagCommand(QUndoCommand):
    """Record the library name and version a component was published as (in place)."""

    def __init__(self, root: Document, component_id: str, library: str, version: int) -> None:
        super().__init__(f"Publish {library} v{version}")
        self.root, self.component_id = root, component_id
        definition = root.graph.components[component_id]
        self.new = (library, version)
        self.old = (definition.library, definition.version)

    def _apply(self, values: tuple[str | None, int]) -> None:
        definition = self.root.graph.components.get(self.component_id)
        if definition is not None:
            definition.library, definition.version = values
            self.root.components_changed.emit([self.component_id])

    def redo(self) -> None:
        self._apply(self.new)

    def undo(self) -> None:
        self._apply(self.old)


class ParamDropCommand(QUndoCommand):
    """Remove a node's value for a param its component no longer has (an update dropped it);
    undo puts the value back."""

    def __init__(self, document: Document, node_id: str, name: str) -> None:
        super().__init__(f"Drop {node_id}.{name}")
        self.document, self.node_id, self.name = document, node_id, name
        self.value = document.graph.nodes[node_id].params.get(name)

    def redo(self) -> None:
        # No model event: the component's node is rebuilt when its definition is swapped.
        self.document.graph.nodes[self.node_id].params.pop(self.name, None)

    def undo(self) -> None:
        self.document.graph.set_param(self.node_id, self.name, self.value)


def port_type_of(document: Document):
    """What `extract` asks: the type of a node's port, from the specs the canvas shows."""

    def port_type(node_id: str, port: str, is_output: bool) -> PortType | None:
        spec = document.spec_of(node_id)
        if spec is None:
            return None
        found = spec.output(port) if is_output else spec.input(port)
        return found.type if found else None

    return port_type


def exposed_names(choices: list[tuple[str, str, str]]) -> list[ExposedParam]:
    """(node, param, title) ticked in the dialog -> exposed params with unique plain names."""
    taken: set[str] = set()
    exposed = []
    for node_id, param, title in choices:
        name, i = param, 2
        while name in taken:
            name, i = f"{param}_{i}", i + 1
        taken.add(name)
        exposed.append(ExposedParam(name, node_id, param, title))
    return exposed


def make_component(
    document: Document,
    node_ids: list[str],
    title: str,
    exposed: list[ExposedParam] | None = None,
    help: str = "",
) -> str:
    """Turn the selected nodes into one component node (one undo step); returns its id.

    Raises GraphError in user words (nothing selected, a port of unknown type, ...).
    """
    root = root_of(document)
    title = title.strip() or "Component"
    component_id = free_component_id(root.graph.components, title)
    extraction = extract(
        document.graph,
        node_ids,
        component_id,
        title,
        port_type_of(document),
        exposed=exposed or [],
        help=help,
    )
    if extraction.instance.id in document.graph.nodes:  # extract names it; be sure
        raise GraphError("could not name the component node", node=extraction.instance.id)
    inside = set(extraction.removed_nodes)
    stack = document.undo_stack
    stack.beginMacro(f"Make component {title}")
    for group in list(document.graph.groups):
        if group.nodes and set(group.nodes) <= inside:  # it moves inside with its nodes
            stack.push(GroupRemoveCommand(document, group))
    for edge in extraction.removed_edges:
        stack.push(EdgeRemoveCommand(document, edge))
    for node_id in extraction.removed_nodes:
        stack.push(NodeRemoveCommand(document, node_id))
    stack.push(
        ComponentsSetCommand(
            root, {component_id: extraction.definition}, f"Define component {title}"
        )
    )
    stack.push(NodeAddCommand(document, extraction.instance, extraction.position))
    for edge in extraction.added_edges:
        stack.push(
            EdgeAddCommand(document, edge.src, edge.src_port, edge.dst, edge.dst_port, edge.order)
        )
    stack.endMacro()
    return extraction.instance.id
