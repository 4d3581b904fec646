"""OpenAI-style chat completions with image input, shared by OpenAI and compatible servers.

Shape (shared/provider-contracts.md §4, marked there as from memory): `POST /chat/completions`
with `messages` whose user content is a list of `{"type": "text"}` and
`{"type": "image_url", "image_url": {"url": "data:<mime>;base64,..."}}` parts; the answer is
`choices[0].message.content` plus `usage.prompt_tokens` / `completion_tokens`.
"""

from __future__ import annotations

from typing import Any

from studio.errors import ProviderError
from studio.providers.base import TextRequest
from studio.providers.costs import Usage
from studio.providers.http import ProviderClient
from studio.providers.remote._media import data_uri, dig


async def chat_messages(request: TextRequest, ctx: Any) -> list[dict[str, Any]]:
    """The messages of a request: an optional system message and one user message."""
    messages: list[dict[str, Any]] = []
    if request.system:
        messages.append({"role": "system", "content": request.system})
    if request.images:
        parts: list[dict[str, Any]] = [{"type": "text", "text": request.prompt}]
        for image in request.images:
            uri = await ctx.run_cpu(data_uri, image)
            parts.append({"type": "image_url", "image_url": {"url": uri, "detail": "auto"}})
        messages.append({"role": "user", "content": parts})
    else:
        messages.append({"role": "user", "content": request.prompt})
    return messages


async def chat_completion(
    client: ProviderClient,
    model: str,
    request: TextRequest,
    ctx: Any,
    *,
    token_field: str = "max_completion_tokens",
    retry_unsafe: Any = None,
    accepted: Any = None,
) -> tuple[str, Usage, dict[str, Any]]:
    """(text, usage, raw answer) of one chat completion; `accepted` as in `ProviderClient.send`."""
    body: dict[str, Any] = {
        "model": model,
        "messages": await chat_messages(request, ctx),
        token_field: request.max_tokens,
        "temperature": request.temperature,
    }
    answer = await client.request_json(
        "POST",
        "/chat/completions",
        json=body,
        retry_unsafe=retry_unsafe,
        not_found=f"model {model!r} not found at {client.title}",
        accepted=accepted,
    )
    choice = dig(answer, "choices", 0, "message", provider=client.provider, what="an answer")
    text = choice.get("content") if isinstance(choice, dict) else None
    if isinstance(text, list):  # some servers answer with content parts
        text = "".join(p.get("text", "") for p in text if isinstance(p, dict))
    if not isinstance(text, str) or not text.strip():
        refusal = choice.get("refusal") if isinstance(choice, dict) else None
        raise ProviderError(
            f"answered without text{f': {refusal}' if refusal else ''}", provider=client.provider
        )
    usage = answer.get("usage") or {}
    return (
        text.strip(),
        Usage(
            input_tokens=int(usage.get("prompt_tokens") or 0),
            output_tokens=int(usage.get("completion_tokens") or 0),
        ),
        answer,
    )
