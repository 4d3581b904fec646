"""Ollama's NDJSON streaming API against a fake following shared/provider-contracts.md §6."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest
from fakes import cancel_when, run
from fakes.llm import FakeOllama
from fakes.media import png_bytes
from fakes.server import FakeServer, Reply

from studio.errors import ProviderError
from studio.providers.base import TextRequest
from studio.providers.remote.ollama import OllamaProvider


@pytest.fixture
def ollama(monkeypatch) -> Iterator[FakeOllama]:
    with FakeServer() as server:
        monkeypatch.setenv("STUDIO_OLLAMA_URL", server.url)
        yield FakeOllama(server)


def test_streams_text_and_previews_it(ollama, ctx):
    ollama.chunk_delay = 0.06
    request = TextRequest("Rewrite: lighthouse", system="You write prompts.", temperature=0.3)
    result = run(OllamaProvider().complete_text(request, ctx))
    (call,) = ollama.server.received("POST")
    assert call.path == "/api/chat" and "authorization" not in call.headers
    assert call.json == {
        "model": "llama3.2",
        "stream": True,
        "messages": [
            {"role": "system", "content": "You write prompts."},
            {"role": "user", "content": "Rewrite: lighthouse"},
        ],
        "options": {"temperature": 0.3, "num_predict": 400},
    }
    assert result.text == "A lighthouse at dusk, amber light."
    assert ctx.previews and all(result.text.startswith(p.strip()) for p in ctx.previews)
    assert ctx.provenance["output_tokens"] == 6 and ctx.provenance["cost_usd"] == 0.0


def test_vision_sends_bare_base64(ollama, ctx, tmp_path):
    picture = tmp_path / "p.png"
    picture.write_bytes(png_bytes(8, 8))
    run(OllamaProvider().describe_image(TextRequest("Describe.", images=(picture,)), ctx))
    user = ollama.server.received("POST")[0].json["messages"][-1]
    assert ollama.server.received("POST")[0].json["model"] == "llama3.2-vision"
    assert base64.b64decode(user["images"][0]) == picture.read_bytes()
    assert not user["images"][0].startswith("data:")


def test_error_line_mid_stream_fails_the_node(ollama, ctx):
    lines = [
        json.dumps({"message": {"content": "A "}, "done": False}),
        json.dumps({"error": "out of memory"}),
    ]
    ollama.server.route("POST", "/api/chat", Reply(chunks=[(x + "\n").encode() for x in lines]))
    with pytest.raises(ProviderError, match="stopped: out of memory"):
        run(OllamaProvider().complete_text(TextRequest("x"), ctx))


def test_stream_that_ends_early_or_is_not_json(ollama, ctx):
    line = json.dumps({"message": {"content": "A "}, "done": False})
    ollama.server.route("POST", "/api/chat", Reply(chunks=[(line + "\n").encode()]))
    with pytest.raises(ProviderError, match="ended before the answer was done"):
        run(OllamaProvider().complete_text(TextRequest("x"), ctx))
    ollama.server.route("POST", "/api/chat", Reply(chunks=[b"<html>\n"]))
    with pytest.raises(ProviderError, match="not JSON"):
        run(OllamaProvider().complete_text(TextRequest("x"), ctx))


def test_missing_model_says_how_to_pull_it(ollama, ctx):
    with pytest.raises(ProviderError, match=r"model 'phi4' not found; pull it with `ollama pull"):
        run(OllamaProvider().complete_text(TextRequest("x", model="phi4"), ctx))


def test_busy_server_429_then_500_then_success(ollama, ctx):
    ollama.server.route(
        "POST",
        "/api/chat",
        [
            Reply(429, headers={"Retry-After": "1"}, json={"error": "busy"}),
            Reply(500, json={"error": "loading"}),
            ollama.chat,
        ],
    )
    result = run(OllamaProvider().complete_text(TextRequest("x"), ctx))
    first, second, _ = ollama.server.received("POST")
    assert second.time - first.time >= 0.28 and result.text


def test_stalled_stream_times_out_and_cancel_closes_it(ollama, ctx, monkeypatch):
    ollama.chunk_delay = 1.0

    run(
        cancel_when(
            ctx,
            OllamaProvider().complete_text(TextRequest("x"), ctx),
            lambda: ollama.server.received("POST"),
            settle=0.1,
        )
    )
    monkeypatch.setenv("STUDIO_HTTP_READ_TIMEOUT", "0.2")
    with pytest.raises(ProviderError, match="stopped answering mid-stream"):
        run(OllamaProvider().complete_text(TextRequest("x"), ctx))


def test_readiness_lists_models_or_says_start_it(ollama, monkeypatch):
    ready = run(OllamaProvider().readiness())
    assert (ready.ready, ready.state) == (True, "server reachable")
    assert "llama3.2:latest" in ready.detail
    with FakeServer() as dead:
        url = dead.url
    monkeypatch.setenv("STUDIO_OLLAMA_URL", url)
    ready = run(OllamaProvider().readiness())
    assert (ready.ready, ready.state, ready.detail) == (
        False,
        "server unreachable",
        f"nothing answers at {url} (from STUDIO_OLLAMA_URL): start Ollama there",
    )
