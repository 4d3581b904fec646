"""Any OpenAI-compatible server (LM Studio, vLLM, llama.cpp server, OpenRouter) by base URL.

Set the base URL (`STUDIO_OPENAI_COMPAT_URL`, default LM Studio's http://localhost:1234/v1) and,
for hosted gateways, a key (`studio keys set openai_compat` or OPENAI_COMPAT_API_KEY). Text and
vision go through `/chat/completions`; with no model named, the first of `GET /models` is used.
Some servers still expect the older `max_tokens` field, so that is what is sent.
"""

from __future__ import annotations

from typing import Any

import httpx

from studio.errors import ProviderError
from studio.providers import keys
from studio.providers.base import Capability, Need, Readiness, TextRequest, TextResult
from studio.providers.remote._base import ChatMixin, LocalServerProvider, json_answer
from studio.providers.remote._chat import chat_completion


class OpenAICompatProvider(ChatMixin, LocalServerProvider):
    id = "openai_compat"
    title = "OpenAI-compatible server"
    capabilities = frozenset({Capability.TEXT, Capability.VISION})
    need = Need.SERVER
    key_optional = True
    probe_path = "/models"
    help = (
        "Any server speaking OpenAI's chat API (LM Studio, vLLM, OpenRouter), by base URL; "
        "vision needs a vision model."
    )

    def __init__(self) -> None:
        self._served: list[str] = []

    def models(self, capability: Capability) -> list[str]:
        return super().models(capability) or list(self._served)

    async def served_models(self) -> list[str]:
        """The model ids the server lists (`GET /models`)."""
        client = await self.aclient()
        answer = await client.request_json("GET", "/models")
        data = answer.get("data") if isinstance(answer, dict) else None
        self._served = [str(m["id"]) for m in data or [] if isinstance(m, dict) and "id" in m]
        return self._served

    def estimate_cost(self, capability: Capability, request: Any) -> float | None:
        """Free on this machine or a private network; a hosted gateway (OpenRouter) bills at
        prices the studio does not know, so there the cost is unknown, not free."""
        return 0.0 if self.self_hosted() else None

    def self_hosted(self) -> bool:
        return _private_host(self.base_url())

    def check_answer(self, response: httpx.Response) -> str | None:
        answer = json_answer(response)
        data = answer.get("data") if isinstance(answer, dict) else None
        if not isinstance(data, list):
            return "/models gave no model list"
        self._served = [str(m["id"]) for m in data if isinstance(m, dict) and "id" in m]
        return None

    async def readiness(self) -> Readiness:
        ready = await super().readiness()
        if ready.ready and keys.get_key(self.id):  # read off the loop by the probe above
            return Readiness(True, ready.state, f"{ready.detail} (with a key)")
        return ready

    async def _model(self, capability: Capability, requested: str | None) -> str:
        if requested:
            return requested
        configured = super().models(capability)
        if configured:
            return configured[0]
        served = await self.served_models()
        if not served:
            raise ProviderError(
                f"the server at {self.base_url()} lists no models; load one", provider=self.id
            )
        return served[0]

    async def _chat(self, capability: Capability, request: TextRequest, ctx: Any) -> TextResult:
        model = await self._model(capability, request.model)
        self.begin(ctx, capability, model)
        ctx.progress(None, f"asking {model}")
        hosted = not self.self_hosted()
        text, usage, _ = await chat_completion(
            await self.aclient(),
            model,
            request,
            ctx,
            token_field="max_tokens",
            # Re-sending a POST a hosted gateway may have billed could pay twice; a local server
            # is stateless, so anything may be retried there.
            retry_unsafe=None if hosted else (lambda response: True),
            accepted=self.on_accept(ctx, capability, request, model) if hosted else None,
        )
        ctx.provenance.update(input_tokens=usage.input_tokens, output_tokens=usage.output_tokens)
        return TextResult(text, dict(ctx.provenance))


def _private_host(url: str) -> bool:
    """Whether a URL's host is this machine or a private network (where nobody bills)."""
    import ipaddress
    from urllib.parse import urlsplit

    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith((".local", ".localhost", ".lan", ".internal")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return "." not in host  # a bare machine name on the local network
    return address.is_private or address.is_loopback or address.is_link_local
