"""Typed errors with a location; the CLI and GUI turn them into user words once, at the edge."""

from __future__ import annotations


class StudioError(Exception):
    """Base of every error the studio reports to a user (never shown as a traceback)."""


class GraphError(StudioError):
    """A problem with a graph or graph file, located by node id, port and JSON path where known."""

    def __init__(
        self,
        message: str,
        *,
        node: str | None = None,
        port: str | None = None,
        path: str | None = None,
    ) -> None:
        self.message = message
        self.node = node
        self.port = port
        self.path = path
        super().__init__(self.describe())

    def describe(self) -> str:
        where = []
        if self.node is not None:
            where.append(f"node {self.node!r}")
        if self.port is not None:
            where.append(f"port {self.port!r}")
        if self.path is not None:
            where.append(f"at {self.path}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class GraphErrors(GraphError):
    """Several graph problems found in one validation pass; each keeps its own location."""

    def __init__(self, errors: list[GraphError]) -> None:
        self.errors = errors
        super().__init__("\n".join(e.describe() for e in errors))

    def describe(self) -> str:  # the joined list is the description
        return "\n".join(e.describe() for e in getattr(self, "errors", []))


class NodeError(StudioError):
    """A node failed while running; `node` is filled in where the node does not know its id."""

    def __init__(self, message: str, *, node: str | None = None) -> None:
        self.message = message
        self.node = node
        super().__init__(message)

    def __str__(self) -> str:
        return f"node {self.node!r}: {self.message}" if self.node else self.message


class ProviderError(StudioError):
    """A provider (local server or remote API) refused or failed a call."""

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        status: int | None = None,
        retryable: bool = False,
    ) -> None:
        self.message = message
        self.provider = provider
        self.status = status
        self.retryable = retryable
        super().__init__(message)

    def __str__(self) -> str:
        status = f" (HTTP {self.status})" if self.status else ""
        return f"{self.provider}{status}: {self.message}"


class Cancelled(StudioError):
    """The run was cancelled; raised inside nodes at their next cancellation check."""
