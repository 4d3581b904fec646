"""Finding a component port's wires inside and on every use, and names for new ports."""

from __future__ import annotations

import pytest
from test_component_uses import nested

from studio.errors import GraphError
from studio.graph.component_ports import (
    check_port_name,
    inner_wires,
    port_name_from,
    renamed,
    use_wires,
)
from studio.graph.model import Edge


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
