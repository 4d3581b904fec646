"""The run's event stream: small frozen dataclasses, one stream for the CLI, the GUI and history.

`fraction` is progress in 0..1, or None when it cannot be known.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from studio.api import Artifact


@dataclass(frozen=True)
class Event:
    run_id: str

    @property
    def kind(self) -> str:
        return _KINDS[type(self)]

    def to_json(self) -> dict[str, Any]:
        data = {"event": self.kind}
        data.update({k: _jsonable(v) for k, v in asdict(self).items()})
        return data


@dataclass(frozen=True)
class RunStarted(Event):
    graph: str
    nodes: tuple[str, ...]  # the nodes this run will consider, in order
    started_at: float


@dataclass(frozen=True)
class NodeQueued(Event):
    node: str


@dataclass(frozen=True)
class NodeStarted(Event):
    node: str


@dataclass(frozen=True)
class NodeProgress(Event):
    node: str
    fraction: float | None
    message: str = ""


@dataclass(frozen=True)
class NodePreview(Event):
    node: str
    value: Any


@dataclass(frozen=True)
class NodeLog(Event):
    node: str
    message: str


@dataclass(frozen=True)
class NodeWarning(Event):
    """A degraded-but-usable result: the run goes on, the user is told (badge, CLI, history)."""

    node: str
    message: str


@dataclass(frozen=True)
class NodeCached(Event):
    node: str
    outputs: dict[str, Any]
    provenance: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class NodeFinished(Event):
    node: str
    outputs: dict[str, Any]
    seconds: float
    provenance: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class NodeBypassed(Event):
    """A bypassed node passed its inputs on without running: `outputs` are those inputs."""

    node: str
    outputs: dict[str, Any]


@dataclass(frozen=True)
class NodeFailed(Event):
    node: str
    error: str
    upstream: str | None = None  # set when the node was skipped because this node failed
    provenance: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class NodeCancelled(Event):
    node: str


@dataclass(frozen=True)
class RunFinished(Event):
    status: str  # "succeeded", "failed", "cancelled"
    failures: dict[str, str]
    seconds: float
    executed: int
    cached: int


_KINDS = {
    RunStarted: "run_started",
    NodeQueued: "queued",
    NodeStarted: "started",
    NodeProgress: "progress",
    NodePreview: "preview",
    NodeLog: "log",
    NodeWarning: "warning",
    NodeCached: "cached",
    NodeFinished: "finished",
    NodeBypassed: "bypassed",
    NodeFailed: "failed",
    NodeCancelled: "cancelled",
    RunFinished: "run_finished",
}

EventSink = Callable[[Event], None]


def _jsonable(value: Any) -> Any:
    if isinstance(value, Artifact):
        return {
            "kind": value.kind,
            "path": str(value.path),
            "digest": value.digest,
            "meta": {k: _jsonable(v) for k, v in value.meta.items()},
        }
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)
