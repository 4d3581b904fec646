"""The app-mode form: the few params a graph offers to someone who should not see the graph.

A graph file's `form` section lists fields in order; each field names one node param (a brief,
a picture to load, a voice, a format), with the label, help and allowed values the form shows.
The same form drives `studio render GRAPH --form name=value` and the app-mode window; every value
is checked against the param's own type and range and the field's allowed values, and a wrong
one is refused with the field's name and what it accepts.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studio.api import is_template, literal_braces, template_sources
from studio.errors import GraphError

if TYPE_CHECKING:
    from collections.abc import Collection

    from studio.api import Param
    from studio.graph.model import Graph

FIELD_NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}\Z")
FIELD_NAME_RULE = (
    "lowercase letters, digits and '_', starting with a letter (at most 40 characters)"
)


class FormError(GraphError):
    """A form value or field that cannot be used (named in the message)."""


def field_name_problem(name: str, taken: Collection[str] = ()) -> str:
    """Why `name` cannot name a field whose form already has the fields `taken` ("" if it can).

    The one rule for field names: the file format, Add to Form… and the Form panel all use it.
    """
    if not name:
        return f"a field needs a name ({FIELD_NAME_RULE})"
    if not FIELD_NAME_PATTERN.match(name):
        return f"{name!r} cannot be a field name: use {FIELD_NAME_RULE}"
    if name in taken:
        return f"the form already has a field named {name!r}"
    return ""


@dataclass
class FormField:
    """One field of the form: which param it sets and how the form presents it."""

    name: str  # what `--form NAME=VALUE` and the remembered values call it
    node: str
    param: str
    label: str = ""
    help: str = ""
    choices: tuple[str, ...] = ()  # allowed values; empty: whatever the param accepts


@dataclass
class Form:
    fields: list[FormField] = field(default_factory=list)
    title: str = ""
    # The node whose result the form shows and exports; None: the graph's one export node.
    result: str | None = None

    def field(self, name: str) -> FormField | None:
        return next((f for f in self.fields if f.name == name), None)


@dataclass(frozen=True)
class ResolvedField:
    """A field with the param it sets: what a form editor or `--form-help` shows."""

    field: FormField
    param: Param
    value: Any  # the graph's current value

    @property
    def label(self) -> str:
        return self.field.label or self.param.title or self.field.name

    @property
    def help(self) -> str:
        return self.field.help or self.param.help

    @property
    def choices(self) -> tuple[str, ...]:
        return self.field.choices or self.param.choices


# -- the file section -----------------------------------------------------------------------------
def form_to_dict(form: Form) -> dict[str, Any]:
    fields = []
    for item in form.fields:
        entry: dict[str, Any] = {"name": item.name, "node": item.node, "param": item.param}
        if item.label:
            entry["label"] = item.label
        if item.help:
            entry["help"] = item.help
        if item.choices:
            entry["choices"] = list(item.choices)
        fields.append(entry)
    doc: dict[str, Any] = {"fields": fields}
    if form.title:
        doc["title"] = form.title
    if form.result:
        doc["result"] = form.result
    return doc


def form_from_dict(doc: Any, where: str = "$.form") -> Form:
    if not isinstance(doc, dict):
        raise GraphError("'form' must be an object", path=where)
    items = doc.get("fields", [])
    if not isinstance(items, list):
        raise GraphError("'fields' must be a list", path=f"{where}.fields")
    form = Form(title=_text(doc, "title", where), result=_text(doc, "result", where) or None)
    for i, item in enumerate(items):
        here = f"{where}.fields[{i}]"
        if not isinstance(item, dict):
            raise GraphError("a form field must be an object", path=here)
        name = _text(item, "name", here)
        problem = field_name_problem(name)
        if problem:
            raise GraphError(problem, path=f"{here}.name")
        if form.field(name) is not None:
            raise GraphError(f"two fields are named {name!r}", path=here)
        choices = item.get("choices", [])
        if not isinstance(choices, list) or not all(isinstance(c, str) for c in choices):
            raise GraphError("'choices' must be a list of texts", path=f"{here}.choices")
        form.fields.append(
            FormField(
                name=name,
                node=_text(item, "node", here),
                param=_text(item, "param", here),
                label=_text(item, "label", here),
                help=_text(item, "help", here),
                choices=tuple(choices),
            )
        )
    return form


def _text(doc: dict[str, Any], key: str, where: str) -> str:
    value = doc.get(key, "")
    if not isinstance(value, str):
        raise GraphError(f"{key!r} must be text", path=f"{where}.{key}")
    return value


# -- fields with their params --------------------------------------------------------------------
def resolve_fields(graph: Graph, registry: Any) -> list[ResolvedField]:
    """Every field with the param it sets. Raises FormError for a field whose param is gone.

    `registry` must know the graph's component nodes (studio.engine.components.ComponentRegistry)
    when a field sets a component's exposed param.
    """
    form = graph.form
    if form is None:
        return []
    resolved = []
    for item in form.fields:
        node = graph.nodes.get(item.node)
        if node is None:
            raise FormError(f"form field {item.name!r} sets node {item.node!r}, which is gone")
        spec = registry.get(node.type)
        param = spec.param(item.param) if spec else None
        if param is None:
            raise FormError(
                f"form field {item.name!r} sets {item.node}.{item.param}, which is not a param "
                f"of {spec.title if spec else node.type}"
            )
        value = node.params.get(item.param, param.default)
        resolved.append(ResolvedField(item, param, value))
    return resolved


def parse_value(resolved: ResolvedField, raw: Any) -> Any:
    """The value a field takes from `raw` (text from a command line, or a widget's value).

    Raises FormError naming the field and what it accepts.
    """
    param, name = resolved.param, resolved.field.name
    value = raw
    if isinstance(raw, str) and param.kind in ("int", "seed", "float", "bool"):
        text = raw.strip().lower()
        if param.kind == "bool":
            if text in ("true", "yes", "on", "1"):
                value = True
            elif text in ("false", "no", "off", "0"):
                value = False
        else:
            try:
                value = json.loads(text)
            except ValueError:
                value = raw
    if resolved.choices and value not in resolved.choices:
        raise FormError(f"field {name!r} expects one of {', '.join(resolved.choices)}; got {raw!r}")
    try:
        return param.coerce(value)
    except ValueError as exc:
        raise FormError(f"field {name!r} {exc}") from None


def value_problems(fields: list[ResolvedField], values: dict[str, Any]) -> dict[str, FormError]:
    """Each field whose value in `values` it would not take, with why (every one, where
    `apply_values` stops at the first); fields without a value are not checked."""
    problems = {}
    for resolved in fields:
        name = resolved.field.name
        if name in values:
            try:
                parse_value(resolved, values[name])
            except FormError as exc:
                problems[name] = exc
    return problems


def apply_values(
    graph: Graph, registry: Any, values: dict[str, Any], base_dir: Path | None = None
) -> dict[str, Any]:
    """Set the params the fields name; returns the values as set. Nothing changes on an error.

    File fields take a path (relative to `base_dir`, the user's current folder on a command line);
    it must name an existing file.
    """
    resolved = {r.field.name: r for r in resolve_fields(graph, registry)}
    unknown = sorted(set(values) - set(resolved))
    if unknown:
        known = ", ".join(resolved) or "none: this graph defines no form"
        raise FormError(f"unknown form field {unknown[0]!r} (fields: {known})")
    parsed: dict[str, Any] = {}
    for name, raw in values.items():
        item = resolved[name]
        value = parse_value(item, raw)
        if item.param.kind == "file" and isinstance(value, str) and value:
            path = Path(value).expanduser()
            if not path.is_absolute():
                path = (base_dir or Path.cwd()) / path
            if not path.is_file():
                raise FormError(f"field {name!r}: no such file {value!r}")
            value = str(path.resolve())
        parsed[name] = value
    for name, value in parsed.items():
        target = resolved[name].field
        node = graph.nodes[target.node]
        if is_template(resolved[name].param) and isinstance(value, str):
            # Someone filling a form types words, not template syntax: "{name}" stays as typed.
            spec = registry.get(node.type)
            value = literal_braces(value, template_sources(spec) if spec else ())
            parsed[name] = value
        node.params[target.param] = value
    return parsed


def describe_fields(graph: Graph, registry: Any) -> str:
    """The fields for `--form-help`: name, label, kind, allowed values, current value, help."""
    fields = resolve_fields(graph, registry)
    if not fields:
        return (
            "this graph defines no form (in the studio, right-click a param in the inspector: "
            "Add to Form…)"
        )
    lines = []
    for item in fields:
        lines.append(f"  {item.field.name}  ({item.param.kind})  {item.label}")
        if item.choices:
            lines.append(f"      one of: {', '.join(item.choices)}")
        elif item.param.minimum is not None or item.param.maximum is not None:
            lines.append(f"      from {item.param.minimum} to {item.param.maximum}")
        lines.append(f"      now: {item.value!r}")
        if item.help:
            lines.append(f"      {item.help}")
    return "\n".join(lines)


def form_problems(graph: Graph, registry: Any) -> list[GraphError]:
    """Fields pointing at nodes or params that are gone, and result nodes that do not exist."""
    form = graph.form
    if form is None:
        return []
    problems: list[GraphError] = []
    for i, item in enumerate(form.fields):
        node = graph.nodes.get(item.node)
        spec = registry.get(node.type) if node else None
        if node is None or (spec is not None and spec.param(item.param) is None):
            problems.append(
                GraphError(
                    f"form field {item.name!r} sets {item.node}.{item.param}, which does not exist",
                    path=f"$.form.fields[{i}]",
                )
            )
    if form.result and form.result not in graph.nodes:
        problems.append(
            GraphError(f"the form's result node {form.result!r} does not exist", path="$.form")
        )
    return problems
