"""Where a component is used and which results an edit changes, in a run's flat ids."""

from __future__ import annotations

import pytest
from comphelp import make_component
from test_components import pipeline
from testpack import make_registry

from studio.errors import GraphErrors
from studio.graph.component_uses import affected_by, param_holder, uses_of
from studio.graph.components import flatten
from studio.graph.model import Node


def nested():
    """src -> [wrapper: [steps: a -> b], other] -> join; plus a second, top-level use of steps."""
    registry = make_registry()
    graph = pipeline()
    inner = make_component(
        graph, registry, ["a", "b"], "steps", exposed=[("first", "a", "label")], instance_id="s1"
    )
    outer = make_component(
        graph, registry, [inner, "other"], "wrapper", exposed=[("label", "s1", "first")]
    )
    graph.add_node(Node("s2", "component:steps"))
    return graph, outer


def test_uses_are_found_however_deep():
    graph, outer = nested()
    assert uses_of(graph, "steps") == ["s2", f"{outer}/s1"]
    assert uses_of(graph, "wrapper") == [outer]


def test_an_edit_inside_changes_every_use_and_what_follows_it():
    graph, outer = nested()
    affected = affected_by(graph, "steps", ["b"])
    assert affected == {f"{outer}/s1/b", f"{outer}/s1", outer, "join", "s2/b", "s2"}
    # a: upstream of the edit, in both uses, is not changed
    assert f"{outer}/s1/a" not in affected and "s2/a" not in affected


def test_a_wire_to_the_outputs_node_changes_the_whole_use_and_after():
    graph, outer = nested()
    affected = affected_by(graph, "steps", ["outputs"])
    assert {f"{outer}/s1/a", f"{outer}/s1/b", "join", "s2/a", "s2/b"} <= affected
    assert "src" not in affected


def test_an_exposed_param_reaches_the_node_that_holds_it():
    graph, outer = nested()
    holder = param_holder(graph, None, outer, "label")
    assert holder == f"{outer}/s1/a"
    assert affected_by(graph, None, [holder]) == {
        f"{outer}/s1/a",
        f"{outer}/s1/b",
        f"{outer}/s1",
        outer,
        "join",
    }
    assert param_holder(graph, None, "join", "x") == "join"


def test_a_graph_that_does_not_flatten_falls_back_to_the_top_level():
    graph, outer = nested()
    graph.components["steps"].outputs[0].name = "gone"  # wires name a port it no longer has
    with pytest.raises(GraphErrors):
        flatten(graph)
    affected = affected_by(graph, "steps", ["b"])
    assert {f"{outer}/s1/b", outer, "join", "s2"} <= affected
