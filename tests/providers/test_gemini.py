"""Google Gemini against a fake following shared/provider-contracts.md §8."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
from fakes import cancel_when, run
from fakes.llm import FakeGemini
from fakes.media import jpeg_bytes
from fakes.server import FakeServer, Reply
from PIL import Image

from studio.errors import ProviderError
from studio.providers.base import ImageRequest, TextRequest
from studio.providers.remote.gemini import GeminiProvider

KEY = "AIzaSy-gemini-secret-55"


@pytest.fixture
def gemini(monkeypatch) -> Iterator[FakeGemini]:
    with FakeServer() as server:
        monkeypatch.setenv("STUDIO_GEMINI_URL", server.url)
        monkeypatch.setenv("GEMINI_API_KEY", KEY)
        yield FakeGemini(server)


def test_describe_sends_inline_image_and_reads_the_text(gemini, ctx, tmp_path):
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(jpeg_bytes())
    request = TextRequest(
        "Describe it.", system="One sentence.", images=(photo,), max_tokens=100, temperature=0.2
    )
    result = run(GeminiProvider().describe_image(request, ctx))
    (call,) = gemini.server.received("POST")
    assert call.path == "/models/gemini-2.5-flash:generateContent"
    assert call.headers["x-goog-api-key"] == KEY and "key" not in call.query
    parts = call.json["contents"][0]["parts"]
    assert parts[0] == {"text": "One sentence."} and parts[2] == {"text": "Describe it."}
    assert parts[1]["inline_data"]["mime_type"] == "image/jpeg"
    assert base64.b64decode(parts[1]["inline_data"]["data"]) == photo.read_bytes()
    assert call.json["generationConfig"] == {"maxOutputTokens": 100, "temperature": 0.2}
    assert result.text == gemini.answer
    assert ctx.provenance["cost_usd"] == pytest.approx((2000 * 0.3 + 100 * 2.5) / 1e6)


def test_image_output_is_read_from_inline_data(gemini, ctx):
    result = run(GeminiProvider().generate_image(ImageRequest("a boat", 1280, 720), ctx))
    config = gemini.server.received("POST")[0].json["generationConfig"]
    assert config == {
        "responseModalities": ["TEXT", "IMAGE"],
        "imageConfig": {"aspectRatio": "16:9"},
    }
    with Image.open(result.path) as image:
        assert image.size == (32, 18)
    assert ctx.provenance["cost_usd"] == 0.039


def test_blocked_prompt_and_missing_image(gemini, ctx):
    gemini.server.route(
        "POST",
        r"/models/(?P<model>[\w.-]+):generateContent",
        Reply(json={"promptFeedback": {"blockReason": "SAFETY"}}),
    )
    with pytest.raises(ProviderError, match=r"blocked the prompt \(SAFETY\)"):
        run(GeminiProvider().complete_text(TextRequest("x"), ctx))
    gemini.server.route(
        "POST",
        r"/models/(?P<model>[\w.-]+):generateContent",
        Reply(json={"candidates": [{"content": {"parts": [{"text": "I cannot draw that."}]}}]}),
    )
    with pytest.raises(ProviderError, match=r"without an image: I cannot draw that\."):
        run(GeminiProvider().generate_image(ImageRequest("x"), ctx))


def test_429_waits_for_retry_delay_and_503_is_retried(gemini, ctx):
    limited = Reply(
        429,
        json={
            "error": {
                "code": 429,
                "status": "RESOURCE_EXHAUSTED",
                "message": "quota",
                "details": [
                    {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "2s"}
                ],
            }
        },
    )
    gemini.server.route(
        "POST",
        r"/models/(?P<model>[\w.-]+):generateContent",
        [limited, Reply(503), gemini.generate],
    )
    run(GeminiProvider().complete_text(TextRequest("x"), ctx))
    first, second, _ = gemini.server.received("POST")
    assert second.time - first.time >= 0.28  # retryDelay 2 s, capped at 0.3 s in tests
    gemini.server.route(
        "POST",
        r"/models/(?P<model>[\w.-]+):generateContent",
        Reply(500, json={"error": {"code": 500, "message": "internal"}}),
    )
    with pytest.raises(ProviderError, match="server error"):
        run(GeminiProvider().complete_text(TextRequest("x"), ctx))
    assert len(gemini.server.received("POST")) == 4  # a 500 is not re-sent


def test_malformed_json_and_bad_base64_image(gemini, ctx):
    gemini.server.route(
        "POST", r"/models/(?P<model>[\w.-]+):generateContent", Reply(body=b"<html>")
    )
    with pytest.raises(ProviderError, match="not JSON"):
        run(GeminiProvider().complete_text(TextRequest("x"), ctx))
    gemini.server.route(
        "POST",
        r"/models/(?P<model>[\w.-]+):generateContent",
        Reply(
            json={
                "candidates": [
                    {
                        "content": {
                            "parts": [
                                {
                                    "inlineData": {
                                        "mimeType": "image/png",
                                        "data": "bm90IGFuIGltYWdl",
                                    }
                                }
                            ]
                        }
                    }
                ]
            }
        ),
    )
    with pytest.raises(
        ProviderError, match=r"sent a file that is not an image \(text: 'not an image'\)"
    ):
        run(GeminiProvider().generate_image(ImageRequest("x"), ctx))
    assert list(ctx.scratch.iterdir()) == []


def test_slow_server_timeout_and_cancel(gemini, ctx, monkeypatch):
    gemini.server.route(
        "POST", r"/models/(?P<model>[\w.-]+):generateContent", Reply(json={}, delay=2.0)
    )

    run(
        cancel_when(
            ctx,
            GeminiProvider().complete_text(TextRequest("x"), ctx),
            lambda: gemini.server.received("POST"),
        )
    )
    monkeypatch.setenv("STUDIO_HTTP_READ_TIMEOUT", "0.2")
    with pytest.raises(ProviderError, match="no answer from Google Gemini"):
        run(GeminiProvider().complete_text(TextRequest("x"), ctx))


def test_rejected_key_and_unknown_model(gemini, ctx):
    with pytest.raises(ProviderError, match="model 'gemini-9' not found at Gemini"):
        run(GeminiProvider().complete_text(TextRequest("x", model="gemini-9"), ctx))
    gemini.server.route(
        "POST",
        r"/models/(?P<model>[\w.-]+):generateContent",
        Reply(
            403,
            json={
                "error": {
                    "code": 403,
                    "status": "PERMISSION_DENIED",
                    "message": "API key not valid",
                }
            },
        ),
    )
    with pytest.raises(ProviderError) as caught:
        run(GeminiProvider().complete_text(TextRequest("x"), ctx))
    assert "key for Google Gemini rejected" in str(caught.value)
    assert "GEMINI_API_KEY" in str(caught.value)
