"""The canvas's right-click menu: node actions on a node, adding and pasting on empty canvas."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QMenu

from studio.graph.components import component_of
from studio.gui.canvas.node_item import NodeItem
from studio.gui.canvas.port_item import PortItem

NODE_ACTIONS: tuple[str | None, ...] = (
    "run_to",
    None,
    "bypass",
    "mute",
    "collapse",
    "rename",
    "colour",
    None,
    "copy",
    "cut",
    "duplicate",
    "delete",
    None,
    "group",
    "ungroup",
    "make_component",
)
CANVAS_ACTIONS: tuple[str | None, ...] = ("paste", None, "fit_all", "run_all")


def install_context_menu(window: Any) -> None:
    view = window.view
    view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
    view.customContextMenuRequested.connect(
        lambda pos: canvas_menu(window, pos).popup(view.mapToGlobal(pos))
    )


def canvas_menu(window: Any, pos: QPoint) -> QMenu:
    """The menu for a right-click at `pos` (view coordinates); the node under it gets selected."""
    view, actions = window.view, window.actions_by_name
    node = _node_at(view, pos)
    menu = QMenu(window)
    port = _port_at(view, pos)
    components = getattr(window, "components", None)
    if port is not None and components is not None:  # a port of a component's inputs node, say
        if components.ports.add_menu_actions(menu, port):
            return menu
    if node is not None:
        if not node.isSelected():
            window.scene.clearSelection()
            node.setSelected(True)
        names = NODE_ACTIONS
    else:
        at = view.mapToScene(pos)
        menu.addAction("Add Node…", lambda: window.open_search(at))
        menu.addSeparator()
        names = CANVAS_ACTIONS
    for name in names:
        if name is None:
            menu.addSeparator()
        elif name == "colour":
            menu.addMenu(window.colour_menu)
        elif name in actions:
            menu.addAction(actions[name])
    if node is not None and component_of(node.node) is not None:
        menu.addSeparator()  # a component node: into it, or into the library
        menu.addAction("Edit Component (Tab)", lambda: window.components.enter(node.node_id))
        menu.addAction(
            "Publish to Library…", lambda: window.components.actions.publish_node(node.node_id)
        )
    if node is not None and getattr(window, "viewer", None) is not None:
        window.viewer.add_node_actions(menu, node.node_id)  # view, reveal, save a copy, path
    extra = getattr(node.preview_item, "menu_actions", None) if node is not None else None
    if extra is not None:  # what a node's own preview offers (a compare grid's contact sheet)
        menu.addSeparator()
        for text, slot in extra():
            menu.addAction(text, slot)
    return menu


def _port_at(view: Any, pos: QPoint) -> PortItem | None:
    return next((item for item in view.items(pos) if isinstance(item, PortItem)), None)


def _node_at(view: Any, pos: QPoint) -> NodeItem | None:
    """The node under `pos` (view coordinates), also when a wire drawn above it crosses it."""
    node: NodeItem | None = view.scene().node_at(view.mapToScene(pos))
    return node
