"""Pieces the CLI commands share: loading a graph, applying --set, building an executor."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from studio.errors import GraphError, StudioError


class UsageError(StudioError):
    """A command-line mistake (exit code 2)."""


def graph_file(path_text: str | Path) -> Path:
    """The graph file a command was given: the file itself, or the one graph file in a folder."""
    path = Path(path_text)
    if path.is_dir():
        candidates = graph_files_in(path)
        if len(candidates) != 1:
            raise UsageError(f"{path} is a folder; name the graph file inside it")
        path = candidates[0]
    return path


def load_graph_file(path_text: str):
    from studio.graph.fileformat import load_graph

    path = graph_file(path_text)
    return load_graph(path), path.resolve().parent


def graph_files_in(folder: Path) -> list[Path]:
    """The graph files directly in a folder: `.studiograph`, and `.json` (how graphs were saved)."""
    return sorted([*folder.glob("*.studiograph"), *folder.glob("*.json")])


def apply_overrides(graph, registry, assignments: list[str]) -> None:
    """Apply `--set NODE.PARAM=VALUE`; VALUE is read as JSON when it parses, else as text."""
    for assignment in assignments:
        target, sep, raw = assignment.partition("=")
        node_id, dot, param_name = target.partition(".")
        if not sep or not dot or not node_id or not param_name:
            raise UsageError(f"--set {assignment!r}: expected NODE.PARAM=VALUE")
        node = graph.nodes.get(node_id)
        if node is None:
            known = ", ".join(sorted(graph.nodes))
            raise UsageError(f"--set {assignment!r}: no node {node_id!r} (nodes: {known})")
        spec = registry.get(node.type)
        param = spec.param(param_name) if spec else None
        if param is None:
            names = ", ".join(p.name for p in spec.params) if spec else "unknown node type"
            raise UsageError(
                f"--set {assignment!r}: {node_id} has no param {param_name!r} (params: {names})"
            )
        value: Any = raw
        if param.kind not in ("string", "text", "file", "output", "choice", "provider", "color"):
            try:
                value = json.loads(raw)
            except ValueError:
                value = raw
        try:
            node.params[param_name] = param.coerce(value)
        except ValueError as exc:
            raise GraphError(f"--set: param {param_name!r} {exc}", node=node_id) from None
        if param.kind == "output":
            from studio.graph.outputs import choose_output

            choose_output(graph, node.params[param_name])  # typed by the user: theirs to choose


def apply_form_values(graph, registry, assignments: list[str]) -> None:
    """Apply `--form FIELD=VALUE` through the graph's form: every value is checked (the field
    exists, the value is one it accepts) before any is set, so a mistake renders nothing."""
    if not assignments:
        return
    from studio.engine.components import ComponentRegistry
    from studio.graph.form import apply_values

    values: dict[str, str] = {}
    for assignment in assignments:
        name, sep, raw = assignment.partition("=")
        if not sep or not name.strip():
            raise UsageError(
                f"--form {assignment!r}: expected FIELD=VALUE (--form-help lists them)"
            )
        values[name.strip()] = raw
    apply_values(graph, ComponentRegistry(registry, graph), values, base_dir=Path.cwd())


def form_help(graph, registry) -> str:
    from studio.engine.components import ComponentRegistry
    from studio.graph.form import describe_fields

    title = graph.form.title if graph.form is not None and graph.form.title else ""
    text = describe_fields(graph, ComponentRegistry(registry, graph))
    if graph.form is None or not graph.form.fields:
        return text
    heading = "form fields; fill them with --form FIELD=VALUE, once per field:"
    return "\n".join(line for line in (title, heading, text) if line)


def make_executor(registry, sink=None, use_history: bool = True):
    from studio.engine.cache import default_cache
    from studio.engine.executor import Executor
    from studio.logs import RunLogger
    from studio.providers.setup import default_providers

    executor = Executor(registry, default_cache(), sink, providers=default_providers())
    executor.add_sink(RunLogger())  # runs, failures and warnings go to the log file
    history = None
    if use_history:
        from studio.engine.history import History

        history = History()
        executor.add_sink(history)
    return executor, history
