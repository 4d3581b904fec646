"""Replicate predictions against a fake following shared/provider-contracts.md §5."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Iterator

import av
import pytest
from fakes import cancel_when, run
from fakes.media import png_bytes
from fakes.replicate import FakeReplicate
from fakes.server import FakeServer, Reply
from PIL import Image

from studio.errors import Cancelled, ProviderError
from studio.providers import settings
from studio.providers.base import Capability, ImageRequest, MusicRequest, VideoRequest
from studio.providers.remote.replicate import ReplicateProvider

TOKEN = "r8_secretTOKENvalue99"


@pytest.fixture
def rep(monkeypatch) -> Iterator[FakeReplicate]:
    with FakeServer() as api, FakeServer() as files:
        monkeypatch.setenv("STUDIO_REPLICATE_URL", api.url)
        monkeypatch.setenv("REPLICATE_API_TOKEN", TOKEN)
        yield FakeReplicate(api, files)


def test_image_prediction_starting_processing_succeeded(rep, ctx):
    result = run(ReplicateProvider().generate_image(ImageRequest("a fox", 1280, 720, seed=3), ctx))
    (create,) = rep.api.received("POST")
    assert create.path == "/models/black-forest-labs/flux-schnell/predictions"
    assert create.headers["authorization"] == f"Bearer {TOKEN}"
    assert create.json == {
        "input": {
            "prompt": "a fox",
            "seed": 3,
            "aspect_ratio": "16:9",
            "output_format": "png",
            "num_outputs": 1,
        }
    }
    polls = rep.api.received("GET", r"/predictions/pred1")
    assert len(polls) == 4 and all(p.headers["authorization"] == f"Bearer {TOKEN}" for p in polls)
    (download,) = rep.files.received()
    assert "authorization" not in download.headers
    assert ctx.messages[:3] == ["starting", "processing", "processing"]
    assert [f for f, m in ctx.progress_events if m == "processing"] == [0.5, 1.0]
    assert ctx.logs == ["generating 50%|#####", "generating 100%|#####"]
    with Image.open(result.path) as image:
        assert image.size == (40, 30)
    assert ctx.provenance["job_id"] == "pred1" and ctx.provenance["predict_time"] == 2.5
    assert ctx.provenance["cost_usd"] == 0.003


def test_failing_polls_cancel_the_prediction_before_the_node_fails(rep, ctx):
    rep.api.route("GET", r"/predictions/pred1", Reply(503, json={"detail": "unavailable"}))
    with pytest.raises(ProviderError, match="Replicate had a server error") as caught:
        run(ReplicateProvider().generate_image(ImageRequest("a fox"), ctx))
    assert "job pred1 was cancelled at Replicate" in caught.value.message
    (cancel,) = rep.api.received("POST", r"/predictions/pred1/cancel")
    assert cancel.headers["authorization"] == f"Bearer {TOKEN}"
    assert rep.predictions["pred1"]["status"] == "canceled"
    assert ctx.provenance["cost_usd"] == 0.003


@pytest.mark.parametrize(
    ("asked", "sent"),
    [((1920, 1080), (1440, 800)), ((1024, 768), (1024, 768)), ((200, 100), (512, 256))],
)
def test_flux_pro_custom_sizes_say_aspect_ratio_custom(rep, ctx, asked, sent):
    request = ImageRequest("a fox", *asked, seed=5, model="black-forest-labs/flux-1.1-pro")
    run(ReplicateProvider().generate_image(request, ctx))
    (create,) = rep.api.received("POST")
    assert create.path == "/models/black-forest-labs/flux-1.1-pro/predictions"
    # Without "custom" the model ignores width and height and paints a 1:1 picture.
    assert create.json["input"] == {
        "prompt": "a fox",
        "aspect_ratio": "custom",
        "width": sent[0],
        "height": sent[1],
        "seed": 5,
        "output_format": "png",
    }


def test_video_preset_sends_the_image_as_a_data_uri(rep, ctx, tmp_path):
    still = tmp_path / "s.png"
    still.write_bytes(png_bytes(30, 20))
    result = run(ReplicateProvider().image_to_video(VideoRequest(still, "drift", duration=9), ctx))
    body = rep.api.received("POST")[0].json["input"]
    assert body["duration"] == 10 and body["mode"] == "standard" and body["prompt"] == "drift"
    assert base64.b64decode(body["start_image"].split(",", 1)[1]) == still.read_bytes()
    with av.open(str(result.path)) as container:
        assert container.streams.video[0].codec_context.name == "h264"
    assert ctx.provenance["cost_usd"] == pytest.approx(0.5)


def test_a_declared_mapping_for_any_versioned_model(rep, ctx):
    settings.set_option(
        "replicate",
        "models",
        {
            "meta/musicgen:abc123": {
                "capability": "music",
                "input": {
                    "prompt": "prompt",
                    "duration": "duration:int",
                    "output_format": {"value": "wav"},
                },
            }
        },
    )
    provider = ReplicateProvider()
    assert "meta/musicgen:abc123" in provider.models(Capability.MUSIC)
    request = MusicRequest("lofi beat", duration=12.4, model="meta/musicgen:abc123")
    result = run(provider.music(request, ctx))
    (create,) = rep.api.received("POST")
    assert create.path == "/predictions"
    assert create.json == {
        "version": "abc123",
        "input": {"prompt": "lofi beat", "duration": 12, "output_format": "wav"},
    }
    assert result.kind == "audio" and result.path.suffix == ".wav"
    assert ctx.provenance["cost_usd"] == pytest.approx(0.003 * 12.4)  # priced as meta/musicgen


def test_unmapped_model_says_how_to_declare_it(rep, ctx):
    with pytest.raises(ProviderError, match="no input mapping for 'someone/thing'"):
        run(ReplicateProvider().generate_image(ImageRequest("x", model="someone/thing"), ctx))
    assert rep.api.requests == []


def test_failed_prediction_reports_its_error(rep, ctx):
    rep.fail_with = "CUDA out of memory"
    with pytest.raises(ProviderError, match="prediction pred1 failed: CUDA out of memory"):
        run(ReplicateProvider().music(MusicRequest("x"), ctx))


def test_create_429_is_retried_but_a_500_is_not(rep, ctx):
    rep.api.route(
        "POST",
        r"/models/(?P<owner>[\w.-]+)/(?P<name>[\w.-]+)/predictions",
        [Reply(429, headers={"Retry-After": "1"}, json={"title": "Throttled"}), rep.create],
    )
    run(ReplicateProvider().generate_image(ImageRequest("x"), ctx))
    first, second = rep.api.received("POST")
    assert second.time - first.time >= 0.28
    rep.api.route(
        "POST",
        r"/models/(?P<owner>[\w.-]+)/(?P<name>[\w.-]+)/predictions",
        Reply(500, json={"title": "Internal", "detail": "try later"}),
    )
    with pytest.raises(ProviderError, match="try later"):
        run(ReplicateProvider().generate_image(ImageRequest("x"), ctx))
    assert len(rep.api.received("POST")) == 3


def test_500_on_poll_then_success(rep, ctx):
    rep.api.route("GET", r"/predictions/(?P<id>\w+)", [Reply(503), rep.get])
    assert run(ReplicateProvider().generate_image(ImageRequest("x"), ctx)).path.is_file()


def test_malformed_json_and_truncated_file(rep, ctx):
    rep.api.route("GET", r"/predictions/(?P<id>\w+)", Reply(body=b"{]"))
    with pytest.raises(ProviderError, match="not JSON"):
        run(ReplicateProvider().generate_image(ImageRequest("x"), ctx))
    rep.api.route("GET", r"/predictions/(?P<id>\w+)", rep.get)
    rep.files.route("GET", "/out/image.png", Reply(body=png_bytes(40, 30), truncate_at=50))
    with pytest.raises(ProviderError, match="cut short"):
        run(ReplicateProvider().generate_image(ImageRequest("x"), ctx))
    assert list(ctx.scratch.iterdir()) == []


def test_slow_create_past_the_timeout(rep, ctx, monkeypatch):
    monkeypatch.setenv("STUDIO_HTTP_READ_TIMEOUT", "0.2")
    rep.api.route(
        "POST",
        r"/models/(?P<owner>[\w.-]+)/(?P<name>[\w.-]+)/predictions",
        Reply(json={}, delay=1.0),
    )
    with pytest.raises(ProviderError, match="no answer from Replicate"):
        run(ReplicateProvider().generate_image(ImageRequest("x"), ctx))
    assert len(rep.api.received("POST")) == 1


def test_cancel_mid_prediction(rep, ctx):
    rep.never_finish = True

    run(
        cancel_when(
            ctx,
            ReplicateProvider().generate_image(ImageRequest("x"), ctx),
            lambda: len(rep.api.received("GET")) >= 2,
            expect=(asyncio.CancelledError, Cancelled),
        )
    )
    (cancel,) = rep.api.received("POST", r"/predictions/\w+/cancel")
    assert cancel.path == "/predictions/pred1/cancel"
    assert cancel.headers["authorization"] == f"Bearer {TOKEN}"
    assert rep.predictions["pred1"]["status"] == "canceled"


def test_rejected_token_and_unknown_model(rep, ctx):
    settings.set_option(
        "replicate",
        "models",
        {"nobody/nothing": {"capability": "image", "input": {"prompt": "prompt"}}},
    )
    with pytest.raises(ProviderError, match="model 'nobody/nothing' not found on Replicate"):
        run(ReplicateProvider().generate_image(ImageRequest("x", model="nobody/nothing"), ctx))
    rep.api.route(
        "POST",
        r"/models/(?P<owner>[\w.-]+)/(?P<name>[\w.-]+)/predictions",
        Reply(401, json={"title": "Unauthenticated", "detail": "bad token"}),
    )
    with pytest.raises(ProviderError) as caught:
        run(ReplicateProvider().generate_image(ImageRequest("x"), ctx))
    assert "key for Replicate rejected" in str(caught.value)
    assert "REPLICATE_API_TOKEN" in str(caught.value) and TOKEN not in str(caught.value)
