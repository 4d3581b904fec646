from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from testpack import make_registry

from studio.errors import GraphError
from studio.graph.fileformat import (
    CURRENT_VERSION,
    FORMAT,
    dumps_graph,
    load_graph,
    parse_graph,
    save_graph,
)
from studio.graph.model import Graph, Node
from studio.graph.validate import validate_graph


def doc(nodes=None, edges=None, **extra):
    base = {
        "format": FORMAT,
        "version": CURRENT_VERSION,
        "nodes": nodes or {},
        "edges": edges or [],
    }
    base.update(extra)
    return json.dumps(base)


def sample_graph() -> Graph:
    graph = Graph()
    graph.add_node(Node("brief", "text.brief", {"mood": "tense"}), (10.0, 20.0))
    graph.add_node(Node("p", "text.prompt", {"template": "{mood}!"}), (300.0, 20.0))
    graph.connect("brief", "brief", "p", "brief")
    return graph


def test_save_is_deterministic_and_round_trips(tmp_path: Path):
    graph = sample_graph()
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    save_graph(graph, a)
    save_graph(load_graph(a), b)
    assert a.read_bytes() == b.read_bytes()
    data = json.loads(a.read_text())
    assert data["layout"]["positions"] == {"brief": [10.0, 20.0], "p": [300.0, 20.0]}
    assert "position" not in data["nodes"]["p"]  # layout is kept apart from the logic


def test_moving_a_node_changes_only_the_layout_lines(tmp_path: Path):
    graph = sample_graph()
    before = dumps_graph(graph).splitlines()
    graph.move_node("p", (301.0, 20.0))
    after = dumps_graph(graph).splitlines()
    changed = [i for i, (x, y) in enumerate(zip(before, after, strict=True)) if x != y]
    assert len(changed) == 1 and "301.0" in after[changed[0]]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"format": "multimodal-studio.graph", "version": 2, "nodes": {', "not valid JSON"),
        ("hello, I am not JSON", "not valid JSON"),
        ("[1, 2]", "top level is not an object"),
        ('{"format": "something-else", "version": 1}', "not a Multimodal Studio graph"),
        ('{"format": "multimodal-studio.graph", "version": "2"}', "version"),
        ('{"format": "multimodal-studio.graph", "version": 99, "nodes": {}}', "newer studio"),
        (doc(), None),
        (doc(nodes={"a": {"params": {}}}), "missing field 'type'"),
        (doc(nodes={"a": {"type": 5}}), "'type' must be text"),
        (doc(nodes={"a": {"type": "text.brief", "params": []}}), "'params' must be an object"),
        (doc(nodes={"bad id!": {"type": "text.brief"}}), "node ids"),
        (
            doc(
                nodes={"a": {"type": "text.brief"}},
                edges=[{"from": "a", "out": "brief", "to": "ghost", "in": "brief"}],
            ),
            "does not exist",
        ),
        (doc(edges=[{"from": "a"}]), "does not exist|missing field"),
        (doc(nodes={"a": {"type": "text.brief"}}, edges="nope"), "'edges' must be a list"),
        (
            doc(nodes={"a": {"type": "text.brief"}}, layout={"positions": {"a": ["x", 1]}}),
            "a position is",
        ),
        (
            '{"format": "multimodal-studio.graph", "version": 2, "nodes": {"a": {"type": "x.y"},'
            ' "a": {"type": "x.z"}}}',
            "duplicate key 'a'",
        ),
        ('{"format": "multimodal-studio.graph", "version": 2, "nodes": {}, "x": NaN}', "NaN"),
        ("[" * 100000, "nested too deeply|not valid JSON"),
    ],
)
def test_bad_files_give_a_clear_graph_error(text: str, expected: str | None):
    if expected is None:
        assert parse_graph(text).nodes == {}
        return
    with pytest.raises(GraphError) as info:
        parse_graph(text.encode())
    import re

    assert re.search(expected, str(info.value)), str(info.value)


def test_errors_name_the_json_path():
    with pytest.raises(GraphError) as info:
        parse_graph(doc(nodes={"a": {"type": "text.brief", "title": 3}}))
    assert info.value.path == "$.nodes.a.title"


def test_a_50_mb_file_of_junk_is_refused_without_parsing(tmp_path: Path):
    junk = tmp_path / "junk.json"
    with open(junk, "wb") as handle:
        handle.write(os.urandom(1 << 20) * 50)
    with pytest.raises(GraphError, match="too large"):
        load_graph(junk)


def test_binary_junk_is_refused(tmp_path: Path):
    junk = tmp_path / "junk.json"
    junk.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe" + os.urandom(1000))
    with pytest.raises(GraphError, match=r"not a text file|not valid JSON"):
        load_graph(junk)


def test_missing_file_and_folder_are_clear(tmp_path: Path):
    with pytest.raises(GraphError, match="no such file"):
        load_graph(tmp_path / "absent.json")
    with pytest.raises(GraphError, match="is a folder"):
        load_graph(tmp_path)


def test_version_1_files_migrate_forward():
    v1 = json.dumps(
        {
            "format": FORMAT,
            "version": 1,
            "nodes": {
                "a": {"type": "text.brief", "position": [5, 6]},
                "b": {"type": "text.prompt", "params": {"template": "{mood}"}},
            },
            "edges": [["a", "brief", "b", "brief"]],
        }
    )
    graph = parse_graph(v1)
    assert graph.positions["a"] == (5.0, 6.0)
    assert [(e.src, e.src_port, e.dst, e.dst_port) for e in graph.edges] == [
        ("a", "brief", "b", "brief")
    ]
    assert json.loads(dumps_graph(graph))["version"] == CURRENT_VERSION


def test_unknown_node_types_survive_a_round_trip_untouched(tmp_path: Path):
    entry = {
        "type": "fancy.thing",
        "pack": "studio-fancy-pack",
        "type_version": 7,
        "params": {"weird": {"nested": [1, 2, 3]}},
        "future_field": True,
    }
    path = tmp_path / "g.json"
    path.write_text(doc(nodes={"f": entry, "b": {"type": "text.brief"}}))
    graph = load_graph(path)
    problems = validate_graph(graph, make_registry(), tmp_path)
    assert [p.node for p in problems] == ["f"]
    assert "studio-fancy-pack" in problems[0].describe()
    save_graph(graph, path)
    assert json.loads(path.read_text())["nodes"]["f"] == entry


def test_params_are_checked_against_the_spec(tmp_path: Path):
    registry = make_registry()
    graph = Graph()
    graph.add_node(Node("s", "test.sleep", {"seconds": 99}))  # above maximum
    graph.add_node(Node("t", "test.sleep", {"seconds": "slow"}))  # wrong type
    graph.add_node(Node("u", "test.sleep", {"nonsense": 1}))  # no such param
    messages = {p.node: p.describe() for p in validate_graph(graph, registry, tmp_path)}
    assert "at most 60" in messages["s"]
    assert "expects a number" in messages["t"]
    assert "no param 'nonsense'" in messages["u"]


def test_edges_must_join_compatible_ports(tmp_path: Path):
    registry = make_registry()
    graph = Graph()
    graph.add_node(Node("m", "test.media", {}))
    graph.add_node(Node("s", "test.sleep", {}))
    graph.add_node(Node("a", "test.const", {}))
    graph.connect("m", "image", "s", "text")
    graph.connect("a", "text", "s", "nope")
    messages = [p.describe() for p in validate_graph(graph, registry, tmp_path)]
    assert any("cannot connect image output" in m for m in messages)
    assert any("no input 'nope'" in m for m in messages)


def test_cycles_are_refused_when_connecting_and_when_loading():
    graph = sample_graph()
    with pytest.raises(GraphError, match="cycle"):
        graph.connect("p", "text", "brief", "brief")
    text = doc(
        nodes={"a": {"type": "text.prompt"}, "b": {"type": "text.prompt"}},
        edges=[
            {"from": "a", "out": "text", "to": "b", "in": "a"},
            {"from": "b", "out": "text", "to": "a", "in": "a"},
        ],
    )
    graph = parse_graph(text)
    problems = validate_graph(graph, make_registry())
    assert any("cycle" in p.describe() for p in problems)


def test_asset_paths_may_not_escape_the_graph_folder(tmp_path: Path):
    from studio.api import NodeSpec, Output, Param, PortType
    from studio.engine.registry import NodeRegistry

    async def run(ctx, inputs, params):
        return {}

    registry = NodeRegistry()
    registry.register(
        NodeSpec(
            id="t.load",
            title="t",
            category="t",
            version=1,
            run=run,
            outputs=(Output("o", PortType.IMAGE),),
            params=(Param.file("path", help="f"),),
        )
    )
    (tmp_path / "inside.png").write_bytes(b"x")
    outside = tmp_path.parent / "outside.png"
    outside.write_bytes(b"y")
    graph = Graph()
    graph.add_node(Node("ok", "t.load", {"path": "inside.png"}))
    graph.add_node(Node("up", "t.load", {"path": "../outside.png"}))
    graph.add_node(Node("abs", "t.load", {"path": str(outside)}))
    graph.add_node(Node("gone", "t.load", {"path": "missing.png"}))
    messages = {p.node: p.describe() for p in validate_graph(graph, registry, tmp_path)}
    assert "ok" not in messages
    assert "leaves the graph's folder" in messages["up"]
    assert "leaves the graph's folder" in messages["abs"]
    assert "not found" in messages["gone"]


def test_saving_copies_outside_assets_beside_the_graph(tmp_path: Path):
    outside = tmp_path / "elsewhere" / "photo.png"
    outside.parent.mkdir()
    outside.write_bytes(b"pixels")
    project = tmp_path / "project"
    project.mkdir()
    graph = Graph()
    graph.add_node(Node("img", "image.load", {"path": str(outside)}))
    notes = save_graph(graph, project / "g.json", file_params=lambda node: ["path"])
    saved = json.loads((project / "g.json").read_text())
    assert saved["nodes"]["img"]["params"]["path"] == "assets/photo.png"
    assert (project / "assets" / "photo.png").read_bytes() == b"pixels"
    assert notes and "copied" in notes[0]


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_an_unwritable_file_keeps_the_old_content(tmp_path: Path):
    path = tmp_path / "g.json"
    save_graph(sample_graph(), path)
    before = path.read_bytes()
    tmp_path.chmod(0o500)
    try:
        with pytest.raises(GraphError, match="permission denied"):
            save_graph(Graph(), path)
    finally:
        tmp_path.chmod(0o700)
    assert path.read_bytes() == before


def test_saving_into_a_missing_or_unwritable_place_is_a_graph_error(tmp_path: Path):
    with pytest.raises(GraphError, match="does not exist"):
        save_graph(sample_graph(), tmp_path / "no" / "such" / "g.json")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(GraphError, match="cannot save"):
        save_graph(sample_graph(), blocker / "g.json")


def test_a_refused_write_keeps_the_old_file_and_leaves_no_temp(tmp_path: Path, monkeypatch):
    # Root ignores permission bits, so the refusal is simulated where the OS would give it.
    path = tmp_path / "g.json"
    save_graph(sample_graph(), path)
    before = path.read_bytes()

    def refuse(src, dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(GraphError, match="permission denied"):
        save_graph(Graph(), path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.json"]
