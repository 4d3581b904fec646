"""App mode: a graph handed to someone as a form ("your brief, your mood, your voice → Render").

The window shows only the graph's form (`studio.graph.form`), a Render button with the cost of the
render, its progress and Cancel, and the result in the viewer with Export. The graph stays hidden
and is never edited or saved here: the form's values are set on a copy the window keeps, and the
last values are remembered per graph file in the GUI settings. Runs go through the main window's
machinery (`RunController`): the executor on the qasync loop, so the window never freezes.

Opened by `studio app GRAPH` or View > App Mode in the studio.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from studio.engine.events import (
    NodeBypassed,
    NodeCached,
    NodeCancelled,
    NodeFailed,
    NodeFinished,
    NodeProgress,
    NodeStarted,
    RunStarted,
)
from studio.graph.model import Graph
from studio.gui.app import in_background, spawn
from studio.gui.app_form import FormPanel
from studio.gui.document import Document
from studio.gui.run_window import RunWindow
from studio.gui.settings import GuiSettings
from studio.gui.viewer.panel import ViewerPanel
from studio.gui.viewer.result_actions import ResultActions
from studio.media.result_export import chosen_format, convert_result, export_formats

log = logging.getLogger(__name__)
PREFERRED_SIZE = QSize(1200, 760)
FORM_WIDTH = 380
COST_DELAY_MS = 400
NO_FORM = (
    "This graph has no form yet, so there is nothing to fill in here.\n\n"
    "To give it one, open it in the studio, right-click a param in the inspector and choose "
    'Add to Form… (or write the graph file\'s "form" section: see the user guide, App mode).'
)


def ask_export_path(parent: QWidget, suggested: Path, formats: list[tuple[str, str]]) -> str:
    """The file to write; a name typed without an extension takes the chosen type's."""
    filters = [f"{text} (*.{ext})" for ext, text in formats]
    path, chosen = QFileDialog.getSaveFileName(
        parent, "Export to", str(suggested), ";;".join([*filters, "All files (*)"]), filters[0]
    )
    if path and not Path(path).suffix and chosen in filters:
        path += "." + formats[filters.index(chosen)][0]
    return path


class ExportProgress(QObject):
    """A conversion's progress, reported from its worker thread, delivered on the Qt thread."""

    moved = Signal(float)

    def report(self, fraction: float | None, _what: str) -> None:
        if fraction is not None:
            self.moved.emit(fraction)


class AppWindow(RunWindow):
    queue_file = False  # its own queue, in memory: the studio's queue file is the studio's
    estimates = False  # it prices its result node itself and shows no summary

    def _build(self) -> None:
        """The form, Render and the result, on the runner RunWindow made."""
        self.runner.confirm_unknown_cost = None  # app mode asks itself, with the whole cost
        self.document: Document | None = None
        self.values_key: str | None = None  # the graph file the values are remembered for
        self.result_node: str | None = None
        self.form: FormPanel | None = None
        self.fields: list[Any] = []
        self.last_failure = ""
        self.exported: Path | None = None
        self.converting: Any = None  # threading.Event that stops the conversion going on
        self.ask_export_path = ask_export_path  # tests replace these two
        self.confirm_cost: Any = self._confirm_cost  # estimate -> bool, or awaitable bool
        self.cost_box: QMessageBox | None = None
        self.run_link: Any = None  # the studio's window, when opened from it (gui.run_link)
        self._total, self._done = 0, 0
        self._partial: dict[str, float] = {}  # running nodes' progress, for the bar
        self._cost_asked = 0  # estimates started: only the latest one's cost is shown
        self._build_layout()
        self._show_start_up_problems()
        self._cost_timer = QTimer(self)
        self._cost_timer.setSingleShot(True)
        self._cost_timer.timeout.connect(lambda: spawn(self.update_cost(), "estimating the cost"))
        self.runner.event_received.connect(self._on_event)
        self.runner.busy_changed.connect(self._busy_changed)
        self.runner.run_finished.connect(self._run_finished)
        self.runner.held_changed.connect(self._held_changed)
        self.fit_to_screen()

    # -- layout -----------------------------------------------------------------------------------
    def _build_layout(self) -> None:
        self.setWindowTitle("App mode — Multimodal Studio")
        self.title = QLabel()
        self.title.setObjectName("AppTitle")
        self.title.setStyleSheet("font-size: 16px; font-weight: bold;")
        self.title.setWordWrap(True)
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setObjectName("Hint")
        self.notice.hide()
        self.warnings = QLabel()  # start-up problems: a damaged settings file, a broken pack
        self.warnings.setWordWrap(True)
        self.warnings.setStyleSheet("color: #e0b050;")
        self.warnings.hide()
        self.form_area = QScrollArea()
        self.form_area.setWidgetResizable(True)
        self.form_area.setFrameShape(QScrollArea.Shape.NoFrame)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #ff8a80;")
        self.problem.hide()
        self.cost = QLabel()
        self.cost.setWordWrap(True)
        self.cost.setObjectName("Hint")
        self.render_button = QPushButton("Render")
        self.render_button.setDefault(True)
        self.render_button.setMinimumHeight(32)
        self.render_button.clicked.connect(self.start_render)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        buttons = QHBoxLayout()
        buttons.addWidget(self.render_button, 1)
        buttons.addWidget(self.cancel_button)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.progress.setTextVisible(False)
        self.status = QLabel("Fill in the form, then Render.")
        self.status.setWordWrap(True)
        left = QWidget()
        column = QVBoxLayout(left)
        column.addWidget(self.title)
        column.addWidget(self.notice)
        column.addWidget(self.warnings)
        column.addWidget(self.form_area, 1)
        column.addWidget(self.problem)
        column.addWidget(self.cost)
        column.addLayout(buttons)
        column.addWidget(self.progress)
        column.addWidget(self.status)
        left.setMinimumWidth(300)
        self.result_actions = ResultActions(self, self.show_message)
        self.viewer = ViewerPanel(self.result_actions)
        self.viewer.show_nothing("The result appears here after a render.")
        self.export_button = QPushButton("Export…")
        self.export_button.setEnabled(False)
        self.export_button.setToolTip("Save a copy of the result where you choose")
        self.export_button.clicked.connect(self.export)
        right = QWidget()
        right_column = QVBoxLayout(right)
        right_column.setContentsMargins(0, 0, 0, 0)
        right_column.addWidget(self.viewer, 1)
        row = QHBoxLayout()
        margins = column.contentsMargins()  # off the window's edge, as far as the form is
        row.setContentsMargins(0, margins.top() // 2, margins.right(), margins.bottom())
        row.addStretch(1)
        row.addWidget(self.export_button)
        right_column.addLayout(row)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([FORM_WIDTH, PREFERRED_SIZE.width() - FORM_WIDTH])
        self.setCentralWidget(self.splitter)

    def _show_start_up_problems(self) -> None:
        problems = self.start_up_problems()
        for problem in problems:
            log.warning("app mode: %s", problem)
        if problems:
            self.warnings.setText("\n".join(f"⚠ {problem}" for problem in problems))
            self.warnings.show()

    def fit_to_screen(self, available: QRect | None = None) -> None:
        """The preferred size, shrunk into the screen's free area (a 1366x768 laptop too)."""
        from studio.gui.window_state import first_geometry

        if available is None:
            screen = self.screen() or QGuiApplication.primaryScreen()
            if screen is None:
                return
            available = screen.availableGeometry()
        self.setGeometry(first_geometry(available, PREFERRED_SIZE))

    # -- opening ----------------------------------------------------------------------------------
    def open_path(self, path: str | Path, graph: Graph | None = None) -> bool:
        """Open a graph file; an example or template opens as a copy in a new project folder, so
        its renders never land in the install folder. `graph`: the file's graph, when the caller
        has read it already (`studio app` reads it before any window opens)."""
        from studio.errors import StudioError
        from studio.gui import projects

        path = Path(path).resolve()
        try:
            if projects.is_bundled(path):
                document = projects.copy_as_project(path, self.registry, self, graph=graph)
            elif graph is not None:
                document = Document(self.registry, graph, path, self)
            else:
                document = Document.open(path, self.registry, self)
        except (StudioError, OSError) as exc:
            self.show_problem(f"Could not open {path.name}: {exc}")
            self.render_button.setEnabled(False)
            return False
        self.set_document(document, str(path))
        return True

    def open_copy_of(self, source: Document) -> None:
        """The studio's current graph (as it is now, saved or not), in a copy of its own."""
        from studio.graph.fileformat import graph_from_dict, graph_to_dict
        from studio.gui import projects

        graph = graph_from_dict(graph_to_dict(source.graph))
        document = Document(self.registry, graph, source.path, self)
        if source.path is None:
            document.project_dir = projects.start_project(source)
        self.set_document(document, str(source.path) if source.path else None)

    def set_document(self, document: Document, values_key: str | None) -> None:
        from studio.engine.components import ComponentRegistry
        from studio.graph.form import FormError, resolve_fields

        self.document, self.values_key = document, values_key
        self.runner.set_document(document)
        form = document.graph.form
        title = (form.title if form else "") or str(document.graph.meta.get("title") or "")
        self.title.setText(title or document.display_name)
        self.setWindowTitle(f"{title or document.display_name} — App mode — Multimodal Studio")
        try:
            registry = ComponentRegistry(self.registry, document.graph)
            self.fields = resolve_fields(document.graph, registry)
        except FormError as exc:
            self.fields = []
            self._no_form(f"This graph's form cannot be used: {exc}.")
            return
        self.result_node = self._result_node()
        if not self.fields:
            self._no_form(NO_FORM)
            return
        if self.result_node is None:
            self._no_form(
                "This graph's form has nothing to show: the graph has no Export Video node and "
                "no single final picture, video or sound (name one as the form's result)."
            )
            return
        self.form = FormPanel(self.fields, self.adopt_file)
        self.form_area.setWidget(self.form)
        self.notice.hide()
        self.form.changed.connect(self.schedule_cost)
        self._restore_values()
        self._update_render_button()
        self.schedule_cost()

    def _no_form(self, text: str) -> None:
        self.form = None
        self.notice.setText(text)
        self.notice.show()
        self.form_area.takeWidget()
        self.render_button.setEnabled(False)
        self.cost.setText("")
        self.status.setText("")

    def _result_node(self) -> str | None:
        """The form's result node, or the graph's one export node, or its one final media node."""
        from studio.gui.export_dialog import export_candidates

        assert self.document is not None
        graph = self.document.graph
        if graph.form is not None and graph.form.result in graph.nodes:
            return graph.form.result
        candidates = export_candidates(self.document)
        exports = [node for node, _label, is_export in candidates if is_export]
        if len(exports) == 1:
            return exports[0]
        finals = [
            node
            for node, _label, is_export in candidates
            if not is_export and not graph.edges_from(node)
        ]
        return finals[0] if len(exports) == 0 and len(finals) == 1 else None

    # -- remembered values ------------------------------------------------------------------------
    def _restore_values(self) -> None:
        """The last values used with this graph; one no longer allowed is dropped, and said so."""
        from studio.graph.form import value_problems

        if self.values_key is None or self.form is None:
            return
        remembered = GuiSettings.load().form_values.get(self.values_key, {})
        problems = value_problems(self.fields, remembered)
        kept = [r.field.name for r in self.fields if r.field.name in remembered]
        self.form.set_values({name: remembered[name] for name in kept if name not in problems})
        dropped = [r.label for r in self.fields if r.field.name in problems]
        if dropped:
            self.show_message(
                "Not allowed any more, back to the graph's value: " + ", ".join(dropped)
            )

    def remember_values(self) -> None:
        if self.values_key is None or self.form is None:
            return
        settings = GuiSettings.load()
        settings.form_values[self.values_key] = self.form.values()
        settings.save()

    # -- values into the graph --------------------------------------------------------------------
    def apply_form(self) -> bool:
        """Check every field (each wrong one is named under it) and set the values on the hidden
        graph. False, and nothing changed, when a value is wrong."""
        from studio.graph.form import value_problems

        if self.form is None or self.document is None:
            return False
        self.form.clear_problems()
        self.problem.hide()
        values = self.form.values()
        problems = value_problems(self.fields, values)
        for name, exc in problems.items():
            self.form.editors[name].set_problem(_plain_problem(exc))
        if problems:
            wrong = [r.label for r in self.fields if r.field.name in problems]
            self.show_problem(f"Check {', '.join(wrong)}: nothing was rendered.")
            return False
        problem = self._set_values(values)  # a file that is gone
        if problem:
            self.show_problem(problem)
            return False
        return True

    def _set_values(self, values: dict[str, Any]) -> str:
        """Set the form's values on the hidden graph; what is wrong ("" if nothing), and then
        nothing is set."""
        from studio.engine.components import ComponentRegistry
        from studio.graph.form import FormError, apply_values

        assert self.document is not None
        graph = self.document.graph
        try:
            apply_values(
                graph, ComponentRegistry(self.registry, graph), values, self.document.graph_dir
            )
        except FormError as exc:
            return str(exc)
        return ""

    def adopt_file(self, name: str, path: str) -> None:
        """A browsed file is copied into the project (as the inspector does), then shown."""
        from studio.gui import projects

        if self.document is None or self.form is None:
            return
        form = self.form
        projects.adopt_then(
            self, self.document, [Path(path)], lambda rel: form.editors[name].set_value(rel[0])
        )

    # -- cost -------------------------------------------------------------------------------------
    def schedule_cost(self) -> None:
        self._cost_timer.start(COST_DELAY_MS)

    async def estimate(self) -> Any:
        """What a render with the form's values will cost (None when a value is wrong)."""
        from studio.engine.estimate import estimate_run
        from studio.errors import GraphErrors

        document = self.document
        if document is None or self.result_node is None:
            return None
        executor = self.runner.executor
        try:
            plans = executor.plan(document.graph, [self.result_node], document.graph_dir)
        except GraphErrors:
            return None
        cached = await executor.cached_results(document.graph, plans, document.graph_dir)
        return estimate_run(plans, cached)

    async def update_cost(self) -> None:
        if self.runner.busy or self.form is None or not self._values_valid():
            return
        self._cost_asked += 1
        asked = self._cost_asked
        estimate = await self.estimate()
        if estimate is not None and asked == self._cost_asked:  # not overtaken by a later edit's
            self.cost.setText(_cost_line(estimate))

    def _values_valid(self) -> bool:
        """The form's values, set on the hidden graph for the estimate; False if one is wrong."""
        if self.form is None or self.document is None:
            return False
        return not self._set_values(self.form.values())

    async def _confirm_cost(self, estimate: Any) -> bool:
        """Ask with a window-modal box, awaited (no nested event loop inside a task)."""
        import asyncio

        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Render",
            f"This render is not free: {estimate.describe()}.\n\n"
            "The providers will bill what they bill. Render anyway?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        answer: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

        def finished(_code: int) -> None:
            if not answer.done():
                yes = box.button(QMessageBox.StandardButton.Yes)
                answer.set_result(box.clickedButton() is yes)

        box.finished.connect(finished)
        self.cost_box = box  # kept while it is open (and for tests)
        box.open()
        try:
            return await answer
        finally:
            self.cost_box = None
            box.deleteLater()

    # -- render -----------------------------------------------------------------------------------
    def start_render(self) -> None:
        if self.runner.busy or self.runner.held_by or self.result_node is None:
            return
        if not self.apply_form():
            return
        self.remember_values()
        self.render_button.setEnabled(False)  # until the cost is known and the run starts
        assert self.form is not None
        spawn(self._render(self.form.values()), "starting the render")

    async def _render(self, checked: dict[str, Any]) -> None:
        """Render with the `checked` values: the form stays editable while the cost is asked,
        and a later edit (set on the hidden graph for its cost line) must not slip into this
        run, whose cost was confirmed for these values."""
        try:
            self._set_values(checked)
            estimate = await self.estimate()
            if estimate is not None:
                self.cost.setText(_cost_line(estimate))
                if (estimate.to_pay or estimate.unknown) and not await _answer(
                    self.confirm_cost(estimate)
                ):
                    self.status.setText("Not rendered: the cost was not accepted.")
                    return
            if self.runner.held_by:  # the studio started a run while the cost was asked
                self.status.setText(f"Not rendered: {self.runner.held_by}. Render again after.")
                return
            assert self.result_node is not None
            self.last_failure = ""
            self._set_values(checked)  # the run takes the graph as it is now
            self.runner.request([self.result_node], ask_about_cost=False)
        finally:
            self._update_render_button()

    def _update_render_button(self) -> None:
        from studio.gui.run_link import held_tooltip

        held = self.runner.held_by
        free = not self.runner.busy and not held and self.converting is None
        self.render_button.setEnabled(free and self.form is not None)
        self.render_button.setToolTip(held_tooltip(held, "Render") if held else "")

    def _held_changed(self, reason: str) -> None:
        from studio.gui.run_link import held_tooltip

        self._update_render_button()
        if reason:
            self.status.setText(held_tooltip(reason, "Render") + ".")
        elif self.status.text().endswith("waits until it is done."):
            self.status.setText("Fill in the form, then Render.")

    def _busy_changed(self, busy: bool) -> None:
        self._update_render_button()
        self.cancel_button.setEnabled(busy)
        if self.form is not None:
            self.form.setEnabled(not busy)
        if busy:
            self.progress.setValue(0)
            self.status.setText("Rendering…")

    def _on_event(self, event: Any) -> None:
        if isinstance(event, RunStarted):
            self._total, self._done, self._partial = max(1, len(event.nodes)), 0, {}
        elif isinstance(event, NodeStarted):
            self.status.setText(f"Rendering: {self._title(event.node)}…")
        elif isinstance(event, NodeProgress):
            self._partial[event.node] = max(0.0, min(1.0, event.fraction or 0.0))
        elif isinstance(event, NodeFailed) and not event.upstream:
            self.last_failure = self.last_failure or f"{self._title(event.node)}: {event.error}"
        if isinstance(event, (NodeFinished, NodeCached, NodeFailed, NodeBypassed, NodeCancelled)):
            self._done += 1
            self._partial.pop(event.node, None)
        if self._total:
            done = self._done + sum(self._partial.values())
            self.progress.setValue(int(1000 * min(1.0, done / self._total)))

    def _title(self, node_id: str) -> str:
        document = self.document
        node = document.graph.nodes.get(node_id) if document else None
        spec = self.registry.get(node.type) if node else None
        return (node.title if node and node.title else "") or (spec.title if spec else node_id)

    def _run_finished(self, status: str) -> None:
        from studio.api import Artifact

        if status == "succeeded" and self.result_node is not None:
            self.progress.setValue(1000)
            outputs = self.states.get(self.result_node).outputs
            self.viewer.show_outputs("Result", dict(outputs), False)
            has_file = any(isinstance(v, Artifact) for v in outputs.values())
            self.export_button.setEnabled(has_file)
            self.status.setText(
                "Done: play it here, then Export to keep a copy."
                if has_file
                else f"Done, but {self._title(self.result_node)} made no file to show or export."
            )
        elif status == "cancelled":
            self.status.setText("Cancelled: nothing new was made.")
        else:
            reason = self.last_failure or "the graph cannot run (open it in the studio to see why)"
            self.status.setText(f"The render failed: {reason}")
        self.schedule_cost()

    # -- export -----------------------------------------------------------------------------------
    def result_artifact(self) -> Any:
        from studio.api import Artifact

        if self.result_node is None:
            return None
        outputs = self.states.get(self.result_node).outputs
        return next((v for v in outputs.values() if isinstance(v, Artifact)), None)

    def export(self) -> None:
        """The result's own format is copied as it is; another (a picture's PNG/JPEG/WebP, a
        sound's WAV/FLAC/MP3/Opus/M4A, a video's MP4/WebM/GIF) is converted in the background."""
        import functools

        artifact = self.result_artifact()
        if artifact is None or self.document is None or self.converting is not None:
            return
        source = Path(artifact.path)
        formats = export_formats(artifact.kind, source.suffix)
        own = formats[0][0]
        start = self.exported.parent if self.exported else Path.home()
        name = (self.document.path.stem if self.document.path else "result") + f".{own}"
        chosen = self.ask_export_path(self, start / name, formats)
        if not chosen:
            return
        target = Path(chosen).expanduser()
        wanted = chosen_format(formats, target.suffix)
        if wanted is None:
            target = target.with_name(f"{target.name}.{own}")  # the file is what it is: say so
            wanted = own
        if wanted == own:
            spawn(self._export(source, target), f"exporting to {target}")
            return
        convert = functools.partial(
            convert_result, artifact.kind, source, target, wanted, meta=dict(artifact.meta)
        )
        spawn(self._convert(convert, source, target, wanted), f"converting to {target}")

    async def _export(self, source: Path, target: Path) -> None:
        from studio.gui.export_dialog import copy_result

        self.status.setText(f"Exporting to {target}…")
        try:
            await in_background(copy_result, source, target)
        except OSError as exc:
            self.show_problem(f"Could not export to {target}: {exc.strerror or exc}")
            self.status.setText("Export failed: nothing was written.")
            return
        self._exported(target)

    async def _convert(self, convert: Any, source: Path, target: Path, fmt: str) -> None:
        """Another format: `convert(progress=, should_stop=)` (studio.media, written atomically)
        runs in a worker thread, with its progress on the bar and Cancel to stop it."""
        import functools
        import threading

        from studio.errors import Cancelled
        from studio.media.errors import MediaError

        stop = threading.Event()
        self.converting = stop
        progress = ExportProgress(self)
        progress.moved.connect(lambda f: self.progress.setValue(int(1000 * max(0.0, min(1.0, f)))))
        self._set_converting(True)
        self.progress.setValue(0)
        self.status.setText(f"Converting to {fmt.upper()}: {target.name}…")
        try:
            await in_background(
                functools.partial(convert, progress=progress.report, should_stop=stop.is_set)
            )
        except Cancelled:
            self.status.setText("Export cancelled: nothing was written.")
            return
        except (MediaError, OSError) as exc:
            # The cached file's name is a digest: the user knows it as the result.
            reason = str(getattr(exc, "strerror", None) or exc).replace(source.name, "the result")
            self.show_problem(f"Could not export to {target}: {reason}")
            self.status.setText("Export failed: nothing was written.")
            return
        finally:
            self.converting = None
            self._set_converting(False)
            progress.deleteLater()
        self.progress.setValue(1000)
        self._exported(target)

    def _set_converting(self, on: bool) -> None:
        self.export_button.setEnabled(not on and self.result_artifact() is not None)
        self.cancel_button.setEnabled(on or self.runner.busy)
        self._update_render_button()

    def _exported(self, target: Path) -> None:
        self.exported = target
        if self.problem.text().startswith("Could not export"):  # an earlier try's, now stale
            self.show_problem("")
        self.status.setText(f"Exported to {target}")
        self.show_message(f"Exported to {target}")

    def cancel(self) -> None:
        """Cancel stops a conversion going on, else the render."""
        if self.converting is not None:
            self.converting.set()
        else:
            self.runner.cancel()

    # -- messages and closing ---------------------------------------------------------------------
    def show_problem(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.setVisible(bool(text))

    def report_error(self, title: str, text: str) -> None:  # what projects.adopt_then calls
        self.show_problem(f"{title}: {text}")

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.cost_box is not None:
            self.cost_box.reject()  # the render waiting for the answer is not started
        if self.converting is not None:
            self.converting.set()  # its part file is removed, nothing half-written stays
        self._cost_timer.stop()
        self.remember_values()
        self.viewer.show_nothing()  # players stop, decoder threads end
        self.runner.close()
        event.accept()


async def _answer(answer: Any) -> bool:
    """A confirmation's answer: a bool, or awaited (the real question is asked in a box)."""
    import inspect

    return bool(await answer) if inspect.isawaitable(answer) else bool(answer)


def _plain_problem(exc: Exception) -> str:
    """`field 'voice' expects one of ...` under the field itself: the name is already there."""
    text = str(exc)
    if text.startswith("field '"):
        text = text.split("' ", 1)[1] if "' " in text else text
    return text[:1].upper() + text[1:]


def _cost_line(estimate: Any) -> str:
    text = estimate.describe()
    return text[:1].upper() + text[1:]


def open_app_mode(window: Any) -> AppWindow:
    """View > App Mode: the studio's current graph as its form, in a window of its own (one per
    studio window; opening it again shows the graph as it is now)."""
    runner = window.runner
    app_window: AppWindow | None = getattr(window, "app_window", None)
    if app_window is None or not app_window.isVisible():
        app_window = AppWindow(
            window.registry, runner.cache, runner.providers, runner.records_history
        )
        window.app_window = app_window
        from studio.gui.run_link import RunLink

        app_window.run_link = RunLink(window, app_window)  # one renders at a time
    if not app_window.runner.busy:  # mid-render it keeps what it renders
        app_window.open_copy_of(window.document)
    app_window.show()
    app_window.raise_()
    app_window.activateWindow()
    return app_window
