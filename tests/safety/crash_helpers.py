"""Child processes for the crash tests: each loops on one kind of write until it is killed.

    python crash_helpers.py save GRAPH_FILE        save_graph, alternating two large graphs
    python crash_helpers.py autosave AUTOSAVE_FILE the GUI's autosave record, alternating too

Both print "ready" once the first write is done. `big_graph(variant)` builds the two graphs, so the
test can tell which whole version a file holds.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from studio.graph.model import Edge, Graph, Node

SLOW_PACK = """
import asyncio
from studio.api import Input, NodeSpec, Output, Param, PortType


async def run(ctx, inputs, params):
    text = (inputs.get("text") or "") + "/" + params["label"]
    path = ctx.scratch / "step.bin"
    for i in range(20):  # stands in for slow work: a remote job, a long encode
        ctx.check_cancelled()
        ctx.progress(i / 20)
        await asyncio.sleep(params["seconds"] / 20)
    path.write_bytes(text.encode() * 1000)
    return {"text": text, "image": await ctx.store(path, "image", {"label": params["label"]})}


def node_specs():
    return [NodeSpec(
        id="crash.step", title="Step", category="Crash", version=1, run=run,
        inputs=(Input("text", PortType.TEXT, optional=True),),
        outputs=(Output("text", PortType.TEXT), Output("image", PortType.IMAGE)),
        params=(Param.string("label", "x", help="its name"),
                Param.float("seconds", 0.4, help="how long it takes", minimum=0, maximum=60)),
    )]
"""


def big_graph(variant: str, nodes: int = 1500) -> Graph:
    """A large graph (~0.5 MB); the variants differ in every node and in size."""
    graph = Graph()
    count = nodes if variant == "a" else nodes + 300
    for i in range(count):
        template = f"{variant} {i}: {{subject}} " + "lorem ipsum " * 8
        graph.add_node(
            Node(f"n{i}", "text.prompt", {"template": template}),
            (float(i % 40) * 220, float(i // 40) * 160),
        )
        if i:  # appended directly: connect() checks for cycles, quadratic on a long chain
            graph.edges.append(Edge(f"n{i}", "a", 0, f"n{i - 1}", "text"))
    graph.meta["variant"] = variant
    return graph


def autosave_record(variant: str) -> str:
    from studio.graph.fileformat import graph_to_dict

    # The GUI's record (studio/gui/autosave.py): pid, time, original file, graph. Fixed
    # pid and time here, so each variant has one exact text.
    data = {"pid": 0, "saved_at": 0.0, "original": None, "graph": graph_to_dict(big_graph(variant))}
    return json.dumps(data, sort_keys=True)


def _loop(kind: str, target: Path) -> None:
    from studio.atomic import write_text_atomic
    from studio.graph.fileformat import save_graph

    if kind == "save":
        graphs = [big_graph("a"), big_graph("b")]

        def write(i: int) -> None:
            save_graph(graphs[i % 2], target)
    else:
        import os

        texts = [autosave_record("a"), autosave_record("b")]

        def write(i: int) -> None:
            # The real autosaver records its pid: a dead pid marks a crash left-over.
            text = texts[i % 2].replace('"pid": 0', f'"pid": {os.getpid()}', 1)
            write_text_atomic(target, text)

    write(0)
    print("ready", flush=True)
    i = 1
    while True:
        write(i)
        i += 1


if __name__ == "__main__":
    _loop(sys.argv[1], Path(sys.argv[2]))
