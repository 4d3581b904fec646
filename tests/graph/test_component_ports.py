"""Finding a component port's wires inside and on every use, and names for new ports."""

from __future__ import annotations

import pytest
from test_component_uses import nested
from testpack import make_registry

from studio.engine.components import ComponentRegistry
from studio.errors import GraphError
from studio.graph.component_ports import (
    apply_removal,
    check_port_name,
    inner_wires,
    port_name_from,
    port_removal,
    renamed,
    use_wires,
)
from studio.graph.components import flatten
from studio.graph.model import Edge
from studio.graph.validate import validate_graph


def test_the_wires_of_a_port_are_found_on_every_use_however_nested():
    graph, _outer = nested()
    graph.connect("src", "text", "s2", "text")
    wires = use_wires(graph, "steps", "text", False)
    assert set(wires) == {None, "wrapper"}  # the top-level use, and the one inside the wrapper
    assert [(e.src, e.dst) for e in wires[None]] == [("src", "s2")]
    assert [(e.dst, e.dst_port) for e in wires["wrapper"]] == [("s1", "text")]
    outputs = use_wires(graph, "steps", "text", True)
    assert [(e.src, e.src_port) for e in outputs["wrapper"]] == [("s1", "text")]
    steps = graph.components["steps"]
    assert [(e.src, e.dst) for e in inner_wires(steps, "text", False)] == [("inputs", "a")]
    assert [(e.src, e.dst) for e in inner_wires(steps, "text", True)] == [("b", "outputs")]
    assert use_wires(graph, "wrapper", "nothing", False) == {}


def test_new_port_names_are_plain_and_unique():
    assert port_name_from("image", ["image"]) == "image_2"
    assert port_name_from("image", ["image", "image_2"]) == "image_3"
    assert port_name_from("2 clips!", []) == "p_2_clips"
    graph, _outer = nested()
    steps = graph.components["steps"]
    check_port_name(steps, "subject", False)
    with pytest.raises(GraphError, match="already has an input named 'text'"):
        check_port_name(steps, "text", False)
    with pytest.raises(GraphError, match="cannot name a port"):
        check_port_name(steps, "two words", True)


def test_renamed_keeps_the_order_and_the_other_end():
    edge = Edge("join", "texts", 3, "s1", "text")
    assert renamed(edge, True, "out") == Edge("join", "texts", 3, "s1", "out")
    assert renamed(edge, False, "items") == Edge("join", "items", 3, "s1", "text")


def test_removing_an_inner_output_removes_the_outer_output_it_alone_fed():
    """steps' output 'text' feeds the wrapper's output 'text_2' (inside it, from s1): removing it
    leaves that output with nothing to feed it, so it goes too, with its wire at the top."""
    graph, outer = nested()
    registry = ComponentRegistry(make_registry(), graph)  # knows the graph's components
    graph.connect("s2", "text", "join", "texts")  # a top-level use of steps' output too
    assert validate_graph(graph, registry) == []
    wrapper = graph.components["wrapper"]
    assert [p.name for p in wrapper.outputs] == ["text", "text_2"]

    plan = port_removal(graph, "steps", "text", True)

    assert plan.use_wires == 2  # s2's at the top, s1's inside the wrapper
    assert plan.ports["wrapper"][1] == [wrapper.outputs[0]]
    assert {(e.src, e.src_port, e.dst) for e in plan.wires[None]} == {
        ("s2", "text", "join"),
        (outer, "text_2", "join"),
    }
    assert plan.knock_on == [
        "wrapper's output 'text_2'",
        f"the wire {outer}.text_2 → join.texts (wrapper has no 'text_2' now)",
    ]
    apply_removal(graph, plan)
    assert [p.name for p in wrapper.outputs] == ["text"]
    assert graph.components["steps"].outputs == []
    assert validate_graph(graph, registry) == []  # nothing left unfed or wired to a lost port
    flatten(graph)


def test_an_outer_output_still_fed_inside_is_kept():
    graph, _outer = nested()
    graph.connect("s2", "text", "join", "texts")
    plan = port_removal(graph, "steps", "text", False)  # an input: no output loses its source
    assert set(plan.ports) == {"steps"} and plan.knock_on == []
    assert plan.use_wires == 1  # src -> s1 inside the wrapper
    plan = port_removal(graph, "steps", "text", True)
    wrapper = graph.components["wrapper"]
    assert "text" in [p.name for p in plan.ports["wrapper"][1]]  # fed by 'other', not by s1
    assert [p.name for p in wrapper.outputs] == ["text", "text_2"]  # nothing applied yet
