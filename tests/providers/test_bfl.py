"""Black Forest Labs against a fake following shared/provider-contracts.md §2."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from fakes import cancel_when, run
from fakes.bfl import FakeBfl
from fakes.server import FakeServer, Reply
from PIL import Image

from studio.errors import Cancelled, ProviderError
from studio.providers.base import ImageRequest
from studio.providers.remote.bfl import BflProvider

KEY = "bfl-secret-key-777"


@pytest.fixture
def bfl(monkeypatch) -> Iterator[FakeBfl]:
    with FakeServer() as api, FakeServer() as cdn:
        monkeypatch.setenv("STUDIO_BFL_URL", api.url)
        monkeypatch.setenv("BFL_API_KEY", KEY)
        yield FakeBfl(api, cdn)


def test_submit_poll_ready_download(bfl, ctx):
    request = ImageRequest("red fox in snow", width=1000, height=700, seed=5)
    result = run(BflProvider().generate_image(request, ctx))
    (submit,) = bfl.api.received("POST")
    assert submit.path == "/v1/flux-pro-1.1" and submit.headers["x-key"] == KEY
    assert "authorization" not in submit.headers
    assert submit.json == {
        "prompt": "red fox in snow",
        "width": 992,
        "height": 704,
        "seed": 5,
        "output_format": "png",
        "safety_tolerance": 2,
        "prompt_upsampling": False,
    }
    polls = bfl.api.received("GET", "/v1/get_result")
    assert len(polls) == 3 and all(
        p.query == {"id": "bfl-1"} and p.headers["x-key"] == KEY for p in polls
    )
    (download,) = bfl.cdn.received()
    assert "x-key" not in download.headers  # the signed URL gets no key
    assert ctx.progress_events[:2] == [(0.25, "Pending"), (0.5, "Pending")]
    with Image.open(result.path) as image:
        assert image.size == (64, 64)
    assert ctx.provenance["job_id"] == "bfl-1" and ctx.provenance["cost_usd"] == 0.04


@pytest.mark.parametrize("status", ["Error", "Content Moderated", "Request Moderated"])
def test_failed_and_moderated_jobs(bfl, ctx, status):
    bfl.end_status = status
    with pytest.raises(ProviderError, match=f"job bfl-1 ended {status}: .*flagged"):
        run(BflProvider().generate_image(ImageRequest("x"), ctx))
    assert bfl.cdn.requests == []


def test_429_on_submit_honours_retry_after(bfl, ctx):
    bfl.api.route(
        "POST",
        "/v1/flux-pro-1.1",
        [
            Reply(429, json={"detail": "too many active tasks"}, headers={"Retry-After": "2"}),
            bfl.submit,
        ],
    )
    run(BflProvider().generate_image(ImageRequest("x"), ctx))
    first, second = bfl.api.received("POST")
    assert second.time - first.time >= 0.28


def test_500_on_poll_then_success_and_submit_500_is_not_resent(bfl, ctx):
    bfl.api.route("GET", "/v1/get_result", [Reply(500), bfl.poll])
    assert run(BflProvider().generate_image(ImageRequest("x"), ctx)).path.is_file()
    bfl.api.route("POST", "/v1/flux-pro-1.1", Reply(500, json={"detail": "oops"}))
    with pytest.raises(ProviderError, match="server error"):
        run(BflProvider().generate_image(ImageRequest("x"), ctx))
    assert len(bfl.api.received("POST")) == 2  # one per call


def test_malformed_json_and_truncated_download(bfl, ctx):
    bfl.api.route(
        "GET",
        "/v1/get_result",
        Reply(body=b"Pending", headers={"Content-Type": "application/json"}),
    )
    with pytest.raises(ProviderError, match="not JSON"):
        run(BflProvider().generate_image(ImageRequest("x"), ctx))
    bfl.api.route("GET", "/v1/get_result", bfl.poll)
    bfl.cdn.route("GET", "/signed/sample.png", Reply(body=bfl.image, truncate_at=20))
    with pytest.raises(ProviderError, match="cut short"):
        run(BflProvider().generate_image(ImageRequest("x"), ctx))
    assert list(ctx.scratch.iterdir()) == []


def test_slow_poll_past_the_timeout(bfl, ctx, monkeypatch):
    monkeypatch.setenv("STUDIO_HTTP_READ_TIMEOUT", "0.2")
    bfl.api.route("GET", "/v1/get_result", Reply(json={}, delay=1.0))
    with pytest.raises(ProviderError, match="no answer from Black Forest Labs"):
        run(BflProvider().generate_image(ImageRequest("x"), ctx))
    assert len(bfl.api.received("GET")) == 3  # a poll is safe to repeat


def test_cancel_mid_job_stops_polling(bfl, ctx):
    bfl.pending_polls = 10_000

    async def scenario():
        await cancel_when(
            ctx,
            BflProvider().generate_image(ImageRequest("x"), ctx),
            lambda: len(bfl.api.received("GET")) >= 3,
            expect=(asyncio.CancelledError, Cancelled),
        )
        polls = len(bfl.api.received("GET"))
        await asyncio.sleep(0.1)
        return polls

    polls = run(scenario())
    # BFL has no cancel endpoint (contracts §2): the studio stops asking, and nothing else.
    assert len(bfl.api.received("GET")) == polls
    assert {r.method for r in bfl.api.requests} == {"POST", "GET"}


def test_rejected_key_and_unknown_model(bfl, ctx):
    with pytest.raises(ProviderError, match="model 'flux-nope' not found at BFL"):
        run(BflProvider().generate_image(ImageRequest("x", model="flux-nope"), ctx))
    bfl.api.route("POST", "/v1/flux-pro-1.1", Reply(403, json={"detail": "Invalid key"}))
    with pytest.raises(ProviderError) as caught:
        run(BflProvider().generate_image(ImageRequest("x"), ctx))
    assert "key for Black Forest Labs rejected" in str(caught.value)
    assert "BFL_API_KEY" in str(caught.value) and KEY not in str(caught.value)


def test_failing_polls_say_the_job_may_still_be_billed(bfl, ctx):
    bfl.api.route("GET", "/v1/get_result", Reply(502, body="bad gateway"))
    with pytest.raises(ProviderError) as caught:
        run(BflProvider().generate_image(ImageRequest("x"), ctx))
    # BFL has no cancel endpoint: the node cannot stop the job, and says so.
    assert caught.value.message.startswith("Black Forest Labs had a server error")
    assert caught.value.message.endswith(
        "Black Forest Labs offers no cancel, so job "
        + ctx.provenance["job_id"]
        + " may still run and be billed"
    )
    assert ctx.provenance["cost_usd"] == 0.04  # accepted: billed
