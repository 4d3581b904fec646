"""Changing a component's ports from its inside, as ComfyUI subgraphs do.

Inside a component, a wire dragged from an inner node's input onto the inputs node (or from an
inner output onto the outputs node) adds a component port of that port's type, wired inside;
every use gets it. Right-click a port of the inputs or outputs node: Rename Port… or Remove Port
(which also removes the wires to it on every use, and says how many, and in turn an output of a
containing component that nothing inside feeds any more, as a library update does). Each is one
undo step that changes the definitions in place, so the canvas stays inside the component.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject
from PySide6.QtGui import QUndoCommand
from PySide6.QtWidgets import QInputDialog, QMenu

from studio.errors import GraphError
from studio.graph.component_ports import (
    check_port_name,
    inner_wires,
    port_name_from,
    port_removal,
    ports_of,
    renamed,
    use_wires,
)
from studio.graph.components import INPUTS_TYPE, OUTPUTS_TYPE, ComponentPort
from studio.graph.model import Edge
from studio.gui.commands import EdgeAddCommand, EdgeRemoveCommand, EdgeRerouteCommand

if TYPE_CHECKING:
    from studio.gui.canvas.node_item import NodeItem
    from studio.gui.canvas.port_item import PortItem
    from studio.gui.components_nav import ComponentDocument, ComponentNavigator
    from studio.gui.document import Document
    from studio.gui.main_window import MainWindow


class ComponentPortsCommand(QUndoCommand):
    """Set a component's inputs and outputs (in place: the definition stays the same object, so
    an open view of its inside stays open); its uses and boundary nodes are rebuilt."""

    def __init__(
        self,
        root: Document,
        component_id: str,
        inputs: list[ComponentPort],
        outputs: list[ComponentPort],
        text: str,
    ) -> None:
        super().__init__(text)
        self.root, self.component_id = root, component_id
        definition = root.graph.components[component_id]
        self.new = ([replace(p) for p in inputs], [replace(p) for p in outputs])
        self.old = (
            [replace(p) for p in definition.inputs],
            [replace(p) for p in definition.outputs],
        )

    def _apply(self, ports: tuple[list[ComponentPort], list[ComponentPort]]) -> None:
        definition = self.root.graph.components[self.component_id]
        definition.inputs = [replace(p) for p in ports[0]]
        definition.outputs = [replace(p) for p in ports[1]]
        self.root.components_changed.emit([self.component_id])

    def redo(self) -> None:
        self._apply(self.new)

    def undo(self) -> None:
        self._apply(self.old)


class ComponentPorts(QObject):
    """The port edits of the component being edited (the innermost level of the navigator)."""

    def __init__(self, window: MainWindow, navigator: ComponentNavigator) -> None:
        super().__init__(window)
        self.window = window
        self.navigator = navigator
        self.dialog: Any = None  # the open Rename Port dialog (tests drive it)

    @property
    def inside(self) -> ComponentDocument | None:
        document = self.window.edited
        return document if getattr(document, "component_id", None) else None  # type: ignore[return-value]

    # -- adding: a wire dropped on a boundary node ------------------------------------------------
    def accepts_drop(self, fixed: PortItem, node: NodeItem) -> bool:
        """Would a wire from `fixed` let go on `node` make a new port? (It is highlighted.)"""
        boundary = (INPUTS_TYPE, OUTPUTS_TYPE)
        return (
            self._boundary_for(fixed, node)
            and fixed.node_item.node.type not in boundary
            and fixed.port_type is not None
        )

    def _boundary_for(self, fixed: PortItem, node: NodeItem) -> bool:
        """`node` is the boundary that side of the wire ends on: the inputs node for a wire from
        an inner input, the outputs node for one from an inner output."""
        wanted = INPUTS_TYPE if not fixed.is_output else OUTPUTS_TYPE
        return self.inside is not None and node.node.type == wanted

    def drop_on_node(self, fixed: PortItem, node: NodeItem, replacing: Edge | None) -> bool:
        """A wire's loose end dropped on a node's body (not on a port): on the inputs node, from
        an inner input, or on the outputs node, from an inner output, it makes a new port."""
        document = self.inside
        if document is None or not self._boundary_for(fixed, node):
            return False
        if fixed.node_item.node.type in (INPUTS_TYPE, OUTPUTS_TYPE):
            self.window.show_message(
                "A component's input cannot go straight to its output; connect them outside"
            )
            return True
        if fixed.port_type is None:
            self.window.show_message(f"{fixed.name}: its type is unknown, so it cannot be a port")
            return True
        self.add_port(document, fixed.node_id, fixed.name, fixed.is_output, replacing)
        return True

    def add_port(
        self,
        document: ComponentDocument,
        node_id: str,
        port: str,
        from_output: bool,
        replacing: Edge | None = None,
    ) -> str | None:
        """Add a component input fed to `node_id.port` (an output fed by it when `from_output`),
        of that port's type, named after it; one undo step. Returns the new port's name."""
        root, component_id = document.root, document.component_id
        definition = root.graph.components[component_id]
        spec = document.spec_of(node_id)
        found = (spec.output(port) if from_output else spec.input(port)) if spec else None
        if found is None:
            return None
        is_output = from_output  # an inner output becomes a component output
        name = port_name_from(port, ports_of(definition, is_output))
        new = ComponentPort(name, found.type, found.help)
        inputs, outputs = list(definition.inputs), list(definition.outputs)
        (outputs if is_output else inputs).append(new)
        side = "output" if is_output else "input"
        boundary = definition.boundary(OUTPUTS_TYPE if is_output else INPUTS_TYPE)
        if boundary is None:
            return None
        stack = root.undo_stack
        stack.beginMacro(f"Add {side} {name} to {definition.title}")
        if replacing is not None:
            stack.push(EdgeRemoveCommand(document, replacing))
        if not is_output and not found.type.is_list:  # a single input keeps one wire
            for edge in document.graph.edges_into(node_id, port):
                if edge != replacing:
                    stack.push(EdgeRemoveCommand(document, edge))
        stack.push(ComponentPortsCommand(root, component_id, inputs, outputs, f"Add {side}"))
        if is_output:
            stack.push(EdgeAddCommand(document, node_id, port, boundary, name))
        else:
            stack.push(EdgeAddCommand(document, boundary, name, node_id, port))
        stack.endMacro()
        self.window.show_message(
            f"Added the {side} '{name}' ({found.type.value}) to {definition.title}: "
            "every use of it has the new port"
        )
        return name

    # -- the right-click menu of a boundary node's port -------------------------------------------
    def add_menu_actions(self, menu: QMenu, port: PortItem) -> bool:
        """Rename Port… and Remove Port for a port of the inputs or outputs node."""
        if self.inside is None or port.node_item.node.type not in (INPUTS_TYPE, OUTPUTS_TYPE):
            return False
        is_output = port.node_item.node.type == OUTPUTS_TYPE  # whose port this is
        name = port.name
        menu.addAction("Rename Port…", lambda: self.ask_rename(name, is_output))
        menu.addAction("Remove Port", lambda: self.remove_port(name, is_output))
        return True

    def ask_rename(self, name: str, is_output: bool) -> None:
        document = self.inside
        if document is None:
            return
        side = "output" if is_output else "input"
        dialog = QInputDialog(self.window)
        dialog.setWindowTitle("Rename port")
        dialog.setLabelText(
            f"New name for the {side} '{name}' of {document.definition.title} "
            "(letters, digits and _):"
        )
        dialog.setTextValue(name)
        self.dialog = dialog
        dialog.accepted.connect(
            lambda: self.rename_port(name, dialog.textValue().strip(), is_output)
        )
        dialog.finished.connect(lambda _r: setattr(self, "dialog", None))
        dialog.open()

    # -- removing and renaming --------------------------------------------------------------------
    def remove_port(self, name: str, is_output: bool) -> int:
        """Remove the port and every wire to it, inside and on every use, and the outputs of
        containing components that nothing inside feeds any more, with the wires to those (one
        undo step); returns how many wires to the port itself on its uses went."""
        document = self.inside
        if document is None:
            return 0
        root, component_id = document.root, document.component_id
        definition = root.graph.components[component_id]
        side = "output" if is_output else "input"
        plan = port_removal(root.graph, component_id, name, is_output)
        stack = root.undo_stack
        stack.beginMacro(f"Remove {side} {name} of {definition.title}")
        for scope_id, edges in plan.wires.items():  # the wires first: no wire to a lost port
            holder = document if scope_id == component_id else self._document_of(root, scope_id)
            for edge in edges:
                stack.push(EdgeRemoveCommand(holder, edge))
        for changed_id, (inputs, outputs) in plan.ports.items():
            stack.push(ComponentPortsCommand(root, changed_id, inputs, outputs, f"Remove {side}"))
        stack.endMacro()
        count = plan.use_wires
        wires = "1 wire" if count == 1 else f"{count} wires"
        text = f"Removed the {side} '{name}' of {definition.title} and {wires} to it on its uses"
        if plan.knock_on:  # outer outputs it alone fed, and the wires to them
            text += "; as nothing else fed them, also " + "; ".join(plan.knock_on)
        self.window.show_message(text)
        self.window.run_log.append("info", text)
        return count

    def rename_port(self, name: str, new_name: str, is_output: bool) -> bool:
        """Rename the port, and the wires to it inside and on every use (one undo step)."""
        document = self.inside
        if document is None or new_name == name:
            return False
        root, component_id = document.root, document.component_id
        definition = root.graph.components[component_id]
        try:
            check_port_name(definition, new_name, is_output)
        except GraphError as exc:
            self.window.show_message(f"Could not rename the port: {exc.message}")
            return False
        side = "output" if is_output else "input"
        rename = {name: new_name}
        inputs = [
            replace(p, name=rename.get(p.name, p.name)) if not is_output else p
            for p in definition.inputs
        ]
        outputs = [
            replace(p, name=rename.get(p.name, p.name)) if is_output else p
            for p in definition.outputs
        ]
        moves: list[tuple[Document, Edge, bool]] = []  # (where, wire, its port is at the src)
        for scope_id, edges in use_wires(root.graph, component_id, name, is_output).items():
            holder = self._document_of(root, scope_id)
            moves += [(holder, edge, is_output) for edge in edges]
        moves += [(document, e, not is_output) for e in inner_wires(definition, name, is_output)]
        stack = root.undo_stack
        stack.beginMacro(f"Rename {side} {name} of {definition.title} to {new_name}")
        points = {id(edge): list(holder.graph.reroutes.get(edge, [])) for holder, edge, _s in moves}
        for holder, edge, _at_src in moves:
            stack.push(EdgeRemoveCommand(holder, edge))
        stack.push(ComponentPortsCommand(root, component_id, inputs, outputs, f"Rename {side}"))
        for holder, edge, at_src in moves:
            new = renamed(edge, at_src, new_name)
            stack.push(
                EdgeAddCommand(holder, new.src, new.src_port, new.dst, new.dst_port, new.order)
            )
            if points[id(edge)]:
                stack.push(EdgeRerouteCommand(holder, new, points[id(edge)], "Keep reroute dots"))
        stack.endMacro()
        self.window.show_message(f"Renamed the {side} '{name}' of {definition.title} to {new_name}")
        return True

    def _document_of(self, root: Document, scope_id: str | None) -> Document:
        """The document whose graph holds a use: the file's, or a view of another component."""
        return root if scope_id is None else self.navigator.view_of(scope_id)
