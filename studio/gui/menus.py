"""Menus, toolbar and shortcuts of the main window (one table, so the overlay and menus agree)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence

from studio.gui.help_menu import build_help_menu
from studio.gui.theme import icon
from studio.gui.welcome import show_welcome
from studio.gui.window_state import shortcut_tooltips

if TYPE_CHECKING:
    from studio.gui.main_window import MainWindow

CANVAS = Qt.ShortcutContext.WidgetWithChildrenShortcut  # only while the canvas has focus


def build_menus(window: MainWindow) -> dict[str, QAction]:
    actions: dict[str, QAction] = {}

    def act(
        name: str,
        text: str,
        slot,
        shortcut=None,
        icon_name: str | None = None,
        context: Qt.ShortcutContext | None = None,
        checkable: bool = False,
    ) -> QAction:
        action = QAction(text, window)
        if icon_name:
            action.setIcon(icon(icon_name))
        if shortcut is not None:
            keys = shortcut if isinstance(shortcut, list) else [shortcut]
            action.setShortcuts([QKeySequence(k) for k in keys])
        action.setCheckable(checkable)
        if context is not None:
            action.setShortcutContext(context)
            window.view.addAction(action)
        action.triggered.connect(lambda checked=False: slot(checked) if checkable else slot())
        actions[name] = action
        return action

    menu = window.menuBar().addMenu("&File")
    menu.addAction(
        act("new", "&New…", lambda: show_welcome(window), QKeySequence.StandardKey.New, "new")
    )
    menu.addAction(act("open", "&Open…", window.open_dialog, QKeySequence.StandardKey.Open, "open"))
    window.recent_menu = menu.addMenu("Open &Recent")
    menu.addAction(act("save", "&Save", window.save, QKeySequence.StandardKey.Save, "save"))
    menu.addAction(act("save_as", "Save &As…", window.save_as, "Ctrl+Shift+S"))
    menu.addSeparator()
    menu.addAction(act("export", "&Export…", window.export, "Ctrl+E", "export"))
    menu.addAction(act("settings", "Se&ttings…", window.open_settings, "Ctrl+,", "settings"))
    menu.addSeparator()
    menu.addAction(act("quit", "&Quit", window.close, QKeySequence.StandardKey.Quit))

    menu = window.menuBar().addMenu("&Edit")
    undo = window.undo_group.createUndoAction(window, "&Undo")
    undo.setShortcut(QKeySequence.StandardKey.Undo)
    redo = window.undo_group.createRedoAction(window, "&Redo")
    redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
    actions["undo"], actions["redo"] = undo, redo
    menu.addAction(undo)
    menu.addAction(redo)
    menu.addSeparator()
    menu.addAction(act("cut", "Cu&t", window.cut, QKeySequence.StandardKey.Cut, context=CANVAS))
    menu.addAction(act("copy", "&Copy", window.copy, QKeySequence.StandardKey.Copy, context=CANVAS))
    menu.addAction(
        act("paste", "&Paste", window.paste, QKeySequence.StandardKey.Paste, context=CANVAS)
    )
    menu.addAction(act("duplicate", "&Duplicate", window.duplicate, "Ctrl+D", context=CANVAS))
    menu.addAction(
        act("delete", "De&lete", window.delete_selection, ["Delete", "Backspace"], context=CANVAS)
    )
    menu.addAction(
        act(
            "select_all",
            "Select &All",
            window.select_all,
            QKeySequence.StandardKey.SelectAll,
            context=CANVAS,
        )
    )
    menu.addSeparator()
    menu.addAction(act("group", "&Group", window.group_selection, "Ctrl+G", context=CANVAS))
    menu.addAction(
        act("ungroup", "U&ngroup", window.ungroup_selection, "Ctrl+Alt+G", context=CANVAS)
    )
    menu.addAction(
        act(
            "make_component",
            "&Make Component…",
            window.components.actions.make_from_selection,
            "Ctrl+Shift+G",
            context=CANVAS,
        )
    )
    align = menu.addMenu("Ali&gn")
    for how, text in (
        ("left", "Left edges"),
        ("right", "Right edges"),
        ("top", "Top edges"),
        ("bottom", "Bottom edges"),
        ("center_x", "Centres (vertical line)"),
        ("center_y", "Centres (horizontal line)"),
    ):
        align.addAction(act(f"align_{how}", text, lambda h=how: window.align(h)))
    distribute = menu.addMenu("Di&stribute")
    for axis in ("horizontal", "vertical"):
        distribute.addAction(
            act(f"distribute_{axis}", axis.capitalize(), lambda a=axis: window.distribute(a))
        )

    from studio.gui.node_actions import install_node_actions

    install_node_actions(window, actions, menu)

    menu = window.menuBar().addMenu("&View")
    menu.addAction(
        act("fit", "&Fit Selection (or All)", window.view.fit_selection, "F", "fit", context=CANVAS)
    )
    menu.addAction(act("fit_all", "Fit &All", window.view.fit_all, "Home", context=CANVAS))
    menu.addAction(
        act(
            "zoom_in",
            "Zoom &In",
            lambda: window.view.zoom_by(1.25),
            QKeySequence.StandardKey.ZoomIn,
        )
    )
    menu.addAction(
        act(
            "zoom_out",
            "Zoom &Out",
            lambda: window.view.zoom_by(0.8),
            QKeySequence.StandardKey.ZoomOut,
        )
    )
    snap = act("snap", "&Snap to Grid", window.options.set_snap, None, "grid", checkable=True)
    window.options.snap_changed.connect(snap.setChecked)
    menu.addAction(snap)
    minimap = act("minimap", "&Minimap", window.view.minimap.setVisible, None, checkable=True)
    minimap.setChecked(True)
    menu.addAction(minimap)
    menu.addSeparator()
    for dock in window.docks.values():
        menu.addAction(dock.toggleViewAction())
    menu.addAction(act("shortcuts", "&Keyboard Shortcuts", window.toggle_shortcuts, "?"))
    menu.addSeparator()
    menu.addAction(act("app_mode", "App &Mode…", lambda: open_app_mode(window)))

    menu = window.menuBar().addMenu("&Run")
    menu.addAction(act("run_all", "Run &All", window.run_all, ["Ctrl+Return", "Ctrl+Enter"], "run"))
    menu.addAction(
        act(
            "run_to",
            "Run &Up to Selected",
            window.run_to_selected,
            ["Ctrl+Shift+Return", "Ctrl+Shift+Enter"],
            "run-to",
        )
    )
    # Cancel is enabled only while a run goes; Esc (which also closes popups) is its own action.
    menu.addAction(act("cancel", "&Cancel Run\tEsc", window.runner.cancel, None, "stop"))
    actions["cancel"].setIconText("Cancel")
    actions["cancel"].setEnabled(window.runner.busy)
    window.runner.busy_changed.connect(actions["cancel"].setEnabled)
    window.addAction(act("escape", "Escape", window.escape, "Esc"))
    menu.addAction(act("start_queue", "Start &Queue", window.runner.start_queue))
    menu.addSeparator()
    auto = act(
        "auto_run",
        "Auto-run on &Edit",
        window.autorun.set_enabled,
        None,
        "auto-run",
        checkable=True,
    )
    window.autorun.enabled_changed.connect(auto.setChecked)
    menu.addAction(auto)
    actions["run_to"].setEnabled(False)

    build_help_menu(window, actions)

    toolbar = window.addToolBar("Main")
    toolbar.setObjectName("main-toolbar")
    toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    for name in (
        "new",
        "open",
        "save",
        None,
        "run_all",
        "run_to",
        "cancel",
        "auto_run",
        None,
        "fit",
        "snap",
        None,
        "export",
        "settings",
    ):
        if name is None:
            toolbar.addSeparator()
        else:
            toolbar.addAction(actions[name])
    shortcut_tooltips(toolbar)
    actions["cancel"].setToolTip("Cancel the run (Esc)")
    auto.setToolTip(
        "Auto-run on edit: after each edit, nodes that cost nothing (offline engines, cached "
        "results) run again so previews follow; paid or server nodes wait for Run"
    )
    fill_recent_menu(window)
    return actions


def open_app_mode(window: MainWindow) -> None:
    """The graph's form alone in a window of its own (studio.gui.app_window)."""
    from studio.gui.app_window import open_app_mode as show

    show(window)


def fill_recent_menu(window: MainWindow) -> None:
    menu = window.recent_menu
    menu.clear()
    for file in window.recent.files:
        action = menu.addAction(Path(file).name)
        action.setToolTip(file)
        action.triggered.connect(lambda _c=False, f=file: window.open_path(f))
    menu.setEnabled(bool(window.recent.files))
