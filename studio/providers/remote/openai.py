"""OpenAI: gpt-image-1 images, text-to-speech, and chat with image input (enhance, describe).

Contract (shared/provider-contracts.md §4): `Authorization: Bearer`; images
`POST /images/generations` (always base64 `b64_json`; sizes 1024x1024, 1536x1024, 1024x1536);
speech `POST /audio/speech` → raw audio bytes; chat `POST /chat/completions`. Everything is
synchronous: there is no job to cancel, so cancelling a node closes the connection.
Retries follow the official client (408/409/429/5xx, `x-should-retry` wins) except a 429 whose
code is `insufficient_quota`, which no wait will fix. Marked unverified in the contract and
handled defensively here: the chat vision shape, the retry headers and error codes.
"""

from __future__ import annotations

from typing import Any

import httpx

from studio.errors import ProviderError
from studio.providers.base import (
    Capability,
    ImageRequest,
    MediaResult,
    SpeechRequest,
    TextRequest,
    TextResult,
)
from studio.providers.costs import Usage
from studio.providers.http import ProviderClient
from studio.providers.remote._base import ChatMixin, RemoteProvider
from studio.providers.remote._chat import chat_completion
from studio.providers.remote._media import (
    decode_base64,
    dig,
    finish_media,
    scratch_file,
    write_media,
)

VOICES = (
    "alloy",
    "ash",
    "ballad",
    "coral",
    "echo",
    "fable",
    "onyx",
    "nova",
    "sage",
    "shimmer",
    "verse",
    "marin",
    "cedar",
)
IMAGE_SIZES = ((1024, 1024), (1536, 1024), (1024, 1536))
IMAGE_TIMEOUT = 180.0  # gpt-image-1 can take minutes (contracts §4)


def should_retry(response: httpx.Response) -> bool | None:
    """The official client's rules: `x-should-retry` decides; no retry for an empty quota."""
    header = response.headers.get("x-should-retry", "").lower()
    if header in ("true", "false"):
        return header == "true"
    if response.status_code == 429:
        try:
            code = response.json().get("error", {}).get("code")
        except (ValueError, AttributeError):
            code = None
        if code == "insufficient_quota":
            return False
    return None


def retry_create(response: httpx.Response) -> bool:
    """openai-python re-sends its POSTs on 408/409/429/5xx; so do we."""
    return response.status_code in (408, 409, 429) or response.status_code >= 500


def nearest_size(width: int, height: int) -> tuple[int, int]:
    """The gpt-image-1 size whose shape is closest to the asked one."""
    ratio = width / height
    return min(IMAGE_SIZES, key=lambda size: abs(size[0] / size[1] - ratio))


class OpenAIProvider(ChatMixin, RemoteProvider):
    id = "openai"
    title = "OpenAI"
    capabilities = frozenset(
        {Capability.IMAGE, Capability.SPEECH, Capability.TEXT, Capability.VISION}
    )
    help = "OpenAI: gpt-image-1 images, text-to-speech voices, GPT chat for prompts and vision."
    default_models = {
        Capability.IMAGE: ("gpt-image-1",),
        Capability.SPEECH: ("gpt-4o-mini-tts", "tts-1", "tts-1-hd"),
        Capability.TEXT: ("gpt-4o-mini", "gpt-4o", "gpt-4.1-mini"),
        Capability.VISION: ("gpt-4o-mini", "gpt-4o"),
    }

    def client(self, base_url: str | None = None, **overrides: Any) -> ProviderClient:
        overrides.setdefault("should_retry", should_retry)
        return super().client(base_url, **overrides)

    # -- images -----------------------------------------------------------------------------------
    async def generate_image(self, request: ImageRequest, ctx: Any) -> MediaResult:
        model = self.model_for(Capability.IMAGE, request.model)
        width, height = nearest_size(request.width, request.height)
        body = {
            "model": model,
            "prompt": request.prompt,
            "n": 1,
            "size": f"{width}x{height}",
            "quality": "medium",
            "output_format": "png",
        }
        client = await self.aclient()
        self.begin(ctx, Capability.IMAGE, model, size=f"{width}x{height}")
        ctx.progress(None, "waiting for OpenAI")
        answer = await client.request_json(
            "POST",
            "/images/generations",
            json=body,
            timeout=IMAGE_TIMEOUT,
            retry_unsafe=retry_create,
            not_found=f"model {model!r} not found at OpenAI",
            accepted=self.on_accept(ctx, Capability.IMAGE, request, model),
        )
        encoded = dig(answer, "data", 0, "b64_json", provider=self.id, what="an image")
        data = decode_base64(encoded, self.id)
        path = await ctx.run_cpu(write_media, data, ctx.scratch, self.id, "image")
        return MediaResult(path, "image", dict(ctx.provenance))

    def usage(self, capability: Capability, request: Any) -> Usage:
        usage = super().usage(capability, request)
        if capability is Capability.IMAGE:
            width, height = nearest_size(request.width, request.height)
            return Usage(size=f"{width}x{height}")
        return usage

    # -- speech -----------------------------------------------------------------------------------
    async def speech(self, request: SpeechRequest, ctx: Any) -> MediaResult:
        model = self.model_for(Capability.SPEECH, request.model)
        voice = request.voice.lower() if request.voice.lower() in VOICES else "alloy"
        body = {
            "model": model,
            "input": request.text[:4096],
            "voice": voice,
            "response_format": "mp3",
            "speed": max(0.25, min(4.0, request.rate)),
        }
        client = await self.aclient()
        self.begin(ctx, Capability.SPEECH, model, voice=voice)
        if len(request.text) > 4096:
            raise ProviderError(
                "OpenAI speech takes at most 4096 characters; split the text", provider=self.id
            )
        done = await client.download(
            "/audio/speech",
            scratch_file(ctx.scratch, self.id),
            method="POST",
            auth=True,
            json=body,
            retry_unsafe=retry_create,
            not_found=f"model {model!r} not found at OpenAI",
            accepted=self.on_accept(ctx, Capability.SPEECH, request, model),
        )
        path = finish_media(done.path, "audio", self.id, done.content_type)
        return MediaResult(path, "audio", dict(ctx.provenance))

    # -- text and vision --------------------------------------------------------------------------
    async def _chat(self, capability: Capability, request: TextRequest, ctx: Any) -> TextResult:
        model = self.model_for(capability, request.model)
        client = await self.aclient()
        self.begin(ctx, capability, model)
        text, usage, answer = await chat_completion(
            client,
            model,
            request,
            ctx,
            retry_unsafe=retry_create,
            accepted=self.on_accept(ctx, capability, request, model),
        )
        ctx.provenance["job_id"] = answer.get("id")
        self.charge(ctx, capability, request, model, usage=usage, basis="usage")
        return TextResult(text, dict(ctx.provenance))
