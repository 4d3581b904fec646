"""A small project for bundle and safety tests: a node with a file param and media outputs.

`make_project(folder)` writes `graph.json` and `photos/cat.png`; `make_registry()` knows its node
types (the built-in text nodes plus the `bt.*` nodes below, in the pack "bundle-test").
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from studio.api import Input, NodeSpec, Output, Param, PortType
from studio.graph.fileformat import save_graph
from studio.graph.model import Graph, Node


async def _load(ctx, inputs, params):
    source = ctx.resolve_path(params["file"])
    target = ctx.scratch / f"loaded{source.suffix}"
    await ctx.run_cpu(shutil.copyfile, source, target)
    return {"image": await ctx.store(target, "image", {"source": params["file"]})}


async def _stamp(ctx, inputs, params):
    # A stand-in for a real image operation: the output depends on both inputs' bytes.
    data = inputs["image"].path.read_bytes() + inputs["text"].encode("utf-8")
    target = ctx.scratch / "stamped.bin"
    await ctx.run_cpu(target.write_bytes, data)
    ctx.provenance.update(provider="offline", model="stamp-1", seed=params["seed"])
    return {"image": await ctx.store(target, "image", {"bytes": len(data)})}


SPECS = [
    NodeSpec(
        id="bt.load",
        title="Load",
        category="Test",
        version=1,
        run=_load,
        outputs=(Output("image", PortType.IMAGE),),
        params=(Param.file("file", help="an image beside the graph", kinds=("image",)),),
    ),
    NodeSpec(
        id="bt.stamp",
        title="Stamp",
        category="Test",
        version=1,
        run=_stamp,
        inputs=(Input("image", PortType.IMAGE), Input("text", PortType.TEXT)),
        outputs=(Output("image", PortType.IMAGE),),
        params=(Param.seed(),),
    ),
]


def make_registry():
    from nodes import node_specs
    from studio.engine.registry import NodeRegistry

    registry = NodeRegistry()
    registry.register_pack("multimodal-studio", "0.1.0", node_specs)
    registry.register_pack("bundle-test", "1.0", lambda: SPECS)
    return registry


def write_png(path: Path, color: tuple[int, int, int] = (200, 40, 40)) -> Path:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (16, 12), color).save(path)
    return path


def make_graph(image: str = "photos/cat.png") -> Graph:
    graph = Graph()
    graph.add_node(Node("brief", "text.brief", {"subject": "a red square"}), (0, 0))
    graph.add_node(Node("prompt", "text.prompt", {"template": "{subject}, {mood}"}), (200, 0))
    graph.add_node(Node("load", "bt.load", {"file": image}), (0, 200))
    graph.add_node(Node("stamp", "bt.stamp", {"seed": 7}), (400, 100))
    graph.connect("brief", "brief", "prompt", "brief")
    graph.connect("prompt", "text", "stamp", "text")
    graph.connect("load", "image", "stamp", "image")
    return graph


def make_project(folder: Path) -> Path:
    """A saved project: graph.json and the image it loads. Returns the graph file."""
    folder.mkdir(parents=True, exist_ok=True)
    write_png(folder / "photos" / "cat.png")
    path = folder / "graph.json"
    save_graph(make_graph(), path)
    return path


def run(graph_path: Path, registry, cache, **kwargs):
    """Run a graph file; returns (RunResult, the loaded graph)."""
    from studio.engine.executor import Executor
    from studio.graph.fileformat import load_graph

    graph = load_graph(graph_path)
    executor = Executor(registry, cache)
    try:
        result = asyncio.run(executor.run(graph, graph_dir=graph_path.parent, **kwargs))
    finally:
        executor.close()
    return result, graph
