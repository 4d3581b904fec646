"""Bundles carry the components a graph uses: nested ones, ones taken from the library, and the
files their inner nodes name. Unpacked on a "fresh machine" (another library folder, an empty
cache), the graph validates and renders the same bytes."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from bundle.bundle_project import make_graph, make_registry, run, write_png
from comphelp import make_component

from studio.bundle import pack_graph, unpack_bundle
from studio.bundle.unpack import unpack
from studio.cli import main
from studio.engine.cache import Cache
from studio.errors import GraphError
from studio.graph.components import instance_type
from studio.graph.fileformat import load_graph, save_graph
from studio.graph.library import find_entry, insert, publish
from studio.graph.model import Graph, Node


@pytest.fixture
def registry():
    return make_registry()


@pytest.fixture(autouse=True)
def project_nodes(monkeypatch):
    # The commands load the installed nodes; here those are the test project's.
    monkeypatch.setattr("studio.engine.registry.load_registry", make_registry)


def nested_project(folder: Path, registry) -> Path:
    """brief -> [scene: prompt -> [shot: load -> stamp]]; the shot's photo is exposed, and the
    scene's use of the shot sets it to another file than the shot's own default."""
    write_png(folder / "photos" / "cat.png", (200, 40, 40))
    write_png(folder / "photos" / "dog.png", (40, 40, 200))
    graph = make_graph()
    shot = make_component(
        graph,
        registry,
        ["load", "stamp"],
        "shot",
        "Shot",
        [("photo", "load", "file"), ("seed", "stamp", "seed")],
        instance_id="shot_1",
    )
    make_component(graph, registry, ["prompt", shot], "scene", "Scene", instance_id="scene_1")
    graph.components["scene"].graph.nodes[shot].params["photo"] = "photos/dog.png"
    path = folder / "graph.json"
    save_graph(graph, path)
    return path


def fresh_machine(monkeypatch, root: Path) -> Cache:
    """Another library folder (empty) and another cache, as on the receiver's computer."""
    (root / "library").mkdir(parents=True)
    monkeypatch.setenv("STUDIO_COMPONENTS_DIR", str(root / "library"))
    monkeypatch.setenv("STUDIO_CACHE_DIR", str(root / "cache"))
    return Cache(root / "cache")


def test_a_nested_component_and_the_files_inside_it_travel_in_the_bundle(
    tmp_path, registry, monkeypatch
):
    graph_path = nested_project(tmp_path / "made", registry)
    made, _ = run(graph_path, registry, Cache(tmp_path / "cache-here"))
    assert made.status == "succeeded"
    stamped = made.outputs["scene_1/shot_1/stamp"]["image"].digest

    info = pack_graph(
        graph_path,
        tmp_path / "share.studiopack",
        registry=registry,
        cache=Cache(tmp_path / "cache-here"),
    )
    # The shot's own default and the scene's setting: both are files a use can read.
    assert info.assets == ("assets/photos/cat.png", "assets/photos/dog.png")
    assert info.packs == {"bundle-test": "1.0", "multimodal-studio": "0.1.0"}
    assert info.notes == ()

    cache_there = fresh_machine(monkeypatch, tmp_path / "there")
    unpacked = unpack_bundle(info.path, tmp_path / "there" / "project", cache=cache_there)
    graph = load_graph(unpacked)
    assert sorted(graph.components) == ["scene", "shot"]
    assert graph.components["shot"].graph.nodes["load"].params["file"] == "assets/photos/cat.png"
    scene_use = graph.components["scene"].graph.nodes["shot_1"]
    assert scene_use.params["photo"] == "assets/photos/dog.png"

    again, _ = run(unpacked, registry, cache_there)
    assert again.status == "succeeded", again.failures
    assert sorted(again.executed) == sorted(made.executed)
    assert again.outputs["scene_1/shot_1/stamp"]["image"].digest == stamped


def test_the_cached_results_inside_components_travel_and_are_not_recomputed(
    tmp_path, registry, monkeypatch
):
    graph_path = nested_project(tmp_path / "made", registry)
    cache_here = Cache(tmp_path / "cache-here")
    run(graph_path, registry, cache_here)
    info = pack_graph(
        graph_path,
        tmp_path / "p.studiopack",
        with_results=True,
        registry=registry,
        cache=cache_here,
    )
    inner = ["scene_1/prompt", "scene_1/shot_1/load", "scene_1/shot_1/stamp"]
    assert info.results == ("brief", *inner)

    cache_there = fresh_machine(monkeypatch, tmp_path / "there")
    report = unpack(info.path, tmp_path / "there" / "p", cache=cache_there, registry=registry)
    assert sorted(report.imported) == ["brief", *inner]
    again, _ = run(report.graph, registry, cache_there)
    assert again.executed == [] and sorted(again.cached) == ["brief", *inner]


def test_a_file_missing_inside_a_component_stops_the_pack_naming_where_it_is(tmp_path, registry):
    graph_path = nested_project(tmp_path / "made", registry)
    (tmp_path / "made" / "photos" / "cat.png").unlink()
    with pytest.raises(GraphError, match="not found") as caught:
        pack_graph(graph_path, tmp_path / "p.studiopack", registry=registry, cache=None)
    assert caught.value.path == "$.components.shot.nodes.load.params.file"
    assert not (tmp_path / "p.studiopack").exists()


def test_a_library_component_used_in_a_new_graph_packs_validates_and_renders_elsewhere(
    tmp_path, registry, monkeypatch, capsys
):
    made = tmp_path / "made"
    first = load_graph(nested_project(made, registry))
    monkeypatch.setenv("STUDIO_COMPONENTS_DIR", str(tmp_path / "my-library"))
    (tmp_path / "my-library").mkdir()
    publish(first, "scene")

    # A new graph beside the photos, using the published scene from the library.
    graph = Graph()
    graph.add_node(Node("words", "text.brief", {"subject": "a blue square"}), (0, 0))
    entry = find_entry("scene")
    added, scene_id = insert(graph, entry)
    graph.components.update(added)
    graph.add_node(Node("scene", instance_type(scene_id)), (300, 0))
    graph.connect("words", "brief", "scene", "brief")
    new_path = made / "second.json"
    save_graph(graph, new_path)
    assert main(["validate", str(new_path)]) == 0
    assert main(["render", str(new_path)]) == 0
    bundle = tmp_path / "second.studiopack"
    assert main(["pack", str(new_path), "-o", str(bundle)]) == 0
    out = capsys.readouterr().out
    assert "note:" not in out and "with 2 files" in out

    fresh_machine(monkeypatch, tmp_path / "there")
    assert main(["unpack", str(bundle), str(tmp_path / "there" / "project")]) == 0
    there = tmp_path / "there" / "project" / "graph.json"  # a bundle holds graph.json
    unpacked = load_graph(there)
    assert unpacked.components["scene"].library == "scene"
    assert unpacked.components["scene"].version == 1
    capsys.readouterr()
    assert main(["validate", str(there)]) == 0
    assert "ok" in capsys.readouterr().out
    assert main(["render", str(there), "--json"]) == 0
    events = [
        json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")
    ]
    finished = {e["node"] for e in events if e["event"] == "finished"}
    assert {"scene/prompt", "scene/shot_1/load", "scene/shot_1/stamp"} <= finished
    with zipfile.ZipFile(bundle) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    assert "(unknown pack of component:scene)" not in manifest["packs"]


def test_validate_reports_problems_inside_components_by_their_flat_id(tmp_path, registry, capsys):
    graph_path = nested_project(tmp_path / "made", registry)
    assert main(["validate", str(graph_path)]) == 0
    assert "ok" in capsys.readouterr().out

    (tmp_path / "made" / "photos" / "dog.png").write_bytes(b"not a picture")
    assert main(["validate", str(graph_path)]) == 2
    err = capsys.readouterr().err
    assert "node 'scene_1/shot_1/load'" in err and "dog.png" in err
    assert "unknown node type" not in err

    graph = load_graph(graph_path)
    graph.components["shot"].graph.nodes["load"].type = "scene-nodes.missing"
    graph.components["shot"].graph.nodes["stamp"].type = instance_type("scene")
    save_graph(graph, graph_path)
    assert main(["validate", str(graph_path)]) == 2
    err = capsys.readouterr().err
    assert "contains itself" in err and "Scene (scene) -> Shot (shot) -> Scene (scene)" in err
