"""The studio and its app-mode window render one at a time.

Each has its own RunController (app mode renders a copy of the graph, with its own node states),
but they share the result cache, the processors and the providers' bills: two renders at once
would compute the same nodes twice and slow each other down. So while one renders the other
holds: the studio's Run actions are disabled with a tooltip saying why (a run asked for anyway,
such as an Export, waits in the run queue and starts when app mode is done), and app mode's
Render is disabled until the studio's run ends.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject
from shiboken6 import isValid

if TYPE_CHECKING:
    from studio.gui.main_window import MainWindow

APP_RENDERING = "app mode is rendering"
STUDIO_RUNNING = "the studio is running a graph"
HELD_ACTIONS = ("run_all", "run_to", "start_queue")


class RunLink(QObject):
    """Holds each runner while the other is busy (a child of the app window: it goes with it)."""

    def __init__(self, window: MainWindow, app_window: Any) -> None:
        super().__init__(app_window)
        self.studio = window.runner
        self.app = app_window.runner
        self.studio.busy_changed.connect(self.studio_busy)
        self.app.busy_changed.connect(self.app_busy)
        self.studio_busy(self.studio.busy)

    def studio_busy(self, busy: bool) -> None:
        self.app.hold(STUDIO_RUNNING if busy else "")

    def app_busy(self, busy: bool) -> None:
        if isValid(self.studio):  # the studio's window may be gone
            self.studio.hold(APP_RENDERING if busy else "")


def held_tooltip(reason: str, what: str) -> str:
    return f"{reason[:1].upper()}{reason[1:]}: {what} waits until it is done"


def show_hold(window: MainWindow, reason: str) -> None:
    """The studio's Run actions while app mode renders: disabled, the tooltip saying why."""
    selected = len(window.scene.selected_node_ids())
    for name in HELD_ACTIONS:
        action = window.actions_by_name[name]
        if action.property("free_tooltip") is None:
            action.setProperty("free_tooltip", action.toolTip())
        if reason:
            action.setEnabled(False)
            action.setToolTip(
                held_tooltip(reason, "Run") + " (a run asked for meanwhile is queued)"
            )
        else:
            action.setEnabled(name != "run_to" or selected == 1)
            action.setToolTip(action.property("free_tooltip"))
    window.queue_panel.set_busy(window.runner.busy or bool(reason))
    window.queue_panel.start.setToolTip(
        held_tooltip(reason, "the queue") if reason else window.queue_panel.start_tip
    )
