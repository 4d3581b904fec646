"""ElevenLabs: text-to-speech with the account's own voices, and Eleven Music.

Contract (shared/provider-contracts.md §3): `xi-api-key`; voices `GET /v1/voices`; speech
`POST /v1/text-to-speech/{voice_id}?output_format=mp3_44100_128` with `text`, `model_id` and
optional `voice_settings`, answering raw audio; music `POST /v1/music?output_format=...` with
`prompt`, `music_length_ms`, `model_id`, answering raw audio. Both are synchronous: there is no
job to cancel, so cancelling closes the connection. A 429 (`too_many_concurrent_requests` or
`system_busy`) did not start anything and is retried with backoff; the per-plan concurrency cap
is why this provider's default limit is 2.

Unverified in the contract: the `voice_settings.speed` range (0.7–1.2 is what ElevenLabs'
docs show), `seed` on music, the music length bounds (clamped to 10 s – 5 min here).
"""

from __future__ import annotations

import time
from typing import Any

from studio.errors import ProviderError
from studio.providers.base import Capability, MediaResult, MusicRequest, SpeechRequest
from studio.providers.costs import Usage
from studio.providers.http import ProviderClient
from studio.providers.remote._base import RemoteProvider
from studio.providers.remote._media import finish_media, scratch_file

OUTPUT_FORMAT = "mp3_44100_128"
VOICES_TTL = 600.0  # seconds the account's voice list is reused
MUSIC_TIMEOUT = 300.0  # a song takes a while to compose


class ElevenLabsProvider(RemoteProvider):
    id = "elevenlabs"
    title = "ElevenLabs"
    capabilities = frozenset({Capability.SPEECH, Capability.MUSIC})
    help = "ElevenLabs: natural speech in your account's voices, and Eleven Music."
    default_models = {
        Capability.SPEECH: (
            "eleven_multilingual_v2",
            "eleven_flash_v2_5",
            "eleven_turbo_v2_5",
            "eleven_v3",
        ),
        Capability.MUSIC: ("music_v1",),
    }

    def __init__(self) -> None:
        self._voices: dict[str, tuple[float, list[dict[str, Any]]]] = {}

    def auth_headers(self, key: str) -> dict[str, str]:
        return {"xi-api-key": key}

    async def voices(self, client: ProviderClient | None = None) -> list[dict[str, Any]]:
        """The account's voices (`voice_id`, `name`, ...), cached for a few minutes."""
        client = client or await self.aclient()
        cached = self._voices.get(client.base_url)
        if cached and time.monotonic() - cached[0] < VOICES_TTL:
            return cached[1]
        answer = await client.request_json("GET", "/v1/voices")
        voices = [v for v in answer.get("voices", []) if isinstance(v, dict) and "voice_id" in v]
        self._voices[client.base_url] = (time.monotonic(), voices)
        return voices

    async def _voice_id(self, client: ProviderClient, wanted: str, ctx: Any) -> tuple[str, str]:
        voices = await self.voices(client)
        if not voices:
            raise ProviderError(
                "your ElevenLabs account has no voices; add one on elevenlabs.io", provider=self.id
            )
        for voice in voices:
            if wanted and wanted in (voice["voice_id"], str(voice.get("name", ""))):
                return voice["voice_id"], str(voice.get("name", ""))
        lowered = wanted.lower()
        for voice in voices:
            if lowered and str(voice.get("name", "")).lower().startswith(lowered):
                return voice["voice_id"], str(voice.get("name", ""))
        first = voices[0]
        if wanted:
            ctx.log(
                f"voice {wanted!r} is not one of your ElevenLabs voices; using "
                f"{first.get('name', first['voice_id'])!r}"
            )
        return first["voice_id"], str(first.get("name", ""))

    async def speech(self, request: SpeechRequest, ctx: Any) -> MediaResult:
        model = self.model_for(Capability.SPEECH, request.model)
        client = await self.aclient()
        voice_id, voice_name = await self._voice_id(client, request.voice, ctx)
        body: dict[str, Any] = {"text": request.text, "model_id": model}
        if abs(request.rate - 1.0) > 1e-6:
            body["voice_settings"] = {"speed": max(0.7, min(1.2, request.rate))}
        self.begin(ctx, Capability.SPEECH, model, voice=voice_name or voice_id)
        ctx.progress(None, f"speaking as {voice_name or voice_id}")
        done = await client.download(
            f"/v1/text-to-speech/{voice_id}",
            scratch_file(ctx.scratch, self.id),
            method="POST",
            auth=True,
            json=body,
            params={"output_format": OUTPUT_FORMAT},
            not_found=f"voice {voice_id!r} or model {model!r} not found at ElevenLabs",
            accepted=self.on_accept(ctx, Capability.SPEECH, request, model),
        )
        path = finish_media(done.path, "audio", self.id, done.content_type)
        return MediaResult(path, "audio", dict(ctx.provenance))

    async def music(self, request: MusicRequest, ctx: Any) -> MediaResult:
        model = self.model_for(Capability.MUSIC, request.model)
        seconds = max(10.0, min(300.0, request.duration))
        prompt = request.prompt + (f", {request.tempo} BPM" if request.tempo else "")
        body: dict[str, Any] = {
            "prompt": prompt,
            "music_length_ms": int(seconds * 1000),
            "model_id": model,
        }
        if request.seed:
            body["seed"] = request.seed
        client = await self.aclient()
        self.begin(ctx, Capability.MUSIC, model)
        ctx.progress(None, f"composing {seconds:g} s of music")
        done = await client.download(
            "/v1/music",
            scratch_file(ctx.scratch, self.id),
            method="POST",
            auth=True,
            json=body,
            params={"output_format": OUTPUT_FORMAT},
            timeout=MUSIC_TIMEOUT,
            not_found=f"model {model!r} not found at ElevenLabs",
            accepted=self.on_accept(ctx, Capability.MUSIC, request, model),
        )
        path = finish_media(done.path, "audio", self.id, done.content_type)
        return MediaResult(path, "audio", dict(ctx.provenance, duration=seconds))

    def usage(self, capability: Capability, request: Any) -> Usage:
        usage = super().usage(capability, request)
        if capability is Capability.MUSIC:
            from dataclasses import replace

            return replace(usage, seconds=max(10.0, min(300.0, request.duration)))
        return usage
