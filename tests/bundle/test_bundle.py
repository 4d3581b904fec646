"""Packing a project and unpacking it elsewhere: same graph, same assets, same results."""

from __future__ import annotations

import hashlib
import json
import zipfile

import pytest
from bundle.bundle_project import make_graph, make_project, make_registry, run, write_png

from studio.bundle import BundleError, pack_graph, unpack_bundle
from studio.bundle.unpack import unpack
from studio.engine.cache import Cache, file_digest
from studio.errors import GraphError
from studio.graph.fileformat import load_graph, save_graph


@pytest.fixture
def registry():
    return make_registry()


def test_packed_project_renders_the_same_on_a_fresh_machine(tmp_path, registry):
    graph_path = make_project(tmp_path / "made-here")
    cache_here = Cache(tmp_path / "cache-here")
    made, _ = run(graph_path, registry, cache_here)
    assert made.status == "succeeded"

    info = pack_graph(
        graph_path,
        tmp_path / "share.studiopack",
        with_results=False,
        registry=registry,
        cache=cache_here,
    )
    assert info.results == ()
    cache_there = Cache(tmp_path / "cache-there")
    unpacked = unpack_bundle(
        info.path, tmp_path / "there" / "project", cache=cache_there, registry=registry
    )
    again, graph = run(unpacked, registry, cache_there)

    assert again.status == "succeeded" and sorted(again.executed) == sorted(made.executed)
    assert graph.nodes["load"].params["file"] == "assets/photos/cat.png"
    assert (unpacked.parent / "assets/photos/cat.png").read_bytes() == (
        graph_path.parent / "photos/cat.png"
    ).read_bytes()
    assert again.outputs["prompt"]["text"] == made.outputs["prompt"]["text"]
    assert again.outputs["stamp"]["image"].digest == made.outputs["stamp"]["image"].digest


def test_results_travel_with_the_bundle_and_are_not_recomputed(tmp_path, registry):
    graph_path = make_project(tmp_path / "a")
    cache_a = Cache(tmp_path / "cache-a")
    made, _ = run(graph_path, registry, cache_a)

    info = pack_graph(
        graph_path, tmp_path / "p.studiopack", with_results=True, registry=registry, cache=cache_a
    )
    assert info.results == ("brief", "load", "prompt", "stamp")
    cache_b = Cache(tmp_path / "cache-b")
    report = unpack(info.path, tmp_path / "b", cache=cache_b, registry=registry)
    assert sorted(report.imported) == ["brief", "load", "prompt", "stamp"]

    again, _ = run(report.graph, registry, cache_b)
    assert again.executed == [] and sorted(again.cached) == ["brief", "load", "prompt", "stamp"]
    stamp = again.outputs["stamp"]["image"]
    assert stamp.digest == made.outputs["stamp"]["image"].digest
    assert stamp.path.is_relative_to(cache_b.root) and file_digest(stamp.path) == stamp.digest


def test_manifest_records_digests_packs_and_provenance(tmp_path, registry):
    graph_path = make_project(tmp_path / "a")
    cache = Cache(tmp_path / "cache")
    run(graph_path, registry, cache)
    info = pack_graph(
        graph_path, tmp_path / "p.studiopack", with_results=True, registry=registry, cache=cache
    )
    with zipfile.ZipFile(info.path) as zf:
        names = zf.namelist()
        manifest = json.loads(zf.read("manifest.json"))
        packed_graph = json.loads(zf.read("graph.json"))
        for name, entry in manifest["files"].items():
            data = zf.read(name)
            assert len(data) == entry["size"]
            assert hashlib.sha256(data).hexdigest() == entry["sha256"]
    assert names[0] == "graph.json" and names[-1] == "manifest.json"
    assert "assets/photos/cat.png" in names
    assert manifest["format"] == "multimodal-studio.bundle" and manifest["version"] == 1
    assert manifest["packs"] == {"bundle-test": "1.0", "multimodal-studio": "0.1.0"}
    stamp = manifest["results"]["stamp"]
    assert stamp["provenance"]["provider"] == "offline"
    assert stamp["provenance"]["model"] == "stamp-1" and stamp["provenance"]["seed"] == 7
    assert stamp["computed_at"].startswith("20")
    assert packed_graph["nodes"]["load"]["params"]["file"] == "assets/photos/cat.png"
    # The original project is untouched: packing rewrites only the copy.
    assert load_graph(graph_path).nodes["load"].params["file"] == "photos/cat.png"


def test_only_cached_nodes_are_included_and_the_rest_is_named(tmp_path, registry):
    graph_path = make_project(tmp_path / "a")
    cache = Cache(tmp_path / "cache")
    run(graph_path, registry, cache, targets=["prompt"])
    info = pack_graph(
        graph_path, tmp_path / "p.studiopack", with_results=True, registry=registry, cache=cache
    )
    assert info.results == ("brief", "prompt")
    assert any("load, stamp" in note for note in info.notes)


def test_assets_are_relocated_and_case_clashes_renamed(tmp_path, registry):
    folder = tmp_path / "a"
    write_png(folder / "Cat.png", (10, 10, 10))
    write_png(folder / "cat.png", (250, 250, 250))
    write_png(folder / "assets" / "dog.png", (0, 0, 250))
    graph = make_graph("Cat.png")
    graph.nodes["load"].params["file"] = str(folder / "Cat.png")  # an absolute path inside
    from studio.graph.model import Node

    graph.add_node(Node("load2", "bt.load", {"file": "cat.png"}))
    graph.add_node(Node("load3", "bt.load", {"file": "assets/dog.png"}))
    graph.add_node(Node("load4", "bt.load", {"file": "Cat.png"}))  # same file, one copy
    save_graph(graph, folder / "graph.json")
    info = pack_graph(
        folder / "graph.json",
        tmp_path / "p.studiopack",
        registry=registry,
        cache=Cache(tmp_path / "c"),
    )
    assert info.assets == ("assets/Cat.png", "assets/cat-1.png", "assets/dog.png")
    out = unpack_bundle(info.path, tmp_path / "b")
    graph = load_graph(out)
    params = {n: graph.nodes[n].params["file"] for n in ("load", "load2", "load3", "load4")}
    assert params == {
        "load": "assets/Cat.png",
        "load2": "assets/cat-1.png",
        "load3": "assets/dog.png",
        "load4": "assets/Cat.png",
    }
    assert file_digest(out.parent / "assets/cat-1.png") == file_digest(folder / "cat.png")


def test_pack_refuses_a_file_outside_the_graph_folder(tmp_path, registry):
    write_png(tmp_path / "secret.png")
    folder = tmp_path / "project"
    folder.mkdir()
    save_graph(make_graph("../secret.png"), folder / "graph.json")
    with pytest.raises(GraphError, match="leaves the graph's folder") as caught:
        pack_graph(
            folder / "graph.json",
            tmp_path / "p.studiopack",
            registry=registry,
            cache=Cache(tmp_path / "c"),
        )
    assert caught.value.node == "load"
    assert not (tmp_path / "p.studiopack").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c", "project", "secret.png"]


def test_pack_refuses_a_missing_asset(tmp_path, registry):
    folder = tmp_path / "project"
    folder.mkdir()
    save_graph(make_graph("gone.png"), folder / "graph.json")
    with pytest.raises(GraphError, match="not found"):
        pack_graph(
            folder / "graph.json",
            tmp_path / "p.studiopack",
            registry=registry,
            cache=Cache(tmp_path / "c"),
        )


def test_unknown_node_types_travel_intact(tmp_path, registry):
    graph_path = make_project(tmp_path / "a")
    doc = json.loads(graph_path.read_text())
    doc["nodes"]["fancy"] = {
        "type": "fancy.upscale",
        "type_version": 3,
        "pack": "fancy-pack",
        "params": {"factor": 4, "weights": "w.bin"},
        "future": [1, 2],
    }
    graph_path.write_text(json.dumps(doc))
    cache = Cache(tmp_path / "cache")
    run(graph_path, registry, cache, targets=["stamp"])
    info = pack_graph(
        graph_path, tmp_path / "p.studiopack", with_results=True, registry=registry, cache=cache
    )
    assert info.packs["fancy-pack"] is None
    assert any("fancy.upscale" in note and "fancy-pack" in note for note in info.notes)
    out = unpack_bundle(info.path, tmp_path / "b", cache=Cache(tmp_path / "c2"), registry=registry)
    assert json.loads(out.read_text())["nodes"]["fancy"] == doc["nodes"]["fancy"]


def test_unpack_refuses_a_non_empty_target_and_writes_nothing(tmp_path, registry):
    graph_path = make_project(tmp_path / "a")
    info = pack_graph(
        graph_path, tmp_path / "p.studiopack", registry=registry, cache=Cache(tmp_path / "c")
    )
    target = tmp_path / "b"
    target.mkdir()
    (target / "mine.txt").write_text("keep me")
    with pytest.raises(BundleError, match="not empty"):
        unpack_bundle(info.path, target)
    assert [p.name for p in target.iterdir()] == ["mine.txt"]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert unpack_bundle(info.path, empty) == empty / "graph.json"


def test_packing_is_atomic_and_repeatable(tmp_path, registry):
    graph_path = make_project(tmp_path / "a")
    out = tmp_path / "p.studiopack"
    first = pack_graph(graph_path, out, registry=registry, cache=Cache(tmp_path / "c"))
    with zipfile.ZipFile(out) as zf:
        first_graph = zf.read("graph.json")
    second = pack_graph(graph_path, out, registry=registry, cache=Cache(tmp_path / "c"))
    with zipfile.ZipFile(out) as zf:
        assert zf.read("graph.json") == first_graph
    assert first.bytes == second.bytes
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "c", "p.studiopack"]


def test_a_graph_with_muted_and_bypassed_nodes_packs_its_cached_results(tmp_path, registry):
    from studio.graph.model import BYPASS, MUTE

    graph_path = make_project(tmp_path / "a")
    graph = load_graph(graph_path)
    graph.set_mode("prompt", BYPASS)  # the brief's text goes straight on to the stamp
    graph.set_mode("stamp", MUTE)
    save_graph(graph, graph_path)
    cache = Cache(tmp_path / "cache")
    made, _ = run(graph_path, registry, cache)
    assert sorted(made.executed) == ["brief", "load"] and made.bypassed == ["prompt"]
    info = pack_graph(
        graph_path, tmp_path / "p.studiopack", with_results=True, registry=registry, cache=cache
    )
    # Muted nodes are no result to carry, and a bypassed node has none of its own.
    assert info.results == ("brief", "load")
