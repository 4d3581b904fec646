"""Google Gemini: text, vision (image in) and image output through `generateContent`.

Contract (shared/provider-contracts.md §8): `x-goog-api-key`; `POST /models/{model}:generateContent`
with `contents[].parts` of `text` and `inline_data` (base64); image output by
`generationConfig.responseModalities: ["TEXT", "IMAGE"]`, read from every part's `inlineData`.
A blocked prompt answers `promptFeedback.blockReason`, maybe with no candidates. A 429 carries a
RetryInfo `retryDelay` ("30s") in `error.details`, honoured like `Retry-After`.

Unverified in the contract: response casing (both camelCase and snake_case are read),
`imageConfig.aspectRatio`, RetryInfo. A 503 (`UNAVAILABLE`: not processed) is retried; other
5xx on a generation are not. A system prompt is sent as the first text part (no
`systemInstruction`, which the contract does not cover). No cancel: the call is synchronous.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from studio.errors import ProviderError
from studio.providers.base import Capability, ImageRequest, MediaResult, TextRequest, TextResult
from studio.providers.costs import Usage
from studio.providers.http import ProviderClient
from studio.providers.remote._base import ChatMixin, RemoteProvider
from studio.providers.remote._media import decode_base64, read_base64, write_media

ASPECTS = ("1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9")


def retry_delay(response: httpx.Response) -> float | None:
    """Seconds from a RetryInfo `retryDelay` like "30s" or "1.5s"."""
    try:
        details = response.json().get("error", {}).get("details", [])
    except (ValueError, AttributeError):
        return None
    for detail in details if isinstance(details, list) else []:
        delay = detail.get("retryDelay") if isinstance(detail, dict) else None
        match = re.fullmatch(r"(\d+(?:\.\d+)?)s", str(delay or ""))
        if match:
            return float(match.group(1))
    return None


def nearest_aspect(width: int, height: int) -> str:
    ratio = width / height
    return min(ASPECTS, key=lambda a: abs(int(a.split(":")[0]) / int(a.split(":")[1]) - ratio))


def _get(data: dict[str, Any], camel: str, snake: str) -> Any:
    return data.get(camel, data.get(snake))


class GeminiProvider(ChatMixin, RemoteProvider):
    id = "gemini"
    title = "Google Gemini"
    capabilities = frozenset({Capability.TEXT, Capability.VISION, Capability.IMAGE})
    help = "Google Gemini: prompt writing, image description, and image generation."
    default_models = {
        Capability.TEXT: ("gemini-2.5-flash", "gemini-2.5-pro"),
        Capability.VISION: ("gemini-2.5-flash", "gemini-2.5-pro"),
        Capability.IMAGE: ("gemini-2.5-flash-image",),
    }

    def auth_headers(self, key: str) -> dict[str, str]:
        return {"x-goog-api-key": key}

    def client(self, base_url: str | None = None, **overrides: Any) -> ProviderClient:
        overrides.setdefault("retry_hint", retry_delay)
        return super().client(base_url, **overrides)

    async def _generate(
        self,
        model: str,
        parts: list[dict[str, Any]],
        config: dict[str, Any],
        accepted: Any = None,
    ) -> dict[str, Any]:
        body = {"contents": [{"role": "user", "parts": parts}], "generationConfig": config}
        client = await self.aclient()
        answer = await client.request_json(
            "POST",
            f"/models/{model}:generateContent",
            json=body,
            retry_unsafe=lambda response: response.status_code == 503,
            not_found=f"model {model!r} not found at Gemini",
            accepted=accepted,
        )
        feedback = _get(answer, "promptFeedback", "prompt_feedback") or {}
        blocked = _get(feedback, "blockReason", "block_reason")
        if blocked:
            raise ProviderError(f"Gemini blocked the prompt ({blocked})", provider=self.id)
        return answer

    def _parts(self, answer: dict[str, Any]) -> list[dict[str, Any]]:
        candidates = answer.get("candidates") or []
        if not candidates:
            raise ProviderError("answered with no candidates", provider=self.id)
        content = candidates[0].get("content") or {}
        parts = content.get("parts") or []
        if not parts:
            reason = _get(candidates[0], "finishReason", "finish_reason") or "no content"
            raise ProviderError(f"answered with nothing ({reason})", provider=self.id)
        return parts

    @staticmethod
    def _usage(answer: dict[str, Any]) -> Usage:
        meta = _get(answer, "usageMetadata", "usage_metadata") or {}
        return Usage(
            input_tokens=int(_get(meta, "promptTokenCount", "prompt_token_count") or 0),
            output_tokens=int(_get(meta, "candidatesTokenCount", "candidates_token_count") or 0),
        )

    # -- text and vision --------------------------------------------------------------------------
    async def _chat(self, capability: Capability, request: TextRequest, ctx: Any) -> TextResult:
        model = self.model_for(capability, request.model)
        parts: list[dict[str, Any]] = []
        if request.system:
            parts.append({"text": request.system})
        for image in request.images:
            mime, data = await ctx.run_cpu(read_base64, image)
            parts.append({"inline_data": {"mime_type": mime, "data": data}})
        parts.append({"text": request.prompt})
        self.begin(ctx, capability, model)
        ctx.progress(None, f"asking {model}")
        answer = await self._generate(
            model,
            parts,
            {"maxOutputTokens": request.max_tokens, "temperature": request.temperature},
            accepted=self.on_accept(ctx, capability, request, model),
        )
        text = "".join(str(p.get("text", "")) for p in self._parts(answer)).strip()
        if not text:
            raise ProviderError("answered without text", provider=self.id)
        ctx.provenance["job_id"] = answer.get("responseId")
        self.charge(ctx, capability, request, model, usage=self._usage(answer), basis="usage")
        return TextResult(text, dict(ctx.provenance))

    # -- images -----------------------------------------------------------------------------------
    async def generate_image(self, request: ImageRequest, ctx: Any) -> MediaResult:
        model = self.model_for(Capability.IMAGE, request.model)
        aspect = nearest_aspect(request.width, request.height)
        self.begin(ctx, Capability.IMAGE, model, aspect_ratio=aspect)
        ctx.progress(None, f"asking {model} for an image")
        answer = await self._generate(
            model,
            [{"text": request.prompt}],
            {"responseModalities": ["TEXT", "IMAGE"], "imageConfig": {"aspectRatio": aspect}},
            # Charged when Google takes the call (an estimate: one image at the listed price).
            accepted=self.on_accept(ctx, Capability.IMAGE, request, model),
        )
        for part in self._parts(answer):
            inline = _get(part, "inlineData", "inline_data")
            if isinstance(inline, dict) and inline.get("data"):
                data = decode_base64(str(inline["data"]), self.id)
                path = await ctx.run_cpu(write_media, data, ctx.scratch, self.id, "image")
                return MediaResult(path, "image", dict(ctx.provenance))
        said = " ".join(str(p.get("text", "")) for p in self._parts(answer)).strip()
        raise ProviderError(
            f"answered without an image{f': {said[:200]}' if said else ''}", provider=self.id
        )
