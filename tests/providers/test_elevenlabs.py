"""ElevenLabs against a fake following shared/provider-contracts.md §3."""

from __future__ import annotations

from collections.abc import Iterator

import av
import pytest
from fakes import cancel_when, run
from fakes.elevenlabs import FakeElevenLabs
from fakes.server import FakeServer, Reply

from studio.errors import ProviderError
from studio.providers.base import MusicRequest, SpeechRequest
from studio.providers.remote.elevenlabs import ElevenLabsProvider

KEY = "el-secret-key-31337"


@pytest.fixture
def eleven(monkeypatch) -> Iterator[FakeElevenLabs]:
    with FakeServer() as server:
        monkeypatch.setenv("STUDIO_ELEVENLABS_URL", server.url)
        monkeypatch.setenv("ELEVENLABS_API_KEY", KEY)
        yield FakeElevenLabs(server)


def test_speech_uses_the_accounts_voice_by_name(eleven, ctx):
    provider = ElevenLabsProvider()
    result = run(
        provider.speech(SpeechRequest("The tide is turning.", voice="adam", rate=1.1), ctx)
    )
    voices, speak = eleven.server.requests
    assert (voices.method, voices.path, voices.headers["xi-api-key"]) == ("GET", "/v1/voices", KEY)
    assert speak.path == "/v1/text-to-speech/pNInz6obpgDQGcFmaJgB"
    assert speak.query == {"output_format": "mp3_44100_128"}
    assert speak.headers["xi-api-key"] == KEY and "authorization" not in speak.headers
    assert speak.json == {
        "text": "The tide is turning.",
        "model_id": "eleven_multilingual_v2",
        "voice_settings": {"speed": 1.1},
    }
    with av.open(str(result.path)) as container:
        stream = container.streams.audio[0]
        assert stream.codec_context.name.startswith("mp3")
        assert 0.4 < float(container.duration / 1_000_000) < 1.0
    assert result.provenance["voice"] == "Adam"
    assert ctx.provenance["cost_usd"] == pytest.approx(0.1 * 20 / 1000)


def test_unknown_voice_falls_back_to_the_first_and_says_so(eleven, ctx):
    run(ElevenLabsProvider().speech(SpeechRequest("Hi.", voice="en"), ctx))
    assert eleven.server.received("POST")[0].path.endswith("/21m00Tcm4TlvDq8ikWAM")
    assert "voice 'en' is not one of your ElevenLabs voices; using 'Rachel'" in ctx.logs
    assert "voice_settings" not in eleven.server.received("POST")[0].json


def test_music_asks_for_the_length_in_milliseconds(eleven, ctx):
    result = run(
        ElevenLabsProvider().music(
            MusicRequest("warm synth pads", duration=42.5, tempo=90, seed=7), ctx
        )
    )
    (compose,) = eleven.server.received("POST")
    assert compose.path == "/v1/music" and compose.query == {"output_format": "mp3_44100_128"}
    assert compose.json == {
        "prompt": "warm synth pads, 90 BPM",
        "music_length_ms": 42500,
        "model_id": "music_v1",
        "seed": 7,
    }
    assert result.kind == "audio" and result.path.suffix == ".mp3"
    assert ctx.provenance["cost_usd"] == pytest.approx(0.8 * 42.5 / 60, abs=1e-6)


def test_concurrency_429_is_retried_after_retry_after(eleven, ctx):
    busy = Reply(
        429,
        headers={"Retry-After": "1"},
        json={
            "detail": {
                "status": "too_many_concurrent_requests",
                "message": "Too many concurrent requests",
            }
        },
    )
    eleven.server.route("POST", r"/v1/text-to-speech/(?P<voice>[\w-]+)", [busy, eleven.speak])
    run(ElevenLabsProvider().speech(SpeechRequest("x"), ctx))
    first, second = eleven.server.received("POST")
    assert second.time - first.time >= 0.28


def test_server_error_is_not_resent_and_quota_words_come_through(eleven, ctx):
    eleven.server.route("POST", "/v1/music", Reply(500, json={"detail": "boom"}))
    with pytest.raises(ProviderError, match="server error"):
        run(ElevenLabsProvider().music(MusicRequest("x"), ctx))
    assert len(eleven.server.received("POST")) == 1
    eleven.server.route(
        "POST",
        r"/v1/text-to-speech/(?P<voice>[\w-]+)",
        Reply(
            400, json={"detail": {"status": "quota_exceeded", "message": "You have 3 credits left"}}
        ),
    )
    with pytest.raises(ProviderError, match="refused the request: You have 3 credits left"):
        run(ElevenLabsProvider().speech(SpeechRequest("x"), ctx))


def test_voice_list_500_then_success(eleven, ctx):
    eleven.server.route("GET", "/v1/voices", [Reply(500), {"voices": eleven.voices}])
    run(ElevenLabsProvider().speech(SpeechRequest("x", voice="Rachel"), ctx))
    assert len(eleven.server.received("GET")) == 2


def test_malformed_voices_json_and_non_audio_body(eleven, ctx):
    eleven.server.route(
        "GET", "/v1/voices", Reply(body=b"<!doctype html>", headers={"Content-Type": "text/html"})
    )
    with pytest.raises(ProviderError, match="not JSON"):
        run(ElevenLabsProvider().speech(SpeechRequest("x"), ctx))
    eleven.server.route("GET", "/v1/voices", {"voices": eleven.voices})
    eleven.server.route("POST", "/v1/music", Reply(json={"detail": "queued"}))
    with pytest.raises(ProviderError) as caught:
        run(ElevenLabsProvider().music(MusicRequest("x"), ctx))
    assert caught.value.message == (
        'sent a file labelled application/json that is not audio (JSON: {"detail": "queued"})'
    )


def test_an_html_page_labelled_audio_is_not_audio(eleven, ctx):
    eleven.server.route(
        "POST",
        r"/v1/text-to-speech/(?P<voice>[\w-]+)",
        Reply(
            body=b"<html><body>Service paused</body></html>", headers={"Content-Type": "audio/mpeg"}
        ),
    )
    with pytest.raises(ProviderError) as caught:
        run(ElevenLabsProvider().speech(SpeechRequest("x"), ctx))
    assert caught.value.message == (
        "sent a file labelled audio/mpeg that is not audio (an HTML page)"
    )
    assert list(ctx.scratch.iterdir()) == []


def test_truncated_audio_leaves_nothing(eleven, ctx):
    eleven.server.route("POST", "/v1/music", Reply(body=eleven.audio, truncate_at=500))
    with pytest.raises(ProviderError, match="cut short"):
        run(ElevenLabsProvider().music(MusicRequest("x"), ctx))
    assert list(ctx.scratch.iterdir()) == []


def test_music_answered_then_cut_short_is_still_charged(eleven, ctx):
    eleven.server.route("POST", "/v1/music", Reply(body=eleven.audio, truncate_at=500))
    with pytest.raises(ProviderError, match="cut short: 500 of"):
        run(ElevenLabsProvider().music(MusicRequest("x", duration=60), ctx))
    assert ctx.provenance["cost_usd"] == 0.8  # a minute of Eleven Music, billed on acceptance


def test_slow_server_past_the_timeout_and_cancel(eleven, ctx, monkeypatch):
    eleven.delay = 2.0

    # Nothing to cancel remotely: the connection is closed.
    run(
        cancel_when(
            ctx,
            ElevenLabsProvider().speech(SpeechRequest("x"), ctx),
            lambda: eleven.server.received("POST"),
        )
    )
    monkeypatch.setenv("STUDIO_HTTP_READ_TIMEOUT", "0.2")
    with pytest.raises(ProviderError, match="no answer from ElevenLabs"):
        run(ElevenLabsProvider().speech(SpeechRequest("x"), ctx))


def test_rejected_key(eleven, ctx):
    eleven.server.route(
        "GET",
        "/v1/voices",
        Reply(401, json={"detail": {"status": "invalid_api_key", "message": "Invalid API key"}}),
    )
    with pytest.raises(ProviderError) as caught:
        run(ElevenLabsProvider().speech(SpeechRequest("x"), ctx))
    assert "key for ElevenLabs rejected" in str(caught.value)
    assert "ELEVENLABS_API_KEY" in str(caught.value)
