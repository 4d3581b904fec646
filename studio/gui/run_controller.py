"""Runs from the window: the executor on the qasync loop, its events turned into Qt signals.

Run all / run up to a node / cancel; a run started while another is going waits in the queue.
The executor does its CPU work in its own thread pool, so the window never freezes.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from studio.engine.events import (
    NodeBypassed,
    NodeCached,
    NodeCancelled,
    NodeFailed,
    NodeFinished,
    NodeLog,
    NodePreview,
    NodeProgress,
    NodeQueued,
    NodeStarted,
    NodeWarning,
    RunFinished,
    RunStarted,
)
from studio.graph.outputs import choose_output
from studio.gui.app import lower_thread_priority, spawn
from studio.gui.components_stale import DefinitionWatch
from studio.gui.previews import LIVE_PREVIEW
from studio.gui.replace_guard import ReplaceGuard
from studio.gui.run_queue import QueueEntry, RunQueue

if TYPE_CHECKING:
    from studio.engine.estimate import RunEstimate
    from studio.engine.events import Event
    from studio.engine.executor import Executor
    from studio.gui.document import Document
    from studio.gui.node_state import NodeStates

log = logging.getLogger(__name__)
ESTIMATE_DELAY_MS = 400


class HistoryRecorder:
    """Writes run history (SQLite) on its own thread, so a disk sync never stalls the window."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="studio-history", initializer=lower_thread_priority
        )
        self._history: Any = None

    def __call__(self, event: Event) -> None:
        self._pool.submit(self._record, event)

    def _record(self, event: Event) -> None:
        try:
            if self._history is None:
                from studio.engine.history import History

                self._history = History()
            self._history.record(event)
        except Exception:  # history is a record, never a reason to fail a run
            log.exception("could not record run history")

    def close(self) -> None:
        self._pool.shutdown(wait=True)


class RunController(QObject):
    busy_changed = Signal(bool)
    log_line = Signal(str, str)  # level ("info", "warning", "error"), text
    summary_changed = Signal(str)  # nodes to run, cache hits, estimated cost
    run_finished = Signal(str)  # "succeeded", "failed", "cancelled" or "invalid"
    entry_finished = Signal(str, str)  # queue entry id, status
    event_received = Signal(object)  # every engine event, for anyone who wants it
    providers_ready = Signal()  # the engines are imported and the provider registry is built
    edited = Signal(list)  # ids of the nodes whose result an edit changed (auto-run listens)
    held_changed = Signal(str)  # why runs wait for another window's render ("": they need not)

    def __init__(
        self,
        registry: Any,
        states: NodeStates,
        queue: RunQueue | None = None,
        cache: Any = None,
        providers: Any = None,
        record_history: bool = True,
        parent: QObject | None = None,
        estimates: bool = True,
    ) -> None:
        """`estimates=False`: no whole-graph estimate after edits and runs (app mode prices
        its result node itself and shows no summary)."""
        super().__init__(parent)
        self.registry = registry
        self._estimates = estimates
        self.states = states
        self.queue = queue if queue is not None else RunQueue(parent=self)
        self._cache, self._providers = cache, providers
        self._executor: Executor | None = None
        self._history = HistoryRecorder() if record_history else None
        self.document: Document | None = None
        self.current: QueueEntry | None = None
        # Asked before a run that includes nodes of unknown price: True to run. The window shows
        # a question; None runs without asking (tests, headless use).
        self.confirm_unknown_cost: Callable[[RunEstimate], bool] | None = None
        self._unknown_cost_accepted: set[tuple[str, frozenset[str]]] = set()
        # A run never replaces an existing export silently (asks, or numbers the file).
        self.replace_guard = ReplaceGuard(self)
        self._cached_ids: set[str] = set()  # cache hits found by the last estimate
        self._edits_seen: dict[str, int] = {}  # queue entry id -> states.edits at its snapshot
        # Another window renders with the same cache and processors (app mode, or the studio
        # while app mode is open): runs asked for meanwhile wait in the queue, then start.
        self.held_by = ""
        self._start_on_release = False
        self._estimate_timer = QTimer(self)
        self._estimate_timer.setSingleShot(True)
        self._estimate_timer.timeout.connect(lambda: spawn(self.estimate(), "estimating the run"))
        self._definitions = DefinitionWatch(self._on_component_model)

    # -- wiring -----------------------------------------------------------------------------------
    @property
    def cache(self) -> Any:
        """The cache runs use (None until given: the default one is made with the executor)."""
        return self._cache

    @property
    def records_history(self) -> bool:
        return self._history is not None

    @property
    def providers(self) -> Any:
        if self._providers is None:
            from studio.providers.setup import default_providers

            self._providers = default_providers()
        return self._providers

    def adopt_providers(self, providers: Any) -> None:
        """Use a provider registry built elsewhere (the warm-up), unless one is in use already."""
        if self._providers is None:
            self._providers = providers
        self.providers_ready.emit()

    @property
    def executor(self) -> Executor:
        if self._executor is None:
            from studio.engine.cache import default_cache
            from studio.engine.executor import Executor

            cache = self._cache if self._cache is not None else default_cache()
            self._executor = Executor(
                self.registry,
                cache,
                self._on_event,
                providers=self.providers,
                thread_initializer=lower_thread_priority,
            )
            if self._history is not None:
                self._executor.add_sink(self._history)
            from studio.logs import RunLogger

            self._executor.add_sink(RunLogger())  # runs, failures, warnings: the log file
        return self._executor

    def set_document(self, document: Document) -> None:
        if self.document is not None:
            self.document.graph.unsubscribe(self._on_model)
        if document is not self.document:
            self.replace_guard.forget()  # another graph: its files are asked about afresh
        self.document = document
        document.graph.subscribe(self._on_model)
        self._definitions.follow(document)  # edits inside its components count too
        self.schedule_estimate()

    def close(self) -> None:
        """Stop timers and the current run (the window is closing)."""
        self._estimate_timer.stop()
        self._estimate_timer.timeout.disconnect()
        if self._executor is not None:
            self._executor.cancel()
            self._executor.close()
        if self._history is not None:
            self._history.close()

    @property
    def busy(self) -> bool:
        return self.current is not None

    # -- commands ---------------------------------------------------------------------------------
    def run_all(self) -> None:
        self.request(None)

    def run_to(self, node_id: str) -> None:
        self.request([node_id])

    def request(
        self,
        targets: list[str] | None,
        ask_about_cost: bool = True,
        overrides: dict[str, dict[str, Any]] | None = None,
        replace_ok: Iterable[Path] = (),
        unattended: bool = False,
    ) -> QueueEntry | None:
        """Run now, or queue the run if one is going. The graph is taken as it is right now.

        `ask_about_cost=False`: the caller checked that nothing of unknown price will run
        (auto-run runs only free nodes and cache hits).
        `unattended`: nobody asked for this run (auto-run), so no question is asked: a node that
        would replace an existing file is left out of the run instead.
        `overrides`: params for this run only ({node: {param: value}}), the graph keeps its own
        (the Export dialog writes where the user chose without rewriting the node's path).
        `replace_ok`: files the user already agreed to replace (the Export dialog asked).
        """
        if self.document is None:
            return None
        from studio.graph.fileformat import graph_to_dict
        from studio.graph.outputs import chosen_outputs

        doc = self.document
        if ask_about_cost and not self._unknown_cost_ok(targets):
            self.log_line.emit("warning", "Run not started: some prices are unknown")
            return None
        snapshot = copy.deepcopy(graph_to_dict(doc.graph))  # this run's: the graph stays
        chosen = set(chosen_outputs(doc.graph))
        for node_id, params in (overrides or {}).items():
            snapshot["nodes"][node_id]["params"].update(params)
            spec = self.registry.get(snapshot["nodes"][node_id]["type"])
            outputs = {p.name for p in spec.params if p.kind == "output"} if spec else set()
            chosen.update(str(v) for name, v in params.items() if name in outputs)
        self.replace_guard.allow(replace_ok)
        go, targets = self.replace_guard.settle(snapshot, chosen, targets, not unattended)
        if not go:
            return None
        label = f"{doc.display_name}: " + (f"up to {', '.join(targets)}" if targets else "all")
        entry = QueueEntry(
            label,
            snapshot,
            str(doc.graph_dir) if doc.graph_dir else None,
            list(targets or []),
            doc.key,
            str(doc.path) if doc.path else None,
            sorted(chosen),
        )
        self._edits_seen[entry.id] = self.states.edits
        if self.held_by and not self.busy:
            self.queue.add(entry)
            self._start_on_release = True
            self.log_line.emit("info", f"Queued run ({label}): waits while {self.held_by}")
        elif self.busy:
            self.queue.add(entry)
            self.log_line.emit("info", f"Queued run ({label}); {len(self.queue.entries)} waiting")
        else:
            self._start(entry)
        return entry

    def hold(self, reason: str) -> None:
        """Keep runs from starting while another window renders (`reason` says what, for the
        user); hold("") lets them start again, the runs queued meanwhile first."""
        if reason == self.held_by:
            return
        self.held_by = reason
        self.held_changed.emit(reason)
        if not reason and self._start_on_release:
            self._start_on_release = False
            self.start_queue()

    def _unknown_cost_ok(self, targets: list[str] | None) -> bool:
        """Ask once per graph and set of unknown prices before spending an unstated amount."""
        from studio.engine.estimate import estimate_run
        from studio.errors import GraphErrors

        doc = self.document
        if self.confirm_unknown_cost is None or doc is None:
            return True
        try:
            plans = self.executor.plan(doc.graph, targets or None, doc.graph_dir)
        except GraphErrors:
            return True  # the run reports the problems itself
        cached = dict.fromkeys(self._cached_ids)
        estimate = estimate_run(plans, cached)
        if not estimate.unknown:
            return True
        asked = (doc.key, frozenset(label for _, label in estimate.unknown))
        if asked in self._unknown_cost_accepted:
            return True
        if not self.confirm_unknown_cost(estimate):
            return False
        self._unknown_cost_accepted.add(asked)
        return True

    def start_queue(self) -> None:
        if not self.busy and not self.held_by:
            entry = self.queue.pop_next()
            if entry is not None:
                self._start(entry)

    def cancel(self) -> None:
        if self._executor is not None and self.busy:
            self.log_line.emit("warning", "Cancelling the run…")
            self._executor.cancel()

    def _start(self, entry: QueueEntry) -> None:
        self.current = entry
        self.busy_changed.emit(True)
        spawn(self._run(entry), f"run {entry.label}")

    async def _run(self, entry: QueueEntry) -> None:
        from studio.errors import GraphErrors
        from studio.graph.fileformat import graph_from_dict

        status = "invalid"
        try:
            graph = graph_from_dict(entry.graph)
            for value in entry.chosen_outputs:
                choose_output(graph, value)
            graph_dir = Path(entry.graph_dir) if entry.graph_dir else None
            try:
                plans = self.executor.plan(graph, entry.targets or None, graph_dir)
            except GraphErrors as exc:
                self._report_problems(entry, exc)
                return
            result = await self.executor.run(
                graph, targets=entry.targets or None, graph_dir=graph_dir, plans=plans
            )
            status = result.status
        finally:
            from shiboken6 import isValid

            if isValid(self):  # not when the window closed during the run: nobody is left to tell
                self._finished(entry, status)

    def _finished(self, entry: QueueEntry, status: str) -> None:
        self.current = None
        self.busy_changed.emit(False)
        self.run_finished.emit(status)
        self.entry_finished.emit(entry.id, status)
        self._edits_seen.pop(entry.id, None)
        self.schedule_estimate()
        if self.queue.entries:
            self.start_queue()

    def _report_problems(self, entry: QueueEntry, exc: Any) -> None:
        self.log_line.emit("error", "The graph cannot run yet:")
        for error in exc.errors:
            self.log_line.emit("error", f"  • {error.describe()}")
            if error.node and self._is_current_document(entry):
                self.states.set_state(error.node, "failed", error=error.message)

    def _is_current_document(self, entry: QueueEntry) -> bool:
        doc = self.document
        if doc is None:
            return False
        return entry.doc_key == doc.key or bool(
            entry.doc_path and doc.path and entry.doc_path == str(doc.path)
        )

    # -- the event stream -> node states and log --------------------------------------------------
    def _on_event(self, event: Event) -> None:
        self.event_received.emit(event)
        node = getattr(event, "node", None)
        show = self.current is not None and self._is_current_document(self.current)
        states = self.states
        if isinstance(event, RunStarted):
            self.log_line.emit("info", f"Run started: {len(event.nodes)} node(s)")
        elif isinstance(event, NodeQueued) and show:
            states.set_state(event.node, "queued")
        elif isinstance(event, NodeStarted):
            if show:
                states.set_state(event.node, "running")
            self.log_line.emit("info", f"{node}: started")
        elif isinstance(event, NodeProgress) and show:
            states.set_progress(event.node, event.fraction, event.message)
        elif isinstance(event, NodePreview) and show:
            states.set_result(event.node, {LIVE_PREVIEW: event.value})
            states.clear_stale(event.node, self._current_edits_seen())
        elif isinstance(event, NodeLog):
            self.log_line.emit("info", f"{node}: {event.message}")
        elif isinstance(event, NodeWarning):
            if show:
                states.add_warning(event.node, event.message)
            self.log_line.emit("warning", f"{node}: {event.message}")
        elif isinstance(event, NodeCached):
            if show:
                states.set_state(event.node, "cached")
                states.set_result(event.node, event.outputs)
                states.clear_stale(event.node, self._current_edits_seen())
            self.log_line.emit("info", f"{node}: from the cache")
        elif isinstance(event, NodeFinished):
            if show:
                states.set_state(event.node, "done", seconds=event.seconds)
                states.set_result(event.node, event.outputs)
                states.clear_stale(event.node, self._current_edits_seen())
            self.log_line.emit("info", f"{node}: done in {event.seconds:.2f} s")
        elif isinstance(event, NodeBypassed):
            if show:
                states.set_state(event.node, "bypassed")
                states.set_result(event.node, event.outputs)
                states.clear_stale(event.node, self._current_edits_seen())
        elif isinstance(event, NodeFailed):
            if show:  # an old result would hide the error: the preview area shows it instead
                # Skipped (a node before it failed) is not this node's failure.
                state = "skipped" if event.upstream else "failed"
                states.set_state(event.node, state, error=event.error)
                states.set_result(event.node, {})
            self.log_line.emit("warning" if event.upstream else "error", f"{node}: {event.error}")
        elif isinstance(event, NodeCancelled):
            if show:
                states.set_state(event.node, "cancelled")
        elif isinstance(event, RunFinished):
            if show:
                states.settle()  # nothing stays "running" once the run is over
            level = (
                "info"
                if event.status == "succeeded"
                else ("warning" if event.status == "cancelled" else "error")
            )
            self.log_line.emit(
                level,
                f"Run {event.status} in {event.seconds:.1f} s: "
                f"{event.executed} ran, {event.cached} from the cache"
                + (f", {len(event.failures)} failed" if event.failures else ""),
            )

    # -- estimate: nodes to run, cache hits, cost; also shows cached results ----------------------
    def _on_model(
        self, kind: str, details: dict[str, Any], component_id: str | None = None
    ) -> None:
        if kind in (
            "node_added",
            "node_removed",
            "edge_added",
            "edge_removed",
            "param_changed",
            "mode_changed",  # bypass and mute change what the node and those after it make
        ):
            self._mark_stale(kind, details, component_id)
            self.schedule_estimate()

    def _on_component_model(self, component_id: str, kind: str, details: dict[str, Any]) -> None:
        """An edit inside a component (or its definition replaced by an update)."""
        if kind == "replaced":
            self._mark_stale(kind, {}, component_id)
            self.schedule_estimate()
        else:
            self._on_model(kind, details, component_id)

    def _current_edits_seen(self) -> int:
        return self._edits_seen.get(self.current.id, 0) if self.current is not None else 0

    def _mark_stale(
        self, kind: str, details: dict[str, Any], component_id: str | None = None
    ) -> None:
        """An edit makes the shown results of the node and its descendants out of date.

        They stay visible, marked stale, until a run that includes the edit replaces them; a
        run going on now took its snapshot before the edit, so its results stay stale too. An
        edit inside a component (`component_id`) changes every use of it; an edit reaching a
        component node changes the nodes inside it (run states are kept by flat id).
        """
        from studio.graph.component_uses import affected_by, param_holder

        if self.document is None:
            return
        graph = self.document.graph
        if kind == "param_changed":  # a component node's exposed param: the node inside
            roots = [param_holder(graph, component_id, details["node"], details["name"])]
        elif kind == "mode_changed":
            roots = [details["node"]]
        elif kind in ("edge_added", "edge_removed"):
            roots = [details["edge"].dst]
        elif kind == "replaced" and component_id is not None:
            definition = graph.components[component_id]
            roots = list(definition.graph.nodes)  # all of it may differ
        else:
            return
        affected = affected_by(graph, component_id, roots)
        if not self.busy:  # mid-run the states belong to the run
            for node_id in affected:
                if self.states.get(node_id).state != "idle":
                    self.states.set_state(node_id, "idle")
        self.states.mark_stale(affected)
        self.edited.emit(sorted(affected))

    def schedule_estimate(self) -> None:
        if self._estimates:
            self._estimate_timer.start(ESTIMATE_DELAY_MS)

    async def estimate(self) -> None:
        """Update the summary, and show cached results of nodes not yet run in this session."""
        from studio.engine.estimate import estimate_run
        from studio.errors import GraphErrors

        doc = self.document
        if doc is None or self.busy:
            return
        graph = doc.graph
        edits = self.states.edits
        if not graph.nodes:
            self.summary_changed.emit("Empty graph: double-click or press Tab to add a node")
            return
        try:
            plans = self.executor.plan(graph, None, doc.graph_dir)
        except GraphErrors as exc:
            count = len(exc.errors)
            self.summary_changed.emit(
                f"{len(graph.nodes)} nodes · {count} problem"
                f"{'s' if count != 1 else ''} to fix before a run"
            )
            return
        cached = await self.executor.cached_results(graph, plans, doc.graph_dir)
        if doc is not self.document or self.busy or self.states.edits != edits:
            return  # an edit came meanwhile: the hits may be for the old graph; it re-estimates
        for node_id, hit in cached.items():
            status = self.states.get(node_id)
            if status.state == "idle" or status.stale:
                self.states.set_state(node_id, "cached")
                self.states.set_result(node_id, hit.outputs)
                self.states.clear_stale(node_id, edits)
                for warning in hit.provenance.get("warnings") or []:
                    self.states.add_warning(node_id, str(warning))
        self._cached_ids = set(cached)
        to_run = len(plans) - len(cached)
        text = f"{len(plans)} nodes · {to_run} to run · {len(cached)} cached"
        estimate = estimate_run(plans, cached)
        if not estimate.free:
            text += f" · {estimate.short()}"
        self.summary_changed.emit(text)
