"""Cost estimates from one dated price table (`prices.json`: list prices as of its date, verify).

Before a run, `studio render` asks `estimate_node_cost` for every node that will really run and
refuses a run over `--max-cost`. After a call, a provider puts `cost_usd` into the node's
provenance (computed from the usage the service reports where it does, else estimated), failed
paid calls included, and the run history sums it.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from studio.providers.base import (
    Capability,
    ImageRequest,
    MusicRequest,
    SpeechRequest,
    TextRequest,
    VideoRequest,
)

PRICES_FILE = Path(__file__).with_name("prices.json")

# Before a run the text a speech or LLM node will receive is often still unknown (it comes from
# upstream nodes). These stand in for it: about a minute of narration, a paragraph of prompt.
ASSUMED_SPEECH_CHARS = 900
ASSUMED_PROMPT_CHARS = 1200
TOKENS_PER_IMAGE_INPUT = 1100  # one image in a vision request, roughly, across services
CHARS_PER_TOKEN = 4

# Which capability a built-in node's provider serves, when the caller does not say.
NODE_CAPABILITIES = {
    "image.generate": Capability.IMAGE,
    "video.from_image": Capability.VIDEO,
    "audio.speech": Capability.SPEECH,
    "audio.music": Capability.MUSIC,
    "image.describe": Capability.VISION,
    "text.enhance": Capability.TEXT,
}


@dataclass(frozen=True)
class Usage:
    """What one call consumes, in the units prices are quoted in."""

    images: int = 1
    megapixels: float = 1.0
    size: str = ""  # "1536x1024", for per-size prices
    seconds: float = 0.0  # of output media
    chars: int = 0
    input_tokens: int = 0
    output_tokens: int = 0


@lru_cache(maxsize=1)
def price_table() -> dict[str, Any]:
    """The dated price table."""
    return json.loads(PRICES_FILE.read_text("utf-8"))


def prices_as_of() -> str:
    return str(price_table()["as_of"])


def is_free(provider: str) -> bool:
    entry = price_table()["providers"].get(provider)
    return bool(entry and entry.get("free"))


def price_entry(provider: str, model: str, capability: Capability) -> dict[str, Any] | None:
    """The listed price of a model, or None when the table has none.

    There is deliberately no per-capability fallback: prices of one provider's models differ
    tenfold (fal's video models run from a few cents to half a dollar a second), so a guessed
    price for a model we never priced would print as an estimate, pass `--max-cost` and then
    bill something else. A named model without a price is unknown, and the user is told so.
    """
    entry = price_table()["providers"].get(provider)
    if not entry:
        return None
    models = entry.get("models", {})
    if model in models:
        return models[model]
    # "owner/name:version" (Replicate) is priced as its model.
    base = model.split(":", 1)[0]
    return models.get(base)


def cost_of(entry: dict[str, Any], usage: Usage) -> float:
    """Dollars for a usage under one price entry."""
    unit = entry["unit"]
    if unit == "image":
        return entry.get("usd_by_size", {}).get(usage.size, entry["usd"]) * usage.images
    if unit == "megapixel":
        # Priced per started megapixel per image.
        return entry["usd"] * max(1, math.ceil(usage.megapixels - 1e-9)) * usage.images
    if unit == "second":
        return entry["usd"] * usage.seconds
    if unit == "minute":
        return entry["usd"] * usage.seconds / 60
    if unit == "call":
        return float(entry["usd"])
    if unit == "1k_chars":
        return entry["usd"] * usage.chars / 1000
    if unit == "1m_chars":
        return entry["usd"] * usage.chars / 1_000_000
    if unit == "token":
        return (
            entry["input_per_mtok"] * usage.input_tokens
            + entry["output_per_mtok"] * usage.output_tokens
        ) / 1_000_000
    raise ValueError(f"unknown price unit {unit!r}")


def estimate(provider: str, model: str, capability: Capability, usage: Usage) -> float | None:
    """Dollars for one call (to a millionth); 0 when free; None when unknown."""
    if is_free(provider):
        return 0.0
    entry = price_entry(provider, model, capability)
    if entry is None:
        return None
    return round(cost_of(entry, usage), 6)


def format_usd(amount: float) -> str:
    """Dollars with enough digits to compare: $0.48, $0.0035, $0.000012 (never $0.00 for a cost)."""
    if amount == 0:
        return "$0.00"
    if abs(amount) >= 0.1:
        return f"${amount:.2f}"
    # Two significant digits below ten cents ($0.048, $0.0035), never fewer than cents ($0.04).
    digits = 1
    while abs(amount) < 10**-digits and digits < 8:
        digits += 1
    sign = "-" if amount < 0 else ""
    text = f"{abs(amount):.{digits + 1}f}".rstrip("0")
    whole, _, cents = text.partition(".")
    return f"{sign}${whole}.{cents.ljust(2, '0')}"


def usage_for(capability: Capability, request: Any) -> Usage:
    """What a request will consume, from its fields (the generic reading; providers refine it)."""
    if isinstance(request, ImageRequest):
        # fal counts a 1024x1024 image as one megapixel, so a megapixel here is 1024*1024.
        return Usage(
            megapixels=request.width * request.height / (1024 * 1024),
            size=f"{request.width}x{request.height}",
        )
    if isinstance(request, VideoRequest):
        return Usage(seconds=request.duration)
    if isinstance(request, MusicRequest):
        return Usage(seconds=request.duration)
    if isinstance(request, SpeechRequest):
        chars = len(request.text)
        # About 15 characters a second of speech: for services billing by minute.
        return Usage(chars=chars, seconds=chars / 15)
    if isinstance(request, TextRequest):
        tokens = (len(request.prompt) + len(request.system)) // CHARS_PER_TOKEN
        return Usage(
            input_tokens=tokens + TOKENS_PER_IMAGE_INPUT * len(request.images),
            output_tokens=request.max_tokens,
        )
    return Usage()


# -- before a run: from a node's params ----------------------------------------------------------
def request_from_params(capability: Capability, params: dict[str, Any]) -> Any:
    """The request a node will most likely send, built from its params alone."""
    model = params.get("model") or None
    if capability is Capability.IMAGE:
        width, height = _size(params)
        return ImageRequest(prompt="", width=width, height=height, model=model)
    if capability is Capability.VIDEO:
        return VideoRequest(
            image=Path(), duration=_number(params, ("duration", "seconds"), 5.0), model=model
        )
    if capability is Capability.MUSIC:
        return MusicRequest(
            prompt="", duration=_number(params, ("duration", "seconds"), 30.0), model=model
        )
    if capability is Capability.SPEECH:
        text = params.get("text") if isinstance(params.get("text"), str) else ""
        return SpeechRequest(text=text or "x" * ASSUMED_SPEECH_CHARS, model=model)
    images = (Path(),) if capability is Capability.VISION else ()
    return TextRequest(
        prompt="x" * ASSUMED_PROMPT_CHARS,
        images=images,
        model=model,
        max_tokens=int(_number(params, ("max_tokens",), 400)),
    )


def _number(params: dict[str, Any], names: tuple[str, ...], default: float) -> float:
    for name in names:
        value = params.get(name)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
            return float(value)
    return default


def _size(params: dict[str, Any]) -> tuple[int, int]:
    width, height = params.get("width"), params.get("height")
    if isinstance(width, int) and isinstance(height, int) and width > 0 and height > 0:
        return width, height
    size = params.get("size")
    if isinstance(size, str) and "x" in size:
        w, _, h = size.lower().partition("x")
        if w.strip().isdigit() and h.strip().isdigit():
            return int(w), int(h)
    return 1024, 1024


def _find_provider(provider_id: str) -> Any:
    try:
        from studio.providers.remote import PROVIDERS
    except ImportError:
        return None
    return next((p for p in PROVIDERS if p.id == provider_id), None)


@dataclass(frozen=True)
class NodeCost:
    """What one node will cost if it runs. `usd` is 0.0 when free and None when unknown.

    For an unknown price, `provider` and `model` name what has no price (`label`: "openai
    dall-e-3") and `reason` says why in words ("no listed price for dall-e-3").
    """

    usd: float | None
    provider: str = ""
    model: str = ""
    reason: str = ""

    @property
    def unknown(self) -> bool:
        return self.usd is None

    @property
    def label(self) -> str:
        """The provider and model, "openai dall-e-3" (just the provider when no model is known)."""
        return f"{self.provider} {self.model}".strip()


def node_cost(spec_id: str, capability: str | None, params: dict[str, Any]) -> NodeCost:
    """What one node will cost if it runs: `NodeCost(usd, provider, model, reason)`.

    Uses params["provider"], params.get("model"), and width/height/size, duration and text
    params where the node has them. A node without a provider param, the offline engines and
    self-hosted servers are free (0.0); an unknown provider, capability or model, or a model
    missing from the price table, is unknown (usd None), never 0.
    """
    provider_id = str(params.get("provider") or "")
    if not provider_id or provider_id == "offline" or is_free(provider_id):
        return NodeCost(0.0, provider_id or "offline")
    if capability is None:
        cap = NODE_CAPABILITIES.get(spec_id)
        if cap is None:
            return NodeCost(None, provider_id, "", f"{spec_id} has no known capability")
    else:
        try:
            cap = Capability(capability)
        except ValueError:
            return NodeCost(None, provider_id, "", f"unknown capability {capability!r}")
    provider = _find_provider(provider_id)
    if provider is None:
        return NodeCost(None, provider_id, "", f"unknown provider {provider_id!r}")
    # image.describe's provider serves VISION even when the node declares its param as TEXT.
    if spec_id == "image.describe" and Capability.VISION in provider.capabilities:
        cap = Capability.VISION
    model = _model_named(provider, cap, params)
    if cap not in provider.capabilities:
        return NodeCost(None, provider_id, model, f"{provider_id} does not offer {cap.value}")
    usd = provider.estimate_cost(cap, request_from_params(cap, params))
    if usd is None:
        why = f"no listed price for {model}" if model else f"no model named for {cap.value}"
        return NodeCost(None, provider_id, model, why)
    return NodeCost(usd, provider_id, model)


def _model_named(provider: Any, capability: Capability, params: dict[str, Any]) -> str:
    requested = params.get("model")
    if isinstance(requested, str) and requested.strip():
        return requested.strip()
    models = provider.models(capability) if capability in provider.capabilities else []
    return models[0] if models else ""


def estimate_node_cost(
    spec_id: str, capability: str | None, params: dict[str, Any]
) -> float | None:
    """Estimated dollars one node will cost if it runs; 0.0 when free; None when unknown.

    `node_cost(...).usd`; call `node_cost` to learn what an unknown price is of.
    """
    return node_cost(spec_id, capability, params).usd
