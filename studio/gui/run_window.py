"""What both windows that run graphs start with: the studio (`MainWindow`) and app mode
(`AppWindow`) start here, the same way: the node registry, the node states, a run queue and the
`RunController`; then each window's `_build()` adds its own parts (the canvas and its docks, or
the form and the result)."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QMainWindow, QWidget

from studio.gui.node_state import NodeStates
from studio.gui.run_controller import RunController
from studio.gui.run_queue import RunQueue

MESSAGE_MS = 8000  # how long a status-bar message stays


class RunWindow(QMainWindow):
    """A window that runs graphs: `registry`, `states`, `queue` and `runner`, then `_build()`."""

    queue_file = True  # False: the run queue lives in memory, the queue file is another window's
    estimates = True  # False: no whole-graph estimate after edits (the window prices runs itself)

    def __init__(
        self,
        registry: Any = None,
        cache: Any = None,
        providers: Any = None,
        record_history: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        """`registry` None: the installed node packs; `cache` None: the default result cache;
        `providers` None: the configured ones, made on first use."""
        super().__init__(parent)
        if registry is None:
            from studio.engine.registry import load_registry

            registry = load_registry()
        self.registry = registry
        self.closing_on_signal = False  # SIGTERM/SIGHUP: close without asking (studio.gui.shutdown)
        self.warmed_up = False  # the engines are imported in the background once it shows
        self.states = NodeStates(self)
        self.queue = RunQueue(parent=self, persistent=self.queue_file)
        self.runner = RunController(
            registry,
            self.states,
            self.queue,
            cache,
            providers,
            record_history,
            parent=self,
            estimates=self.estimates,
        )
        self._build()
        from studio.gui.app import task_failures

        # A background task that fails (an estimate, a copy, a conversion) is said in the
        # window, not only in the log file.
        task_failures().task_failed.connect(self._task_failed)

    def _build(self) -> None:
        """The window's own parts, built on the runner: each window defines them (a RunWindow
        alone has none: it runs graphs, shows nothing)."""

    def start_up_problems(self) -> list[str]:
        """What the window tells at start instead of the first run finding it out: a damaged
        settings file, a node pack that failed to load (everything else works)."""
        from studio.errors import StudioError
        from studio.gui.settings import GuiSettings
        from studio.providers.settings import load_settings

        problems = [f"Settings: {problem}" for problem in GuiSettings.load().problems]
        try:
            load_settings()
        except StudioError as exc:
            problems.append(f"Settings: {exc}")
        for problem in self.registry.problems:
            problems.append(f"Node pack {problem.pack!r}: {problem.message}")
        return problems

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self.warmed_up:
            from studio.gui.app import spawn
            from studio.gui.warmup import warm_up

            self.warmed_up = True  # started: once per window
            spawn(warm_up(self.runner), "preparing the engines")

    def show_message(self, text: str) -> None:
        self.statusBar().showMessage(text, MESSAGE_MS)

    def _task_failed(self, what: str, error: str) -> None:
        self.show_message(f"{what} failed: {error}")

    def about_to_stop(self, reason: str) -> None:
        """A stop signal came (studio.gui.shutdown): keep what must be kept before the run is
        cancelled and the window closes without asking. The studio keeps its autosave."""
        self.show_message(f"{reason}: cancelling the render and closing")
