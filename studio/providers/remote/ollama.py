"""Ollama (local): text and vision models, streamed as NDJSON.

Contract (shared/provider-contracts.md §6): no auth; `POST /api/chat` with `messages` (images as
bare base64 in `images`), `options` and `stream: true` answers one JSON object per line
(`message.content` pieces) until `done: true`; an error mid-stream is a line `{"error": ...}`
while the HTTP status stays 200. `GET /api/tags` lists the installed models. Cancelling closes
the stream, which stops the generation (no cancel endpoint; unverified that the server stops at
once).
"""

from __future__ import annotations

import json
import time
from typing import Any

import httpx

from studio.providers.base import Capability, Readiness, TextRequest, TextResult
from studio.providers.remote._base import ChatMixin, LocalServerProvider, json_answer
from studio.providers.remote._media import read_base64

PREVIEW_EVERY = 0.25  # seconds between previews of the text as it streams


class OllamaProvider(ChatMixin, LocalServerProvider):
    id = "ollama"
    title = "Ollama"
    capabilities = frozenset({Capability.TEXT, Capability.VISION})
    probe_path = "/api/tags"
    help = "Ollama on this machine or another (STUDIO_OLLAMA_URL): local LLMs and vision, free."
    default_models = {
        Capability.TEXT: ("llama3.2", "qwen2.5", "mistral"),
        Capability.VISION: ("llama3.2-vision", "llava", "qwen2.5vl"),
    }

    def __init__(self) -> None:
        self._installed: list[str] = []

    def models(self, capability: Capability) -> list[str]:
        models = super().models(capability)
        return models + [m for m in self._installed if m not in models]

    async def installed(self) -> list[str]:
        """Names of the models the server has pulled (`GET /api/tags`)."""
        client = await self.aclient()
        answer = await client.request_json("GET", "/api/tags")
        self._installed = _model_names(answer) or []
        return self._installed

    def check_answer(self, response: httpx.Response) -> str | None:
        names = _model_names(json_answer(response))
        if names is None:
            return "/api/tags gave no model list"
        self._installed = names
        return None

    async def readiness(self) -> Readiness:
        ready = await super().readiness()
        if not ready.ready:
            return ready
        names = self._installed
        listed = ", ".join(names[:5]) + (" ..." if len(names) > 5 else "")
        return Readiness(True, ready.state, f"{ready.detail}: {listed or 'no models yet'}")

    async def _chat(self, capability: Capability, request: TextRequest, ctx: Any) -> TextResult:
        model = self.model_for(capability, request.model)
        messages: list[dict[str, Any]] = []
        if request.system:
            messages.append({"role": "system", "content": request.system})
        user: dict[str, Any] = {"role": "user", "content": request.prompt}
        if request.images:
            user["images"] = [
                (await ctx.run_cpu(read_base64, image))[1] for image in request.images
            ]
        messages.append(user)
        body = {
            "model": model,
            "messages": messages,
            "stream": True,
            "options": {"temperature": request.temperature, "num_predict": request.max_tokens},
        }
        self.begin(ctx, capability, model)
        ctx.progress(None, f"{model} is thinking")
        client = await self.aclient()
        response = await client.send(
            "POST",
            "/api/chat",
            json=body,
            stream=True,
            retry_unsafe=lambda r: True,  # local and stateless: nothing is bought twice
            not_found=f"model {model!r} not found; pull it with `ollama pull {model}`",
        )
        pieces: list[str] = []
        final: dict[str, Any] = {}
        last_preview = time.monotonic()
        try:
            async for line in response.aiter_lines():
                if not line.strip():
                    continue
                try:
                    chunk = json.loads(line)
                except ValueError:
                    raise client.error("sent a line that is not JSON in its stream") from None
                if "error" in chunk:
                    raise client.error(f"stopped: {chunk['error']}")
                pieces.append(str((chunk.get("message") or {}).get("content", "")))
                if time.monotonic() - last_preview > PREVIEW_EVERY:
                    last_preview = time.monotonic()
                    ctx.preview("".join(pieces))
                if chunk.get("done"):
                    final = chunk
                    break
        except httpx.TimeoutException:
            raise client.error(f"{model} stopped answering mid-stream", retryable=True) from None
        except (httpx.RemoteProtocolError, httpx.ReadError):
            raise client.error("the stream broke off before the answer was done") from None
        finally:
            await response.aclose()
        if not final:
            raise client.error("the stream ended before the answer was done")
        text = "".join(pieces).strip()
        if not text:
            raise client.error(f"{model} answered with nothing")
        ctx.provenance.update(
            input_tokens=final.get("prompt_eval_count"), output_tokens=final.get("eval_count")
        )
        return TextResult(text, dict(ctx.provenance))


def _model_names(answer: Any) -> list[str] | None:
    """The model names of a `/api/tags` answer, or None when it is not one."""
    models = answer.get("models") if isinstance(answer, dict) else None
    if not isinstance(models, list):
        return None
    return [str(m["name"]) for m in models if isinstance(m, dict) and m.get("name")]
