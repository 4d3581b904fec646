"""Components in the graph layer: making one from a selection, the file section, flattening."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from comphelp import make_component, port_types
from testpack import make_registry

from studio.errors import GraphError, GraphErrors
from studio.graph.components import (
    INPUTS_TYPE,
    OUTPUTS_TYPE,
    ComponentDef,
    ComponentPort,
    extract,
    find_cycle,
    flat_targets,
    flatten,
    instance_type,
)
from studio.graph.fileformat import dumps_graph, load_graph, parse_graph, save_graph
from studio.graph.model import MUTE, Edge, Graph, Node
from studio.graph.types import PortType


def pipeline() -> Graph:
    """src -> a -> b -> join <- other; the component will be {a, b}."""
    graph = Graph()
    graph.add_node(Node("src", "test.const", {"value": "x"}), (0.0, 0.0))
    graph.add_node(Node("a", "test.sleep", {"label": "a"}), (300.0, 0.0))
    graph.add_node(Node("b", "test.sleep", {"label": "b"}), (600.0, 0.0))
    graph.add_node(Node("other", "test.const", {"value": "o"}), (600.0, 200.0))
    graph.add_node(Node("join", "test.join", {}), (900.0, 0.0))
    graph.connect("src", "text", "a", "text")
    graph.connect("a", "text", "b", "text")
    graph.connect("other", "text", "join", "texts")
    graph.connect("b", "text", "join", "texts")
    return graph


def test_make_component_turns_the_crossing_wires_into_its_ports():
    registry = make_registry()
    graph = pipeline()
    before = sorted(graph.edges)
    node = make_component(graph, registry, ["a", "b"], "two_steps", "Two steps")
    definition = graph.components["two_steps"]
    assert graph.nodes[node].type == "component:two_steps"
    assert set(graph.nodes) == {"src", "other", "join", node}
    assert [(p.name, p.type) for p in definition.inputs] == [("text", PortType.TEXT)]
    assert [(p.name, p.type) for p in definition.outputs] == [("text", PortType.TEXT)]
    assert sorted(graph.edges) == sorted(
        [
            Edge("join", "texts", 0, "other", "text"),
            Edge(node, "text", 0, "src", "text"),
            Edge("join", "texts", 1, node, "text"),  # keeps its place in the list input
        ]
    )
    inner = definition.graph
    assert {n.type for n in inner.nodes.values()} >= {INPUTS_TYPE, OUTPUTS_TYPE}
    # Flattened, the wiring is the original one, with the inner nodes under the instance's id.
    flat = flatten(graph)
    renamed = {"a": f"{node}/a", "b": f"{node}/b"}
    expected = sorted(
        Edge(renamed.get(e.dst, e.dst), e.dst_port, e.order, renamed.get(e.src, e.src), e.src_port)
        for e in before
    )
    assert sorted(flat.edges) == expected
    assert flat.nodes[f"{node}/a"].params == {"label": "a"}


def test_one_outside_output_read_by_several_inner_nodes_is_one_input():
    registry = make_registry()
    graph = Graph()
    graph.add_node(Node("src", "test.const", {}))
    graph.add_node(Node("a", "test.sleep", {}))
    graph.add_node(Node("b", "test.sleep", {}))
    graph.connect("src", "text", "a", "text")
    graph.connect("src", "text", "b", "text")
    extraction = extract(graph, ["a", "b"], "pair", "Pair", port_types(graph, registry))
    assert [p.name for p in extraction.definition.inputs] == ["text"]
    # b's output and a's output both leave nowhere: no outputs at all
    assert extraction.definition.outputs == []
    assert extraction.added_edges == [Edge(extraction.instance.id, "text", 0, "src", "text")]


def test_exposed_params_of_each_use_reach_the_inner_nodes():
    registry = make_registry()
    graph = pipeline()
    node = make_component(graph, registry, ["a", "b"], "steps", exposed=[("first", "a", "label")])
    graph.nodes[node].params["first"] = "A!"
    copy = graph.new_id("steps")
    graph.nodes[copy] = Node(copy, instance_type("steps"), {})
    flat = flatten(graph)
    assert flat.nodes[f"{node}/a"].params["label"] == "A!"
    assert flat.nodes[f"{copy}/a"].params["label"] == "a"  # the definition's own value
    assert graph.components["steps"].graph.nodes["a"].params["label"] == "a"  # untouched


def test_components_nest_and_flatten_to_paths():
    registry = make_registry()
    graph = pipeline()
    inner = make_component(graph, registry, ["a", "b"], "steps")
    outer = make_component(graph, registry, [inner, "other"], "wrapper")
    assert graph.components["wrapper"].used_components() == {"steps"}
    flat = flatten(graph)
    assert sorted(flat.nodes) == [
        "join",
        "src",
        f"{outer}/other",
        f"{outer}/{inner}/a",
        f"{outer}/{inner}/b",
    ]
    assert Edge(f"{outer}/{inner}/b", "text", 0, f"{outer}/{inner}/a", "text") in flat.edges
    assert Edge("join", "texts", 1, f"{outer}/{inner}/b", "text") in flat.edges
    assert flat_targets(graph, flat, [outer]) == [
        f"{outer}/other",
        f"{outer}/{inner}/a",
        f"{outer}/{inner}/b",
    ]


def _looping_components(graph: Graph) -> None:
    """Component 'alpha' holds a 'beta' node, and 'beta' holds an 'alpha' node."""
    for me, other in (("alpha", "beta"), ("beta", "alpha")):
        inner = Graph()
        inner.nodes["inner"] = Node("inner", instance_type(other))
        graph.components[me] = ComponentDef(me, me.title(), inner)


def test_a_cycle_through_components_is_refused_with_its_path(tmp_path: Path):
    graph = Graph()
    _looping_components(graph)
    graph.add_node(Node("top", instance_type("alpha")))
    assert find_cycle(graph.components, "alpha") == ["alpha", "beta", "alpha"]
    with pytest.raises(GraphErrors) as caught:
        flatten(graph)
    assert "a component cannot contain itself: Alpha (alpha) -> Beta (beta) -> Alpha (alpha)" in (
        str(caught.value)
    )
    # The file refuses it on load too, naming the path.
    path = tmp_path / "loop.json"
    path.write_text(dumps_graph(graph))
    with pytest.raises(GraphError, match=r"contains itself: Alpha \(alpha\) -> Beta"):
        load_graph(path)


def test_flatten_names_every_problem_of_a_component_node():
    registry = make_registry()
    graph = pipeline()
    node = make_component(graph, registry, ["a", "b"], "steps", exposed=[("first", "a", "label")])
    graph.nodes[node].params["colour"] = "red"
    graph.add_node(Node("ghost", instance_type("missing")))
    del graph.components["steps"].graph.nodes["b"]  # the output's source is gone
    graph.components["steps"].graph.edges = [
        e for e in graph.components["steps"].graph.edges if "b" not in (e.src, e.dst)
    ]
    with pytest.raises(GraphErrors) as caught:
        flatten(graph)
    messages = [e.describe() for e in caught.value.errors]
    assert any("'ghost'" in m and "'missing' is not defined" in m for m in messages), messages
    assert any(f"'{node}'" in m and "has no param 'colour'" in m for m in messages), messages
    assert any("output 'text' of component 'steps' is not connected inside" in m for m in messages)


def test_the_components_section_round_trips_and_diffs_well(tmp_path: Path):
    registry = make_registry()
    graph = pipeline()
    make_component(graph, registry, ["a", "b"], "steps", "Steps", [("first", "a", "label")])
    path = tmp_path / "g.json"
    save_graph(graph, path)
    data = json.loads(path.read_text())
    section = data["components"]["steps"]
    assert section["title"] == "Steps" and section["version"] == 1
    assert section["inputs"] == [{"name": "text", "type": "text"}]
    assert section["params"] == [{"name": "first", "node": "a", "param": "label"}]
    assert set(section["nodes"]) == {"a", "b", "inputs", "outputs"}
    # Saving what was loaded gives the same bytes; a param edit inside changes one line.
    again = tmp_path / "again.json"
    save_graph(load_graph(path), again)
    assert again.read_bytes() == path.read_bytes()
    loaded = load_graph(path)
    loaded.components["steps"].graph.nodes["b"].params["label"] = "B"
    before, after = path.read_text().splitlines(), dumps_graph(loaded).splitlines()
    changed = [(x, y) for x, y in zip(before, after, strict=True) if x != y]
    assert [(x.strip(), y.strip()) for x, y in changed] == [('"label": "b"', '"label": "B"')]


def test_a_version_2_file_migrates_and_saves_as_version_4(tmp_path: Path):
    old = {
        "format": "multimodal-studio.graph",
        "version": 2,
        "nodes": {"a": {"type": "test.const", "params": {"value": "v"}}},
        "edges": [],
        "layout": {"positions": {"a": [1.0, 2.0]}, "groups": []},
        "meta": {"title": "old"},
    }
    graph = parse_graph(json.dumps(old))
    assert graph.components == {} and graph.form is None
    data = json.loads(dumps_graph(graph))
    assert data["version"] == 4
    assert "components" not in data and "form" not in data  # only when used
    assert data["nodes"]["a"]["params"] == {"value": "v"} and data["meta"] == {"title": "old"}


@pytest.mark.parametrize(
    ("section", "message", "where"),
    [
        ({"Bad-Id": {}}, "component ids are lowercase", "$.components.Bad-Id"),
        (
            {"c": {"inputs": [{"name": "x", "type": "smell"}]}},
            "unknown port type",
            "inputs[0].type",
        ),
        ({"c": {"nodes": {"n": {"params": {}}}}}, "missing field 'type'", "$.components.c.nodes.n"),
        ({"c": {"inputs": [{"name": "x", "type": "text"}]}}, "no component-inputs node", "c"),
        ({"c": {"version": 0}}, "positive number", "$.components.c.version"),
    ],
)
def test_a_broken_components_section_is_reported_where_it_is(section, message, where):
    doc = {"format": "multimodal-studio.graph", "version": 4, "nodes": {}, "components": section}
    with pytest.raises(GraphError) as caught:
        parse_graph(json.dumps(doc))
    assert message in caught.value.message
    assert where in (caught.value.path or "")


def test_a_component_input_wired_straight_to_its_output_is_refused():
    graph = Graph()
    inner = Graph()
    inner.nodes["inputs"] = Node("inputs", INPUTS_TYPE)
    inner.nodes["outputs"] = Node("outputs", OUTPUTS_TYPE)
    inner.edges.append(Edge("outputs", "out", 0, "inputs", "inp"))
    graph.components["wire"] = ComponentDef(
        "wire",
        "Wire",
        inner,
        inputs=[ComponentPort("inp", PortType.TEXT)],
        outputs=[ComponentPort("out", PortType.TEXT)],
    )
    graph.add_node(Node("w", instance_type("wire")))
    with pytest.raises(GraphErrors, match="passes input 'inp' straight to output 'out'"):
        flatten(graph)


def test_a_wire_to_a_port_the_component_no_longer_has_is_reported():
    registry = make_registry()
    graph = pipeline()
    node = make_component(graph, registry, ["a", "b"], "steps", "Steps")
    graph.components["steps"].inputs[0].name = "renamed"
    with pytest.raises(GraphErrors) as caught:
        flatten(graph)
    assert [e.describe() for e in caught.value.errors] == [
        f"node '{node}', port 'text': Steps has no input 'text'"
    ]


def test_muting_a_component_node_mutes_every_node_inside_it():
    registry = make_registry()
    graph = pipeline()
    node = make_component(graph, registry, ["a", "b"], "steps")
    graph.nodes[node].mode = MUTE
    flat = flatten(graph)
    assert {flat.nodes[f"{node}/a"].mode, flat.nodes[f"{node}/b"].mode} == {MUTE}
    assert flat.silenced() == {f"{node}/a", f"{node}/b", "join"}
    assert graph.components["steps"].graph.nodes["a"].mode != MUTE  # the definition is untouched


def test_uses_of_uses_that_multiply_stop_at_the_limit_quickly():
    # Each level holds ten uses of the next: 10**15 uses, though none adds a node of its own.
    import time

    graph = Graph()
    for level in range(15):
        inner = Graph()
        if level < 14:
            for i in range(10):
                inner.nodes[f"u{i}"] = Node(f"u{i}", instance_type(f"c{level + 1}"))
        graph.components[f"c{level}"] = ComponentDef(f"c{level}", f"Level {level}", inner)
    graph.add_node(Node("top", instance_type("c0")))
    started = time.process_time()
    with pytest.raises(GraphErrors, match="unfold into more than") as caught:
        flatten(graph)
    assert time.process_time() - started < 10
    assert len(caught.value.errors) == 1
