"""The problems panel: everything that would stop a run, listed before one, each with its node.

It gathers what `studio validate` checks — the graph against the installed nodes (missing inputs,
unknown types, bad params, missing files: `validate_graph`) and every picture, sound and video a
node names, probed as its load node will read it (`studio.media.probe`) — and adds what only the
window knows: whether each provider a node uses is ready (a key, a server), and template
variables no input gives. Clicking a problem selects and frames its node; a missing key offers
"Add key…". The list follows edits (debounced), off the event loop where files are read.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QDockWidget,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.graph.model import BYPASS
from studio.gui.key_help import for_gui

if TYPE_CHECKING:
    from studio.gui.document import Document
    from studio.gui.main_window import MainWindow

log = logging.getLogger(__name__)
REFRESH_DELAY_MS = 600
PROBED_KINDS = ("image", "video", "audio")
LEVEL_COLOURS = {"error": QColor("#ff6b6b"), "warning": QColor("#e0b050")}


@dataclass(frozen=True)
class Problem:
    node: str | None
    message: str
    kind: str  # "graph", "asset", "key", "provider", "template"
    level: str = "error"  # "error" stops the run; "warning" is told
    provider: str | None = None  # the provider whose key is missing (kind "key")


def graph_problems(document: Document) -> list[Problem]:
    """The graph against the installed node types, and template variables no input gives."""
    from studio.api import is_template
    from studio.graph.validate import validate_graph
    from studio.gui.param_links import template_issues

    graph = document.graph
    found = [
        Problem(error.node, error.message if error.node else error.describe(), "graph")
        for error in validate_graph(graph, document.registry, document.graph_dir)
    ]
    silenced = graph.silenced()
    for node_id, node in sorted(graph.nodes.items()):
        spec = document.registry.get(node.type)
        if spec is None or node_id in silenced or node.mode == BYPASS:
            continue
        for param in spec.params:
            if is_template(param):
                text = str(node.params.get(param.name, param.default))
                for issue in template_issues(graph, node_id, spec, text):
                    level = "error" if issue.unknown else "warning"
                    found.append(Problem(node_id, issue.message, "template", level))
    return found


def _asset_targets(document: Document) -> list[tuple[str, str, Path, str]]:
    """(node, param, file, kind) of every picture, sound or video file a running node reads."""
    from studio.graph.fileformat import resolve_asset
    from studio.graph.validate import effective_params

    graph, targets = document.graph, []
    silenced = graph.silenced()
    for node_id, node in sorted(graph.nodes.items()):
        spec = document.registry.get(node.type)
        if spec is None or node_id in silenced or node.mode == BYPASS:
            continue
        for param in spec.params:
            kinds = [k for k in param.file_kinds if k in PROBED_KINDS]
            if param.kind != "file" or not kinds:
                continue
            try:
                value = effective_params(node, spec).get(param.name)
                if not value:
                    continue
                if document.graph_dir is not None:
                    path = resolve_asset(value, document.graph_dir)
                elif Path(value).is_absolute():
                    path = Path(value)
                else:
                    continue
            except Exception:  # a bad param or a path that leaves the folder: validation says so
                continue
            if path.is_file():  # a missing file is validation's problem
                targets.append((node_id, param.name, path, kinds[0]))
    return targets


_probed: dict[tuple[str, str, int, int], str | None] = {}  # (path, kind, size, mtime) -> reason


def probe_files(targets: list[tuple[str, str, Path, str]]) -> list[Problem]:
    """Probe each file as its load node will (blocking: run it off the event loop). A file is
    probed again only when its size or time changes."""
    from studio.media.errors import MediaError
    from studio.media.probe import probe_asset

    found = []
    for node_id, name, path, kind in targets:
        try:
            stat = path.stat()
        except OSError:
            continue
        stamp = (str(path), kind, stat.st_size, stat.st_mtime_ns)
        if stamp not in _probed:
            try:
                probe_asset(path, kind)
                _probed[stamp] = None
            except MediaError as exc:
                _probed[stamp] = str(exc)
            except Exception as exc:  # never let one odd file hide the others
                _probed[stamp] = f"{type(exc).__name__}: {exc}"
        reason = _probed[stamp]
        if reason:
            found.append(Problem(node_id, f"param {name!r}: {reason}", "asset"))
    return found


async def provider_problems(document: Document, providers: Any) -> list[Problem]:
    """Each provider a running node uses, asked whether it is ready (once per provider)."""
    from studio.graph.validate import effective_params

    graph, found = document.graph, []
    asked: dict[str, Any] = {}
    silenced = graph.silenced()
    for node_id, node in sorted(graph.nodes.items()):
        spec = document.registry.get(node.type)
        if spec is None or node_id in silenced or node.mode == BYPASS:
            continue
        param = next((p for p in spec.params if p.kind == "provider"), None)
        if param is None:
            continue
        try:
            provider_id = spec.provider_of(effective_params(node, spec))
        except Exception:  # a param of the wrong type: validation reports it
            continue
        if not provider_id:
            continue
        if provider_id not in asked:
            try:
                provider = providers.get(provider_id, param.capability)
                asked[provider_id] = (provider, await provider.readiness())
            except Exception as exc:
                asked[provider_id] = (None, str(exc))
        provider, readiness = asked[provider_id]
        if provider is None:
            found.append(Problem(node_id, f"provider {provider_id!r}: {readiness}", "provider"))
        elif not readiness.ready:
            title = provider.title or provider_id
            if "key" in readiness.state:
                found.append(Problem(node_id, f"{title}: no key yet", "key", provider=provider_id))
            else:
                detail = for_gui(readiness.detail or "")
                words = f"{title}: {readiness.state}" + (f" ({detail})" if detail else "")
                found.append(Problem(node_id, words, "provider"))
    return found


class ProblemsPanel(QWidget):
    """The list; `node_clicked(node_id)` and `key_requested(provider)` for the window."""

    node_clicked = Signal(str)
    key_requested = Signal(str)
    count_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Problems")
        self.summary = QLabel("Checking…")
        self.check = QPushButton("Check again")
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Node", "Problem", ""])
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(False)
        self.tree.setWordWrap(True)
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(False)
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.check)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.tree)
        self.problems: list[Problem] = []
        self.tree.itemClicked.connect(self._clicked)

    def show_problems(self, problems: list[Problem], titles: dict[str, str], note: str) -> None:
        self.problems = problems
        self.tree.clear()
        for problem in problems:
            node = problem.node or ""
            label = f"{titles.get(node, node)}  ({node})" if node else "the graph"
            item = QTreeWidgetItem([label, problem.message, ""])
            item.setData(0, Qt.ItemDataRole.UserRole, problem.node)
            item.setForeground(1, QBrush(LEVEL_COLOURS.get(problem.level, LEVEL_COLOURS["error"])))
            item.setToolTip(1, problem.message)
            self.tree.addTopLevelItem(item)
            if problem.kind == "key" and problem.provider:
                button = QPushButton("Add key…")
                button.clicked.connect(
                    lambda _c=False, p=problem.provider: self.key_requested.emit(p)
                )
                self.tree.setItemWidget(item, 2, button)
        # The graph check refuses the whole run; the others fail their node (and what follows).
        blocking = sum(1 for p in problems if p.kind == "graph")
        failing = sum(1 for p in problems if p.kind != "graph" and p.level == "error")
        warnings = len(problems) - blocking - failing
        if not problems:
            text = "No problems: the graph can run."
        else:
            parts = [f"{blocking} stop{'s' if blocking == 1 else ''} a run"] if blocking else []
            parts += [f"{failing} would fail {'its' if failing == 1 else 'their'} node"] * bool(
                failing
            )
            parts += [f"{warnings} to check"] if warnings else []
            text = " · ".join(parts) + " — click one to show its node."
        self.summary.setText(text + (f" {note}" if note else ""))
        self.count_changed.emit(len(problems))

    def _clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        node = item.data(0, Qt.ItemDataRole.UserRole)
        if node:
            self.node_clicked.emit(node)


class ProblemsChecker(QObject):
    """Runs the checks for the window's document after each edit (debounced) and fills the
    panel; only the newest check's answer is shown."""

    def __init__(self, window: MainWindow, panel: ProblemsPanel) -> None:
        super().__init__(window)
        self.window, self.panel = window, panel
        self.document: Document | None = None
        self.generation = 0
        self.done = 0  # the generation last shown (for tests: wait for done == generation)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self._start)
        panel.check.clicked.connect(self.schedule_now)

    def set_document(self, document: Document) -> None:
        if self.document is not None:
            self.document.graph.unsubscribe(self._on_model)
        self.document = document
        document.graph.subscribe(self._on_model)
        document.path_changed.connect(self.schedule)
        self.schedule()

    def _on_model(self, kind: str, details: dict[str, Any]) -> None:
        if kind not in ("node_moved", "collapsed_changed", "colour_changed", "reroutes_changed"):
            self.schedule()

    def schedule(self) -> None:
        self.generation += 1
        self.timer.start(REFRESH_DELAY_MS)

    def schedule_now(self) -> None:
        self.generation += 1
        self.timer.start(0)

    def _start(self) -> None:
        from studio.gui.app import spawn

        if _loop_running():
            spawn(self.check(self.generation), "checking the graph for problems")

    async def check(self, generation: int) -> None:
        from studio.gui.app import in_background

        document = self.document
        if document is None or not _loop_running():
            return  # the window is closing: nothing to show the answer in
        problems = graph_problems(document)
        targets = _asset_targets(document)
        problems += await in_background(probe_files, targets)
        note = ""
        providers = self.window.runner._providers  # None until the engines are loaded
        if providers is None:
            note = "(Providers are checked once the engines have loaded.)"
        else:
            problems += await provider_problems(document, providers)
        if generation != self.generation or document is not self.document:
            return  # an edit came meanwhile: its own check follows
        titles = {
            n: node.title or (s.title if (s := document.registry.get(node.type)) else node.type)
            for n, node in document.graph.nodes.items()
        }
        problems.sort(key=lambda p: (p.level != "error", p.node or "", p.message))
        self.panel.show_problems(problems, titles, note)
        self.done = generation


def _loop_running() -> bool:
    """Whether the window's event loop runs (qasync marks it running for every Qt callback)."""
    try:
        return asyncio.get_running_loop().is_running()
    except RuntimeError:
        return False


def install_problems(window: MainWindow) -> ProblemsChecker:
    """The Problems dock (beside the run log), and run log lines that name a node made links."""
    from studio.gui.find import frame_node
    from studio.gui.key_help import open_keys

    panel = ProblemsPanel()
    dock = QDockWidget("Problems", window)
    dock.setObjectName("problems")
    dock.setWidget(panel)
    window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
    window.tabifyDockWidget(window.docks["log"], dock)
    window.docks["problems"] = dock
    checker = ProblemsChecker(window, panel)
    panel.node_clicked.connect(lambda node_id: frame_node(window, node_id))
    panel.key_requested.connect(lambda provider: open_keys(window, provider))
    panel.count_changed.connect(
        lambda n: dock.setWindowTitle(f"Problems ({n})" if n else "Problems")
    )
    window.run_log.knows = lambda node_id: node_id in window.document.graph.nodes
    window.run_log.node_clicked.connect(lambda node_id: frame_node(window, node_id))
    window.inspector.key_requested.connect(lambda provider: open_keys(window, provider))
    window.runner.providers_ready.connect(checker.schedule)
    window.runner.run_finished.connect(lambda _status: checker.schedule())
    return checker
