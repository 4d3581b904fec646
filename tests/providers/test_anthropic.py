"""Anthropic Messages API against a fake following shared/provider-contracts.md §11."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
from fakes import cancel_when, run
from fakes.llm import FakeAnthropic
from fakes.media import png_bytes
from fakes.server import FakeServer, Reply

from studio.errors import ProviderError
from studio.providers.base import TextRequest
from studio.providers.remote.anthropic import AnthropicProvider

KEY = "sk-ant-secret-0001"


@pytest.fixture
def claude(monkeypatch) -> Iterator[FakeAnthropic]:
    with FakeServer() as server:
        monkeypatch.setenv("STUDIO_ANTHROPIC_URL", server.url)
        monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
        yield FakeAnthropic(server)


def test_describe_sends_image_blocks_then_text(claude, ctx, tmp_path):
    picture = tmp_path / "p.png"
    picture.write_bytes(png_bytes(12, 12))
    request = TextRequest("What is in this image?", system="Short answers.", images=(picture,))
    result = run(AnthropicProvider().describe_image(request, ctx))
    (call,) = claude.server.received("POST")
    assert call.path == "/v1/messages"
    assert call.headers["x-api-key"] == KEY and call.headers["anthropic-version"] == "2023-06-01"
    body = call.json
    assert body["model"] == "claude-sonnet-4-5" and body["max_tokens"] == 400
    assert body["system"] == "Short answers."
    image, text = body["messages"][0]["content"]
    assert image["source"]["media_type"] == "image/png"
    assert base64.b64decode(image["source"]["data"]) == picture.read_bytes()
    assert text == {"type": "text", "text": "What is in this image?"}
    assert result.text == claude.answer
    assert ctx.provenance["job_id"] == "msg_01"
    assert ctx.provenance["cost_usd"] == pytest.approx((1500 * 3 + 120 * 15) / 1e6)


def test_overloaded_529_and_429_are_retried(claude, ctx):
    claude.server.route(
        "POST",
        "/v1/messages",
        [
            Reply(529, json={"type": "error", "error": {"type": "overloaded_error"}}),
            Reply(
                429,
                headers={"retry-after": "1"},
                json={
                    "type": "error",
                    "error": {"type": "rate_limit_error", "message": "slow down"},
                },
            ),
            claude.message,
        ],
    )
    run(AnthropicProvider().complete_text(TextRequest("hi"), ctx))
    _, second, third = claude.server.received("POST")
    assert third.time - second.time >= 0.28


def test_errors_in_user_words(claude, ctx):
    with pytest.raises(ProviderError, match="model 'gpt-x' not found at Anthropic"):
        run(AnthropicProvider().complete_text(TextRequest("x", model="gpt-x"), ctx))
    claude.server.route(
        "POST",
        "/v1/messages",
        Reply(
            401,
            json={
                "type": "error",
                "error": {"type": "authentication_error", "message": "invalid x-api-key"},
            },
        ),
    )
    with pytest.raises(ProviderError, match="key for Anthropic rejected"):
        run(AnthropicProvider().complete_text(TextRequest("x"), ctx))
    claude.server.route("POST", "/v1/messages", Reply(body=b"not json"))
    with pytest.raises(ProviderError, match="not JSON"):
        run(AnthropicProvider().complete_text(TextRequest("x"), ctx))


def test_slow_server_timeout_and_cancel(claude, ctx, monkeypatch):
    claude.server.route("POST", "/v1/messages", Reply(json={}, delay=2.0))

    run(
        cancel_when(
            ctx,
            AnthropicProvider().complete_text(TextRequest("x"), ctx),
            lambda: claude.server.received("POST"),
        )
    )
    monkeypatch.setenv("STUDIO_HTTP_READ_TIMEOUT", "0.2")
    monkeypatch.setenv("STUDIO_HTTP_RETRIES", "0")
    with pytest.raises(ProviderError, match="no answer from Anthropic"):
        run(AnthropicProvider().complete_text(TextRequest("x"), ctx))


def test_500_then_success_and_an_answer_without_text(claude, ctx):
    claude.server.route(
        "POST",
        "/v1/messages",
        [
            Reply(
                500, json={"type": "error", "error": {"type": "api_error", "message": "internal"}}
            ),
            claude.message,
        ],
    )
    assert run(AnthropicProvider().complete_text(TextRequest("x"), ctx)).text == claude.answer
    claude.server.route(
        "POST",
        "/v1/messages",
        Reply(
            json={
                "id": "msg_2",
                "type": "message",
                "content": [],
                "stop_reason": "refusal",
                "usage": {"input_tokens": 5, "output_tokens": 0},
            }
        ),
    )
    with pytest.raises(ProviderError, match=r"answered without text \(stop: refusal\)"):
        run(AnthropicProvider().complete_text(TextRequest("x"), ctx))
