"""Compare nodes: one prompt to several candidates (offline + three local fake services), each
cached on its own, priced before the run, failures shown per cell, and a free re-pick."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from compare_servers import image_services

from studio.engine.estimate import estimate_run
from studio.engine.executor import Executor
from studio.graph.model import Graph, Node
from studio.providers.setup import default_providers

PROMPT = "a lighthouse on a cliff at dusk"


@pytest.fixture
def services(monkeypatch):
    with image_services(monkeypatch) as running:
        yield running


def compare_graph(**params) -> Graph:
    """prompt -> compare.image -> image.describe (offline): a downstream result of the pick."""
    graph = Graph()
    graph.add_node(Node("prompt", "text.prompt", {"template": PROMPT}))
    graph.add_node(Node("cmp", "compare.image", {"width": 256, "height": 160, **params}))
    graph.add_node(Node("describe", "image.describe", {}))
    graph.connect("prompt", "text", "cmp", "prompt")
    graph.connect("cmp", "image", "describe", "image")
    return graph


class Runner:
    """One executor over the test's cache, kept across runs (as the GUI keeps one)."""

    def __init__(self, registry, cache, sinks=()):
        self.events: list = []
        self.executor = Executor(registry, cache, self.events.append, providers=default_providers())
        for sink in sinks:
            self.executor.add_sink(sink)

    def estimate(self, graph):
        async def go():
            plans = self.executor.plan(graph)
            return estimate_run(plans, await self.executor.cached_results(graph, plans))

        return asyncio.run(go())

    def run(self, graph):
        self.events.clear()
        return asyncio.run(self.executor.run(graph))

    def close(self):
        self.executor.close()


@pytest.fixture
def runner(registry, cache):
    made = Runner(registry, cache)
    yield made
    made.close()


def cells_of(result) -> list[dict]:
    return result.outputs["cmp"]["image"].meta["compare"]["cells"]


def test_one_prompt_on_four_candidates_priced_first_then_a_free_repick(services, runner):
    graph = compare_graph()
    estimate = runner.estimate(graph)
    # Every configured provider plus the offline engine, each priced as that call alone.
    assert [node for node, _ in estimate.lines] == ["cmp#2", "cmp#3", "cmp#4"]
    assert not estimate.unknown and estimate.to_pay > 0

    result = runner.run(graph)
    assert result.status == "succeeded", result.failures
    cells = cells_of(result)
    assert [(c["provider"], c["model"]) for c in cells] == [
        ("offline", "procedural-v1"),
        ("fal", "fal-ai/flux-pro/v1.1"),
        ("bfl", "flux-pro-1.1"),
        ("openai", "gpt-image-1"),
    ]
    assert all(c["status"] == "ok" and c["seconds"] > 0 and not c["cached"] for c in cells)
    # Each service painted once, with the prompt; the costs are what the providers recorded.
    sent = services.generations()
    assert {name: len(requests) for name, requests in sent.items()} == dict.fromkeys(sent, 1)
    assert sent["fal"][0].json["prompt"] == PROMPT
    assert sent["bfl"][0].json["prompt"] == PROMPT
    assert sent["openai"][0].json["prompt"] == PROMPT
    assert cells[0]["cost_usd"] == 0.0
    assert [c["cost_usd"] for c in cells[1:]] == pytest.approx([c for _, c in estimate.lines])
    assert len({c["digest"] for c in cells}) == 4
    # Pick 0: the first that succeeded (offline) flows downstream.
    picked = result.outputs["cmp"]["image"]
    assert picked.digest == cells[0]["digest"]
    assert [a.digest for a in result.outputs["cmp"]["candidates"]] == [c["digest"] for c in cells]
    first_words = result.outputs["describe"]["text"]

    # Pick the third cell (bfl): nothing is asked of any service, nothing is paid.
    graph.nodes["cmp"].params["pick"] = 3
    again = runner.estimate(graph)
    assert again.to_pay == 0 and again.saved == pytest.approx(estimate.to_pay)
    repicked = runner.run(graph)
    assert {name: len(r) for name, r in services.generations().items()} == dict.fromkeys(sent, 1)
    assert set(repicked.executed) == {"cmp", "describe"}
    assert all(c["cached"] for c in cells_of(repicked))
    assert repicked.outputs["cmp"]["image"].digest == cells[2]["digest"]
    assert repicked.outputs["cmp"]["image"].meta["compare"]["pick"] == 3
    assert repicked.outputs["describe"]["text"] != first_words
    finished = {e.node: e for e in runner.events if e.kind == "finished"}
    assert finished["cmp"].provenance["cost_usd"] == 0.0  # a re-pick is free


def test_a_failing_candidate_shows_its_reason_and_does_not_fail_the_node(services, runner):
    services.bfl.end_status = "Content Moderated"
    result = runner.run(compare_graph(pick=3))
    assert result.status == "succeeded", result.failures
    cells = cells_of(result)
    assert cells[2]["status"] == "failed" and "Content Moderated" in cells[2]["error"]
    assert "digest" not in cells[2]
    warnings = result.warnings["cmp"]
    assert f"candidate 3 (bfl, seed 0) failed: {cells[2]['error']}" in warnings
    # The pick failed: the first that succeeded flows, and the node says so.
    assert "the pick, candidate 3, failed: candidate 1 flows downstream instead" in warnings
    assert result.outputs["cmp"]["image"].digest == cells[0]["digest"]
    assert len(result.outputs["cmp"]["candidates"]) == 3


def test_every_candidate_failing_fails_the_node_with_every_reason(services, runner):
    rows = [{"provider": "fal", "model": "fal-ai/no-such"}, {"provider": "nowhere"}]
    result = runner.run(compare_graph(candidates=rows))
    assert result.status == "failed"
    reason = result.failures["cmp"]
    assert reason.startswith("every candidate failed: 1 (fal fal-ai/no-such, seed 0): ")
    assert "2 (nowhere, seed 0): nowhere: no such provider" in reason
    assert result.failures["describe"].startswith("skipped: upstream node 'cmp' failed")


def test_a_pick_beyond_the_rows_is_refused_in_words(runner):
    rows = [{"provider": "offline", "seed": 1}, {"provider": "offline", "seed": 2}]
    result = runner.run(compare_graph(candidates=rows, pick=5))
    assert result.failures["cmp"] == (
        "pick is 5, but there are only 2 candidates: choose 1 to 2, or 0 for the first that "
        "succeeded"
    )


def test_history_records_every_candidate_and_the_pick(services, registry, cache, tmp_path):
    from studio.engine.history import History

    history = History(tmp_path / "history.sqlite3")
    made = Runner(registry, cache, sinks=[history])
    try:
        result = made.run(compare_graph(pick=2))
    finally:
        made.close()
    record = history.run(result.run_id)
    history.close()
    node = next(n for n in record["nodes"] if n["node_id"] == "cmp")
    provenance = node["provenance"]
    assert provenance["pick"] == 2
    assert [c["provider"] for c in provenance["candidates"]] == ["offline", "fal", "bfl", "openai"]
    paid = [c["cost_usd"] for c in provenance["candidates"]]
    assert node["cost_usd"] == pytest.approx(sum(paid))
    assert all(c["digest"] for c in provenance["candidates"])


def test_cli_set_pick_chooses_without_running_a_candidate_again(services, tmp_path, capsys):
    from studio.cli import main
    from studio.graph.fileformat import save_graph

    path = tmp_path / "compare.json"
    save_graph(compare_graph(), path)
    assert main(["render", str(path), "--to", "cmp", "-o", str(tmp_path / "one.png")]) == 0
    asked = {name: len(r) for name, r in services.generations().items()}
    capsys.readouterr()
    out = tmp_path / "four.png"
    args = ["render", str(path), "--to", "cmp", "--set", "cmp.pick=4", "-o", str(out), "--json"]
    assert main(args) == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert events[0]["message"].startswith("estimated cost: $0.00; cache saves $")
    assert {name: len(r) for name, r in services.generations().items()} == asked
    from PIL import Image

    with Image.open(out) as image:
        # The violet night of the OpenAI fake: its pixels, not the offline sketch's.
        assert image.size == (256, 160)
        r, g, b = image.convert("RGB").getpixel((5, 150))
        assert b > g and r > g
    assert Path(tmp_path / "one.png").read_bytes() != out.read_bytes()


@pytest.mark.parametrize(
    ("node_type", "params", "rows", "kind"),
    [
        (
            "compare.music",
            {"duration": 2.0},
            [{"provider": "offline", "seed": 1}, {"provider": "offline", "seed": 2}],
            "audio",
        ),
        (
            "compare.speech",
            {"voice": "en-us"},
            [
                {"provider": "offline", "model": "piper"},
                {"provider": "offline", "model": "espeak-ng"},
            ],
            "audio",
        ),
    ],
)
def test_sound_compare_nodes_give_one_result_per_candidate(runner, node_type, params, rows, kind):
    graph = Graph()
    graph.add_node(Node("words", "text.prompt", {"template": "A calm, hopeful morning."}))
    graph.add_node(Node("cmp", node_type, {**params, "candidates": rows, "pick": 2}))
    port = "text" if node_type == "compare.speech" else "prompt"
    graph.connect("words", "text", "cmp", port)
    result = runner.run(graph)
    assert result.status == "succeeded", result.failures
    outputs = result.outputs["cmp"]
    listed = outputs["candidates"]
    assert [a.kind for a in listed] == [kind, kind]
    assert listed[0].digest != listed[1].digest
    assert outputs["audio"].digest == listed[1].digest
    cells = outputs["audio"].meta["compare"]["cells"]
    assert [(c["provider"], c["status"], c["cost_usd"]) for c in cells] == [
        ("offline", "ok", 0.0),
        ("offline", "ok", 0.0),
    ]
    if node_type == "compare.speech":
        assert [c["model"] for c in cells] == ["piper", "espeak-ng"]
