"""The issue's "done when": `studio render` of a graph using fal, ElevenLabs and Ollama runs
against fake servers, prints its cost first, respects --max-cost, records what it cost, and a
second render is free from the cache."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import av
import pytest
from fakes.example_servers import ExampleFakes, example_servers

from studio.cli import main
from studio.paths import resources_dir

EXAMPLE = resources_dir() / "examples" / "remote_providers.json"
FAL_KEY = "fal-render-secret-1"
ELEVEN_KEY = "el-render-secret-2"


@pytest.fixture
def fakes(monkeypatch) -> Iterator[ExampleFakes]:
    with example_servers(monkeypatch) as servers:
        monkeypatch.setenv("FAL_KEY", FAL_KEY)
        monkeypatch.setenv("ELEVENLABS_API_KEY", ELEVEN_KEY)
        yield servers


@pytest.fixture
def graph_file(tmp_path) -> Path:
    path = tmp_path / "remote_providers.json"
    shutil.copyfile(EXAMPLE, path)
    return path


def events_of(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def test_max_cost_refuses_before_any_call(fakes, graph_file, capsys):
    assert main(["render", str(graph_file), "--max-cost", "0.10"]) == 2
    err = capsys.readouterr().err
    assert "estimated cost $0.50 is over --max-cost $0.10; nothing was run" in err
    assert fakes.request_count() == 0


def test_render_prints_costs_first_then_runs_every_provider(fakes, graph_file, capsys):
    assert main(["render", str(graph_file), "--json"]) == 0
    events = events_of(capsys.readouterr().out)
    first = events[0]
    assert first["event"] == "note"
    # fal: FLUX 1 MP $0.04 + Kling 5 s $0.35 + stable-audio $0.02; ElevenLabs ~900 chars $0.09.
    assert first["message"].startswith("estimated cost: $0.50 (")
    for node in ("picture $0.04", "motion $0.35", "music $0.02", "narration $0.09"):
        assert node in first["message"]
    assert "write_image" not in first["message"]  # Ollama is free

    finished = {e["node"]: e for e in events if e["event"] == "finished"}
    assert set(finished) >= {"picture", "motion", "narration", "music", "timeline", "export"}
    costs = {n: finished[n]["provenance"].get("cost_usd") for n in finished}
    assert costs["picture"] == 0.04 and costs["motion"] == pytest.approx(0.35)
    assert costs["music"] == 0.02 and costs["write_image"] == 0.0
    spoken = fakes.eleven.server.received("POST")[0].json["text"]
    assert spoken == "A lighthouse at dusk, amber light."  # what Ollama wrote
    assert costs["narration"] == pytest.approx(0.1 * len(spoken) / 1000)

    # Every provider saw the calls its contract describes.
    assert len(fakes.ollama.server.received("POST", "/api/chat")) == 4
    assert fakes.fal.api.received("POST", "/fal-ai/flux-pro/v1.1")[0].json["prompt"] == spoken
    assert fakes.fal.cdn.received("POST", "/files/upload")
    assert fakes.eleven.server.received("GET", "/v1/voices")

    exported = graph_file.parent / "remote_providers.mp4"
    with av.open(str(exported)) as container:
        video = container.streams.video[0]
        assert (video.codec_context.name, video.width, video.height) == ("h264", 1280, 720)
        assert container.streams.audio[0].codec_context.name == "aac"

    # The run history knows what it cost.
    assert main(["history", "--cost", "--json"]) == 0
    total = json.loads(capsys.readouterr().out)["total_cost_usd"]
    assert total == pytest.approx(sum(c for c in costs.values() if c))


def test_second_render_is_free_from_the_cache(fakes, graph_file, capsys):
    assert main(["render", str(graph_file), "--json"]) == 0
    capsys.readouterr()
    calls = fakes.request_count()
    assert main(["render", str(graph_file), "--json"]) == 0
    events = events_of(capsys.readouterr().out)
    assert events[0]["message"] == "estimated cost: $0.00; cache saves $0.50"
    assert fakes.request_count() == calls  # nothing paid, nothing asked


def test_a_failing_provider_fails_its_branch_only(fakes, graph_file, capsys, monkeypatch):
    monkeypatch.delenv("ELEVENLABS_API_KEY")
    assert main(["render", str(graph_file), "--json"]) == 1
    captured = capsys.readouterr()
    events = events_of(captured.out)
    failed = {e["node"]: e for e in events if e["event"] == "failed"}
    assert (
        "no key for ElevenLabs; set it with `studio keys set elevenlabs`"
        in (failed["narration"]["error"])
    )
    assert failed["timeline"]["upstream"] == "narration"
    finished = {e["node"] for e in events if e["event"] == "finished"}
    assert {"picture", "motion", "music"} <= finished
    assert FAL_KEY not in captured.out + captured.err


def test_cancelling_the_run_cancels_the_remote_fal_job(fakes, registry, cache):
    import asyncio

    from studio.engine.executor import Executor
    from studio.graph.model import Graph, Node
    from studio.providers.setup import default_providers

    fakes.fal.never_finish = True
    graph = Graph()
    graph.add_node(Node("idea", "text.prompt", {"template": "a storm at sea"}))
    graph.add_node(Node("picture", "image.generate", {"provider": "fal"}))
    graph.connect("idea", "text", "picture", "prompt")

    async def scenario():
        executor = Executor(registry, cache, providers=default_providers())
        try:
            run = asyncio.ensure_future(executor.run(graph))
            while not fakes.fal.api.received("GET", r".*/status/stream"):
                await asyncio.sleep(0.01)
            executor.cancel()
            return await run
        finally:
            executor.close()

    result = asyncio.run(scenario())
    assert result.status == "cancelled"
    (cancel,) = fakes.fal.api.received("PUT")
    assert cancel.path == "/fal-ai/flux-pro/requests/req-1/cancel"
    assert fakes.fal.jobs["req-1"].cancelled


def test_image_and_video_nodes_record_the_size_that_came_back(fakes, run_graph, tmp_path):
    from PIL import Image

    from studio.graph.model import Graph, Node

    graph = Graph()
    graph.add_node(Node("idea", "text.prompt", {"template": "a storm at sea"}))
    graph.add_node(
        Node("picture", "image.generate", {"provider": "fal", "width": 1024, "height": 768})
    )
    graph.add_node(
        Node(
            "motion",
            "video.from_image",
            {"provider": "fal", "preset": "1920x1080", "duration": 5.0},
        )
    )
    graph.connect("idea", "text", "picture", "prompt")
    graph.connect("picture", "image", "motion", "image")
    result, events = run_graph(graph)
    assert result.status == "succeeded", result.failures

    image = result.outputs["picture"]["image"]
    with Image.open(image.path) as picture:
        assert picture.size == (96, 64)  # what the fake fal really sent
    assert (image.meta["width"], image.meta["height"]) == (96, 64)
    assert image.meta["requested_size"] == "1024x768"
    video = result.outputs["motion"]["video"]
    assert (video.meta["width"], video.meta["height"]) == (64, 48)
    finished = {e.node: e for e in events if type(e).__name__ == "NodeFinished"}
    assert (finished["picture"].provenance["width"], finished["picture"].provenance["height"]) == (
        96,
        64,
    )
    warnings = {(e.node, e.message) for e in events if type(e).__name__ == "NodeWarning"}
    assert ("picture", "fal returned 96x64, not the 1024x768 asked for") in warnings
    assert ("motion", "fal returned 64x48, not the 1920x1080 asked for") in warnings
    assert ("motion", "fal returned 1.0 s, not the 5 s asked for") in warnings


def test_a_run_whose_remote_cancel_fails_warns_on_the_node(fakes, registry, cache):
    import asyncio

    from fakes.server import Reply

    from studio.engine.executor import Executor
    from studio.graph.model import Graph, Node
    from studio.providers.setup import default_providers

    fakes.fal.never_finish = True
    fakes.fal.api.route("PUT", r".*/cancel", Reply(500, json={"detail": "cannot cancel now"}))
    graph = Graph()
    graph.add_node(Node("idea", "text.prompt", {"template": "a storm at sea"}))
    graph.add_node(Node("picture", "image.generate", {"provider": "fal"}))
    graph.connect("idea", "text", "picture", "prompt")
    events: list = []

    async def scenario():
        executor = Executor(registry, cache, events.append, providers=default_providers())
        try:
            run = asyncio.ensure_future(executor.run(graph))
            while not fakes.fal.api.received("GET", r".*/status/stream"):
                await asyncio.sleep(0.01)
            executor.cancel()
            return await run
        finally:
            executor.close()

    result = asyncio.run(scenario())
    assert result.status == "cancelled"
    assert fakes.fal.api.received("PUT")  # the cancel was tried...
    warnings = [e.message for e in events if type(e).__name__ == "NodeWarning"]
    assert any(  # ...and its failure is told on the node, not swallowed
        m.startswith("fal job req-1 could not be cancelled (fal had a server error")
        and m.endswith("it may still run and be billed")
        for m in warnings
    ), warnings
