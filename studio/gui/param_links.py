"""Ties between a node's params that the inspector shows before any run.

- A size preset ("1920x1080" ... "custom") drives width and height: they show the preset's size,
  greyed, unless the preset is "custom".
- A template's `{variables}` are checked against the node's inputs: a name no input gives
  (`{moood}`) is marked red, with the names it could be; a name whose input is not connected is
  marked amber (the run would stop there).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from studio.api import is_template, template_sources, template_variables

if TYPE_CHECKING:
    from studio.api import NodeSpec
    from studio.graph.model import Graph
    from studio.gui.param_editors import ParamEditor

CUSTOM = "custom"
SIZE = re.compile(r"^(\d+)x(\d+)$")


@dataclass(frozen=True)
class TemplateIssue:
    name: str  # the variable
    unknown: bool  # True: no input gives it; False: its input is not connected
    message: str


def template_issues(graph: Graph, node_id: str, spec: NodeSpec, text: str) -> list[TemplateIssue]:
    """What is wrong with the variables of `text` (a template param of the node), before a run."""
    sources = template_sources(spec)
    connected = {e.dst_port for e in graph.edges_into(node_id)}
    issues = []
    for name in template_variables(text):
        source = sources.get(name)
        if source is None:
            close = difflib.get_close_matches(name, list(sources), n=1)
            known = ", ".join(f"{{{n}}}" for n in sources) or "none"
            hint = f"did you mean {{{close[0]}}}? " if close else ""
            issues.append(
                TemplateIssue(name, True, f"{{{name}}} names no input: {hint}(known: {known})")
            )
        elif source not in connected:
            what = f"connect the {source!r} input" if source == name else "connect a brief"
            issues.append(TemplateIssue(name, False, f"{{{name}}} is not set yet: {what}"))
    return issues


def preset_size(value: Any) -> tuple[int, int] | None:
    match = SIZE.match(str(value))
    return (int(match.group(1)), int(match.group(2))) if match else None


class ParamLinks:
    """Keeps one node's editors in step with each other and with the node's wiring."""

    def __init__(
        self, graph: Graph, node_id: str, spec: NodeSpec, editors: dict[str, ParamEditor]
    ) -> None:
        self.graph, self.node_id, self.spec, self.editors = graph, node_id, spec, editors
        preset = spec.param("preset")
        self.sized = (
            preset is not None
            and CUSTOM in preset.choices
            and "width" in editors
            and "height" in editors
        )
        self.templates = [p.name for p in spec.params if is_template(p) and p.name in editors]

    def refresh(self) -> None:
        node = self.graph.nodes.get(self.node_id)
        if node is None:
            return
        if self.sized:
            self._follow_preset(node.params)
        for name in self.templates:
            param = self.spec.param(name)
            assert param is not None
            text = str(node.params.get(name, param.default))
            issues = template_issues(self.graph, self.node_id, self.spec, text)
            marker = getattr(self.editors[name], "set_issues", None)
            if marker is not None:
                marker(issues)

    def _follow_preset(self, params: dict[str, Any]) -> None:
        preset_param = self.spec.param("preset")
        assert preset_param is not None
        preset = params.get("preset", preset_param.default)
        size = preset_size(preset) if preset != CUSTOM else None
        for axis, editor in (("width", self.editors["width"]), ("height", self.editors["height"])):
            custom = preset == CUSTOM
            editor.setEnabled(custom)
            label = _label_of(editor)
            if label is not None:
                label.setEnabled(custom)
            if size is not None:
                editor.set_value(size[0] if axis == "width" else size[1])
                editor.setToolTip(f"Set by the preset {preset}; choose 'custom' to type a size.")
            else:
                param = self.spec.param(axis)
                assert param is not None
                editor.set_value(params.get(axis, param.default))
                editor.setToolTip(param.help)


def _label_of(editor: ParamEditor) -> Any:
    from PySide6.QtWidgets import QFormLayout

    parent = editor.parentWidget()
    for form in parent.findChildren(QFormLayout) if parent is not None else []:
        label = form.labelForField(editor)
        if label is not None:
            return label
    layout = parent.layout() if parent is not None else None
    return layout.labelForField(editor) if isinstance(layout, QFormLayout) else None
