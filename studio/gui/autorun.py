"""Auto-run on edit (off by default; a toolbar toggle): previews follow the edit by themselves.

After an edit (debounced), the nodes it made stale run again when everything they need costs
nothing: offline engines, bypassed nodes and results the cache already holds. A node that would
call a paid provider, one whose price is unknown, or a local server (its GPU time is the user's
to spend) stays stale until Run is pressed. Should a cache entry vanish between the check and the
run, the run is stopped before that node starts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from studio.engine.events import NodeStarted
from studio.gui.app import spawn

if TYPE_CHECKING:
    from studio.engine.executor import NodePlan
    from studio.gui.run_controller import RunController

DEBOUNCE_MS = 200  # a slider drag or a typed word runs once, as soon as it rests


def runs_for_free(plan: NodePlan) -> bool:
    """True when running this node costs nothing and calls no server: offline or bypassed."""
    from studio.providers.costs import node_cost

    if getattr(plan, "bypass", False):
        return True
    capability = next(
        (p.capability for p in plan.spec.params if p.kind == "provider" and p.capability), None
    )
    cost = node_cost(plan.spec.id, capability.value if capability else None, plan.params)
    return cost.usd == 0.0 and cost.provider == "offline"


class AutoRun(QObject):
    enabled_changed = Signal(bool)
    ran = Signal(list, list)  # nodes re-run, nodes left stale (they may cost money)

    def __init__(self, runner: RunController, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.enabled = False
        self._pending: set[str] = set()
        self._entry: Any = None  # the queue entry of the auto-run going on
        self._allowed: set[str] = set()  # nodes that auto-run may start (the free ones)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self._fire)
        runner.edited.connect(self._edited)
        runner.busy_changed.connect(self._busy_changed)
        runner.held_changed.connect(self._held_changed)
        runner.event_received.connect(self._guard)

    def set_enabled(self, enabled: bool) -> None:
        if enabled == self.enabled:
            return
        self.enabled = enabled
        self._pending.clear()
        self._timer.stop()
        self.enabled_changed.emit(enabled)

    # -- edits ------------------------------------------------------------------------------------
    def _edited(self, node_ids: list[str]) -> None:
        if self.enabled:
            self._pending.update(node_ids)
            self._timer.start()  # restarted by every edit: a slider drag runs once it rests

    def _busy_changed(self, busy: bool) -> None:
        if not busy:
            self._entry = None
            if self.enabled and self._pending:
                self._timer.start()

    def _held_changed(self, reason: str) -> None:
        if not reason and self.enabled and self._pending:
            self._timer.start()  # edits made while app mode rendered run now

    def _fire(self) -> None:
        if self.runner.busy or self.runner.held_by or not self._pending:
            return  # the run going on ends first (busy_changed or held_changed starts it again)
        spawn(self._run_free(), "auto-run after an edit")

    async def _run_free(self) -> None:
        from studio.errors import GraphErrors

        runner, doc = self.runner, self.runner.document
        if doc is None:
            return
        graph, edits = doc.graph, runner.states.edits
        candidates = sorted(n for n in self._pending if n in graph.nodes)
        self._pending.clear()
        needs: dict[str, list[str]] = {}
        plans: dict[str, NodePlan] = {}
        for node_id in candidates:  # one by one: a node with a problem leaves the others be
            try:
                planned = runner.executor.plan(graph, [node_id], doc.graph_dir)
            except GraphErrors:
                continue
            needs[node_id] = [p.node_id for p in planned]
            plans.update((p.node_id, p) for p in planned)
        free = {n for n, plan in plans.items() if runs_for_free(plan)}
        cached: dict[str, Any] = {}
        if free != set(plans):  # only a node that is not free needs its cache hit found first
            ordered = [plans[n] for n in graph.topological_order(set(plans))]
            cached = await runner.executor.cached_results(graph, ordered, doc.graph_dir)
        if runner.document is not doc or runner.states.edits != edits:
            self._pending.update(candidates)  # edited meanwhile: plan again after the next pause
            self._timer.start()
            return
        runnable = free | set(cached)
        targets = [n for n, need in needs.items() if all(m in runnable for m in need)]
        left = [n for n in candidates if n not in targets and runner.states.get(n).stale]
        if left:
            runner.log_line.emit(
                "info",
                "Auto-run left stale (they may cost money or use a server; press Run): "
                + ", ".join(left),
            )
        self.ran.emit(targets, left)
        if not targets or runner.busy or runner.held_by:
            self._pending.update(targets)
            return
        self._allowed = free
        self._entry = runner.request(targets, ask_about_cost=False, unattended=True)

    # -- the guard: nothing but free nodes starts in an auto-run ----------------------------------
    def _guard(self, event: Any) -> None:
        if (
            isinstance(event, NodeStarted)
            and self._entry is not None
            and self.runner.current is self._entry
            and event.node not in self._allowed
        ):
            self.runner.log_line.emit(
                "warning",
                f"Auto-run stopped before {event.node}: its cached result is gone and running it "
                "may cost money. Press Run to run it.",
            )
            self.runner.cancel()
