"""Anthropic Claude: text and vision through the Messages API.

Contract (shared/provider-contracts.md §11): `POST /v1/messages` with `x-api-key` and
`anthropic-version: 2023-06-01`; `model`, `max_tokens`, `messages` (user content = image blocks
`{"type": "image", "source": {"type": "base64", "media_type", "data"}}` then a text block),
optional `system` and `temperature`; answer `content[].text` and `usage`. Retries 429, 5xx and
529 (overloaded), as the official SDK does. Model ids change often: they are a setting
(`options.anthropic.models.text` in the settings file). Synchronous: cancel closes the call.
"""

from __future__ import annotations

from typing import Any

import httpx

from studio.errors import ProviderError
from studio.providers.base import Capability, TextRequest, TextResult
from studio.providers.costs import Usage
from studio.providers.remote._base import ChatMixin, RemoteProvider
from studio.providers.remote._media import read_base64

API_VERSION = "2023-06-01"
IMAGE_TYPES = ("image/png", "image/jpeg", "image/webp", "image/gif")


def retry_create(response: httpx.Response) -> bool:
    return response.status_code == 429 or response.status_code >= 500


class AnthropicProvider(ChatMixin, RemoteProvider):
    id = "anthropic"
    title = "Anthropic"
    capabilities = frozenset({Capability.TEXT, Capability.VISION})
    help = "Anthropic Claude: prompt writing and image description."
    default_models = {
        Capability.TEXT: ("claude-sonnet-4-5", "claude-haiku-4-5"),
        Capability.VISION: ("claude-sonnet-4-5", "claude-haiku-4-5"),
    }

    def auth_headers(self, key: str) -> dict[str, str]:
        return {"x-api-key": key, "anthropic-version": API_VERSION}

    async def _chat(self, capability: Capability, request: TextRequest, ctx: Any) -> TextResult:
        model = self.model_for(capability, request.model)
        content: list[dict[str, Any]] = []
        for image in request.images:
            mime, data = await ctx.run_cpu(read_base64, image)
            if mime not in IMAGE_TYPES:
                raise ProviderError(
                    f"Claude reads PNG, JPEG, WebP or GIF, not {mime}", provider=self.id
                )
            content.append(
                {"type": "image", "source": {"type": "base64", "media_type": mime, "data": data}}
            )
        content.append({"type": "text", "text": request.prompt})
        body: dict[str, Any] = {
            "model": model,
            "max_tokens": request.max_tokens,
            "messages": [{"role": "user", "content": content}],
            "temperature": request.temperature,
        }
        if request.system:
            body["system"] = request.system
        self.begin(ctx, capability, model)
        ctx.progress(None, f"asking {model}")
        client = await self.aclient()
        answer = await client.request_json(
            "POST",
            "/v1/messages",
            json=body,
            retry_unsafe=retry_create,
            not_found=f"model {model!r} not found at Anthropic",
            accepted=self.on_accept(ctx, capability, request, model),
        )
        blocks = answer.get("content") if isinstance(answer, dict) else None
        text = "".join(
            b.get("text", "")
            for b in blocks or []
            if isinstance(b, dict) and b.get("type") == "text"
        ).strip()
        if not text:
            raise ProviderError(
                f"answered without text (stop: {answer.get('stop_reason')})", provider=self.id
            )
        usage = answer.get("usage") or {}
        ctx.provenance["job_id"] = answer.get("id")
        self.charge(
            ctx,
            capability,
            request,
            model,
            basis="usage",
            usage=Usage(
                input_tokens=int(usage.get("input_tokens") or 0),
                output_tokens=int(usage.get("output_tokens") or 0),
            ),
        )
        return TextResult(text, dict(ctx.provenance))
