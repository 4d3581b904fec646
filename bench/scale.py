"""Load, validate and schedule a 2,000-node graph; prints the time (target under 1 s).

Run: python bench/scale.py
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from _common import fresh_cache, make_registry

from studio.engine.executor import Executor
from studio.graph.fileformat import load_graph, save_graph
from studio.graph.model import Graph, Node

NODES = 2000


def build() -> Graph:
    """A layered graph: 40 layers of 50 nodes, each joined to two nodes of the layer before."""
    graph = Graph()
    width = 50
    for i in range(NODES):
        graph.add_node(
            Node(f"n{i}", "test.join", {"separator": "-"}), (i % width * 250.0, i // width * 150.0)
        )
        if i >= width:
            layer_start = (i // width - 1) * width
            graph.connect(f"n{layer_start + i % width}", "text", f"n{i}", "texts")
            graph.connect(f"n{layer_start + (i + 1) % width}", "text", f"n{i}", "texts")
        else:
            graph.add_node(Node(f"c{i}", "test.const", {"value": str(i)}))
            graph.connect(f"c{i}", "text", f"n{i}", "texts")
    return graph


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="studio-scale-"))
    path = folder / "big.json"
    save_graph(build(), path)
    registry = make_registry()
    executor = Executor(registry, fresh_cache(str(folder / "cache")))
    started = time.perf_counter()
    graph = load_graph(path)
    loaded = time.perf_counter()
    plans = executor.plan(graph, graph_dir=folder)
    planned = time.perf_counter()
    executor.close()
    print(
        f"scale: {len(graph.nodes)} nodes, {len(graph.edges)} edges "
        f"({path.stat().st_size / 1e6:.1f} MB file)"
    )
    print(
        f"scale: load {loaded - started:.3f} s + validate and schedule "
        f"{planned - loaded:.3f} s = {planned - started:.3f} s (target < 1 s); "
        f"{len(plans)} nodes scheduled"
    )


if __name__ == "__main__":
    main()
