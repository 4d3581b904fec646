"""The viewer: a node's result at full size, in a dock (Resolve's viewer, ComfyUI's image panel).

Opened by a double-click on any inline preview, or Space with a node selected (a Space held
while dragging still pans the canvas). It follows the node: a re-run shows the new result, an
edit marks it stale. `install_viewer(window)` builds it and wires the canvas to it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QDockWidget, QMenu

from studio.gui.viewer.panel import ViewerPanel
from studio.gui.viewer.result_actions import ResultActions

if TYPE_CHECKING:
    from studio.gui.main_window import MainWindow

VIEWER_SHARE = 0.42  # of the window's width, when the viewer first opens
_WATCHED = {
    QEvent.Type.MouseButtonDblClick,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.KeyPress,
    QEvent.Type.KeyRelease,
    QEvent.Type.Close,
}


class Viewer(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.actions = ResultActions(window, window.show_message)
        self.panel = ViewerPanel(self.actions)
        self.dock = QDockWidget("Viewer", window)
        self.dock.setObjectName("viewer")
        self.dock.setWidget(self.panel)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        inspector = window.docks.get("inspector")
        if inspector is not None:  # the viewer above the inspector, as in Resolve
            window.splitDockWidget(self.dock, inspector, Qt.Orientation.Vertical)
        self.dock.hide()
        self.dock.visibilityChanged.connect(self._visibility_changed)
        window.docks["viewer"] = self.dock
        self.node_id: str | None = None
        self._sized = False
        self._space_panned = False
        window.states.result_changed.connect(self._result_changed)
        window.states.status_changed.connect(self._status_changed)
        self._view, self._viewport = window.view, window.view.viewport()
        for watched in (window, self._view, self._viewport):
            watched.installEventFilter(self)

    # -- opening ----------------------------------------------------------------------------------
    def open_node(self, node_id: str) -> bool:
        """Show a node's result in the viewer (and the viewer itself); False if it has none."""
        item = self.window.scene.nodes.get(node_id)
        if item is None:
            return False
        self.node_id = node_id
        self._refresh()
        self.dock.show()
        self.dock.raise_()
        if not self._sized:  # first opening: room enough to see something
            self._sized = True
            width = int(self.window.width() * VIEWER_SHARE)
            self.window.resizeDocks([self.dock], [width], Qt.Orientation.Horizontal)
            inspector = self.window.docks.get("inspector")
            if inspector is not None and inspector.isVisible():
                height = self.window.height()
                self.window.resizeDocks(
                    [self.dock, inspector],
                    [int(height * 0.6), int(height * 0.4)],
                    Qt.Orientation.Vertical,
                )
        self.panel.focus_page()
        has_result = self.panel.value is not None
        if not has_result:
            self.window.show_message(f"{item.title} has no result to view yet: run it first.")
        return has_result

    def _refresh(self) -> None:
        if self.node_id is None:
            return
        item = self.window.scene.nodes.get(self.node_id)
        if item is None:
            self.node_id = None
            self.panel.show_nothing()
            return
        status = self.window.states.get(self.node_id)
        names = [o.name for o in item.spec.outputs] if item.spec else list(status.outputs)
        outputs = {n: status.outputs[n] for n in names if n in status.outputs}
        if not outputs and status.outputs:  # a running node's live preview
            outputs = dict(status.outputs)
        self.panel.show_outputs(item.title, outputs, status.stale)

    def _result_changed(self, node_id: str) -> None:
        if node_id == self.node_id and self.dock.isVisible():
            self._refresh()

    def _status_changed(self, node_id: str) -> None:
        if node_id == self.node_id:
            self.panel.set_stale(self.window.states.get(node_id).stale)

    def _visibility_changed(self, visible: bool) -> None:
        if not visible:
            self.panel.pause()  # a hidden viewer never plays
        elif self.node_id is not None:
            self._refresh()

    # -- the canvas: double-click on a preview, Space on a selected node ---------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind not in _WATCHED:  # first: while the window is destroyed only other events come
            return False
        if watched is self.window:
            if kind == QEvent.Type.Close:
                self.panel.show_nothing()  # closing: players stop, decoder threads end
            return False
        if watched is self._viewport:
            if kind == QEvent.Type.MouseButtonDblClick and isinstance(event, QMouseEvent):
                node_id = self._preview_node_at(event)
                if node_id is not None:
                    self.open_node(node_id)
                    return True
            elif kind == QEvent.Type.MouseButtonPress:
                self._space_panned = True  # a press while Space is held is a pan, not "view"
            return False
        if (
            watched is self._view
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Space
        ):
            if event.isAutoRepeat():
                return False
            if kind == QEvent.Type.KeyPress:
                self._space_panned = False
            elif kind == QEvent.Type.KeyRelease and not self._space_panned:
                selected = self.window.scene.selected_node_ids()
                if len(selected) == 1:
                    self.open_node(selected[0])
        return False

    def _preview_node_at(self, event: QMouseEvent) -> str | None:
        """The node whose preview is under the mouse (not its play/scrub bar), if any."""
        from studio.gui.canvas.node_item import NodeItem
        from studio.gui.previews.base import PreviewItem

        item: Any = self.window.view.itemAt(event.position().toPoint())
        while item is not None and not isinstance(item, PreviewItem):
            item = item.parentItem()
        if item is None or not isinstance(item.parentItem(), NodeItem):
            return None
        node: Any = item.parentItem()
        bar = getattr(item, "bar", None)
        local = item.mapFromScene(self.window.view.mapToScene(event.position().toPoint()))
        if bar is not None and bar.rect.contains(local):
            return None  # double-clicking the play button plays; it does not open the viewer
        return node.node_id

    # -- the node's right-click menu --------------------------------------------------------------
    def add_node_actions(self, menu: QMenu, node_id: str) -> None:
        """'View Result' and, for a media result, reveal / save a copy / copy path."""
        from studio.api import Artifact
        from studio.gui.previews import preview_value

        item = self.window.scene.nodes.get(node_id)
        status = self.window.states.get(node_id)
        value = preview_value(item.spec if item else None, status.outputs)
        if value is None:
            return
        menu.addSeparator()
        menu.addAction("View Result (Space)", lambda: self.open_node(node_id))
        first = value[0] if isinstance(value, list) and value else value
        if isinstance(first, Artifact):
            self.actions.add_to(menu, first.path)


def install_viewer(window: MainWindow) -> Viewer:
    """Build the viewer dock and wire the canvas to it (call before the menus are built)."""
    return Viewer(window)
