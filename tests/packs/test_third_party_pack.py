"""Third-party node packs: installed with pip, found by entry point, listed, run; broken ones are
reported by name while the rest loads; a graph needing a missing pack keeps its nodes intact."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import wave
from pathlib import Path

import pytest

from studio.cli import main
from studio.engine.cache import Cache
from studio.engine.executor import Executor
from studio.engine.registry import load_registry
from studio.errors import GraphErrors
from studio.graph.fileformat import dumps_graph, graph_json, load_graph, save_graph
from studio.graph.model import Graph, Node
from studio.graph.validate import validate_graph

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_PACK = Path(__file__).parent / "example_pack"


def pack_graph_doc() -> Graph:
    graph = Graph()
    graph.add_node(Node("brief", "text.brief", {"subject": "a lighthouse at dusk"}), (0, 0))
    graph.add_node(Node("prompt", "text.prompt", {"template": "{subject}"}), (200, 0))
    graph.add_node(
        Node("reverse", "example.reverse", {"by": "words"}, pack="studio-example-pack"), (400, 0)
    )
    graph.add_node(
        Node(
            "tone", "example.tone", {"frequency": 220.0, "seconds": 0.5}, pack="studio-example-pack"
        ),
        (0, 200),
    )
    graph.connect("brief", "brief", "prompt", "brief")
    graph.connect("prompt", "text", "reverse", "text")
    return graph


def env_with(*folders: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([*map(str, folders), str(REPO)])
    return env


def test_studio_nodes_lists_the_installed_pack(installed_pack, on_path, capsys):
    on_path(installed_pack)
    assert main(["nodes", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    nodes = {n["id"]: n for n in doc["nodes"]}
    assert nodes["example.reverse"]["pack"] == "studio-example-pack"
    assert nodes["example.tone"]["category"] == "Example"
    assert [p["name"] for p in nodes["example.tone"]["params"]] == [
        "frequency",
        "seconds",
        "volume",
    ]
    assert "text.prompt" in nodes  # the built-in pack is still there
    assert doc["packs"]["studio-example-pack"] == "1.0.0"
    assert doc["problems"] == []


def test_a_graph_using_the_pack_runs(installed_pack, on_path, tmp_path):
    on_path(installed_pack)
    registry = load_registry()
    executor = Executor(registry, Cache(tmp_path / "cache"))
    try:
        result = asyncio.run(executor.run(pack_graph_doc()))
    finally:
        executor.close()
    assert result.status == "succeeded", result.failures
    assert result.outputs["reverse"]["text"] == "dusk at lighthouse a"
    with wave.open(str(result.outputs["tone"]["audio"].path)) as wav:
        assert wav.getnframes() / wav.getframerate() == pytest.approx(0.5)


def test_the_studio_command_sees_and_renders_the_pack(installed_pack, tmp_path):
    listed = subprocess.run(
        [sys.executable, "-m", "studio", "nodes"],
        capture_output=True,
        text=True,
        env=env_with(installed_pack),
        timeout=60,
        check=True,
    )
    assert "example.reverse" in listed.stdout and "[studio-example-pack]" in listed.stdout

    graph_path = tmp_path / "uses-pack.json"
    save_graph(pack_graph_doc(), graph_path)
    env = env_with(installed_pack)
    env["STUDIO_CACHE_DIR"] = str(tmp_path / "cache")
    render = subprocess.run(
        [sys.executable, "-m", "studio", "render", str(graph_path), "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert render.returncode == 0, render.stderr
    events = [json.loads(line) for line in render.stdout.splitlines() if line.startswith("{")]
    finished = {e["node"]: e["outputs"] for e in events if e["event"] == "finished"}
    assert finished["reverse"]["text"] == "dusk at lighthouse a"
    assert finished["tone"]["audio"]["kind"] == "audio"
    assert Path(finished["tone"]["audio"]["path"]).is_file()


def test_the_packs_own_tests_pass_against_the_installed_pack(installed_pack):
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=EXAMPLE_PACK,
        capture_output=True,
        text=True,
        env=env_with(installed_pack),
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "3 passed" in run.stdout


# -- broken packs ----------------------------------------------------------------------------------
BROKEN_IMPORT = "raise ImportError(\"this pack needs the 'torch' module\")\n"
MALFORMED = """
from studio.api import NodeSpec, Output, PortType

async def run(ctx, inputs, params):
    return {"text": "fine"}

def not_async(ctx, inputs, params):
    return {"text": "no"}

def _spec(id, run=run):
    return NodeSpec(id=id, title=id, category="Odd", version=1, run=run,
                    outputs=(Output("text", PortType.TEXT),))

def node_specs():
    return [_spec("odd.fine"), _spec("Not An Id"), _spec("odd.sync", not_async),
            "not a spec", _spec("text.prompt")]
"""
RAISES = "def node_specs():\n    raise RuntimeError('cannot find my model folder')\n"


def fake_distribution(site: Path, name: str, module: str, source: str) -> None:
    """An installed distribution, as pip lays one out: a module and its .dist-info."""
    (site / f"{module}.py").write_text(source)
    info = site / f"{module}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        f"[multimodal_studio.nodes]\n{module} = {module}:node_specs\n"
    )


@pytest.fixture
def broken_site(tmp_path):
    site = tmp_path / "broken-site"
    site.mkdir()
    fake_distribution(site, "broken-import", "broken_import_pack", BROKEN_IMPORT)
    fake_distribution(site, "malformed-nodes", "malformed_nodes_pack", MALFORMED)
    fake_distribution(site, "raising-loader", "raising_loader_pack", RAISES)
    return site


def test_broken_packs_are_reported_by_name_and_everything_else_loads(
    installed_pack, broken_site, on_path, capsys
):
    on_path(installed_pack)
    on_path(broken_site)
    registry = load_registry()
    problems = {(p.pack, p.message) for p in registry.problems}
    by_pack: dict[str, list[str]] = {}
    for pack, message in problems:
        by_pack.setdefault(pack, []).append(message)
    assert by_pack["broken-import"] == [
        "failed to load: ImportError: this pack needs the 'torch' module"
    ]
    assert by_pack["raising-loader"] == [
        "failed to load: RuntimeError: cannot find my model folder"
    ]
    malformed = " | ".join(sorted(by_pack["malformed-nodes"]))
    assert "'Not An Id': ids are namespaced" in malformed
    assert "'odd.sync': run must be an async function" in malformed
    assert "is a str, not a NodeSpec" in malformed
    assert "'text.prompt' is already registered by multimodal-studio" in malformed
    # Everything well-formed still loads: the good node of the odd pack, the example, built-ins.
    for node_type in ("odd.fine", "example.reverse", "example.tone", "text.prompt"):
        assert registry.get(node_type) is not None, node_type
    assert registry.get("text.prompt").pack == "multimodal-studio"

    assert main(["nodes", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert {p["pack"] for p in doc["problems"]} == {
        "broken-import",
        "malformed-nodes",
        "raising-loader",
    }
    assert main(["nodes"]) == 0
    err = capsys.readouterr().err
    assert "node pack 'broken-import': failed to load: ImportError" in err


# -- a graph that needs a pack not installed -------------------------------------------------------
def test_a_graph_needing_a_missing_pack_keeps_its_nodes_and_runs_the_rest(
    installed_pack, on_path, tmp_path
):
    graph_path = tmp_path / "uses-pack.json"
    save_graph(pack_graph_doc(), graph_path)
    # Fields this studio does not know (a newer pack's) must survive too.
    doc = json.loads(graph_path.read_text())
    doc["nodes"]["reverse"]["ui_hint"] = {"collapsed": True, "note": "naïve ✓"}
    original = graph_json(doc)  # the file as the studio writes it
    graph_path.write_text(original, "utf-8")

    registry = load_registry()  # without the example pack
    graph = load_graph(graph_path)
    problems = validate_graph(graph, registry, graph_path.parent)
    assert graph.nodes["reverse"].unknown and graph.nodes["tone"].unknown
    assert {p.node for p in problems} == {"reverse", "tone"}
    assert (
        "unknown node type 'example.reverse' (from pack 'studio-example-pack', not "
        "installed)" in str(problems[0]) + str(problems[1])
    )

    executor = Executor(registry, Cache(tmp_path / "cache"))
    try:
        with pytest.raises(GraphErrors, match="studio-example-pack"):
            asyncio.run(executor.run(graph, graph_dir=graph_path.parent))
        # Run up to the nodes that can run: they do.
        result = asyncio.run(executor.run(graph, targets=["prompt"], graph_dir=graph_path.parent))
    finally:
        executor.close()
    assert result.status == "succeeded" and sorted(result.executed) == ["brief", "prompt"]

    # Saving keeps the missing pack's nodes byte for byte.
    save_graph(graph, graph_path)
    assert graph_path.read_text("utf-8") == original
    assert dumps_graph(graph) == original

    # Install the pack, and the same file runs whole.
    on_path(installed_pack)
    registry = load_registry()
    graph = load_graph(graph_path)
    executor = Executor(registry, Cache(tmp_path / "cache"))
    try:
        result = asyncio.run(executor.run(graph, graph_dir=graph_path.parent))
    finally:
        executor.close()
    assert result.status == "succeeded" and result.cached == ["brief", "prompt"]
    assert result.outputs["reverse"]["text"] == "dusk at lighthouse a"
