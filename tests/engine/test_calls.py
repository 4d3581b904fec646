"""Calls (NodeSpec.calls, ctx.run_calls): a node running other node types inside itself, each
one cached on its own and held to its own provider's limit, each priced before the run."""

from __future__ import annotations

import asyncio

import pytest

from studio.api import Call, Input, NodeSpec, Output, Param, PortType
from studio.engine.estimate import estimate_run
from studio.engine.executor import Executor
from studio.errors import GraphErrors
from studio.graph.model import Graph, Node
from studio.providers.base import Capability, Provider, TextResult
from studio.providers.registry import ProviderRegistry


class CountingProvider(Provider):
    """A text provider that counts its calls and how many run at once."""

    id = "counting"
    capabilities = frozenset({Capability.TEXT})

    def __init__(self, meet: int = 1) -> None:
        self.calls: list[str] = []
        self.active = self.peak = 0
        self.meet = meet
        self.met = asyncio.Event()

    async def complete_text(self, request, ctx):
        self.calls.append(request.prompt)
        self.active += 1
        self.peak = max(self.peak, self.active)
        if self.peak >= self.meet:
            self.met.set()
        try:
            # The first calls wait for `meet` of them to overlap (made certain, not timed), then
            # each leaves room for one more, were the limit broken.
            await asyncio.wait_for(self.met.wait(), 30)
            await asyncio.sleep(0.05)
        finally:
            self.active -= 1
        if request.prompt.startswith("fail"):
            from studio.errors import ProviderError

            raise ProviderError("the service said no", provider=self.id)
        return TextResult(request.prompt.upper())


def _calls(params, providers):
    return [
        Call(
            "test.remote",
            {"provider": "counting", "prompt": f"{word}{params['suffix']}"},
            label=f"row {n}",
        )
        for n, word in enumerate(params["words"].split(), start=1)
    ]


async def _fan(ctx, inputs, params):
    results = await ctx.run_calls(inputs)
    parts = []
    for result in results:
        if result.ok:
            parts.append(result.outputs["text"] + ("(cached)" if result.cached else ""))
        else:
            parts.append(f"[{result.call.label} failed: {result.error}]")
    return {"text": f"pick {params['pick']}: " + " ".join(parts)}


FAN = NodeSpec(
    id="test.fan",
    title="Fan out",
    category="Test",
    version=1,
    run=_fan,
    calls=_calls,
    inputs=(Input("text", PortType.TEXT, optional=True),),
    outputs=(Output("text", PortType.TEXT),),
    params=(
        Param.string("words", "a b c", help="one call per word"),
        Param.string("suffix", "", help="added to every call's prompt"),
        Param.int("pick", 1, minimum=0, maximum=10, help="does not change any call"),
    ),
)


@pytest.fixture
def fan_registry(treg):
    treg.register(FAN, pack="tests")
    return treg


def run(registry, cache, graph, providers, **kwargs):
    events: list = []
    executor = Executor(registry, cache, events.append, providers=providers)
    try:
        return asyncio.run(executor.run(graph, **kwargs)), events
    finally:
        executor.close()


def fan_graph(**params) -> Graph:
    graph = Graph()
    graph.add_node(Node("fan", "test.fan", params))
    return graph


def test_calls_overlap_within_their_providers_limit(fan_registry, cache):
    provider = CountingProvider(meet=2)
    providers = ProviderRegistry([provider])
    providers.set_limit("counting", 2)
    result, _ = run(fan_registry, cache, fan_graph(words="a b c d e f"), providers)
    assert result.status == "succeeded", result.failures
    assert result.outputs["fan"]["text"] == "pick 1: A B C D E F"
    assert sorted(provider.calls) == list("abcdef")
    # Counted, not timed: two calls overlapped, never three.
    assert provider.peak == 2


def test_each_call_is_cached_on_its_own_so_a_param_they_do_not_use_reruns_none(fan_registry, cache):
    provider = CountingProvider()
    providers = ProviderRegistry([provider])
    first, _ = run(fan_registry, cache, fan_graph(words="a b"), providers)
    assert first.executed == ["fan"] and len(provider.calls) == 2

    # A new pick is a new result of the node, but none of its calls runs again.
    second, _ = run(fan_registry, cache, fan_graph(words="a b", pick=2), providers)
    assert second.executed == ["fan"]
    assert second.outputs["fan"]["text"] == "pick 2: A(cached) B(cached)"
    assert len(provider.calls) == 2

    # One more word: only the new call runs; and a call's key is the one its node type has
    # alone, so the suffix (a param every call gets) re-runs them all.
    run(fan_registry, cache, fan_graph(words="a b c"), providers)
    assert sorted(provider.calls) == ["a", "b", "c"]
    run(fan_registry, cache, fan_graph(words="a b", suffix="!"), providers)
    assert sorted(provider.calls) == ["a", "a!", "b", "b!", "c"]


def test_a_call_gets_the_same_cache_entry_as_the_node_type_alone(fan_registry, cache):
    provider = CountingProvider()
    providers = ProviderRegistry([provider])
    alone = Graph()
    alone.add_node(Node("r", "test.remote", {"provider": "counting", "prompt": "a"}))
    run(fan_registry, cache, alone, providers)
    result, _ = run(fan_registry, cache, fan_graph(words="a b"), providers)
    assert result.outputs["fan"]["text"] == "pick 1: A(cached) B"
    assert sorted(provider.calls) == ["a", "b"]


def test_a_failed_call_is_a_result_with_its_reason_and_is_not_cached(fan_registry, cache):
    provider = CountingProvider()
    providers = ProviderRegistry([provider])
    result, _ = run(fan_registry, cache, fan_graph(words="a fail"), providers)
    assert result.status == "succeeded"
    assert result.outputs["fan"]["text"] == (
        "pick 1: A [row 2 failed: counting: the service said no]"
    )
    run(fan_registry, cache, fan_graph(words="a fail", pick=2), providers)
    assert sorted(provider.calls) == ["a", "fail", "fail"]  # the failure is tried again


def test_a_calls_unknown_param_or_node_type_is_a_planning_problem(fan_registry, cache):
    def bad_calls(params, providers):
        return [
            Call("test.remote", {"provider": "counting", "colour": "red"}, label="row 1"),
            Call("test.nothing", {}, label="row 2"),
        ]

    from dataclasses import replace

    fan_registry.register(replace(FAN, id="test.badfan", calls=bad_calls), pack="tests")
    graph = Graph()
    graph.add_node(Node("bad", "test.badfan", {}))
    executor = Executor(fan_registry, cache, providers=ProviderRegistry([CountingProvider()]))
    with pytest.raises(GraphErrors) as caught:
        executor.plan(graph)
    executor.close()
    messages = [(e.node, e.message) for e in caught.value.errors]
    assert ("bad", "row 1: param 'colour' is not a param of test.remote") in messages
    assert ("bad", "row 2: node type 'test.nothing' is not installed") in messages


def test_the_estimate_prices_every_call_and_a_cached_call_is_a_saving(registry, cache):
    """compare.image's candidates are image.generate calls: each is priced as that node alone."""
    from studio.providers.costs import node_cost
    from studio.providers.setup import default_providers

    rows = [
        {"provider": "offline", "seed": 1},
        {"provider": "fal", "model": "fal-ai/flux/schnell", "seed": 1},
        {"provider": "fal", "model": "fal-ai/flux-pro/v1.1", "seed": 1},
        {"provider": "openai", "model": "gpt-image-1", "seed": 1},
        {"provider": "openai", "model": "no-such-model", "seed": 1},
    ]
    graph = Graph()
    graph.add_node(Node("p", "text.prompt", {"template": "a lighthouse"}))
    graph.add_node(
        Node("cmp", "compare.image", {"candidates": rows, "width": 1024, "height": 1024})
    )
    graph.connect("p", "text", "cmp", "prompt")
    executor = Executor(registry, cache, providers=default_providers())
    plans = executor.plan(graph)
    cached = asyncio.run(executor.cached_results(graph, plans))
    estimate = estimate_run(plans, cached)
    executor.close()
    alone = [
        node_cost("image.generate", "image", {**row, "width": 1024, "height": 1024}).usd
        for row in rows
    ]
    assert alone[0] == 0.0 and all(c and c > 0 for c in alone[1:4]) and alone[4] is None
    assert estimate.lines == [("cmp#2", alone[1]), ("cmp#3", alone[2]), ("cmp#4", alone[3])]
    assert estimate.to_pay == pytest.approx(sum(alone[1:4]))
    assert estimate.unknown == [("cmp#5", "openai no-such-model")]

    # Once a candidate is in the cache, it is a saving, and only the others are to pay.
    plans[1].calls[1].cached = True
    partly = estimate_run(plans, {})
    assert partly.to_pay == pytest.approx(alone[2] + alone[3])
    assert partly.saved == pytest.approx(alone[1])
    # The whole node cached: every call is saved, none unknown.
    whole = estimate_run(plans, {"p": None, "cmp": None})
    assert whole.to_pay == 0 and whole.unknown == []
    assert whole.saved == pytest.approx(sum(alone[1:4]))


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("offline", "expects a list of candidates, got str 'offline'"),
        ([{"model": "x"}], "candidate 1 names no provider"),
        ([{"provider": "fal", "colour": "red"}], "candidate 1 has no field 'colour'"),
        ([{"provider": "fal"}, {"provider": "fal", "seed": -1}], "candidate 2: seed expects"),
        ([{"provider": "offline"}] * 17, "takes at most 16 candidates, got 17"),
    ],
)
def test_candidate_rows_are_checked_in_words(value, message):
    param = Param.candidates(Capability.IMAGE, help="rows")
    with pytest.raises(ValueError) as caught:
        param.coerce(value)
    assert str(caught.value).startswith(message)
    assert param.coerce([{"provider": " fal ", "seed": 3}]) == [
        {"provider": "fal", "model": "", "seed": 3}
    ]
