"""Components: a piece of graph reused as one node, and how a run sees through them.

A component's definition lives in the graph file (section `components`, keyed by its id) and
holds an ordinary inner graph plus two boundary nodes: `component-inputs`, whose outputs are the
component's inputs, and `component-outputs`, whose inputs are its outputs. A node of type
`component:<id>` is one use (an instance) of it; its params are the inner params the author
exposed.

The engine never runs a component: `flatten` replaces each instance by copies of its inner
nodes (ids `instance/inner`, nested ones `outer/inner/node`) wired as they would be inline, so
scheduling, cache keys, costs, history and provenance are the same as for inline nodes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from studio.errors import GraphError, GraphErrors
from studio.graph.model import MUTE, NODE_ID_PATTERN, NORMAL, Edge, Graph, Node
from studio.graph.types import PortType

INSTANCE_PREFIX = "component:"
INPUTS_TYPE = "component-inputs"
OUTPUTS_TYPE = "component-outputs"
BOUNDARY_TYPES = frozenset({INPUTS_TYPE, OUTPUTS_TYPE})
SEPARATOR = "/"  # flat id of an inner node: "<instance>/<inner id>"
COMPONENT_ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,63}\Z")
PORT_NAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}\Z")
MAX_DEPTH = 16  # components inside components inside ...: deeper is surely a mistake
MAX_FLAT_NODES = 20_000


@dataclass
class ComponentPort:
    """One input or output of a component, as the component node shows it."""

    name: str
    type: PortType
    help: str = ""


@dataclass
class ExposedParam:
    """An inner node's param shown on the component node under `name`."""

    name: str
    node: str
    param: str
    title: str = ""


@dataclass
class ComponentDef:
    """A component: its inner graph, its ports and exposed params, and where it came from.

    `library` names it in the user's component library when it was published or taken from
    there; `version` is that library version (a graph keeps the copy it was made with).
    """

    id: str
    title: str
    graph: Graph
    inputs: list[ComponentPort] = field(default_factory=list)
    outputs: list[ComponentPort] = field(default_factory=list)
    params: list[ExposedParam] = field(default_factory=list)
    help: str = ""
    category: str = "Components"
    version: int = 1
    library: str | None = None

    @property
    def type_id(self) -> str:
        return instance_type(self.id)

    def boundary(self, kind: str) -> str | None:
        """Id of the inner `component-inputs` or `component-outputs` node."""
        return next((n.id for n in self.graph.nodes.values() if n.type == kind), None)

    def input(self, name: str) -> ComponentPort | None:
        return next((p for p in self.inputs if p.name == name), None)

    def output(self, name: str) -> ComponentPort | None:
        return next((p for p in self.outputs if p.name == name), None)

    def exposed(self, name: str) -> ExposedParam | None:
        return next((p for p in self.params if p.name == name), None)

    def used_components(self) -> set[str]:
        """Ids of the components its inner graph uses directly."""
        return {cid for n in self.graph.nodes.values() if (cid := component_of(n)) is not None}


def instance_type(component_id: str) -> str:
    return f"{INSTANCE_PREFIX}{component_id}"


def component_of(node: Node) -> str | None:
    """The component id a node is an instance of, or None for an ordinary node."""
    if node.type.startswith(INSTANCE_PREFIX):
        return node.type[len(INSTANCE_PREFIX) :]
    return None


def owner_of(flat_id: str) -> str:
    """The top-level node a flat node id belongs to ("scene_1/image" -> "scene_1")."""
    return flat_id.split(SEPARATOR, 1)[0]


def is_flat_id(text: str) -> bool:
    """Whether `text` is a node id as a run names it: a plain id, or `instance/inner` ids."""
    parts = text.split(SEPARATOR)
    return len(parts) <= MAX_DEPTH + 1 and all(NODE_ID_PATTERN.match(p) for p in parts)


def has_instances(graph: Graph) -> bool:
    return any(component_of(n) is not None for n in graph.nodes.values())


# -- what uses what ---------------------------------------------------------------------------
def find_cycle(components: dict[str, ComponentDef], start: str) -> list[str] | None:
    """A path of component ids that leads from `start` back to itself, or None."""
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    while stack:
        current, path = stack.pop()
        definition = components.get(current)
        if definition is None:
            continue
        for used in sorted(definition.used_components()):
            if used == start:
                return [*path, used]
            if used not in path:
                stack.append((used, [*path, used]))
    return None


def cycle_problems(components: dict[str, ComponentDef]) -> list[GraphError]:
    """One error per component that (through others) contains itself, naming the path."""
    problems = []
    for component_id in sorted(components):
        cycle = find_cycle(components, component_id)
        if cycle is not None:
            titles = " -> ".join(_title(components, c) for c in cycle)
            problems.append(
                GraphError(
                    f"component {component_id!r} contains itself: {titles}",
                    path=f"$.components.{component_id}",
                )
            )
    return problems


def dependencies(components: dict[str, ComponentDef], roots: Iterable[str]) -> set[str]:
    """The given component ids and every component they use, however deep."""
    seen: set[str] = set()
    stack = list(roots)
    while stack:
        current = stack.pop()
        if current in seen or current not in components:
            continue
        seen.add(current)
        stack.extend(components[current].used_components())
    return seen


def _title(components: dict[str, ComponentDef], component_id: str) -> str:
    definition = components.get(component_id)
    return f"{definition.title} ({component_id})" if definition else component_id


# -- flattening: what a run executes --------------------------------------------------------------
def flatten(graph: Graph) -> Graph:
    """The graph with every component instance replaced by its inner nodes, however nested.

    A graph without instances is returned as it is. Raises GraphErrors naming each problem (a
    missing definition, a cycle through components, an exposed param whose node is gone).
    """
    if not has_instances(graph):
        return graph
    flat = Graph()
    flat.meta = graph.meta  # shared: the file's path and the outputs the user chose
    problems: list[GraphError] = []
    _Flattener(graph.components, flat, problems).expand(graph, "", ())
    if problems:
        raise GraphErrors(problems)
    return flat


def flat_targets(graph: Graph, flat: Graph, targets: Iterable[str]) -> list[str]:
    """Run targets in flat ids: an instance stands for every node inside it."""
    found: list[str] = []
    for target in targets:
        if target in flat.nodes:
            found.append(target)
        elif target in graph.nodes:
            prefix = target + SEPARATOR
            found.extend(n for n in flat.nodes if n.startswith(prefix))
    return found


# (flat node id, port, order offset) an input resolves to; (flat node id, port) an output does.
_Ins = dict[tuple[str, str], list[tuple[str, str, int]]]
_Outs = dict[tuple[str, str], tuple[str, str]]


class _Flattener:
    def __init__(
        self, components: dict[str, ComponentDef], flat: Graph, problems: list[GraphError]
    ) -> None:
        self.components = components
        self.flat = flat
        self.problems = problems
        self.instances = 0  # uses expanded: components of only components add no flat nodes
        self.overflowed = False
        self.wired: set[Edge] = set()  # flat.edges as a set: a list lookup per wire was quadratic

    def expand(self, graph: Graph, prefix: str, trail: tuple[str, ...]) -> tuple[_Ins, _Outs]:
        """Copy `graph`'s nodes and edges into the flat graph; return how its ports resolve."""
        ins: _Ins = {}
        outs: _Outs = {}
        for node_id in sorted(graph.nodes):
            node = graph.nodes[node_id]
            if node.type in BOUNDARY_TYPES:
                continue
            component_id = component_of(node)
            if component_id is None:
                self._add(node, prefix)
                continue
            resolved = self._expand_instance(node, component_id, prefix, trail)
            if resolved is not None:
                comp_ins, comp_outs = resolved
                for port, targets in comp_ins.items():
                    ins[(node_id, port)] = targets
                for port, source in comp_outs.items():
                    outs[(node_id, port)] = source
        for edge in sorted(graph.edges):
            src, dst = graph.nodes.get(edge.src), graph.nodes.get(edge.dst)
            if src is None or dst is None or src.type in BOUNDARY_TYPES:
                continue
            if dst.type in BOUNDARY_TYPES:
                continue
            self._check_port(src, edge.src_port, True, prefix)
            self._check_port(dst, edge.dst_port, False, prefix)
            found = self._source(src, edge.src_port, prefix, outs)
            if found is None:
                continue
            for target in self._targets(dst, edge.dst_port, prefix, ins):
                self._connect(found, target, edge.order)
        return ins, outs

    def _check_port(self, node: Node, port: str, is_output: bool, prefix: str) -> None:
        """A wire to a port the component does not have (any more) is an error, not dropped."""
        component_id = component_of(node)
        definition = self.components.get(component_id or "")
        if definition is None:
            return
        found = definition.output(port) if is_output else definition.input(port)
        if found is None:
            side = "output" if is_output else "input"
            self.problems.append(
                GraphError(
                    f"{definition.title} has no {side} {port!r}", node=prefix + node.id, port=port
                )
            )

    def _too_big(self) -> None:
        if not self.overflowed:
            self.overflowed = True
            self.problems.append(
                GraphError(f"the components unfold into more than {MAX_FLAT_NODES} nodes")
            )

    def _add(self, node: Node, prefix: str) -> None:
        if len(self.flat.nodes) >= MAX_FLAT_NODES:
            self._too_big()
            return
        flat_id = prefix + node.id
        self.flat.nodes[flat_id] = replace(node, id=flat_id, params=dict(node.params), raw=None)

    def _source(self, node: Node, port: str, prefix: str, outs: _Outs) -> tuple[str, str] | None:
        if component_of(node) is None:
            return (prefix + node.id, port)
        return outs.get((node.id, port))  # absent: reported when the instance was expanded

    def _targets(self, node: Node, port: str, prefix: str, ins: _Ins) -> list[tuple[str, str, int]]:
        if component_of(node) is None:
            return [(prefix + node.id, port, 0)]
        return ins.get((node.id, port), [])

    def _connect(self, source: tuple[str, str], target: tuple[str, str, int], order: int) -> None:
        if source[0] not in self.flat.nodes or target[0] not in self.flat.nodes:
            return
        edge = Edge(
            dst=target[0],
            dst_port=target[1],
            order=order + target[2],
            src=source[0],
            src_port=source[1],
        )
        if edge not in self.wired:
            self.wired.add(edge)
            self.flat.edges.append(edge)

    def _expand_instance(
        self, node: Node, component_id: str, prefix: str, trail: tuple[str, ...]
    ) -> tuple[dict[str, list[tuple[str, str, int]]], dict[str, tuple[str, str]]] | None:
        where = prefix + node.id
        definition = self.components.get(component_id)
        if definition is None:
            self.problems.append(
                GraphError(
                    f"component {component_id!r} is not defined in this graph file",
                    node=where,
                    path=f"$.nodes.{node.id}.type",
                )
            )
            return None
        if component_id in trail:
            path = " -> ".join(_title(self.components, c) for c in (*trail, component_id))
            self.problems.append(
                GraphError(f"a component cannot contain itself: {path}", node=where)
            )
            return None
        if len(trail) >= MAX_DEPTH:
            self.problems.append(
                GraphError(f"components are nested more than {MAX_DEPTH} deep", node=where)
            )
            return None
        self.instances += 1
        if self.instances > MAX_FLAT_NODES or len(self.flat.nodes) >= MAX_FLAT_NODES:
            self._too_big()  # stop early: uses of uses can multiply past any time limit
            return None
        inner = self._with_params(definition, node, where)
        inner_ins, inner_outs = self.expand(inner, where + SEPARATOR, (*trail, component_id))
        inputs_id = definition.boundary(INPUTS_TYPE)
        outputs_id = definition.boundary(OUTPUTS_TYPE)
        comp_ins: dict[str, list[tuple[str, str, int]]] = {p.name: [] for p in definition.inputs}
        comp_outs: dict[str, tuple[str, str]] = {}
        inner_prefix = where + SEPARATOR
        for edge in sorted(inner.edges):
            if edge.src == inputs_id and edge.dst == outputs_id:
                self.problems.append(
                    GraphError(
                        f"component {definition.title!r} passes input {edge.src_port!r} straight "
                        f"to output {edge.dst_port!r}; connect them outside the component",
                        node=where,
                    )
                )
            elif edge.src == inputs_id:
                dst = inner.nodes[edge.dst]
                for flat_id, port, offset in self._targets(
                    dst, edge.dst_port, inner_prefix, inner_ins
                ):
                    comp_ins.setdefault(edge.src_port, []).append(
                        (flat_id, port, offset + edge.order)
                    )
            elif edge.dst == outputs_id:
                found = self._source(inner.nodes[edge.src], edge.src_port, inner_prefix, inner_outs)
                if found is not None:
                    comp_outs[edge.dst_port] = found
        for output in definition.outputs:
            if output.name not in comp_outs:
                self.problems.append(
                    GraphError(
                        f"output {output.name!r} of component {definition.title!r} is not "
                        "connected inside it",
                        node=where,
                        port=output.name,
                    )
                )
        return comp_ins, comp_outs

    def _with_params(self, definition: ComponentDef, node: Node, where: str) -> Graph:
        """The definition's inner graph with this instance's exposed param values applied."""
        inner = Graph()
        inner.nodes = {
            n.id: replace(n, params=dict(n.params)) for n in definition.graph.nodes.values()
        }
        if node.mode != NORMAL:  # a muted or bypassed component: every node inside is too
            for inner_node in inner.nodes.values():
                if inner_node.mode != MUTE:
                    inner_node.mode = node.mode
        inner.edges = list(definition.graph.edges)
        for name in sorted(node.params):
            exposed = definition.exposed(name)
            if exposed is None:
                self.problems.append(
                    GraphError(
                        f"{definition.title} has no param {name!r}",
                        node=where,
                        path=f"$.nodes.{node.id}.params.{name}",
                    )
                )
                continue
            target = inner.nodes.get(exposed.node)
            if target is None:
                self.problems.append(
                    GraphError(
                        f"component {definition.title!r}: param {name!r} belongs to node "
                        f"{exposed.node!r}, which is no longer inside it",
                        node=where,
                    )
                )
                continue
            target.params[exposed.param] = node.params[name]
        return inner


# -- making a component from a selection ----------------------------------------------------------
PortTypeOf = Callable[[str, str, bool], PortType | None]  # (node id, port, is output) -> type


@dataclass
class Extraction:
    """What "Make component" does to a graph: computed first, applied (and undone) by the GUI."""

    definition: ComponentDef
    instance: Node
    position: tuple[float, float]
    removed_nodes: list[str]
    removed_edges: list[Edge]  # every edge touching the selection
    added_edges: list[Edge]  # the crossing wires, now to and from the instance


def extract(
    graph: Graph,
    node_ids: Iterable[str],
    component_id: str,
    title: str,
    port_type: PortTypeOf,
    exposed: Iterable[ExposedParam] = (),
    help: str = "",
    category: str = "Components",
    instance_id: str | None = None,
) -> Extraction:
    """Plan turning the selected nodes into one component node, without changing the graph.

    Each outside output feeding the selection becomes one component input (named after that
    output, numbered when names repeat); each inside output read outside becomes one output.
    """
    selected = sorted(set(node_ids))
    if not selected:
        raise GraphError("select the nodes to make a component from")
    for node_id in selected:
        if node_id not in graph.nodes:
            raise GraphError("no such node", node=node_id)
        if graph.nodes[node_id].type in BOUNDARY_TYPES:
            raise GraphError("a component's inputs and outputs cannot go into a component")
    if not COMPONENT_ID_PATTERN.match(component_id):
        raise GraphError(
            f"component ids are lowercase letters, digits and '_' (got {component_id!r})"
        )
    inside = set(selected)
    inner = Graph()
    for node_id in selected:
        node = graph.nodes[node_id]
        inner.nodes[node_id] = replace(node, params=dict(node.params))
        if node_id in graph.positions:
            inner.positions[node_id] = graph.positions[node_id]
    inner.groups = [
        replace(g, nodes=list(g.nodes)) for g in graph.groups if g.nodes and set(g.nodes) <= inside
    ]
    inputs_id = _free_id(inner, "inputs")
    inner.nodes[inputs_id] = Node(inputs_id, INPUTS_TYPE)
    outputs_id = _free_id(inner, "outputs")
    inner.nodes[outputs_id] = Node(outputs_id, OUTPUTS_TYPE)
    instance = Node(instance_id or graph.new_id(component_id), instance_type(component_id))

    inputs: list[ComponentPort] = []
    outputs: list[ComponentPort] = []
    input_of: dict[tuple[str, str], str] = {}
    output_of: dict[tuple[str, str], str] = {}
    removed: list[Edge] = []
    added: list[Edge] = []
    for edge in sorted(graph.edges):
        src_in, dst_in = edge.src in inside, edge.dst in inside
        if not (src_in or dst_in):
            continue
        removed.append(edge)
        if src_in and dst_in:
            inner.edges.append(edge)
        elif dst_in:  # a wire entering the selection
            key = (edge.src, edge.src_port)
            if key not in input_of:
                kind = port_type(edge.src, edge.src_port, True)
                if kind is None:
                    raise GraphError(
                        f"cannot tell the type of output {edge.src}.{edge.src_port}", node=edge.src
                    )
                name = _free_name(edge.src_port, {p.name for p in inputs})
                input_of[key] = name
                inputs.append(ComponentPort(name, kind))
                added.append(Edge(instance.id, name, 0, edge.src, edge.src_port))
            inner.edges.append(Edge(edge.dst, edge.dst_port, edge.order, inputs_id, input_of[key]))
        else:  # a wire leaving the selection
            key = (edge.src, edge.src_port)
            if key not in output_of:
                kind = port_type(edge.src, edge.src_port, True)
                if kind is None:
                    raise GraphError(
                        f"cannot tell the type of output {edge.src}.{edge.src_port}", node=edge.src
                    )
                name = _free_name(edge.src_port, {p.name for p in outputs})
                output_of[key] = name
                outputs.append(ComponentPort(name, kind))
                inner.edges.append(Edge(outputs_id, name, 0, edge.src, edge.src_port))
            added.append(Edge(edge.dst, edge.dst_port, edge.order, instance.id, output_of[key]))

    xs = [graph.positions[n][0] for n in selected if n in graph.positions] or [0.0]
    ys = [graph.positions[n][1] for n in selected if n in graph.positions] or [0.0]
    inner.positions[inputs_id] = (min(xs) - 320.0, sum(ys) / len(ys))
    inner.positions[outputs_id] = (max(xs) + 320.0, sum(ys) / len(ys))
    params = list(exposed)
    for param in params:
        if param.node not in inside:
            raise GraphError(f"param {param.name!r} belongs to a node outside the selection")
    names = [p.name for p in params]
    if len(set(names)) != len(names):
        raise GraphError("two exposed params have the same name")
    definition = ComponentDef(
        id=component_id,
        title=title.strip() or component_id,
        graph=inner,
        inputs=inputs,
        outputs=outputs,
        params=params,
        help=help,
        category=category or "Components",
    )
    for used in definition.used_components():
        if used == component_id:
            raise GraphError("a component cannot contain itself")
    position = (sum(xs) / len(xs), sum(ys) / len(ys))
    return Extraction(definition, instance, position, selected, removed, added)


def _free_id(graph: Graph, stem: str) -> str:
    if stem not in graph.nodes:
        return stem
    return graph.new_id(stem)


def _free_name(stem: str, taken: set[str]) -> str:
    if stem not in taken:
        return stem
    i = 2
    while f"{stem}_{i}" in taken:
        i += 1
    return f"{stem}_{i}"


def free_component_id(components: dict[str, ComponentDef], title: str) -> str:
    """A new component id made from a title ("Narrated scene" -> "narrated_scene")."""
    stem = re.sub(r"[^a-z0-9_]+", "_", title.lower()).strip("_")[:48] or "component"
    if not stem[0].isalpha():
        stem = f"c_{stem}"
    if stem not in components:
        return stem
    i = 2
    while f"{stem}_{i}" in components:
        i += 1
    return f"{stem}_{i}"


def rename_component(components: dict[str, ComponentDef], old: str, new: str) -> None:
    """Give a definition a new id, and point every instance inside other definitions at it."""
    definition = components.pop(old)
    definition.id = new
    components[new] = definition
    for other in components.values():
        for node in other.graph.nodes.values():
            if node.type == instance_type(old):
                node.type = instance_type(new)


def instance_nodes(graph: Graph, component_id: str) -> list[str]:
    return sorted(n.id for n in graph.nodes.values() if n.type == instance_type(component_id))


# -- the file section ----------------------------------------------------------------------------
def components_to_dict(components: dict[str, ComponentDef]) -> dict[str, Any]:
    """The `components` section: each definition, its inner graph written like a graph's."""
    from studio.graph.fileformat import graph_to_dict

    section: dict[str, Any] = {}
    for component_id, definition in sorted(components.items()):
        body = graph_to_dict(definition.graph)
        entry: dict[str, Any] = {
            "title": definition.title,
            "category": definition.category,
            "version": definition.version,
            "inputs": [_port_to_dict(p) for p in definition.inputs],
            "outputs": [_port_to_dict(p) for p in definition.outputs],
            "params": [_exposed_to_dict(p) for p in definition.params],
            "nodes": body["nodes"],
            "edges": body["edges"],
            "layout": body["layout"],
        }
        if definition.help:
            entry["help"] = definition.help
        if definition.library:
            entry["library"] = definition.library
        section[component_id] = entry
    return section


def _port_to_dict(port: ComponentPort) -> dict[str, Any]:
    entry = {"name": port.name, "type": port.type.value}
    if port.help:
        entry["help"] = port.help
    return entry


def _exposed_to_dict(param: ExposedParam) -> dict[str, Any]:
    entry = {"name": param.name, "node": param.node, "param": param.param}
    if param.title:
        entry["title"] = param.title
    return entry


def components_from_dict(section: Any, where: str = "$.components") -> dict[str, ComponentDef]:
    """Read the `components` section; GraphError names the JSON path of the first problem."""
    from studio.graph.fileformat import CURRENT_VERSION, FORMAT, graph_from_dict

    if not isinstance(section, dict):
        raise GraphError("'components' must be an object", path=where)
    components: dict[str, ComponentDef] = {}
    for component_id, entry in section.items():
        here = f"{where}.{component_id}"
        if not COMPONENT_ID_PATTERN.match(component_id):
            raise GraphError(
                "component ids are lowercase letters, digits and '_' (at most 64)", path=here
            )
        if not isinstance(entry, dict):
            raise GraphError("a component must be an object", path=here)
        body = {
            "format": FORMAT,
            "version": CURRENT_VERSION,
            "nodes": entry.get("nodes", {}),
            "edges": entry.get("edges", []),
            "layout": entry.get("layout", {}),
        }
        try:
            inner = graph_from_dict(body, source=f"component {component_id!r}")
        except GraphError as exc:
            path = exc.path.replace("$", here, 1) if exc.path else here
            raise GraphError(exc.message, node=exc.node, port=exc.port, path=path) from None
        definition = ComponentDef(
            id=component_id,
            title=_field(entry, "title", str, here, component_id),
            graph=inner,
            inputs=_ports(entry, "inputs", here),
            outputs=_ports(entry, "outputs", here),
            params=_exposed(entry, here),
            help=_field(entry, "help", str, here, ""),
            category=_field(entry, "category", str, here, "Components"),
            version=_field(entry, "version", int, here, 1),
            library=_field(entry, "library", str, here, None),
        )
        if definition.version < 1:
            raise GraphError("a component's version is a positive number", path=f"{here}.version")
        for kind, ports in ((INPUTS_TYPE, definition.inputs), (OUTPUTS_TYPE, definition.outputs)):
            count = sum(1 for n in inner.nodes.values() if n.type == kind)
            if count > 1:
                raise GraphError(f"a component has one {kind} node, not {count}", path=here)
            if ports and count == 0:
                raise GraphError(f"the component has ports but no {kind} node", path=here)
        components[component_id] = definition
    return components


def _field(entry: dict[str, Any], key: str, kind: type, where: str, default: Any) -> Any:
    value = entry.get(key, default)
    if value is None and default is None:
        return None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        names = {str: "text", int: "a whole number", list: "a list"}
        raise GraphError(f"{key!r} must be {names.get(kind, kind.__name__)}", path=f"{where}.{key}")
    return value


def _ports(entry: dict[str, Any], key: str, where: str) -> list[ComponentPort]:
    ports: list[ComponentPort] = []
    for i, item in enumerate(_field(entry, key, list, where, [])):
        here = f"{where}.{key}[{i}]"
        if not isinstance(item, dict):
            raise GraphError("a port must be an object", path=here)
        name = _field(item, "name", str, here, "")
        if not PORT_NAME_PATTERN.match(name):
            raise GraphError(f"port name {name!r} is not a plain name", path=f"{here}.name")
        try:
            kind = PortType(_field(item, "type", str, here, ""))
        except ValueError:
            known = ", ".join(t.value for t in PortType)
            raise GraphError(f"unknown port type (known: {known})", path=f"{here}.type") from None
        if any(p.name == name for p in ports):
            raise GraphError(f"two {key} are named {name!r}", path=here)
        ports.append(ComponentPort(name, kind, _field(item, "help", str, here, "")))
    return ports


def _exposed(entry: dict[str, Any], where: str) -> list[ExposedParam]:
    params: list[ExposedParam] = []
    for i, item in enumerate(_field(entry, "params", list, where, [])):
        here = f"{where}.params[{i}]"
        if not isinstance(item, dict):
            raise GraphError("an exposed param must be an object", path=here)
        param = ExposedParam(
            name=_field(item, "name", str, here, ""),
            node=_field(item, "node", str, here, ""),
            param=_field(item, "param", str, here, ""),
            title=_field(item, "title", str, here, ""),
        )
        if not PORT_NAME_PATTERN.match(param.name):
            raise GraphError(f"param name {param.name!r} is not a plain name", path=here)
        if any(p.name == param.name for p in params):
            raise GraphError(f"two exposed params are named {param.name!r}", path=here)
        params.append(param)
    return params


def copy_definition(definition: ComponentDef) -> ComponentDef:
    """A deep copy (through the file form, so nothing is shared with the original)."""
    copied = components_from_dict(components_to_dict({definition.id: definition}))
    return copied[definition.id]
