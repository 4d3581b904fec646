"""The engine runs a component's inside as ordinary nodes: the same cache keys, bytes, costs,
provenance and parallelism as the same nodes inline."""

from __future__ import annotations

import asyncio
import copy

import pytest
from comphelp import make_component
from testpack import make_registry

from studio.engine.cache import Cache
from studio.engine.estimate import estimate_run
from studio.engine.events import NodeFinished, RunStarted
from studio.engine.executor import Executor
from studio.errors import GraphErrors
from studio.graph.components import instance_type
from studio.graph.model import Graph, Node


def _run(registry, cache, graph, providers=None, **kwargs):
    events: list = []
    executor = Executor(registry, cache, events.append, providers=providers)
    try:

        async def go():
            result = await executor.run(graph, **kwargs)
            plans = executor.plan(graph, kwargs.get("targets"), kwargs.get("graph_dir"))
            keys = await executor.cached_results(graph, plans, kwargs.get("graph_dir"))
            return result, {n: hit.key for n, hit in keys.items()}

        result, keys = asyncio.run(go())
    finally:
        executor.close()
    return result, keys, events


def media_chain() -> Graph:
    graph = Graph()
    graph.add_node(Node("words", "test.const", {"value": "hello"}))
    graph.add_node(Node("louder", "test.sleep", {"label": "!"}))
    graph.add_node(Node("picture", "test.media", {}))
    graph.connect("words", "text", "louder", "text")
    graph.connect("louder", "text", "picture", "text")
    return graph


def test_inline_and_componentised_give_the_same_keys_and_bytes(tmp_path):
    registry = make_registry()
    inline = media_chain()
    componentised = media_chain()
    node = make_component(componentised, registry, ["louder", "picture"], "make_picture")
    # Separate caches: nothing is shared, each run computes its own results.
    a, keys_a, _ = _run(registry, Cache(tmp_path / "a"), inline)
    b, keys_b, events = _run(registry, Cache(tmp_path / "b"), componentised)
    assert a.status == b.status == "succeeded"
    assert keys_b[f"{node}/louder"] == keys_a["louder"]
    assert keys_b[f"{node}/picture"] == keys_a["picture"]
    image_a, image_b = a.outputs["picture"]["image"], b.outputs[f"{node}/picture"]["image"]
    assert image_a.path.read_bytes() == image_b.path.read_bytes() == b"hello+!"
    assert image_a.digest == image_b.digest
    started = next(e for e in events if isinstance(e, RunStarted))
    assert set(started.nodes) == {"words", f"{node}/louder", f"{node}/picture"}


def test_every_use_of_a_component_runs_at_the_same_time(tmp_path):
    # Three uses of one component, each holding a node that waits until all three are running:
    # only a run that schedules the inner nodes as one DAG gets there.
    registry = make_registry()
    graph = Graph()
    graph.add_node(Node("meet", "test.rendezvous", {"group": "uses", "count": 3, "patience": 20}))
    graph.add_node(Node("join", "test.join", {}))
    graph.connect("meet", "text", "join", "texts")
    node = make_component(
        graph, registry, ["meet"], "meeting", exposed=[("label", "meet", "label")]
    )
    graph.nodes[node].params["label"] = "1"
    for label in ("2", "3"):
        graph.add_node(Node(f"use{label}", instance_type("meeting"), {"label": label}))
        graph.connect(f"use{label}", "text", "join", "texts")
    result, _, _ = _run(registry, Cache(tmp_path / "c"), graph)
    assert result.status == "succeeded", result.failures
    assert result.outputs["join"]["text"] == "+1,+2,+3"


def test_provenance_and_history_name_the_inner_nodes(tmp_path):
    registry = make_registry()
    inline = media_chain()
    componentised = media_chain()
    node = make_component(componentised, registry, ["louder", "picture"], "make_picture")
    _, _, inline_events = _run(registry, Cache(tmp_path / "a"), inline)
    _, _, comp_events = _run(registry, Cache(tmp_path / "b"), componentised)
    inline_prov = {e.node: e.provenance for e in inline_events if isinstance(e, NodeFinished)}
    comp_prov = {e.node: e.provenance for e in comp_events if isinstance(e, NodeFinished)}
    assert comp_prov[f"{node}/picture"] == inline_prov["picture"]
    assert comp_prov[f"{node}/picture"]["node_type"] == "test.media"


def test_running_up_to_a_component_node_runs_what_is_inside_it(tmp_path):
    registry = make_registry()
    graph = media_chain()
    graph.add_node(Node("elsewhere", "test.const", {}))
    node = make_component(graph, registry, ["louder"], "louder")
    result, _, _ = _run(registry, Cache(tmp_path / "c"), graph, targets=[node])
    assert set(result.executed) == {"words", f"{node}/louder"}


def test_a_problem_inside_a_component_names_the_inner_node(tmp_path):
    registry = make_registry()
    graph = media_chain()
    node = make_component(graph, registry, ["louder", "picture"], "make_picture")
    graph.components["make_picture"].graph.nodes["picture"].params["width"] = 0
    executor = Executor(registry, Cache(tmp_path / "c"))
    try:
        with pytest.raises(GraphErrors) as caught:
            executor.plan(graph)
    finally:
        executor.close()
    assert [e.node for e in caught.value.errors] == [f"{node}/picture"]
    assert "'width' must be at least 1" in caught.value.errors[0].message


def test_the_cost_preview_is_the_same_inline_and_componentised(registry, cache):
    inline = Graph()
    inline.add_node(Node("prompt", "text.prompt", {"template": "a red boat"}))
    for i in range(2):
        params = {"provider": "fal", "width": 1024, "height": 1024, "seed": i}
        inline.add_node(Node(f"image{i}", "image.generate", params))
        inline.connect("prompt", "text", f"image{i}", "prompt")
    componentised = copy.deepcopy(inline)
    make_component(componentised, registry, ["image0", "image1"], "pair", instance_id="pair")
    executor = Executor(registry, cache)
    try:
        inline_cost = estimate_run(executor.plan(inline), {})
        comp_cost = estimate_run(executor.plan(componentised), {})
    finally:
        executor.close()
    assert inline_cost.to_pay > 0 and comp_cost.to_pay == inline_cost.to_pay
    assert sorted(c for _, c in comp_cost.lines) == sorted(c for _, c in inline_cost.lines)
    assert {n for n, _ in comp_cost.lines} == {"pair/image0", "pair/image1"}
