"""fal queue API against a fake that follows its contract (shared/provider-contracts.md §1)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import av
import pytest
from fakes import cancel_when, run
from fakes.fal import FakeFal
from fakes.media import png_bytes
from fakes.server import FakeServer, Reply
from PIL import Image

from studio.errors import Cancelled, ProviderError
from studio.providers.base import ImageRequest, MusicRequest, VideoRequest
from studio.providers.remote.fal import FalProvider

KEY = "fal-key-abc123:secretpart"


@pytest.fixture
def fal(monkeypatch) -> Iterator[FakeFal]:
    with FakeServer() as api, FakeServer() as cdn:
        monkeypatch.setenv("STUDIO_FAL_URL", api.url)
        monkeypatch.setenv("STUDIO_FAL_REST_URL", api.url)
        monkeypatch.setenv("FAL_KEY", KEY)
        yield FakeFal(api, cdn)


def test_image_goes_queued_in_progress_completed(fal, ctx):
    fal.queue_polls = 2
    request = ImageRequest("a lighthouse at dusk", width=1024, height=768, seed=42)
    result = run(FalProvider().generate_image(request, ctx))

    (submit,) = fal.api.received("POST", "/fal-ai/flux-pro/v1.1")
    assert submit.headers["authorization"] == f"Key {KEY}"
    assert submit.json == {
        "prompt": "a lighthouse at dusk",
        "image_size": {"width": 1024, "height": 768},
        "num_images": 1,
        "seed": 42,
        "output_format": "png",
        "safety_tolerance": "2",
    }
    (stream,) = fal.api.received("GET", r"/fal-ai/flux-pro/requests/req-1/status/stream")
    assert stream.query == {"logs": "1"} and stream.headers["accept"] == "text/event-stream"
    assert stream.headers["authorization"] == f"Key {KEY}"
    assert fal.api.received("GET", r".*/status") == []  # streamed: no polling needed
    assert fal.api.received("GET", r"/fal-ai/flux-pro/requests/req-1")
    (download,) = fal.cdn.received("GET")
    assert "authorization" not in download.headers  # the CDN never sees the key

    assert ctx.messages[:3] == ["IN_QUEUE, position 2", "IN_QUEUE, position 1", "IN_PROGRESS"]
    assert "IN_PROGRESS: step 1" in ctx.messages and "COMPLETED" in ctx.messages
    assert ctx.logs == ["step 1", "step 2"]
    assert result.kind == "image" and result.path.suffix == ".png"
    assert result.path.parent == ctx.scratch
    with Image.open(result.path) as image:
        assert image.size == (96, 64)
    assert ctx.provenance["job_id"] == "req-1" and ctx.provenance["model"] == "fal-ai/flux-pro/v1.1"
    assert ctx.provenance["cost_usd"] == 0.04  # 0.79 MP billed as one started megapixel
    assert result.provenance["seed"] == 42


def test_video_uploads_the_image_through_storage_and_returns_an_mp4(fal, ctx, tmp_path):
    still = tmp_path / "still.png"
    still.write_bytes(png_bytes(80, 60))
    request = VideoRequest(image=still, prompt="slow push in", duration=6)
    result = run(FalProvider().image_to_video(request, ctx))

    (token,) = fal.api.received("POST", "/storage/auth/token")
    assert token.query == {"storage_type": "fal-cdn-v3"} and token.headers["authorization"] == (
        f"Key {KEY}"
    )
    (upload,) = fal.cdn.received("POST", "/files/upload")
    assert upload.body == still.read_bytes()
    assert upload.headers["authorization"] == "Bearer upload-token-123"  # not the fal key
    assert upload.headers["content-type"] == "image/png"
    (submit,) = fal.api.received("POST", r"/fal-ai/kling-video/.+")
    assert submit.path == "/fal-ai/kling-video/v2.5-turbo/pro/image-to-video"
    assert submit.json == {
        "prompt": "slow push in",
        "duration": "5",
        "image_url": f"{fal.cdn.url}/files/input.png",
    }
    assert result.kind == "video" and result.path.suffix == ".mp4"
    with av.open(str(result.path)) as container:
        assert container.streams.video[0].codec_context.name == "h264"
    assert ctx.provenance["cost_usd"] == pytest.approx(0.35)


def test_uploads_follow_the_fal_url_when_no_rest_url_is_set(fal, ctx, tmp_path, monkeypatch):
    monkeypatch.delenv("STUDIO_FAL_REST_URL")
    # Were the upload to go to fal's real REST host, it would meet this closed proxy instead of
    # the network.
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    still = tmp_path / "still.png"
    still.write_bytes(png_bytes(80, 60))
    assert FalProvider.rest_url() == fal.api.url
    run(FalProvider().image_to_video(VideoRequest(image=still), ctx))
    (token,) = fal.api.received("POST", "/storage/auth/token")
    assert token.headers["authorization"] == f"Key {KEY}"
    assert fal.cdn.received("POST", "/files/upload")


def test_the_rest_url_wins_when_set(monkeypatch):
    monkeypatch.setenv("STUDIO_FAL_URL", "http://127.0.0.1:1111")
    monkeypatch.setenv("STUDIO_FAL_REST_URL", "http://127.0.0.1:2222")
    assert FalProvider.rest_url() == "http://127.0.0.1:2222"
    monkeypatch.delenv("STUDIO_FAL_URL")
    monkeypatch.delenv("STUDIO_FAL_REST_URL")
    assert FalProvider.rest_url() == "https://rest.alpha.fal.ai"


def test_music_asks_stable_audio_for_the_duration(fal, ctx):
    result = run(FalProvider().music(MusicRequest("calm piano", duration=20, tempo=80), ctx))
    (submit,) = fal.api.received("POST", "/fal-ai/stable-audio")
    assert submit.json == {"prompt": "calm piano, 80 BPM", "seconds_total": 20}
    assert result.kind == "audio" and result.path.suffix == ".mp3"
    with av.open(str(result.path)) as container:
        assert container.streams.audio[0].codec_context.name.startswith("mp3")


def test_failed_job_reports_the_reason_from_the_result(fal, ctx):
    fal.fail_with = Reply(
        422, json={"detail": [{"loc": ["body", "prompt"], "msg": "prompt flagged", "type": "x"}]}
    )
    with pytest.raises(ProviderError) as caught:
        run(FalProvider().generate_image(ImageRequest("x"), ctx))
    assert caught.value.status == 422 and "prompt: prompt flagged" in caught.value.message
    assert ctx.provenance["job_id"] == "req-1" and ctx.provenance["cost_usd"] > 0


def test_an_accepted_call_of_an_unpriced_model_records_an_unknown_cost(fal, ctx, monkeypatch):
    import fakes.fal

    monkeypatch.setattr(fakes.fal, "KNOWN_MODELS", {*fakes.fal.KNOWN_MODELS, "fal-ai/flux-2/new"})
    run(FalProvider().generate_image(ImageRequest("x", model="fal-ai/flux-2/new"), ctx))
    assert fal.api.received("POST", "/fal-ai/flux-2/new")
    # Billed by fal, at a price the table does not know: unknown, never "free".
    assert ctx.provenance["cost_usd"] is None
    assert ctx.provenance["cost_basis"] == "unknown price"


def test_429_on_submit_waits_for_retry_after(fal, ctx):
    fal.api.route(
        "POST", "/fal-ai/flux/schnell", [Reply(429, headers={"Retry-After": "1"}), fal.submit]
    )
    run(FalProvider().generate_image(ImageRequest("x", model="fal-ai/flux/schnell"), ctx))
    first, second = fal.api.received("POST", "/fal-ai/flux/schnell")
    assert second.time - first.time >= 0.28
    assert "safety_tolerance" not in second.json
    assert ctx.provenance["cost_usd"] == pytest.approx(0.003)


def test_without_a_status_stream_the_status_is_polled(fal, ctx):
    fal.sse = False
    result = run(FalProvider().generate_image(ImageRequest("x"), ctx))
    polls = fal.api.received("GET", r"/fal-ai/flux-pro/requests/req-1/status")
    assert len(polls) == 4 and all(p.query == {"logs": "1"} for p in polls)
    assert ctx.messages[:3] == ["IN_QUEUE, position 1", "IN_PROGRESS", "IN_PROGRESS: step 1"]
    assert ctx.logs[0].startswith("fal status stream unavailable")
    assert ctx.logs[1:] == ["step 1", "step 2"] and result.path.is_file()


def test_500_on_status_then_success(fal, ctx):
    stream = r"/(?P<app>[^/]+/[^/]+)/requests/(?P<id>[^/]+)/status/stream"
    fal.api.route("GET", stream, [Reply(500, json={"detail": "internal_error"}), fal.stream])
    result = run(FalProvider().generate_image(ImageRequest("x"), ctx))
    assert result.path.is_file()
    assert len(fal.api.received("GET", r".*/status/stream")) == 2
    fal.sse = False
    fal.api.route(
        "GET", r"/(?P<app>[^/]+/[^/]+)/requests/(?P<id>[^/]+)/status", [Reply(502), fal.status]
    )
    assert run(FalProvider().generate_image(ImageRequest("x"), ctx)).path.is_file()


def test_submit_500_is_not_resubmitted_but_ingress_503_is(fal, ctx):
    fal.api.route(
        "POST",
        "/fal-ai/flux-pro/v1.1",
        Reply(500, json={"detail": "x"}, headers={"x-fal-request-id": "r"}),
    )
    with pytest.raises(ProviderError):
        run(FalProvider().generate_image(ImageRequest("x"), ctx))
    assert len(fal.api.received("POST")) == 1
    assert ctx.provenance["cost_usd"] == 0.0  # never accepted, never billed
    fal.api.route("POST", "/fal-ai/flux-pro/v1.1", [Reply(503), fal.submit])
    run(FalProvider().generate_image(ImageRequest("x"), ctx))
    assert len(fal.api.received("POST")) == 3


def test_malformed_status_json(fal, ctx):
    fal.api.route("GET", r".*/status/stream", Reply(chunks=[b"data: {'status': \n\n"]))
    result = run(FalProvider().generate_image(ImageRequest("x"), ctx))
    assert "sent an event that is not JSON" in ctx.logs[0]  # the stream is dropped, polls go on
    assert result.path.is_file()
    fal.sse = False
    fal.api.route(
        "GET",
        r".*/status",
        Reply(body=b"{'status': ", headers={"Content-Type": "application/json"}),
    )
    with pytest.raises(ProviderError, match="not JSON"):
        run(FalProvider().generate_image(ImageRequest("x"), ctx))


def test_truncated_download_leaves_nothing(fal, ctx):
    data = fal.media["image.png"]
    fal.cdn.route("GET", "/files/image.png", Reply(body=data, truncate_at=len(data) - 10))
    with pytest.raises(ProviderError, match="cut short"):
        run(FalProvider().generate_image(ImageRequest("x"), ctx))
    assert list(ctx.scratch.iterdir()) == []


def test_a_page_that_is_not_an_image_is_refused(fal, ctx):
    fal.cdn.route(
        "GET",
        "/files/image.png",
        Reply(body=b"<html>expired</html>", headers={"Content-Type": "text/html"}),
    )
    fal.media["image.png"] = b"<html>expired</html>"
    with pytest.raises(ProviderError) as caught:
        run(FalProvider().generate_image(ImageRequest("x"), ctx))
    assert (
        caught.value.message == "sent a file labelled text/html that is not an image (an HTML page)"
    )
    assert list(ctx.scratch.iterdir()) == []


def test_an_html_page_labelled_as_an_image_is_told_by_its_bytes(fal, ctx):
    page = b"<!DOCTYPE html><html><head><title>Link expired</title></head><body></body></html>"
    fal.cdn.route(
        "GET", "/files/image.png", Reply(body=page, headers={"Content-Type": "image/png"})
    )
    fal.media["image.png"] = page
    with pytest.raises(ProviderError) as caught:
        run(FalProvider().generate_image(ImageRequest("x"), ctx))
    assert caught.value.message == (
        "sent a file labelled image/png that is not an image (an HTML page: 'Link expired')"
    )


def test_slow_submit_past_the_timeout(fal, ctx, monkeypatch):
    monkeypatch.setenv("STUDIO_HTTP_READ_TIMEOUT", "0.2")
    fal.api.route("POST", "/fal-ai/flux-pro/v1.1", Reply(json={}, delay=1.0))
    with pytest.raises(ProviderError, match=r"no answer from fal within 0\.2 s"):
        run(FalProvider().generate_image(ImageRequest("x"), ctx))
    assert len(fal.api.received("POST")) == 1


def test_cancel_mid_job_cancels_the_remote_request(fal, ctx):
    fal.never_finish = True

    run(
        cancel_when(
            ctx,
            FalProvider().generate_image(ImageRequest("x"), ctx),
            lambda: fal.api.received("GET", r".*/status/stream"),
            expect=(asyncio.CancelledError, Cancelled),
            settle=0.05,
        )
    )
    (cancel,) = fal.api.received("PUT")
    assert cancel.path == "/fal-ai/flux-pro/requests/req-1/cancel"
    assert cancel.headers["authorization"] == f"Key {KEY}"
    assert fal.jobs["req-1"].cancelled


def test_failing_status_polls_cancel_the_accepted_job_before_the_node_fails(fal, ctx):
    fal.sse = False
    fal.api.route("GET", r".*/requests/req-1/status", Reply(500, json={"detail": "down"}))
    with pytest.raises(ProviderError) as caught:
        run(FalProvider().generate_image(ImageRequest("x"), ctx))
    assert "fal had a server error: down" in caught.value.message
    assert "job req-1 was cancelled at fal" in caught.value.message
    (cancel,) = fal.api.received("PUT")
    assert cancel.path == "/fal-ai/flux-pro/requests/req-1/cancel"
    assert fal.jobs["req-1"].cancelled  # a re-run will not pay for two jobs at once
    assert ctx.provenance["cost_usd"] == 0.04  # accepted: billed


def test_a_failing_remote_cancel_is_reported_not_swallowed(fal, ctx):
    fal.sse = False
    fal.api.route("GET", r".*/requests/req-1/status", Reply(500, json={"detail": "down"}))
    fal.api.route("PUT", r".*/cancel", Reply(500, json={"detail": "cannot cancel now"}))
    with pytest.raises(ProviderError) as caught:
        run(FalProvider().generate_image(ImageRequest("x"), ctx))
    assert "cancelling job req-1 failed too (fal had a server error: cannot cancel now" in (
        caught.value.message
    )
    assert "it may still run and be billed" in caught.value.message


def test_a_failing_cancel_of_a_cancelled_node_is_a_warning(fal, ctx):
    fal.never_finish = True
    fal.api.route("PUT", r".*/cancel", Reply(403, json={"detail": "not yours"}))
    run(
        cancel_when(
            ctx,
            FalProvider().generate_image(ImageRequest("x"), ctx),
            lambda: fal.api.received("GET", r".*/status/stream"),
            expect=(asyncio.CancelledError, Cancelled),
            settle=0.05,
        )
    )
    (warning,) = ctx.warnings
    assert warning.startswith("fal job req-1 could not be cancelled (key for fal rejected")
    assert warning.endswith("it may still run and be billed")


def test_rejected_key_and_unknown_model(fal, ctx):
    fal.api.route("POST", "/fal-ai/flux-pro/v1.1", Reply(401, json={"detail": "Unauthorized"}))
    with pytest.raises(ProviderError) as caught:
        run(FalProvider().generate_image(ImageRequest("x"), ctx))
    assert "key for fal rejected; set it with `studio keys set fal`" in str(caught.value)
    assert KEY not in str(caught.value)
    with pytest.raises(ProviderError, match="model 'fal-ai/nope' not found on fal"):
        run(FalProvider().generate_image(ImageRequest("x", model="fal-ai/nope"), ctx))


def test_missing_key_fails_before_any_request(fal, ctx, monkeypatch):
    monkeypatch.delenv("FAL_KEY")
    with pytest.raises(ProviderError, match="no key for fal; set it with"):
        run(FalProvider().generate_image(ImageRequest("x"), ctx))
    assert fal.api.requests == []


def test_readiness_tells_the_truth(monkeypatch):
    monkeypatch.delenv("FAL_KEY", raising=False)
    ready = run(FalProvider().readiness())
    assert (ready.ready, ready.state) == (False, "key missing") and "FAL_KEY" in ready.detail
    monkeypatch.setenv("FAL_KEY", KEY)
    ready = run(FalProvider().readiness())
    assert (ready.ready, ready.state, ready.detail) == (True, "key present", "set (env FAL_KEY)")
