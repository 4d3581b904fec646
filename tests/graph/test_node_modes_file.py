"""Version 3 of the graph file: node modes (bypass, mute), collapsed nodes, colours, reroutes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from studio.errors import GraphError
from studio.graph.fileformat import (
    CURRENT_VERSION,
    FORMAT,
    dumps_graph,
    load_graph,
    parse_graph,
    save_graph,
)
from studio.graph.model import BYPASS, MUTE, NORMAL, Graph, Node


def styled_graph() -> Graph:
    graph = Graph()
    graph.add_node(Node("brief", "text.brief", {}), (0.0, 0.0))
    graph.add_node(Node("p", "text.prompt", {}), (300.0, 0.0))
    graph.add_node(Node("q", "text.prompt", {}), (600.0, 0.0))
    edge = graph.connect("brief", "brief", "p", "brief")
    graph.connect("p", "text", "q", "a")
    graph.set_mode("p", BYPASS)
    graph.set_mode("q", MUTE)
    graph.set_title("p", "Shot list")
    graph.set_collapsed("brief", True)
    graph.set_colour("q", "#A34A35")
    graph.set_reroutes(edge, [(120.0, 80.25), (180.0, 80.0)])
    return graph


def test_modes_and_looks_round_trip_byte_for_byte(tmp_path: Path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    save_graph(styled_graph(), a)
    loaded = load_graph(a)
    save_graph(loaded, b)
    assert a.read_bytes() == b.read_bytes()
    assert loaded.nodes["p"].mode == BYPASS and loaded.nodes["q"].mode == MUTE
    assert loaded.nodes["brief"].mode == NORMAL
    assert loaded.nodes["p"].title == "Shot list"
    assert loaded.collapsed == {"brief"} and loaded.colours == {"q": "#a34a35"}
    (edge,) = [e for e in loaded.edges if e.dst == "p"]
    assert loaded.reroutes == {edge: [(120.0, 80.2), (180.0, 80.0)]}
    data = json.loads(a.read_text())
    assert data["version"] == CURRENT_VERSION
    assert data["nodes"]["p"]["mode"] == "bypass" and "mode" not in data["nodes"]["brief"]
    # The looks are layout, beside the positions, never inside the node's logic.
    assert data["layout"]["collapsed"] == ["brief"]
    assert data["layout"]["colors"] == {"q": "#a34a35"}
    assert data["layout"]["reroutes"][0]["points"] == [[120.0, 80.2], [180.0, 80.0]]


def test_a_plain_graph_writes_no_empty_new_fields():
    graph = Graph()
    graph.add_node(Node("a", "text.brief", {}), (0.0, 0.0))
    data = json.loads(dumps_graph(graph))
    assert set(data["layout"]) == {"positions", "groups"}
    assert set(data["nodes"]["a"]) == {"type", "type_version", "params"}


def test_a_version_2_file_opens_with_every_node_running():
    v2 = {
        "format": FORMAT,
        "version": 2,
        "nodes": {"a": {"type": "text.brief", "params": {}}},
        "edges": [],
        "layout": {"positions": {"a": [1, 2]}, "groups": []},
    }
    graph = parse_graph(json.dumps(v2))
    assert graph.nodes["a"].mode == NORMAL and graph.positions["a"] == (1.0, 2.0)
    assert json.loads(dumps_graph(graph))["version"] == CURRENT_VERSION


def test_an_older_studio_is_told_to_update_for_a_newer_file():
    newer = {"format": FORMAT, "version": CURRENT_VERSION + 1, "nodes": {}}
    with pytest.raises(GraphError, match="newer studio"):
        parse_graph(json.dumps(newer))


@pytest.mark.parametrize(
    ("node", "layout", "path", "words"),
    [
        ({"type": "text.brief", "mode": "sleep"}, {}, "$.nodes.a.mode", "'mode' must be"),
        ({"type": "text.brief", "mode": 4}, {}, "$.nodes.a.mode", "'mode' must be text"),
        ({"type": "text.brief"}, {"colors": {"a": "red"}}, "$.layout.colors.a", "#rrggbb"),
        ({"type": "text.brief"}, {"collapsed": [3]}, "$.layout.collapsed[0]", "by its id"),
        (
            {"type": "text.brief"},
            {"reroutes": [{"from": "a", "out": "x", "to": "a", "in": "y", "points": [["1", 2]]}]},
            "$.layout.reroutes[0].points",
            "[x, y]",
        ),
    ],
)
def test_bad_new_fields_name_their_json_path(node, layout, path, words):
    text = json.dumps({"format": FORMAT, "version": 3, "nodes": {"a": node}, "layout": layout})
    with pytest.raises(GraphError) as info:
        parse_graph(text)
    assert info.value.path == path and words in str(info.value)


def test_looks_of_deleted_nodes_and_wires_are_dropped_on_load():
    text = json.dumps(
        {
            "format": FORMAT,
            "version": 3,
            "nodes": {"a": {"type": "text.brief"}},
            "layout": {
                "collapsed": ["a", "gone"],
                "colors": {"gone": "#112233"},
                "reroutes": [
                    {"from": "a", "out": "brief", "to": "gone", "in": "x", "points": [[1, 2]]}
                ],
            },
        }
    )
    graph = parse_graph(text)
    assert graph.collapsed == {"a"} and graph.colours == {} and graph.reroutes == {}


def test_removing_a_node_or_wire_forgets_its_looks():
    graph = styled_graph()
    (edge,) = [e for e in graph.edges if e.dst == "p"]
    graph.remove_edge(edge)
    assert graph.reroutes == {}
    graph.remove_node("q")
    assert graph.colours == {}


def test_an_unknown_node_keeps_its_entry_but_takes_a_new_mode_and_title():
    entry = {"type": "fancy.thing", "pack": "fancy", "params": {"x": 1}, "extra": [1, 2]}
    text = json.dumps({"format": FORMAT, "version": 3, "nodes": {"f": entry}})
    graph = parse_graph(text)
    graph.nodes["f"].unknown = True
    graph.set_mode("f", MUTE)
    graph.set_title("f", "Kept")
    saved = json.loads(dumps_graph(graph))["nodes"]["f"]
    assert saved == {**entry, "mode": "mute", "title": "Kept"}


def test_model_refuses_bad_modes_and_colours():
    graph = Graph()
    graph.add_node(Node("a", "text.brief", {}))
    with pytest.raises(GraphError, match="unknown node mode"):
        graph.set_mode("a", "off")
    with pytest.raises(GraphError, match="#rrggbb"):
        graph.set_colour("a", "blue")
