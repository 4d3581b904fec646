"""The node registry: every installed node type, discovered through entry points.

A pack that fails to import or declares a malformed node is reported by name and skipped; the rest
of the studio starts as usual.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from importlib.metadata import EntryPoint, entry_points

from studio.api import ENTRY_POINT_GROUP, NODE_TYPE_PATTERN, NodeSpec

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PackProblem:
    pack: str
    message: str


class NodeRegistry:
    def __init__(self) -> None:
        self._specs: dict[str, NodeSpec] = {}
        self.problems: list[PackProblem] = []
        self.packs: dict[str, str] = {}  # pack name -> version

    def register(self, spec: NodeSpec, pack: str = "") -> None:
        problem = check_spec(spec)
        if problem:
            raise ValueError(f"node {getattr(spec, 'id', '?')!r}: {problem}")
        if spec.id in self._specs:
            raise ValueError(
                f"node {spec.id!r} is already registered by {self._specs[spec.id].pack}"
            )
        self._specs[spec.id] = replace(spec, pack=pack or spec.pack)

    def register_pack(
        self, name: str, version: str, load: Callable[[], Iterable[NodeSpec]]
    ) -> None:
        """Register every spec a pack's loader returns; a broken pack or node becomes a problem."""
        try:
            specs = list(load())
        except Exception as exc:  # a third-party pack may raise anything while importing
            self._problem(name, f"failed to load: {type(exc).__name__}: {exc}")
            return
        self.packs[name] = version
        for spec in specs:
            try:
                self.register(spec, pack=name)
            except (ValueError, TypeError, AttributeError) as exc:
                self._problem(name, str(exc))

    def _problem(self, pack: str, message: str) -> None:
        self.problems.append(PackProblem(pack, message))
        log.warning("node pack %r: %s", pack, message)

    def get(self, type_id: str) -> NodeSpec | None:
        return self._specs.get(type_id)

    def __contains__(self, type_id: str) -> bool:
        return type_id in self._specs

    def specs(self) -> list[NodeSpec]:
        return sorted(self._specs.values(), key=lambda s: (s.category, s.id))


def check_spec(spec: object) -> str | None:
    """What is wrong with a declared node, or None. Checked before anything runs."""
    if not isinstance(spec, NodeSpec):
        return f"is a {type(spec).__name__}, not a NodeSpec"
    if not NODE_TYPE_PATTERN.match(spec.id):
        return "ids are namespaced lowercase words, like 'image.generate'"
    if not isinstance(spec.version, int) or spec.version < 1:
        return "version must be a positive whole number"
    if not inspect.iscoroutinefunction(spec.run):
        return "run must be an async function"
    if len(inspect.signature(spec.run).parameters) != 3:
        return "run takes exactly (ctx, inputs, params)"
    names = [p.name for p in spec.inputs] + [p.name for p in spec.params]
    if len(set(names)) != len(names):
        return "input and param names must be unique"
    if len({p.name for p in spec.outputs}) != len(spec.outputs):
        return "output names must be unique"
    for param in spec.params:
        if not param.help:
            return f"param {param.name!r} needs a help text"
        if param.kind in ("file", "provider") or (param.kind == "string" and param.optional):
            continue
        try:
            param.coerce(param.default)
        except ValueError as exc:
            return f"param {param.name!r} default {exc}"
    return None


def load_registry(
    extra: Iterable[tuple[str, str, Callable[[], Iterable[NodeSpec]]]] = (),
) -> NodeRegistry:
    """Discover every installed pack (the built-in one included) through entry points."""
    registry = NodeRegistry()
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        dist = ep.dist
        pack_name = dist.metadata["Name"] if dist is not None else ep.name
        version = dist.version if dist is not None else "0"

        def load(ep: EntryPoint = ep) -> Iterable[NodeSpec]:  # bind now: the loop variable changes
            loader = ep.load()
            specs: Iterable[NodeSpec] = loader() if callable(loader) else loader
            return specs

        registry.register_pack(pack_name, version, load)
    for name, version, pack_load in extra:
        registry.register_pack(name, version, pack_load)
    return registry
