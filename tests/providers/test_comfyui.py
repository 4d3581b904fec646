"""ComfyUI (websocket, history, pool) against the hand-written fake server: what no recording of a
real server can play (a server dying mid-job, a slow validation, broken messages, busy answers).
The recorded answers of a real ComfyUI are replayed in test_comfyui_replay.py."""

from __future__ import annotations

import asyncio
import copy
import json
import time
import uuid
from collections.abc import Iterator

import av
import pytest
from fakes import cancel_when, run
from fakes.comfyui import TXT2IMG, FakeComfy
from fakes.media import png_bytes
from fakes.server import FakeServer, Reply
from PIL import Image

from studio.errors import Cancelled, ProviderError
from studio.providers.base import Capability, ImageRequest, VideoRequest
from studio.providers.remote.comfyui import ComfyUIProvider


@pytest.fixture
def comfy(monkeypatch) -> Iterator[FakeComfy]:
    with FakeServer() as server:
        monkeypatch.setenv("STUDIO_COMFYUI_URL", server.url)
        yield FakeComfy(server)


@pytest.fixture
def workflow(tmp_path):
    path = tmp_path / "txt2img_api.json"
    path.write_text(json.dumps(TXT2IMG))
    return path


def image_request(**changes) -> ImageRequest:
    values = {
        "prompt": "a lighthouse",
        "width": 640,
        "height": 384,
        "seed": 9,
        "negative_prompt": "text, watermark",
        "model": "txt2img_api.json",
    }
    values.update(changes)
    return ImageRequest(**values)


def test_runs_the_workflow_with_bound_inputs_and_websocket_progress(comfy, workflow, ctx):
    result = run(ComfyUIProvider().generate_image(image_request(), ctx))
    (post,) = comfy.server.received("POST", "/prompt")
    sent = post.json["prompt"]
    assert sent["6"]["inputs"]["text"] == "a lighthouse"
    assert sent["7"]["inputs"]["text"] == "text, watermark"
    assert sent["3"]["inputs"]["seed"] == 9 and sent["3"]["inputs"]["positive"] == ["6", 0]
    assert (sent["5"]["inputs"]["width"], sent["5"]["inputs"]["height"]) == (640, 384)
    (ws,) = comfy.server.received("GET", "/ws")
    assert ws.query["clientId"] == post.json["client_id"]
    assert "running KSampler" in ctx.messages
    steps = [(f, m) for f, m in ctx.progress_events if m.startswith("KSampler ")]
    assert [m for _, m in steps] == ["KSampler 1/3", "KSampler 2/3", "KSampler 3/3"]
    fractions = [f for f, _ in ctx.progress_events]
    assert fractions == sorted(fractions) and ctx.progress_events[-1] == (1.0, "finished")
    assert ctx.previews and ctx.previews[0].kind == "image"
    assert ctx.previews[0].meta["preview"] is True
    (view,) = comfy.server.received("GET", "/view")
    assert view.query == {"filename": "studio_00001_.png", "subfolder": "", "type": "output"}
    with Image.open(result.path) as image:
        assert image.size == (72, 40)
    assert ctx.provenance["job_id"] == post.json["prompt_id"] == comfy.prompts[0]["id"]
    assert str(uuid.UUID(post.json["prompt_id"])) == post.json["prompt_id"]
    assert ctx.provenance["server"] == comfy.server.url
    assert ctx.provenance["model"] == "txt2img_api.json" and ctx.provenance["cost_usd"] == 0.0
    assert len(ctx.provenance["workflow_sha256"]) == 64


def test_a_bindings_file_next_to_the_workflow_wins(comfy, workflow, ctx):
    workflow.with_name("txt2img_api.bindings.json").write_text(
        json.dumps({"7.inputs.text": "prompt", "3.inputs.steps": "seed"})
    )
    run(ComfyUIProvider().generate_image(image_request(seed=30), ctx))
    sent = comfy.server.received("POST", "/prompt")[0].json["prompt"]
    assert sent["7"]["inputs"]["text"] == "a lighthouse" and sent["6"]["inputs"]["text"] == "a cat"
    assert sent["3"]["inputs"]["steps"] == 30 and sent["3"]["inputs"]["seed"] == 1


def test_ui_format_workflow_is_refused_with_the_fix(comfy, tmp_path, ctx):
    (tmp_path / "ui.json").write_text(json.dumps({"nodes": [{"id": 3}], "links": []}))
    with pytest.raises(ProviderError, match=r"UI workflow, not API format.*Export \(API\)"):
        run(ComfyUIProvider().generate_image(image_request(model="ui.json"), ctx))
    assert comfy.server.received("POST") == []
    with pytest.raises(ProviderError, match="pick an API-format workflow"):
        run(ComfyUIProvider().generate_image(image_request(model=None), ctx))


def test_a_negative_prompt_no_one_sets_stays_as_written(comfy, workflow, ctx):
    # The Generate Image node sends no negative prompt: the workflow's own one must stay.
    run(ComfyUIProvider().generate_image(image_request(negative_prompt=""), ctx))
    sent = comfy.server.received("POST", "/prompt")[0].json["prompt"]
    assert sent["7"]["inputs"]["text"] == "blurry" and sent["6"]["inputs"]["text"] == "a lighthouse"


def test_validation_errors_name_the_node_and_the_details(comfy, tmp_path, ctx):
    broken = copy.deepcopy(TXT2IMG)
    broken["10"] = {"class_type": "Missing", "inputs": {}}
    (tmp_path / "broken.json").write_text(json.dumps(broken))
    with pytest.raises(ProviderError, match=r"refused the workflow: Missing \(node 10\): Node ID"):
        run(ComfyUIProvider().generate_image(image_request(model="broken.json"), ctx))


def test_execution_error_fails_the_job(comfy, workflow, ctx):
    comfy.fail_node = "8"
    with pytest.raises(ProviderError, match=r"VAEDecode \(node 8\) failed: CUDA out of memory"):
        run(ComfyUIProvider().generate_image(image_request(), ctx))


def test_a_broken_websocket_message_is_skipped_with_a_log_line(comfy, workflow, ctx):
    comfy.garbage = True
    result = run(ComfyUIProvider().generate_image(image_request(), ctx))
    assert result.path.is_file() and ctx.progress_events[-1] == (1.0, "finished")
    skipped = [line for line in ctx.logs if "skipped a ComfyUI websocket message" in line]
    assert len(skipped) == 3 and "{oops" in skipped[0]


def test_without_a_websocket_the_history_is_polled(workflow, ctx, monkeypatch):
    with FakeServer() as server:
        monkeypatch.setenv("STUDIO_COMFYUI_URL", server.url)
        comfy = FakeComfy(server, websocket=False, step_seconds=0.03)
        server.route(
            "GET",
            r"/history/(?P<id>[\w-]+)",
            [Reply(429, headers={"Retry-After": "1"}), Reply(500), comfy.history_of],
        )
        result = run(ComfyUIProvider().generate_image(image_request(), ctx))
        polls = server.received("GET", r"/history/.+")
    assert len(polls) >= 3 and result.path.is_file()
    assert polls[1].time - polls[0].time >= 0.28  # Retry-After, capped at 0.3 s in tests
    assert any("no ComfyUI websocket" in line for line in ctx.logs)


def test_image_to_video_uploads_the_still(comfy, tmp_path, ctx):
    graph = {
        "1": {"class_type": "LoadImage", "inputs": {"image": "x.png"}},
        "2": {"class_type": "CLIPTextEncode", "inputs": {"text": "", "clip": ["4", 1]}},
        "9": {"class_type": "VHS_VideoCombine", "inputs": {"images": ["1", 0]}},
    }
    (tmp_path / "i2v.json").write_text(json.dumps(graph))
    still = tmp_path / "still.png"
    still.write_bytes(png_bytes(20, 20))
    comfy.output = "mp4"
    result = run(
        ComfyUIProvider().image_to_video(VideoRequest(still, prompt="waves", model="i2v.json"), ctx)
    )
    assert still.read_bytes() in comfy.uploads[0]
    sent = comfy.server.received("POST", "/prompt")[0].json["prompt"]
    assert sent["1"]["inputs"]["image"].startswith("studio-")
    assert sent["2"]["inputs"]["text"] == "waves"
    with av.open(str(result.path)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        size = (stream.codec_context.width, stream.codec_context.height)
    assert (ctx.provenance["width"], ctx.provenance["height"]) == size == (64, 48)
    assert ctx.warnings == [
        "ComfyUI made a 64×48 video, not the 1280×720 asked for: the workflow decides the size "
        "(bind width and height to change it)"
    ]


def test_cancel_interrupts_our_running_prompt(comfy, workflow, ctx):
    comfy.steps, comfy.step_seconds = 50_000, 0.02

    async def scenario():
        await cancel_when(
            ctx,
            ComfyUIProvider().generate_image(image_request(), ctx),
            lambda: any(m.startswith("KSampler 2/") for m in ctx.messages),
            expect=(asyncio.CancelledError, Cancelled),
        )
        await ctx.settle()

    run(scenario())
    prompt_id = comfy.prompts[0]["id"]
    (interrupt,) = comfy.server.received("POST", "/interrupt")
    assert interrupt.json == {"prompt_id": prompt_id}
    assert comfy.interrupted == [prompt_id] and comfy.finished == []


def test_cancel_of_a_waiting_prompt_deletes_it_from_the_queue(comfy, workflow, ctx):
    # The first job must still be running when it is cancelled, however slow the machine is.
    comfy.steps, comfy.step_seconds = 50_000, 0.02

    async def scenario():
        provider = ComfyUIProvider()
        first = asyncio.ensure_future(provider.generate_image(image_request(), ctx))
        while not comfy.prompts:
            await asyncio.sleep(0.01)
        from fakes.context import FakeContext

        other = FakeContext(ctx.scratch / "other", graph_dir=ctx.graph_dir)
        second = asyncio.ensure_future(provider.generate_image(image_request(), other))
        # Cancel once the studio knows the prompt id (its remote cancel is then registered).
        while len(comfy.prompts) < 2 or not other.cancel_callbacks:
            await asyncio.sleep(0.01)
        other.cancel(second)
        with pytest.raises((asyncio.CancelledError, Cancelled)):
            await second
        ctx.cancel(first)
        with pytest.raises((asyncio.CancelledError, Cancelled)):
            await first
        await other.settle()
        await ctx.settle()

    run(scenario())
    waiting = comfy.prompts[1]["id"]
    assert waiting in comfy.deleted and waiting not in comfy.interrupted + comfy.finished
    assert comfy.interrupted == [comfy.prompts[0]["id"]]


def test_a_cancel_while_comfyui_validates_takes_the_prompt_back(comfy, workflow, ctx):
    # ComfyUI queues a prompt only when it has validated it: a cancel meanwhile must wait for
    # that, then take it back, not leave it to run (or be charged for) on the server.
    comfy.validate_seconds, comfy.steps, comfy.step_seconds = 1.5, 50_000, 0.02

    async def scenario():
        await cancel_when(
            ctx,
            ComfyUIProvider().generate_image(image_request(), ctx),
            lambda: comfy.server.received("POST", "/prompt"),
            expect=(asyncio.CancelledError, Cancelled),
        )
        await ctx.settle()

    run(scenario())
    deadline = time.monotonic() + 10
    while not comfy.prompts and time.monotonic() < deadline:
        time.sleep(0.05)  # the server's validation goes on after the client gave up
    (prompt,) = comfy.prompts
    assert prompt["id"] in comfy.deleted + comfy.interrupted and comfy.finished == []


def test_malformed_history_truncated_view_and_slow_server(workflow, ctx, monkeypatch):
    with FakeServer() as server:
        monkeypatch.setenv("STUDIO_COMFYUI_URL", server.url)
        comfy = FakeComfy(server, websocket=False)
        server.route("GET", r"/history/(?P<id>[\w-]+)", Reply(body=b"{oops"))
        with pytest.raises(ProviderError, match="not JSON"):
            run(ComfyUIProvider().generate_image(image_request(), ctx))
        server.route("GET", r"/history/(?P<id>[\w-]+)", comfy.history_of)
        server.route("GET", "/view", Reply(body=png_bytes(72, 40), truncate_at=30))
        with pytest.raises(ProviderError, match="cut short"):
            run(ComfyUIProvider().generate_image(image_request(), ctx))
        assert [p.name for p in ctx.scratch.iterdir()] == []
        monkeypatch.setenv("STUDIO_HTTP_READ_TIMEOUT", "0.2")
        server.route("GET", r"/history/(?P<id>[\w-]+)", Reply(json={}, delay=1.0))
        with pytest.raises(ProviderError, match=r"no answer from ComfyUI within 0\.2 s"):
            run(ComfyUIProvider().generate_image(image_request(), ctx))


def test_unreachable_server_says_start_comfyui(workflow, ctx, monkeypatch):
    with FakeServer() as dead:
        url = dead.url
    monkeypatch.setenv("STUDIO_COMFYUI_URL", url)
    with pytest.raises(ProviderError, match=f"start ComfyUI at {url}"):
        run(ComfyUIProvider().generate_image(image_request(), ctx))
    ready = run(ComfyUIProvider().readiness())
    assert (ready.ready, ready.state) == (False, "server unreachable")


def test_pool_splits_jobs_across_two_servers(workflow, tmp_path, monkeypatch):
    from fakes.context import FakeContext

    with FakeServer() as a, FakeServer() as b:
        monkeypatch.setenv("STUDIO_COMFYUI_URL", f"{a.url},{b.url}")
        fakes = [FakeComfy(a, step_seconds=0.05), FakeComfy(b, step_seconds=0.05)]
        provider = ComfyUIProvider()
        assert provider.default_concurrency == 2
        contexts = [FakeContext(tmp_path / f"s{n}", graph_dir=tmp_path) for n in range(6)]

        async def six_jobs():
            return await asyncio.gather(
                *(provider.generate_image(image_request(seed=n), c) for n, c in enumerate(contexts))
            )

        results = run(six_jobs())
        assert [len(f.prompts) for f in fakes] == [3, 3]
        assert {c.provenance["server"] for c in contexts} == {a.url, b.url}
        assert all(r.path.is_file() for r in results)
        assert provider.in_flight == {a.url: 0, b.url: 0}

        # A server whose queue is full of other users' work gets none of ours.
        fakes[0].foreign_pending = 5
        run(provider.generate_image(image_request(), contexts[0]))
        run(provider.generate_image(image_request(), contexts[1]))
        assert [len(f.prompts) for f in fakes] == [3, 5]
        ready = run(provider.readiness())
        assert ready.ready and "2 of 2 pool servers up" in ready.detail


def test_the_first_status_check_waits_out_busy_answers(comfy, workflow, ctx):
    comfy.server.route(
        "GET",
        "/queue",
        [
            Reply(503, headers={"Retry-After": "1"}),
            Reply(429, headers={"Retry-After": "1"}),
            comfy.queue,
        ],
    )
    result = run(ComfyUIProvider().generate_image(image_request(), ctx))
    checks = comfy.server.received("GET", "/queue")
    assert result.path.is_file() and len(checks) >= 3
    # Retry-After (1 s, capped at 0.3 s in tests) is honoured, not the 0.01 s backoff.
    assert checks[1].time - checks[0].time >= 0.28 and checks[2].time - checks[1].time >= 0.28


def test_a_url_without_scheme_is_a_clear_failure_naming_the_setting(workflow, ctx, monkeypatch):
    monkeypatch.setenv("STUDIO_COMFYUI_URL", "127.0.0.1:8188")
    provider = ComfyUIProvider()
    words = (
        r"STUDIO_COMFYUI_URL '127\.0\.0\.1:8188' is not a base URL: it must start with "
        r"http:// or https:// \(e\.g\. http://127\.0\.0\.1:8188\)"
    )
    with pytest.raises(ProviderError, match=words):
        run(provider.generate_image(image_request(), ctx))
    # What the executor asks before running the node must not fail in other words first.
    assert provider.cache_identity(Capability.IMAGE, "txt2img_api.json")["server"] == (
        "127.0.0.1:8188"
    )
    assert provider.default_concurrency == 1
    ready = run(provider.readiness())
    assert not ready.ready and "STUDIO_COMFYUI_URL '127.0.0.1:8188' is not" in ready.detail


def test_studio_providers_says_what_is_wrong_with_the_url(monkeypatch, capsys):
    from studio.cli import main

    monkeypatch.setenv("STUDIO_COMFYUI_URL", "127.0.0.1:8188")
    assert main(["providers", "--json"]) == 0
    rows = {row["id"]: row for row in json.loads(capsys.readouterr().out)}
    assert rows["comfyui"]["ready"] is False
    assert "STUDIO_COMFYUI_URL '127.0.0.1:8188' is not a base URL" in rows["comfyui"]["detail"]


def test_a_server_that_is_not_comfyui_is_not_ready(server, workflow, ctx, monkeypatch):
    page = Reply(body="<html><body>Jupyter</body></html>", headers={"Content-Type": "text/html"})
    for path in ("/system_stats", "/queue"):
        server.route("GET", path, page)
    monkeypatch.setenv("STUDIO_COMFYUI_URL", server.url)
    ready = run(ComfyUIProvider().readiness())
    assert (ready.ready, ready.state) == (False, "not ComfyUI")
    assert ready.detail.startswith(f"{server.url} answers, but not like ComfyUI")
    with pytest.raises(ProviderError) as caught:
        run(ComfyUIProvider().generate_image(image_request(), ctx))
    assert caught.value.message == (
        f"{server.url} answers, but not like ComfyUI (GET /queue: answered with something that "
        "is not JSON (text/html)); point STUDIO_COMFYUI_URL at ComfyUI"
    )


def test_a_ready_server_tells_its_version_and_device(comfy):
    ready = run(ComfyUIProvider().readiness())
    assert (ready.ready, ready.state) == (True, "server reachable")
    assert ready.detail == f"ComfyUI 0.3.64 at {comfy.server.url} on cuda:0 NVIDIA Fake"


def test_the_pool_moves_a_job_to_another_server_when_its_server_dies(
    workflow, tmp_path, monkeypatch
):
    from fakes.context import FakeContext

    dying = FakeServer().start()
    stopped: list[bool] = []

    def die() -> None:
        dying.stop()
        stopped.append(True)

    try:
        with FakeServer() as healthy:
            monkeypatch.setenv("STUDIO_COMFYUI_URL", f"{dying.url},{healthy.url}")
            first = FakeComfy(dying, steps=50_000, step_seconds=0.02)
            second = FakeComfy(healthy, foreign_pending=3)  # busier: the job goes to `dying`
            ctx = FakeContext(tmp_path / "scratch", graph_dir=tmp_path)
            provider = ComfyUIProvider()

            async def scenario():
                job = asyncio.ensure_future(provider.generate_image(image_request(), ctx))
                while not any(m.startswith("KSampler 2/") for m in ctx.messages):
                    await asyncio.sleep(0.01)
                await asyncio.to_thread(die)  # the machine goes away mid-job
                return await job

            started = time.monotonic()
            result = run(scenario())
            assert time.monotonic() - started < 30
            assert len(first.prompts) == 1 and second.finished == [second.prompts[0]["id"]]
            assert ctx.provenance["server"] == healthy.url and result.path.is_file()
            assert any(f"ComfyUI at {dying.url} stopped answering" in line for line in ctx.logs)
            assert provider.in_flight == {dying.url: 0, healthy.url: 0}
    finally:
        if not stopped:
            dying.stop()
