"""Node actions of the Edit menu and the node's right-click menu: bypass (Ctrl+B), mute
(Ctrl+M), collapse (Alt+C), rename (F2), colour, and find a node (Ctrl+F).

Each is one undo step for the whole selection; the canvas follows the model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QColor, QIcon, QKeySequence, QPixmap
from PySide6.QtWidgets import QMenu

from studio.graph.model import BYPASS, MUTE, NORMAL
from studio.gui.commands import (
    NodeCollapseCommand,
    NodeColourSetCommand,
    NodeModeSetCommand,
)

if TYPE_CHECKING:
    from studio.gui.main_window import MainWindow

WINDOW = Qt.ShortcutContext.WindowShortcut

# Header colours offered for a node (ComfyUI and Blender users know the idea: colour = meaning).
NODE_COLOURS: tuple[tuple[str, str], ...] = (
    ("Red", "#a33a3a"),
    ("Orange", "#b0622a"),
    ("Yellow", "#a08a24"),
    ("Green", "#3a7d44"),
    ("Cyan", "#2a8a8f"),
    ("Blue", "#2f5fa8"),
    ("Purple", "#6f45a8"),
    ("Grey", "#555b66"),
)


def toggle_mode(window: MainWindow, mode: str) -> None:
    """Bypass (or mute) the selected nodes; if all already are, run them normally again."""
    selected = window.scene.selected_node_ids()
    if not selected:
        window.show_message("Select a node first")
        return
    graph = window.edited.graph
    target = NORMAL if all(graph.nodes[n].mode == mode for n in selected) else mode
    window.edited.push(NodeModeSetCommand(window.edited, selected, target))
    words = {BYPASS: "bypassed", MUTE: "muted", NORMAL: "running normally"}
    window.show_message(f"{len(selected)} node(s) {words[target]}")


def toggle_collapse(window: MainWindow) -> None:
    selected = window.scene.selected_node_ids()
    if not selected:
        return
    collapsed = not all(n in window.edited.graph.collapsed for n in selected)
    window.edited.push(NodeCollapseCommand(window.edited, selected, collapsed))


def set_colour(window: MainWindow, colour: str | None) -> None:
    selected = window.scene.selected_node_ids()
    if selected:
        window.edited.push(NodeColourSetCommand(window.edited, selected, colour))


def rename_selected(window: MainWindow) -> None:
    """F2: edit the selected node's title in place (Enter keeps it, Esc leaves it)."""
    from studio.gui.canvas.title_editor import edit_title

    selected = window.scene.selected_node_ids()
    if len(selected) == 1:
        edit_title(window.view, window.edited, window.scene.nodes[selected[0]])


def colour_menu(window: MainWindow) -> QMenu:
    menu = QMenu("Co&lour", window)
    for name, colour in NODE_COLOURS:
        swatch = QPixmap(14, 14)
        swatch.fill(QColor(colour))
        action = menu.addAction(QIcon(swatch), name)
        action.setData(colour)
        action.triggered.connect(lambda _c=False, c=colour: set_colour(window, c))
    menu.addSeparator()
    menu.addAction("&Default").triggered.connect(lambda _c=False: set_colour(window, None))
    return menu


def install_node_actions(window: MainWindow, actions: dict[str, QAction], menu: QMenu) -> None:
    """Add the node actions to `menu` (the Edit menu) and to `actions`, canvas-wide shortcuts."""
    from studio.gui.find import open_find
    from studio.gui.menus import CANVAS

    def act(name: str, text: str, slot, shortcut: str, context=CANVAS) -> QAction:
        action = QAction(text, window)
        action.setShortcut(QKeySequence(shortcut))
        action.setShortcutContext(context)
        (window.view if context == CANVAS else window).addAction(action)
        action.triggered.connect(lambda _c=False: slot())
        actions[name] = action
        menu.addAction(action)
        return action

    menu.addSeparator()
    act("bypass", "&Bypass", lambda: toggle_mode(window, BYPASS), "Ctrl+B")
    act("mute", "&Mute", lambda: toggle_mode(window, MUTE), "Ctrl+M")
    act("collapse", "Collapse / E&xpand", lambda: toggle_collapse(window), "Alt+C")
    act("rename", "&Rename…", lambda: rename_selected(window), "F2")
    window.colour_menu = colour_menu(window)
    menu.addMenu(window.colour_menu)
    menu.addSeparator()
    act("find", "&Find Node…", lambda: open_find(window), "Ctrl+F", WINDOW)
