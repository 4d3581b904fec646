"""ComfyUI against the recorded answers of a real server (ComfyUI 0.3.64 on CPU; files in
tests/providers/fixtures/comfyui/, recorded by tests/live/record_comfyui.py, see
docs/comfyui-live-check.md): what the client does with what ComfyUI really says."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import time
from collections.abc import Callable, Iterator

import av
import pytest
from fakes import cancel_when, run
from fakes.comfyui_replay import ReplayComfy, load_recording
from fakes.server import FakeServer
from PIL import Image

from studio.errors import Cancelled, ProviderError
from studio.providers.base import ImageRequest, VideoRequest
from studio.providers.remote.comfyui import ComfyUIProvider

Replay = Callable[..., ReplayComfy]


@pytest.fixture
def replay(monkeypatch, tmp_path) -> Iterator[Replay]:
    """replay(name, websocket=True): a server playing a recording; its workflow is saved as
    `<name>_api.json` beside the graph."""
    with contextlib.ExitStack() as stack:

        def start(name: str, websocket: bool = True) -> ReplayComfy:
            server = stack.enter_context(FakeServer())
            monkeypatch.setenv("STUDIO_COMFYUI_URL", server.url)
            played = ReplayComfy(server, name, websocket=websocket)
            if played.recording["workflow"]:
                workflow = tmp_path / f"{name}_api.json"
                workflow.write_text(json.dumps(played.recording["workflow"]))
            return played

        yield start


def request(name: str, **changes) -> ImageRequest:
    values = {"prompt": "a lighthouse", "width": 64, "height": 48, "model": f"{name}_api.json"}
    values.update(changes)
    return ImageRequest(**values)


def sent_prompt(played: ReplayComfy) -> dict:
    (post,) = played.server.received("POST", "/prompt")
    return post.json


def test_a_recorded_run_gives_its_file_progress_and_previews(replay, ctx):
    played = replay("success")
    result = run(ComfyUIProvider().generate_image(request("success"), ctx))
    body = sent_prompt(played)
    (ws,) = played.server.received("GET", "/ws")
    assert ws.query["clientId"] == body["client_id"]
    # EmptyImage takes the node's size; the rest of the workflow goes as recorded.
    assert body["prompt"]["1"]["inputs"] | {"color": 0} == {
        "width": 64,
        "height": 48,
        "batch_size": 1,
        "color": 0,
    }
    assert body["prompt"]["2"] == played.recording["workflow"]["2"]
    with Image.open(result.path) as image:
        assert image.size == (64, 48) and image.format == "PNG"
    (view,) = played.server.received("GET", "/view")
    recorded_view = next(h for h in played.recording["http"] if h["path"] == "/view")
    assert view.query == recorded_view["query"] and view.query["filename"].endswith(".png")
    steps = [m for m in ctx.messages if m.startswith("StudioLiveSteps ")]
    assert steps == [
        "StudioLiveSteps 1/4",
        "StudioLiveSteps 2/4",
        "StudioLiveSteps 3/4",
        "StudioLiveSteps 4/4",
    ]
    assert "running ImageInvert" in ctx.messages and "running SaveImage" in ctx.messages
    # ComfyUI's binary preview frames: event 1, format 1 (JPEG), then the picture.
    assert ctx.previews and ctx.previews[0].path.read_bytes()[:3] == b"\xff\xd8\xff"
    with Image.open(ctx.previews[0].path) as preview:
        assert preview.size == (512, 384)  # ComfyUI fits previews into 512 px, up or down
    assert ctx.provenance["job_id"] == body["prompt_id"] and ctx.provenance["cost_usd"] == 0.0


def test_progress_never_steps_back_from_finished(replay, ctx):
    # ComfyUI says "execution_success" before it writes the history: the first look at
    # /history still answers {} (recorded while the prompt ran). That must not show as
    # "waiting" after "finished".
    replay("success")
    run(ComfyUIProvider().generate_image(request("success"), ctx))
    fractions = [f for f, _ in ctx.progress_events]
    assert None not in fractions[1:] and fractions == sorted(fractions)
    assert ctx.progress_events.index((1.0, "finished")) == len(ctx.progress_events) - 1


def test_the_recorded_size_is_the_size_of_the_file(replay, ctx):
    played = replay("success")
    played.recording["workflow"]["1"]["class_type"] = "EmptyImage"
    run(ComfyUIProvider().generate_image(request("success", width=640, height=384), ctx))
    assert sent_prompt(played)["prompt"]["1"]["inputs"]["width"] == 640  # asked for...
    assert (ctx.provenance["width"], ctx.provenance["height"]) == (64, 48)  # ...what came back
    assert ctx.warnings == [
        "ComfyUI made a 64×48 image, not the 640×384 asked for: the workflow decides the size "
        "(bind width and height to change it)"
    ]


def test_without_a_websocket_the_same_run_is_read_from_the_history(replay, ctx):
    played = replay("success", websocket=False)
    result = run(ComfyUIProvider().generate_image(request("success"), ctx))
    with Image.open(result.path) as image:
        assert image.size == (64, 48)
    assert len(played.server.received("GET", r"/history/.+")) == 2
    assert ctx.progress_events[-1] == (1.0, "finished")


@pytest.mark.parametrize("websocket", [True, False], ids=["websocket", "history"])
def test_an_interrupt_on_the_server_fails_the_node(replay, ctx, websocket):
    # Someone pressed Cancel on ComfyUI's page: the node failed, it was not cancelled by the user.
    replay("interrupted_by_other", websocket=websocket)
    with pytest.raises(ProviderError) as caught:
        run(ComfyUIProvider().generate_image(request("interrupted_by_other"), ctx))
    assert caught.value.message == (
        "StudioLiveSteps (node 2) was interrupted on the server: someone pressed Cancel in "
        "ComfyUI, or another client of this server interrupted it"
    )


@pytest.mark.parametrize("websocket", [True, False], ids=["websocket", "history"])
def test_an_execution_error_names_the_node_with_or_without_websocket(replay, ctx, websocket):
    replay("execution_error", websocket=websocket)
    with pytest.raises(ProviderError) as caught:
        run(ComfyUIProvider().generate_image(request("execution_error"), ctx))
    assert caught.value.message == (
        "StudioLiveSteps (node 2) failed: studio live check: failing at step 2 as asked"
    )


def test_a_refused_workflow_shows_each_error_with_its_node_and_details(replay, ctx):
    replay("node_errors_400")
    with pytest.raises(ProviderError) as caught:
        run(ComfyUIProvider().generate_image(request("node_errors_400"), ctx))
    assert caught.value.status == 400
    assert caught.value.message == (
        "ComfyUI refused the workflow: ImageScale (node 5): upscale_method: 'supersample' not "
        "in ['nearest-exact', 'bilinear', 'area', 'bicubic', 'lanczos']"
    )


def test_a_partly_valid_workflow_is_taken_back_and_its_errors_shown(replay, ctx):
    # ComfyUI answers 200 and queues the valid output; the studio must not leave it running.
    played = replay("node_errors_200")
    with pytest.raises(ProviderError) as caught:
        run(ComfyUIProvider().generate_image(request("node_errors_200"), ctx))
    assert caught.value.message == (
        "ComfyUI refused part of the workflow (the rest was taken back): ImageScale (node 5): "
        "upscale_method: 'supersample' not in ['nearest-exact', 'bilinear', 'area', 'bicubic', "
        "'lanczos']"
    )
    prompt_id = sent_prompt(played)["prompt_id"]
    (delete,) = played.server.received("POST", "/queue")
    assert delete.json == {"delete": [prompt_id]}
    (interrupt,) = played.server.received("POST", "/interrupt")  # it had started: stop it
    assert interrupt.json == {"prompt_id": prompt_id}


@pytest.mark.parametrize("websocket", [True, False], ids=["websocket", "history"])
def test_a_prompt_cleared_from_the_queue_fails_within_seconds(replay, ctx, monkeypatch, websocket):
    with contextlib.suppress(ImportError):
        monkeypatch.setattr("studio.providers.remote._comfy_follow.QUEUE_CHECK_EVERY", 0.3)
    monkeypatch.setenv("STUDIO_HTTP_JOB_TIMEOUT", "30")
    played = replay("queue_cleared", websocket=websocket)
    started = time.monotonic()
    with pytest.raises(ProviderError) as caught:
        run(ComfyUIProvider().generate_image(request("queue_cleared"), ctx))
    assert time.monotonic() - started < 15  # not the job timeout
    url = played.server.url
    assert caught.value.message == (
        f"prompt {sent_prompt(played)['prompt_id']} vanished from the queue of ComfyUI at {url} "
        "before it ran: someone cleared the queue, or the server restarted"
    )


def test_cancel_takes_our_running_prompt_back(replay, ctx):
    played = replay("cancel_by_us")

    async def scenario():
        await cancel_when(
            ctx,
            ComfyUIProvider().generate_image(request("cancel_by_us"), ctx),
            lambda: "StudioLiveSteps 2/40" in ctx.messages,
            expect=(asyncio.CancelledError, Cancelled),
        )
        await ctx.settle()

    run(scenario())
    prompt_id = sent_prompt(played)["prompt_id"]
    assert [r.json for r in played.server.received("POST", "/queue")] == [{"delete": [prompt_id]}]
    assert [r.json for r in played.server.received("POST", "/interrupt")] == [
        {"prompt_id": prompt_id}
    ]


def test_an_uploaded_still_is_named_by_its_digest_and_reused(replay, tmp_path):
    from fakes.context import FakeContext

    played = replay("upload")
    ((name, data),) = played.recording["uploaded_files_b64"].items()
    still = tmp_path / "still.png"
    still.write_bytes(base64.b64decode(data))
    assert name == f"studio-{hashlib.sha256(still.read_bytes()).hexdigest()[:32]}.png"
    provider = ComfyUIProvider()
    for attempt in range(2):
        ctx = FakeContext(tmp_path / f"scratch{attempt}", graph_dir=tmp_path)
        video = VideoRequest(still, model="upload_api.json", width=64, height=48)
        result = run(provider.image_to_video(video, ctx))
        with av.open(str(result.path)) as container:
            stream = container.streams.video[0]
            assert stream.codec_context.name == "h264"
            assert (stream.codec_context.width, stream.codec_context.height) == (64, 48)
            assert stream.frames == 8
    uploads = played.server.received("POST", "/upload/image")
    assert len(uploads) == 1 and f'filename="{name}"'.encode() in uploads[0].body
    assert b'name="overwrite"' not in uploads[0].body  # ComfyUI keeps one copy of the same bytes
    prompts = played.server.received("POST", "/prompt")
    assert [p.json["prompt"]["1"]["inputs"]["image"] for p in prompts] == [name, name]
    assert any("already has" in line for line in ctx.logs)


def test_readiness_is_a_comfyui_answer(replay):
    played = replay("system_stats")
    ready = run(ComfyUIProvider().readiness())
    assert (ready.ready, ready.state) == (True, "server reachable")
    assert ready.detail == f"ComfyUI 0.3.64 at {played.server.url} on cpu"


def test_a_login_in_front_of_comfyui_is_told_apart_from_unreachable(replay, ctx):
    # SYNTHETIC recording: a proxy's 401 (nginx auth_basic); see the fixture's note.
    played = replay("unauthorized")
    assert load_recording("unauthorized")["synthetic"] is True
    words = (
        f"{played.server.url} answered 401: not ComfyUI or behind auth (a proxy asking for a "
        "login); point STUDIO_COMFYUI_URL at the ComfyUI server itself"
    )
    ready = run(ComfyUIProvider().readiness())
    assert (ready.ready, ready.state, ready.detail) == (False, "server refused", words)
    workflow = load_recording("success")["workflow"]
    (ctx.graph_dir / "any_api.json").write_text(json.dumps(workflow))
    with pytest.raises(ProviderError) as caught:
        run(ComfyUIProvider().generate_image(request("any"), ctx))
    assert caught.value.message == words
    assert played.server.received("POST") == []
