"""Run states and components: a run reports the inner nodes of a component by flat id
("scene_1/image"); the inside view shows them by inner id, and the component node itself shows
a summary (running while any inside runs, failed if one failed, done when all are) with the
result of the inner node that feeds each of its outputs, so its preview works like any node's."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject

from studio.graph.components import BOUNDARY_TYPES, OUTPUTS_TYPE, ComponentDef, component_of
from studio.gui.node_state import NodeStates, NodeStatus

if TYPE_CHECKING:
    from studio.gui.document import Document

# The summary of several inner states: the first of these that any inner node is in.
_ROLLUP = ("failed", "running", "queued", "cancelled", "skipped")


class ScopedStates(NodeStates):
    """The run states of one component use's inner nodes (flat ids "use/inner"), by inner id."""

    def __init__(self, base: NodeStates, prefix: str) -> None:
        super().__init__()
        self.base, self.prefix = base, prefix
        # Methods, not closures: Qt drops these connections when the view's scene (this
        # object's parent) is deleted; a closure stayed connected and raised on every later
        # change inside the component ("Signal source has been deleted"), one more per visit.
        base.status_changed.connect(self._relay_status)
        base.result_changed.connect(self._relay_result)

    def _inner_id(self, flat_id: str) -> str | None:
        rest = flat_id[len(self.prefix) :]
        return rest if flat_id.startswith(self.prefix) and "/" not in rest else None

    def _relay_status(self, flat_id: str) -> None:
        if (inner := self._inner_id(flat_id)) is not None:
            self.status_changed.emit(inner)

    def _relay_result(self, flat_id: str) -> None:
        if (inner := self._inner_id(flat_id)) is not None:
            self.result_changed.emit(inner)

    def get(self, node_id: str) -> NodeStatus:
        return self.base.get(self.prefix + node_id)

    def forget(self, node_id: str) -> None:
        self.base.forget(self.prefix + node_id)


class StateRollup(QObject):
    """Keeps each component node's state and result in step with the nodes inside it."""

    def __init__(self, states: NodeStates, root: Any) -> None:
        super().__init__(states)
        self.states = states
        self.root = root  # () -> the file's Document
        states.status_changed.connect(self._inner_changed)
        states.result_changed.connect(self._inner_changed)

    def _definition(self, owner: str) -> ComponentDef | None:
        """The definition of the component node with flat id `owner` ("a" or "a/b")."""
        document: Document = self.root()
        graph, definition = document.graph, None
        for part in owner.split("/"):
            node = graph.nodes.get(part)
            component_id = component_of(node) if node is not None else None
            definition = document.graph.components.get(component_id or "")
            if definition is None:
                return None
            graph = definition.graph
        return definition

    def _inner_changed(self, flat_id: str) -> None:
        if "/" not in flat_id:
            return
        owner = flat_id.rsplit("/", 1)[0]
        definition = self._definition(owner)
        if definition is None:
            return
        inner = [n for n, node in definition.graph.nodes.items() if node.type not in BOUNDARY_TYPES]
        statuses = [self.states.get(f"{owner}/{n}") for n in inner]
        state = _summary([s.state for s in statuses])
        current = self.states.get(owner)
        fraction = _fraction(statuses) if state == "running" else None
        changed = self.states.get(flat_id)
        message = changed.message if changed.state == "running" else current.message
        if state != current.state:
            errors = [s.error for s in statuses if s.error]
            self.states.set_state(
                owner, state, fraction=fraction, message=message, error=errors[0] if errors else ""
            )
        elif state == "running" and fraction != current.fraction:
            # The bar moves as the inside moves, not only when the summary's state changes.
            self.states.set_progress(owner, fraction, message)
        outputs = _outputs(definition, owner, self.states)
        if outputs != current.outputs:
            self.states.set_result(owner, outputs)
        # Its result is out of date while any result inside is (an edit, inside or upstream).
        self.states.set_stale(owner, any(s.stale for s in statuses))


def _fraction(statuses: list[NodeStatus]) -> float | None:
    """How far the inside is, all its nodes counted alike: done ones whole, running ones by
    their own progress."""
    if not statuses:
        return None
    done = [
        1.0 if s.state in ("done", "cached", "bypassed") else (s.fraction or 0.0) for s in statuses
    ]
    return sum(done) / len(done)


def _summary(states: list[str]) -> str:
    for state in _ROLLUP:
        if state in states:
            return state
    if states and all(s in ("done", "cached", "bypassed") for s in states):
        return "cached" if all(s == "cached" for s in states) else "done"
    return "idle"


def _outputs(definition: ComponentDef, owner: str, states: NodeStates) -> dict[str, Any]:
    """The component's outputs: the results of the inner ports wired to its outputs node."""
    outputs_id = definition.boundary(OUTPUTS_TYPE)
    found: dict[str, Any] = {}
    for edge in definition.graph.edges:
        if edge.dst == outputs_id:
            value = states.get(f"{owner}/{edge.src}").outputs.get(edge.src_port)
            if value is not None:
                found[edge.dst_port] = value
    return found
