"""The main window: canvas in the middle, inspector on the right, log and queue below."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QUndoGroup
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.gui import editing, projects
from studio.gui.app import spawn
from studio.gui.autorun import AutoRun
from studio.gui.autosave import Autosaver, load_recovery, pending_recoveries
from studio.gui.canvas.scene import CanvasOptions, GraphScene
from studio.gui.canvas.view import GraphView
from studio.gui.document import Document
from studio.gui.inspector import Inspector
from studio.gui.menus import build_menus
from studio.gui.node_state import NodeStates
from studio.gui.problems import install_problems
from studio.gui.recent import RecentFiles
from studio.gui.replace_guard import ask_replace
from studio.gui.run_log import RunLog
from studio.gui.run_queue import RunQueuePanel
from studio.gui.run_window import RunWindow
from studio.gui.search import NodeSearch
from studio.gui.settings import GuiSettings
from studio.gui.shortcuts import ShortcutOverlay
from studio.gui.window_state import restore_window_state, save_window_state

GRAPH_FILTER = (
    "Graphs and bundles (*.studiograph *.json *.studiopack);;Bundles (*.studiopack);;All files (*)"
)
SAVE_FILTER = "Graphs (*.studiograph);;Graphs saved as JSON (*.json);;All files (*)"


LAST_RUN = {
    "succeeded": "Last run succeeded",
    "failed": "Last run failed: see the Run log",
    "cancelled": "Last run cancelled",
    "invalid": "The graph cannot run yet: see Problems",
}


class MainWindow(RunWindow):
    scene_changed = Signal()  # the canvas shows another graph (a file, or a component's inside)
    recent_menu: QMenu  # made by build_menus
    colour_menu: QMenu  # made by studio.gui.node_actions
    finder: Any = None  # the Ctrl+F popup (studio.gui.find), made on first use
    key_dialog: Any = None  # Settings opened by "Add key…" (studio.gui.key_help), while open

    def _build(self) -> None:
        """The canvas, the inspector and the docks, on the runner RunWindow made."""
        self.options = CanvasOptions(self)
        self.runner.confirm_unknown_cost = self.confirm_unknown_cost
        self.runner.replace_guard.confirm = partial(ask_replace, self)
        self.autorun = AutoRun(self.runner, self)  # off until the toolbar toggle says so
        self.recent = RecentFiles(parent=self)
        self.autosaver = Autosaver(parent=self)
        self.undo_group = QUndoGroup(self)
        self.document = Document(self.registry, parent=self)
        self.scene = GraphScene(self.document, self.states, self.options, self)
        self.view = GraphView(self.scene)
        self.search = NodeSearch(self.registry.specs(), self.view)
        self._search_at = QPointF()
        self._search_filter: Any = None
        self._pending_exports: dict[str, Any] = {}
        self._build_layout()
        from studio.gui.components_nav import ComponentNavigator

        self.components = ComponentNavigator(self)  # enter/leave components, library, updates
        from studio.gui.viewer import install_viewer

        self.viewer = install_viewer(self)  # before the menus: the View menu lists its dock
        from studio.gui.versions_panel import install_versions_panel

        self.versions_panel = install_versions_panel(self)
        from studio.gui.form_editor import install_form_editor

        self.form_editor = install_form_editor(self)  # View > Form
        self.actions_by_name: dict[str, QAction] = build_menus(self)
        restore_window_state(self)  # size, place, docks: as left, fitted to this screen
        self._connect()
        self.set_document(self.document)
        for problem in self.start_up_problems():  # told at start, not found at the first run
            self.run_log.append("warning", problem)

    # -- layout -----------------------------------------------------------------------------------
    def _build_layout(self) -> None:
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        self.banner = QFrame()
        self.banner.setObjectName("Banner")
        row = QHBoxLayout(self.banner)
        self.banner_text = QLabel()
        self.banner_recover, self.banner_discard = QPushButton("Recover"), QPushButton("Discard")
        row.addWidget(self.banner_text, 1)
        row.addWidget(self.banner_recover)
        row.addWidget(self.banner_discard)
        self.banner.hide()
        column.addWidget(self.banner)
        column.addWidget(self.view, 1)
        self.setCentralWidget(central)
        self.inspector = Inspector(self.states)
        self.inspector.replace_approved.connect(
            lambda path: self.runner.replace_guard.allow([Path(path)])
        )
        self.run_log = RunLog()
        self.queue_panel = RunQueuePanel(self.queue)
        self.docks = {}
        for name, title, widget, area in (
            ("inspector", "Inspector", self.inspector, Qt.DockWidgetArea.RightDockWidgetArea),
            ("log", "Run log", self.run_log, Qt.DockWidgetArea.BottomDockWidgetArea),
            ("queue", "Run queue", self.queue_panel, Qt.DockWidgetArea.BottomDockWidgetArea),
        ):
            dock = QDockWidget(title, self)
            dock.setObjectName(name)
            dock.setWidget(widget)
            self.addDockWidget(area, dock)
            self.docks[name] = dock
        self.tabifyDockWidget(self.docks["log"], self.docks["queue"])
        self.docks["log"].raise_()
        self.resizeDocks([self.docks["inspector"]], [380], Qt.Orientation.Horizontal)
        self.resizeDocks([self.docks["log"]], [170], Qt.Orientation.Vertical)
        self.summary = QLabel()
        self.statusBar().addPermanentWidget(self.summary)
        self.overlay = ShortcutOverlay(self)
        self.problems = install_problems(self)  # a dock beside the log; log lines link nodes

    def _connect(self) -> None:
        self.search.chosen.connect(self._add_from_search)
        self.view.search_requested.connect(self.open_search)
        self.view.files_dropped.connect(self.add_files)
        self.runner.log_line.connect(self.run_log.append)
        self.runner.summary_changed.connect(self.summary.setText)
        self.runner.busy_changed.connect(self._busy_changed)
        self.runner.held_changed.connect(self._held_changed)
        self.runner.entry_finished.connect(self._entry_finished)
        self.queue_panel.start_requested.connect(self.runner.start_queue)
        self.inspector.settings_requested.connect(self.open_settings)
        self.inspector.providers = None  # filled on first use (importing providers is slow)
        self.inspector.adopt_files = lambda paths, then: projects.adopt_then(
            self, self.document, paths, then
        )
        self.recent.files_changed.connect(self._rebuild_recent_menu)
        self.banner_discard.clicked.connect(self._discard_recoveries)
        self.banner_recover.clicked.connect(self._recover)
        from studio.gui.context_menu import install_context_menu

        install_context_menu(self)
        from studio.gui import welcome

        welcome.install(self)  # pictures of recent graphs for the welcome screen

    # -- documents --------------------------------------------------------------------------------
    def set_document(self, document: Document) -> None:
        """Show a document: a new scene mirrors it; inspector, runs and autosave follow it."""
        old = self.document
        if old is not document:
            self.undo_group.removeStack(old.undo_stack)
            old.deleteLater()
            self.states.clear()
        self.document = document
        projects.follow_first_edit(document)
        self.show_graph(document)
        self.undo_group.addStack(document.undo_stack)
        self.undo_group.setActiveStack(document.undo_stack)
        document.modified_changed.connect(lambda _m: self._update_title())
        document.path_changed.connect(self._update_title)
        self.versions_panel.set_document(document)
        self.form_editor.set_document(document)
        self.problems.set_document(document)
        self.runner.set_document(document)
        self.autosaver.set_document(document)
        self._update_title()
        if document.graph.nodes:
            self.view.fit_all()

    def show_graph(self, document: Document, states: NodeStates | None = None) -> None:
        """Show a graph on the canvas: the document's own, or the inside of a component (a view
        of it sharing its undo stack; `states` then shows that component's inner nodes)."""
        self.scene.dispose()
        self.scene.deleteLater()
        self.scene = GraphScene(document, states or self.states, self.options, self)
        self.view.set_scene(self.scene)
        self.scene.selectionChanged.connect(self._selection_changed)
        self.scene.message.connect(self.show_message)
        self.scene.group_rename_requested.connect(self.rename_group)
        self.inspector.set_document(document, states)  # inside: the use's states
        self.scene_changed.emit()

    @property
    def edited(self) -> Document:
        """The document the canvas edits: the file's, or a component's inside."""
        return self.scene.document

    def _update_title(self) -> None:
        self.setWindowTitle(f"{self.document.display_name}[*] — Multimodal Studio")
        self.setWindowModified(self.document.is_modified)

    def new_document(self) -> None:
        if self.maybe_save():
            self.set_document(Document(self.registry, parent=self))

    def open_dialog(self) -> None:
        if not self.maybe_save():
            return
        start = str(self.document.graph_dir or Path.home())
        path, _ = QFileDialog.getOpenFileName(self, "Open graph", start, GRAPH_FILTER)
        if path:
            self.open_path(path, ask=False)

    def open_path(self, path: str | Path, ask: bool = True) -> bool:
        """Open a graph file; problems are reported in words, never as a crash."""
        from studio.errors import StudioError

        if ask and not self.maybe_save():
            return False
        if Path(path).suffix.lower() == ".studiopack":
            return self.open_bundle(Path(path))
        if projects.is_bundled(Path(path)):  # an example or template: open a copy
            return projects.open_copy(self, Path(path))
        try:
            document = Document.open(Path(path), self.registry, self)
        except StudioError as exc:
            self.report_error(f"Could not open {Path(path).name}", str(exc))
            return False
        self.set_document(document)
        self.recent.add(Path(path))
        unknown = sorted({n.type for n in document.graph.nodes.values() if n.unknown})
        if unknown:
            self.run_log.append("warning", "Not installed (kept as is): " + ", ".join(unknown))
        self.show_message(f"Opened {document.path}")
        return True

    def open_bundle(self, bundle: Path, target: Path | None = None) -> bool:
        """Unpack a shared bundle into a new folder the user picks, then open its graph."""
        from studio.gui.bundles import open_bundle

        return open_bundle(self, bundle, target)

    def save(self) -> bool:
        if self.document.path is None:
            return self.save_as()
        return self._save_to(self.document.path)

    def save_as(self) -> bool:
        from studio.graph.fileformat import SUFFIX

        # The project's folder for an untitled graph; the graph's own extension, also for a
        # graph that was opened as .json.
        start = projects.suggested_file(self.document).with_suffix(SUFFIX)
        path, _ = QFileDialog.getSaveFileName(self, "Save graph as", str(start), SAVE_FILTER)
        if not path:
            return False
        return self._save_to(Path(path) if Path(path).suffix else Path(path + SUFFIX))

    def _save_to(self, path: Path) -> bool:
        from studio.errors import StudioError

        try:
            notes = self.document.save(path)
        except StudioError as exc:
            self.report_error("Could not save", str(exc))
            return False
        for note in notes:
            self.run_log.append("info", note)
        self.recent.add(path)
        self.autosaver.discard()
        self.show_message(f"Saved {path}")
        return True

    def ask_save_changes(self) -> str:
        """'save', 'discard' or 'cancel' (a question; tests replace it)."""
        buttons = (
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel
        )
        answer = QMessageBox.question(
            self,
            "Unsaved changes",
            f"Save the changes to {self.document.display_name}?",
            buttons,
            QMessageBox.StandardButton.Save,
        )
        return {
            QMessageBox.StandardButton.Save: "save",
            QMessageBox.StandardButton.Discard: "discard",
        }.get(answer, "cancel")

    def maybe_save(self) -> bool:
        """True when it is fine to drop the current document (saved, or the user said so)."""
        if not self.document.is_modified:
            return True
        answer = self.ask_save_changes()
        if answer == "save":
            return self.save()
        return answer == "discard"

    def closeEvent(self, event: QCloseEvent) -> None:
        save_window_state(self)
        if self.closing_on_signal:
            self.autosaver.timer.stop()  # the autosave stays, so the next start offers it back
            self.runner.close()
            self.scene.dispose()
            event.accept()
            return
        if not self.maybe_save():
            event.ignore()
            return
        self.autosaver.discard()
        self.autosaver.timer.stop()
        self.runner.close()
        self.scene.dispose()
        event.accept()

    # -- crash recovery ---------------------------------------------------------------------------
    def offer_recovery(self) -> None:
        self._recoveries = pending_recoveries()
        if not self._recoveries:
            return
        first = self._recoveries[0]
        more = f" and {len(self._recoveries) - 1} more" if len(self._recoveries) > 1 else ""
        self.banner_text.setText(
            f"The studio closed without saving {first.label}{more}. Recover it?"
        )
        self.banner.show()

    def _recover(self) -> None:
        recovery = self._recoveries.pop(0)
        document = load_recovery(recovery, self.registry, self)
        recovery.file.unlink(missing_ok=True)
        if self.maybe_save():
            self.set_document(document)
            self.show_message(f"Recovered {recovery.label}; save it to keep it.")
        self.banner.hide()
        if self._recoveries:
            self.offer_recovery()

    def _discard_recoveries(self) -> None:
        for recovery in getattr(self, "_recoveries", []):
            recovery.file.unlink(missing_ok=True)
        self._recoveries = []
        self.banner.hide()

    # -- editing ----------------------------------------------------------------------------------
    def open_search(self, at: QPointF, port_filter: Any = None) -> None:
        self._search_at, self._search_filter = at, port_filter
        self.search.popup(self.view.mapFromScene(at), port_filter)

    def _add_from_search(self, spec_id: str) -> None:
        self.add_node(spec_id, (self._search_at.x(), self._search_at.y()), self._search_filter)

    def add_node(
        self, spec_id: str, position: tuple[float, float], connect: Any = None
    ) -> str | None:
        if self.components.handles(spec_id):  # a library component: copied in, then added
            return self.components.add_from_library(spec_id, position, connect)
        spec = self.edited.registry.get(spec_id)
        if spec is None:
            return None
        defaults = GuiSettings.load().provider_defaults(spec)
        if connect is not None and connect.from_output:  # the new node sits right of the wire
            position = (position[0], position[1] - 40)
        node_id = editing.add_node(self.edited, spec, position, defaults, connect)
        self.scene.select_nodes([node_id])
        return node_id

    def add_files(self, paths: list[Path], at: QPointF) -> None:
        projects.add_dropped_files(self, paths, at)  # copied into the project, then loaded

    def copy(self) -> None:
        selected = self.scene.selected_node_ids()
        if selected:
            QApplication.clipboard().setText(editing.selection_to_json(self.edited, selected))
            self.show_message(f"Copied {len(selected)} node(s) as graph JSON")

    def cut(self) -> None:
        self.copy()
        self.delete_selection()

    def paste(self) -> None:
        from studio.errors import GraphError

        pointer = self.view.pointer_scene_pos()  # at the mouse; else beside where it was copied
        at = (pointer.x(), pointer.y()) if pointer is not None else None
        try:
            created = editing.paste_json(self.edited, QApplication.clipboard().text(), at=at)
        except GraphError as exc:
            self.show_message(f"Nothing to paste: {exc}")
            return
        self.scene.select_nodes(created)

    def duplicate(self) -> None:
        self.scene.select_nodes(editing.duplicate(self.edited, self.scene.selected_node_ids()))

    def delete_selection(self) -> None:
        if self.scene.selected_reroutes():
            self.scene.remove_reroutes(self.scene.selected_reroutes())
        editing.delete(
            self.edited,
            self.scene.selected_node_ids(),
            self.scene.selected_edges(),
            self.scene.selected_groups(),
        )

    def select_all(self) -> None:
        self.scene.select_nodes(list(self.scene.nodes))

    def group_selection(self) -> None:
        editing.group(self.edited, self.scene.selected_node_ids())

    def ungroup_selection(self) -> None:
        selected = set(self.scene.selected_node_ids())
        groups = [
            g
            for g in self.edited.graph.groups
            if g in self.scene.selected_groups() or (selected and set(g.nodes) <= selected)
        ]
        editing.delete(self.edited, [], [], groups)

    def rename_group(self, group: Any) -> None:
        from studio.gui.commands import GroupRenameCommand

        title, ok = QInputDialog.getText(self, "Rename group", "Title", text=group.title)
        if ok and title.strip() and title != group.title:
            self.edited.push(GroupRenameCommand(self.edited, group, title.strip()))

    def _sizes(self) -> dict[str, tuple[float, float]]:
        return {
            n: (self.scene.nodes[n].width, self.scene.nodes[n].height)
            for n in self.scene.selected_node_ids()
        }

    def align(self, how: str) -> None:
        editing.align(self.edited, self._sizes(), how)

    def distribute(self, axis: str) -> None:
        editing.distribute(self.edited, self._sizes(), axis)

    def _selection_changed(self) -> None:
        selected = self.scene.selected_node_ids()
        if self.inspector.providers is None and selected:
            self.inspector.providers = self.runner.providers
        self.inspector.show_node(selected[0] if len(selected) == 1 else None)
        self.actions_by_name["run_to"].setEnabled(len(selected) == 1 and not self.runner.held_by)

    # -- running ----------------------------------------------------------------------------------
    def run_all(self) -> None:
        self.runner.run_all()

    def run_to_selected(self) -> None:
        selected = self.scene.selected_node_ids()
        if len(selected) == 1:
            self.runner.run_to(selected[0])

    def escape(self) -> None:
        """Esc: close the search, drop a dragged edge, or cancel the run."""
        finder = self.finder
        if self.search.isVisible() or (finder is not None and finder.isVisible()):
            self.search.hide()
            if finder is not None:
                finder.hide()
        elif self.overlay.isVisible():
            self.overlay.hide()
        elif self.scene.edge_drag_active:
            self.scene.cancel_edge_drag()
        elif self.components.depth and not self.runner.busy:
            self.components.leave()  # out of the component being edited
        else:
            self.runner.cancel()

    def _held_changed(self, reason: str) -> None:
        from studio.gui.run_link import show_hold

        show_hold(self, reason)  # app mode renders: Run waits, and says why

    def _busy_changed(self, busy: bool) -> None:
        self.queue_panel.set_busy(busy or bool(self.runner.held_by))
        if busy:
            self.summary.setText("Running…")

    def _entry_finished(self, entry_id: str, status: str) -> None:
        from studio.gui.maintenance import finish_export, trim_cache_later

        # Until the estimate that follows says what is cached, the bar tells how the run ended.
        self.summary.setText(LAST_RUN.get(status, f"Last run: {status}"))

        choice = self._pending_exports.pop(entry_id, None)
        if choice is not None:
            finish_export(self, choice, status)
        trim_cache_later(self.runner)

    def export(self) -> None:
        from studio.gui.export_dialog import ExportDialog
        from studio.gui.maintenance import start_export

        dialog = ExportDialog(self.document, self)
        if dialog.exec() != ExportDialog.DialogCode.Accepted:
            return
        choice = dialog.choice()
        if choice is not None:
            start_export(self, choice)

    def open_settings(self) -> None:
        from studio.gui.settings_dialog import SettingsDialog

        cache = self.runner.executor.cache
        SettingsDialog(self.runner.providers, cache, self).exec()

    def confirm_unknown_cost(self, estimate: Any) -> bool:
        """Ask before a run that includes prices nobody can state (asked once per graph)."""
        labels = sorted({label for _, label in estimate.unknown})
        count = len(estimate.unknown)
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Unknown cost",
            f"{count} node{'s' if count != 1 else ''} of this run use a price the studio "
            f"does not know: {', '.join(labels)}.\n\n{estimate.describe()}\n\n"
            "The provider will bill what it bills. Run anyway?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        return box.exec() == QMessageBox.StandardButton.Yes

    # -- messages ---------------------------------------------------------------------------------
    def report_error(self, title: str, text: str) -> None:
        """An error in words: in the log, the status bar and a non-blocking message box."""
        self.run_log.append("error", f"{title}: {text}")
        self.show_message(f"{title}: {text.splitlines()[0] if text else ''}")
        box = QMessageBox(
            QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self
        )
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def _task_failed(self, what: str, error: str) -> None:
        self.run_log.append("error", f"{what} failed: {error}")
        super()._task_failed(what, error)

    def about_to_stop(self, reason: str) -> None:
        self.autosaver.autosave_now()  # the unsaved work stays, offered back at the next start
        self.run_log.append("warning", f"{reason}: cancelling the run and closing")

    def _rebuild_recent_menu(self) -> None:
        from studio.gui.menus import fill_recent_menu

        fill_recent_menu(self)

    def toggle_shortcuts(self) -> None:
        self.overlay.toggle()

    def spawn(self, coro: Any, what: str) -> Any:
        return spawn(coro, what)
