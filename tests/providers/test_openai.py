"""OpenAI and OpenAI-compatible servers against a fake following provider-contracts.md §4."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import av
import pytest
from fakes import cancel_when, run
from fakes.media import png_bytes
from fakes.openai import FakeOpenAI
from fakes.server import FakeServer, Reply
from PIL import Image

from studio.errors import ProviderError
from studio.providers.base import ImageRequest, SpeechRequest, TextRequest
from studio.providers.remote.openai import OpenAIProvider
from studio.providers.remote.openai_compat import OpenAICompatProvider

KEY = "sk-proj-openai-secret-42"


@pytest.fixture
def openai(monkeypatch) -> Iterator[FakeOpenAI]:
    with FakeServer() as server:
        fake = FakeOpenAI(server)
        monkeypatch.setenv("STUDIO_OPENAI_URL", fake.base_url)
        monkeypatch.setenv("STUDIO_OPENAI_COMPAT_URL", fake.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", KEY)
        yield fake


def test_image_is_decoded_from_base64_at_the_nearest_size(openai, ctx):
    result = run(OpenAIProvider().generate_image(ImageRequest("a cat", 1920, 1080), ctx))
    (request,) = openai.server.received("POST")
    assert request.path == "/v1/images/generations"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.json == {
        "model": "gpt-image-1",
        "prompt": "a cat",
        "n": 1,
        "size": "1536x1024",
        "quality": "medium",
        "output_format": "png",
    }
    with Image.open(result.path) as image:
        assert image.size == (48, 32)
    assert ctx.provenance["cost_usd"] == 0.063


def test_speech_streams_mp3_to_a_file(openai, ctx):
    result = run(
        OpenAIProvider().speech(SpeechRequest("Hello there.", voice="nova", rate=1.2), ctx)
    )
    (request,) = openai.server.received("POST")
    assert request.path == "/v1/audio/speech"
    assert request.json == {
        "model": "gpt-4o-mini-tts",
        "input": "Hello there.",
        "voice": "nova",
        "response_format": "mp3",
        "speed": 1.2,
    }
    with av.open(str(result.path)) as container:
        assert container.streams.audio[0].codec_context.name.startswith("mp3")
    unknown = run(OpenAIProvider().speech(SpeechRequest("Hi", voice="en"), ctx))
    assert unknown.provenance["voice"] == "alloy"


def test_describe_sends_the_image_as_a_data_uri_and_costs_by_usage(openai, ctx, tmp_path):
    picture = tmp_path / "p.png"
    picture.write_bytes(png_bytes(10, 10))
    request = TextRequest("Describe this image.", system="Be brief.", images=(picture,))
    result = run(OpenAIProvider().describe_image(request, ctx))
    body = openai.server.received("POST")[0].json
    assert body["model"] == "gpt-4o-mini" and body["max_completion_tokens"] == 400
    assert body["messages"][0] == {"role": "system", "content": "Be brief."}
    text_part, image_part = body["messages"][1]["content"]
    assert text_part == {"type": "text", "text": "Describe this image."}
    url = image_part["image_url"]["url"]
    assert url.startswith("data:image/png;base64,")
    assert base64.b64decode(url.split(",", 1)[1]) == picture.read_bytes()
    assert result.text == openai.answer
    # 1000 prompt tokens at $0.15/M + 200 completion tokens at $0.60/M
    assert ctx.provenance["cost_usd"] == pytest.approx(0.00027)
    assert ctx.provenance["cost_basis"] == "usage"


def test_429_retry_after_ms_then_success_but_not_for_an_empty_quota(openai, ctx):
    openai.server.route(
        "POST",
        "/v1/chat/completions",
        [
            Reply(
                429,
                headers={"retry-after-ms": "200"},
                json={"error": {"code": "rate_limit_exceeded"}},
            ),
            openai.chat,
        ],
    )
    run(OpenAIProvider().complete_text(TextRequest("hi"), ctx))
    first, second = openai.server.received("POST")
    assert 0.19 <= second.time - first.time < 0.5
    openai.server.route(
        "POST",
        "/v1/chat/completions",
        Reply(
            429,
            json={
                "error": {
                    "message": "You exceeded your current quota",
                    "code": "insufficient_quota",
                }
            },
        ),
    )
    with pytest.raises(ProviderError, match="exceeded your current quota"):
        run(OpenAIProvider().complete_text(TextRequest("hi"), ctx))
    assert len(openai.server.received("POST")) == 3


def test_500_then_success_like_the_official_client(openai, ctx):
    openai.server.route("POST", "/v1/images/generations", [Reply(500), openai.images])
    run(OpenAIProvider().generate_image(ImageRequest("x"), ctx))
    assert len(openai.server.received("POST")) == 2


def test_malformed_json_and_a_body_that_is_not_media(openai, ctx):
    openai.server.route(
        "POST",
        "/v1/chat/completions",
        Reply(body=b'{"choices": [', headers={"Content-Type": "application/json"}),
    )
    with pytest.raises(ProviderError, match="not JSON"):
        run(OpenAIProvider().complete_text(TextRequest("hi"), ctx))
    openai.server.route("POST", "/v1/audio/speech", Reply(json={"ok": True}))
    with pytest.raises(
        ProviderError, match="sent a file labelled application/json that is not audio"
    ):
        run(OpenAIProvider().speech(SpeechRequest("hi"), ctx))
    assert list(ctx.scratch.iterdir()) == []


def test_truncated_speech_is_an_error_and_not_resent(openai, ctx):
    from fakes.media import mp3_bytes

    openai.server.route("POST", "/v1/audio/speech", Reply(body=mp3_bytes(0.5), truncate_at=300))
    with pytest.raises(ProviderError, match="cut short"):
        run(OpenAIProvider().speech(SpeechRequest("hi"), ctx))
    assert len(openai.server.received("POST")) == 1  # a paid POST is not silently re-bought
    assert list(ctx.scratch.iterdir()) == []


def test_speech_answered_then_cut_short_is_still_charged(openai, ctx):
    from fakes.media import mp3_bytes

    openai.server.route("POST", "/v1/audio/speech", Reply(body=mp3_bytes(0.5), truncate_at=300))
    with pytest.raises(ProviderError, match="cut short: 300 of"):
        run(OpenAIProvider().speech(SpeechRequest("hello there"), ctx))
    # OpenAI answered 200: it bills the speech whatever happened to the download.
    assert ctx.provenance["cost_usd"] > 0 and ctx.provenance["cost_basis"] == "estimate"


def test_image_answered_then_cut_short_is_still_charged(openai, ctx):
    body = b'{"data": [{"b64_json": "' + b"A" * 5000 + b'"}]}'
    openai.server.route(
        "POST",
        "/v1/images/generations",
        Reply(body=body, truncate_at=1000, headers={"Content-Type": "application/json"}),
    )
    with pytest.raises(ProviderError, match="dropped the connection while answering") as caught:
        run(OpenAIProvider().generate_image(ImageRequest("a cat"), ctx))
    assert f"1,000 of {len(body):,} bytes arrived" in caught.value.message
    assert len(openai.server.received("POST")) == 1  # a paid POST is not bought twice
    assert ctx.provenance["cost_usd"] == 0.042


def test_slow_server_and_cancel_close_the_connection(openai, ctx, monkeypatch):
    openai.server.route("POST", "/v1/images/generations", Reply(json={}, delay=2.0))

    # Returns at once: the synchronous call is abandoned, not awaited.
    run(
        cancel_when(
            ctx,
            OpenAIProvider().generate_image(ImageRequest("x"), ctx),
            lambda: openai.server.received("POST"),
        )
    )
    monkeypatch.setenv("STUDIO_HTTP_READ_TIMEOUT", "0.2")
    openai.server.route("POST", "/v1/chat/completions", Reply(json={}, delay=1.0))
    with pytest.raises(ProviderError, match="no answer from OpenAI"):
        run(OpenAIProvider().complete_text(TextRequest("hi"), ctx))


def test_rejected_key_and_unknown_model(openai, ctx):
    with pytest.raises(ProviderError, match="model 'dall-e-9' not found at OpenAI"):
        run(OpenAIProvider().generate_image(ImageRequest("x", model="dall-e-9"), ctx))
    openai.server.route(
        "POST",
        "/v1/chat/completions",
        Reply(
            401,
            json={
                "error": {
                    "message": f"Incorrect API key provided: {KEY}",
                    "code": "invalid_api_key",
                }
            },
        ),
    )
    with pytest.raises(ProviderError) as caught:
        run(OpenAIProvider().complete_text(TextRequest("hi"), ctx))
    assert "key for OpenAI rejected" in str(caught.value) and KEY not in str(caught.value)


def test_compatible_server_uses_its_first_model_and_no_key(openai, ctx, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY")
    ready = run(OpenAICompatProvider().readiness())
    assert (ready.ready, ready.state) == (True, "server reachable")
    result = run(OpenAICompatProvider().complete_text(TextRequest("improve: a cat"), ctx))
    chat = openai.server.received("POST", "/v1/chat/completions")[0]
    assert chat.json["model"] == "local-llava-7b" and chat.json["max_tokens"] == 400
    assert "authorization" not in chat.headers
    assert result.text == openai.answer and ctx.provenance["cost_usd"] == 0.0


def test_compatible_server_with_a_gateway_key(openai, ctx, monkeypatch):
    monkeypatch.setenv("OPENAI_COMPAT_API_KEY", "or-key-1")
    run(OpenAICompatProvider().complete_text(TextRequest("hi", model="m"), ctx))
    assert openai.server.received("POST")[0].headers["authorization"] == "Bearer or-key-1"


def test_a_hosted_compatible_gateway_has_an_unknown_price_not_a_free_one(openai, ctx, monkeypatch):
    from studio.providers import costs

    params = {"provider": "openai_compat", "model": "anthropic/claude-sonnet-4.5"}
    assert costs.node_cost("text.enhance", "text", params).usd == 0.0  # on 127.0.0.1: free
    monkeypatch.setenv("STUDIO_OPENAI_COMPAT_URL", "https://openrouter.ai/api/v1")
    cost = costs.node_cost("text.enhance", "text", params)
    assert cost.usd is None and cost.label == "openai_compat anthropic/claude-sonnet-4.5"
    for url in ("http://192.168.1.20:1234/v1", "http://gpu-box:8000/v1", "http://[::1]:1234"):
        monkeypatch.setenv("STUDIO_OPENAI_COMPAT_URL", url)
        assert costs.node_cost("text.enhance", "text", params).usd == 0.0, url

    # A call a hosted gateway accepted is recorded as billed at an unknown price.
    monkeypatch.setenv("STUDIO_OPENAI_COMPAT_URL", openai.base_url)
    provider = OpenAICompatProvider()
    monkeypatch.setattr(provider, "self_hosted", lambda: False)
    run(provider.complete_text(TextRequest("hi", model="m"), ctx))
    assert ctx.provenance["cost_usd"] is None
    assert ctx.provenance["cost_basis"] == "unknown price"


def test_compatible_server_unreachable(monkeypatch):
    with FakeServer() as dead:
        url = dead.url
    monkeypatch.setenv("STUDIO_OPENAI_COMPAT_URL", url)
    ready = run(OpenAICompatProvider().readiness())
    assert (ready.ready, ready.state) == (False, "server unreachable")
    assert ready.detail == (
        f"nothing answers at {url} (from STUDIO_OPENAI_COMPAT_URL): start OpenAI-compatible "
        "server there"
    )


def test_a_refused_generation_is_a_failed_job(openai, ctx):
    openai.server.route(
        "POST",
        "/v1/images/generations",
        Reply(
            400,
            json={
                "error": {
                    "message": "Your request was rejected by the safety system.",
                    "type": "image_generation_user_error",
                    "code": "moderation_blocked",
                }
            },
        ),
    )
    with pytest.raises(ProviderError, match="refused the request: Your request was rejected"):
        run(OpenAIProvider().generate_image(ImageRequest("x"), ctx))
    assert len(openai.server.received("POST")) == 1
    assert ctx.provenance["cost_usd"] == 0.0  # refused, never billed


def test_compatible_server_retries_500_and_reports_malformed_answers(openai, ctx):
    openai.server.route("POST", "/v1/chat/completions", [Reply(500), openai.chat])
    result = run(OpenAICompatProvider().complete_text(TextRequest("hi", model="m"), ctx))
    assert result.text == openai.answer and len(openai.server.received("POST")) == 2
    openai.server.route("POST", "/v1/chat/completions", Reply(json={"choices": []}))
    with pytest.raises(ProviderError, match="answered without an answer"):
        run(OpenAICompatProvider().complete_text(TextRequest("hi", model="m"), ctx))
