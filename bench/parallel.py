"""8 independent branches of one 0.5 s wait each, joined at the end.

Prints wall time / critical path (target <= 1.15; a sequential executor gives about 8).
Run: python bench/parallel.py
"""

from __future__ import annotations

import asyncio
import time

from _common import fresh_cache, make_registry

from studio.engine.executor import Executor
from studio.graph.model import Graph, Node

BRANCHES, WAIT = 8, 0.5


def build() -> Graph:
    graph = Graph()
    graph.add_node(Node("join", "test.join", {}))
    for i in range(BRANCHES):
        graph.add_node(Node(f"branch{i}", "test.sleep", {"seconds": WAIT, "label": str(i)}))
        graph.connect(f"branch{i}", "text", "join", "texts")
    return graph


def main() -> None:
    executor = Executor(make_registry(), fresh_cache())
    started = time.perf_counter()
    result = asyncio.run(executor.run(build(), use_cache=False))
    wall = time.perf_counter() - started
    executor.close()
    assert result.status == "succeeded"
    print(f"parallel: {BRANCHES} branches x {WAIT} s, wall {wall:.3f} s, critical path {WAIT} s")
    print(f"parallel: wall / critical path = {wall / WAIT:.3f} (target <= 1.15)")


if __name__ == "__main__":
    main()
