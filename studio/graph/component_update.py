"""What an update of a component takes away from the graph, so the updated graph still runs.

A newer version of a component may drop an exposed param, an input or an output. The uses of it
then hold values for a param it no longer has, and wires to ports it no longer has, which a run
refuses; app-mode form fields that set a dropped param on a use are left pointing at nothing.
`fit_update` lists those (at the top of the graph) and gives cleaned copies of the other
definitions that use it: their uses' values and wires dropped too, and, where that leaves them
exposing a param that is gone or with an output nothing inside feeds, those dropped in turn and
in their own uses, however nested. `fit_removal` does the same for any removal (Remove Port inside
a component uses it). Nothing here changes the graph: the studio applies it as one undo step with
the update.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from studio.graph.components import (
    OUTPUTS_TYPE,
    ComponentDef,
    copy_definition,
    instance_nodes,
)
from studio.graph.model import Edge, Graph


@dataclass
class Removed:
    """What a component no longer has: exposed param names, input and output port names."""

    params: set[str] = field(default_factory=set)
    inputs: set[str] = field(default_factory=set)
    outputs: set[str] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.params or self.inputs or self.outputs)


@dataclass
class Cleanup:
    edges: list[Edge] = field(default_factory=list)  # wires of the graph itself to remove
    params: list[tuple[str, str]] = field(default_factory=list)  # (node, param) values to drop
    definitions: dict[str, ComponentDef] = field(default_factory=dict)  # cleaned copies
    form_fields: list[str] = field(default_factory=list)  # names of form fields to remove
    removed: list[str] = field(default_factory=list)  # what was removed, in words
    # the part of `removed` that went in turn: a containing component's param or output, and
    # what hung on those (not the values and wires of the changed component's own uses)
    knock_on: list[str] = field(default_factory=list)


def removed_between(old: ComponentDef, new: ComponentDef) -> Removed:
    return Removed(
        params={p.name for p in old.params} - {p.name for p in new.params},
        inputs={p.name for p in old.inputs} - {p.name for p in new.inputs},
        outputs={p.name for p in old.outputs} - {p.name for p in new.outputs},
    )


def fit_update(graph: Graph, updated: dict[str, ComponentDef], component_id: str) -> Cleanup:
    """What to remove so `graph` runs once `component_id` is `updated[component_id]`.

    `updated` holds the definitions the update puts in (the updated one, and ones it brings).
    """
    old = graph.components.get(component_id)
    if old is None:
        return Cleanup()
    removed = removed_between(old, updated[component_id])
    after = {**graph.components, **updated}
    # a component the update brings is the library's, as it is: not cleaned
    return fit_removal(graph, after, component_id, removed, keep=set(updated))


def fit_removal(
    graph: Graph,
    after: dict[str, ComponentDef],
    component_id: str,
    removed: Removed,
    keep: set[str] | None = None,
) -> Cleanup:
    """What to remove so `graph` runs once `component_id` no longer has what `removed` names
    (its uses' values and wires, and in turn what that leaves the containing components with
    nothing to feed). `after` holds the definitions as they will be; those in `keep` are left
    as they are."""
    keep = {component_id} if keep is None else keep | {component_id}
    cleanup = Cleanup()
    pending = [(component_id, removed)]
    while pending:
        changed_id, gone = pending.pop(0)
        if not gone:
            continue
        title = after[changed_id].title
        knock_on = changed_id != component_id
        _clean_top(graph, changed_id, gone, title, cleanup, knock_on)
        for scope_id in sorted(after):
            if scope_id == changed_id or scope_id in keep:
                continue
            scope = cleanup.definitions.get(scope_id) or after[scope_id]
            if not instance_nodes(scope.graph, changed_id):
                continue
            copy = copy_definition(scope)
            told = len(cleanup.removed)
            more = _clean_inside(copy, changed_id, gone, title, cleanup, knock_on)
            if more or len(cleanup.removed) > told:  # else its uses had nothing to lose
                cleanup.definitions[scope_id] = copy
            if more:
                pending.append((scope_id, more))
    return cleanup


def _tell(cleanup: Cleanup, words: str, knock_on: bool) -> None:
    cleanup.removed.append(words)
    if knock_on:
        cleanup.knock_on.append(words)


def _gone(edge: Edge, users: set[str], removed: Removed) -> bool:
    return (edge.dst in users and edge.dst_port in removed.inputs) or (
        edge.src in users and edge.src_port in removed.outputs
    )


def _clean_top(
    graph: Graph,
    component_id: str,
    removed: Removed,
    title: str,
    cleanup: Cleanup,
    knock_on: bool,
) -> None:
    users = set(instance_nodes(graph, component_id))
    for node_id in sorted(users):
        for name in sorted(set(graph.nodes[node_id].params) & removed.params):
            if (node_id, name) not in cleanup.params:
                cleanup.params.append((node_id, name))
                _tell(cleanup, f"the setting '{name}' of {node_id}", knock_on)
    # A form field may set an exposed param the use holds no value for: check the form itself.
    for item in graph.form.fields if graph.form is not None else []:
        if item.node in users and item.param in removed.params:
            if item.name not in cleanup.form_fields:
                cleanup.form_fields.append(item.name)
                words = f"the form field '{item.name}' (it set {item.node}.{item.param})"
                _tell(cleanup, words, knock_on)
    for edge in sorted(graph.edges):
        if _gone(edge, users, removed) and edge not in cleanup.edges:
            cleanup.edges.append(edge)
            _tell(cleanup, _wire(edge, title, removed), knock_on)


def _clean_inside(
    definition: ComponentDef,
    component_id: str,
    removed: Removed,
    title: str,
    cleanup: Cleanup,
    knock_on: bool,
) -> Removed:
    """Clean the uses of `component_id` inside `definition` (a copy); returns what the
    definition itself no longer has as a result."""
    graph = definition.graph
    users = set(instance_nodes(graph, component_id))
    where = f"inside {definition.title}"
    more = Removed()
    for node_id in sorted(users):
        for name in sorted(set(graph.nodes[node_id].params) & removed.params):
            del graph.nodes[node_id].params[name]
            _tell(cleanup, f"the setting '{name}' of {node_id} {where}", knock_on)
    for exposed in list(definition.params):
        if exposed.node in users and exposed.param in removed.params:
            definition.params.remove(exposed)
            more.params.add(exposed.name)
            _tell(cleanup, f"{definition.title}'s setting '{exposed.name}'", True)
    outputs_id = definition.boundary(OUTPUTS_TYPE)
    cut: set[str] = set()  # outputs of the definition whose wire inside was removed
    for edge in sorted(graph.edges):
        if _gone(edge, users, removed):
            graph.edges.remove(edge)
            graph.reroutes.pop(edge, None)
            if edge.dst == outputs_id:  # told as the output it fed, below
                cut.add(edge.dst_port)
            else:
                _tell(cleanup, f"{_wire(edge, title, removed)} {where}", knock_on)
    fed = {e.dst_port for e in graph.edges if e.dst == outputs_id}
    for port in list(definition.outputs):
        if port.name in cut and port.name not in fed:  # nothing inside feeds it any more
            definition.outputs.remove(port)
            more.outputs.add(port.name)
            _tell(cleanup, f"{definition.title}'s output '{port.name}'", True)
    return more


def _wire(edge: Edge, title: str, removed: Removed) -> str:
    ours = edge.dst_port if edge.dst_port in removed.inputs else edge.src_port
    wire = f"{edge.src}.{edge.src_port} → {edge.dst}.{edge.dst_port}"
    return f"the wire {wire} ({title} has no '{ours}' now)"
