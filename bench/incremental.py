"""Incremental re-runs on a 30-node graph.

1. cold run (empty cache); 2. change one param of a node in the middle: only it and its
descendants run; 3. a fresh process with nothing changed runs zero nodes.
Prints both counts and the warm / cold time ratio. Run: python bench/incremental.py
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import fresh_cache, make_registry

from studio.engine.executor import Executor
from studio.graph.fileformat import load_graph, save_graph
from studio.graph.model import Graph, Node

WORK = 0.05  # seconds each node "works"


def build() -> Graph:
    """Three chains of ten nodes; chain b reads chain a's fifth node."""
    graph = Graph()
    for chain in "abc":
        for i in range(10):
            node_id = f"{chain}{i}"
            graph.add_node(Node(node_id, "test.sleep", {"seconds": WORK, "label": node_id}))
            if i:
                graph.connect(f"{chain}{i - 1}", "text", node_id, "text")
    graph.connect("a4", "text", "b0", "text")
    return graph


def run(path: Path, cache_dir: str) -> tuple[list[str], float]:
    executor = Executor(make_registry(), fresh_cache(cache_dir))
    started = time.perf_counter()
    result = asyncio.run(executor.run(load_graph(path), graph_dir=path.parent))
    executor.close()
    return result.executed, time.perf_counter() - started


def main() -> None:
    if len(sys.argv) == 3:  # the fresh-process leg
        executed, seconds = run(Path(sys.argv[1]), sys.argv[2])
        print(json.dumps({"executed": executed, "seconds": seconds}))
        return
    folder = Path(tempfile.mkdtemp(prefix="studio-incremental-"))
    path, cache_dir = folder / "graph.json", str(folder / "cache")
    graph = build()
    save_graph(graph, path)
    executed, cold = run(path, cache_dir)
    print(
        f"incremental: cold run executed {len(executed)} of {len(graph.nodes)} nodes "
        f"in {cold:.3f} s"
    )
    graph.nodes["a4"].params["label"] = "edited"
    save_graph(graph, path)
    executed, edited = run(path, cache_dir)
    expected = sorted(graph.descendants(["a4"]))
    print(
        f"incremental: after editing a4, executed {len(executed)} nodes {sorted(executed)} "
        f"(a4 and its descendants: {len(expected)}) in {edited:.3f} s"
    )
    assert sorted(executed) == expected
    leg = subprocess.run(
        [sys.executable, __file__, str(path), cache_dir], capture_output=True, text=True, check=True
    )
    warm = json.loads(leg.stdout.strip().splitlines()[-1])
    print(
        f"incremental: fresh process, nothing changed: executed {len(warm['executed'])} nodes "
        f"in {warm['seconds']:.3f} s"
    )
    print(f"incremental: warm / cold time = {warm['seconds'] / cold:.3f}")


if __name__ == "__main__":
    main()
