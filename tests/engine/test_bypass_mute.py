"""Bypass and mute are real in the engine: a bypassed node passes its input on, a muted node and
everything downstream of it do not run."""

from __future__ import annotations

import asyncio

import pytest
from testpack import chain

from studio.engine.events import NodeBypassed, NodeFinished, NodeQueued, NodeStarted
from studio.engine.executor import Executor
from studio.errors import GraphErrors
from studio.graph.model import BYPASS, MUTE, NORMAL, Graph, Node
from studio.graph.validate import validate_graph


def three_in_a_row() -> Graph:
    return chain(
        ("a", "test.const", {"value": "a"}),
        ("mid", "test.sleep", {"label": "MID"}),
        ("end", "test.sleep", {"label": "end"}),
    )


def test_a_bypassed_node_passes_its_first_input_of_the_same_type_on(execute):
    graph = three_in_a_row()
    graph.set_mode("mid", BYPASS)
    result, events = execute(graph)
    assert result.status == "succeeded", result.failures
    # Without the bypass the text would be "a+MID+end".
    assert result.outputs["end"]["text"] == "a+end"
    assert result.outputs["mid"]["text"] == "a"
    assert result.bypassed == ["mid"] and "mid" not in result.executed
    started = {e.node for e in events if isinstance(e, NodeStarted)}
    assert started == {"a", "end"}
    (bypassed,) = [e for e in events if isinstance(e, NodeBypassed)]
    assert bypassed.node == "mid" and bypassed.outputs == {"text": "a"}


def test_bypass_ignores_the_nodes_own_params_and_is_not_paid_for(execute, treg):
    graph = three_in_a_row()
    graph.nodes["mid"].params["seconds"] = -5  # out of range: an error for a node that runs
    graph.nodes["mid"].params["nonsense"] = 1
    assert any(p.node == "mid" for p in validate_graph(graph, treg))
    graph.set_mode("mid", BYPASS)
    assert validate_graph(graph, treg) == []
    result, _ = execute(graph)
    assert result.outputs["end"]["text"] == "a+end"


def test_a_bypassed_node_without_an_input_of_an_outputs_type_is_refused_before_running(execute):
    graph = Graph()
    graph.add_node(Node("words", "test.const", {"value": "hi"}))
    graph.add_node(Node("picture", "test.media", {}))  # text in, image out
    graph.add_node(Node("join", "test.join", {}))  # a list of texts in, text out
    graph.add_node(Node("user", "test.sleep", {}))
    graph.connect("words", "text", "picture", "text")
    graph.connect("words", "text", "join", "texts")
    graph.connect("join", "text", "user", "text")
    graph.set_mode("picture", BYPASS)  # its image output is used by nobody: fine
    graph.set_mode("join", BYPASS)  # text_list in, text out: nothing of the same type
    with pytest.raises(GraphErrors) as caught:
        execute(graph)
    (problem,) = caught.value.errors
    assert problem.node == "join" and problem.port == "text"
    assert "no connected text input" in problem.message
    graph.set_mode("join", NORMAL)
    result, _ = execute(graph)
    assert result.status == "succeeded" and result.bypassed == ["picture"]


def test_a_muted_node_and_its_descendants_do_not_run_and_are_not_checked(execute):
    graph = three_in_a_row()
    graph.add_node(Node("other", "test.const", {"value": "other"}))
    graph.add_node(Node("broken", "test.fail", {"nonsense": True}))
    graph.connect("end", "text", "broken", "text")
    graph.set_mode("mid", MUTE)
    result, events = execute(graph)
    assert result.status == "succeeded", result.failures
    assert sorted(result.executed) == ["a", "other"]
    touched = {e.node for e in events if isinstance(e, (NodeQueued, NodeStarted, NodeFinished))}
    assert touched == {"a", "other"}


def test_running_up_to_a_node_below_a_muted_one_names_the_muted_node(execute):
    graph = three_in_a_row()
    graph.set_mode("mid", MUTE)
    with pytest.raises(GraphErrors) as caught:
        execute(graph, targets=["end"])
    (problem,) = caught.value.errors
    assert problem.node == "end" and "muted node 'mid'" in problem.message
    with pytest.raises(GraphErrors) as caught:
        execute(graph, targets=["mid"])
    assert "is muted" in caught.value.errors[0].message


def test_cached_results_look_through_a_bypassed_node(treg, cache):
    graph = three_in_a_row()
    graph.set_mode("mid", BYPASS)

    async def run_then_look() -> tuple[list[str], dict]:
        executor = Executor(treg, cache)
        try:
            result = await executor.run(graph)
            plans = executor.plan(graph)
            return result.executed, await executor.cached_results(graph, plans)
        finally:
            executor.close()

    executed, found = asyncio.run(run_then_look())
    assert sorted(executed) == ["a", "end"]
    # "end" is found through the bypassed node; the bypassed node itself is no cache entry.
    assert sorted(found) == ["a", "end"]
    assert found["end"].outputs["text"] == "a+end"


def test_toggling_bypass_reruns_only_what_it_changes(treg, cache):
    graph = three_in_a_row()

    def run():
        executor = Executor(treg, cache)
        try:
            return asyncio.run(executor.run(graph))
        finally:
            executor.close()

    assert sorted(run().executed) == ["a", "end", "mid"]
    graph.set_mode("mid", BYPASS)
    second = run()
    assert second.executed == ["end"] and second.cached == ["a"]
    graph.set_mode("mid", NORMAL)
    third = run()
    assert third.executed == [] and sorted(third.cached) == ["a", "end", "mid"]
    assert third.outputs["end"]["text"] == "a+MID+end"


def test_a_bypassed_node_costs_nothing_in_the_estimate(treg):
    from studio.engine.estimate import estimate_run
    from studio.engine.registry import NodeRegistry

    registry = NodeRegistry()
    from nodes import node_specs

    registry.register_pack("multimodal-studio", "0", node_specs)
    graph = Graph()
    graph.add_node(Node("words", "text.prompt", {"template": "a cat"}))
    graph.add_node(Node("img", "image.generate", {"provider": "fal"}))
    graph.connect("words", "text", "img", "prompt")
    executor = Executor(registry, cache=None)  # type: ignore[arg-type]
    try:
        plans = executor.plan(graph)
        paid = estimate_run(plans, {})
        graph.set_mode("img", BYPASS)
        bypassed = estimate_run(executor.plan(graph), {})
    finally:
        executor.close()
    assert paid.to_pay > 0 or paid.unknown
    assert bypassed.to_pay == 0 and not bypassed.unknown
