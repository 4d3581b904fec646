"""compose.timeline tells what it had to mend: a damaged clip from a provider plays on, warned."""

from __future__ import annotations

from pathlib import Path

from mediafiles import write_with_damaged_packets

from studio.api import NodeSpec, Output, Param, PortType
from studio.engine.events import NodeWarning
from studio.graph.model import Graph, Node


async def _damaged_clip(ctx, inputs, params):
    # Stands in for a remote video provider whose download came back with damaged packets.
    path = write_with_damaged_packets(ctx.scratch / "remote.mkv", count=50, damaged=range(20, 23))
    return {"video": await ctx.store(path, "video", {"duration": 2.0})}


DAMAGED = NodeSpec(
    id="test.damaged_clip",
    title="Damaged clip",
    category="Test",
    version=1,
    run=_damaged_clip,
    outputs=(Output("video", PortType.VIDEO),),
    params=(Param.int("seed", 0, help="unused"),),
)


def test_a_damaged_clip_in_the_timeline_is_a_node_warning(registry, run_graph, tmp_path: Path):
    registry.register(DAMAGED, pack="tests")
    graph = Graph()
    graph.add_node(Node("clip", "test.damaged_clip", {}))
    params = {"preset": "1280x720", "fps": "24", "quality": "draft", "burn_captions": False}
    graph.add_node(Node("timeline", "compose.timeline", params))
    graph.connect("clip", "video", "timeline", "clips")
    result, events = run_graph(graph, graph_dir=tmp_path)
    assert result.status == "succeeded", result.failures
    warnings = [e.message for e in events if isinstance(e, NodeWarning) and e.node == "timeline"]
    assert warnings == [
        "clip 1: 3 damaged video frames could not be decoded; "
        "the frame before each is shown in its place"
    ]
