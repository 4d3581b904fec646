"""Cost estimates from the dated price table, per node and per provider."""

from __future__ import annotations

import datetime as dt

import pytest

from studio.providers import costs
from studio.providers.base import (
    Capability,
    ImageRequest,
    SpeechRequest,
    TextRequest,
    VideoRequest,
)
from studio.providers.remote import PROVIDERS
from studio.providers.remote.fal import FalProvider


def test_the_table_is_dated_and_every_paid_provider_cites_a_source():
    table = costs.price_table()
    as_of = dt.date.fromisoformat(table["as_of"])
    assert f"list prices as of {as_of.isoformat()}, verify" in table["note"]
    for provider in PROVIDERS:
        entry = table["providers"][provider.id]
        if entry.get("free") or entry.get("free_when_self_hosted"):
            continue
        assert "list prices as of" in entry["source"] and "verify" in entry["source"]
        assert entry["source"].split()[0].startswith("https://")


# Default models we found no list price for: their estimate is unknown, and says so.
UNPRICED_DEFAULTS = {("replicate", "google/lyria-2")}


def test_every_default_model_of_a_paid_provider_has_a_price_or_is_knowingly_unpriced():
    unpriced = set()
    for provider in PROVIDERS:
        if costs.is_free(provider.id):
            continue
        for capability in provider.capabilities:
            for model in provider.models(capability):
                if costs.price_entry(provider.id, model, capability) is None:
                    unpriced.add((provider.id, model))
    assert unpriced == UNPRICED_DEFAULTS


@pytest.mark.parametrize(
    ("spec", "capability", "params", "label", "reason"),
    [
        # A named model missing from the table: no guessed "fallback" price.
        (
            "image.generate",
            "image",
            {"provider": "openai", "model": "dall-e-3"},
            "openai dall-e-3",
            "no listed price for dall-e-3",
        ),
        (
            "image.generate",
            "image",
            {"provider": "fal", "model": "fal-ai/some-new-model"},
            "fal fal-ai/some-new-model",
            "no listed price for fal-ai/some-new-model",
        ),
        (
            "text.enhance",
            "text",
            {"provider": "anthropic", "model": "claude-3-opus"},
            "anthropic claude-3-opus",
            "no listed price for claude-3-opus",
        ),
        (
            "audio.music",
            "music",
            {"provider": "replicate"},
            "replicate google/lyria-2",
            "no listed price for google/lyria-2",
        ),
        ("image.generate", "image", {"provider": "nobody"}, "nobody", "unknown provider 'nobody'"),
        (
            "x.unknown",
            None,
            {"provider": "fal"},
            "fal",
            "x.unknown has no known capability",
        ),
        ("image.generate", "hologram", {"provider": "fal"}, "fal", "unknown capability"),
        (
            "image.generate",
            "image",
            {"provider": "anthropic"},
            "anthropic",
            "anthropic does not offer image",
        ),
    ],
)
def test_an_unknown_price_is_unknown_and_names_what_has_no_price(
    spec, capability, params, label, reason
):
    cost = costs.node_cost(spec, capability, params)
    assert cost.usd is None and cost.unknown
    assert cost.label == label
    assert reason in cost.reason
    assert costs.estimate_node_cost(spec, capability, params) is None


def test_known_and_free_costs_name_their_provider_and_model():
    cost = costs.node_cost("image.generate", "image", {"provider": "openai", "width": 1024})
    assert (cost.usd, cost.label, cost.unknown) == (0.042, "openai gpt-image-1", False)
    free = costs.node_cost("image.generate", "image", {"provider": "comfyui"})
    assert free.usd == 0.0 and not free.unknown
    assert costs.node_cost("image.generate", "image", {}).usd == 0.0


def test_a_provider_estimate_for_an_unpriced_model_is_none_not_zero():
    fal = FalProvider()
    assert fal.estimate_cost(Capability.IMAGE, ImageRequest("x", model="fal-ai/new")) is None
    openai = next(p for p in PROVIDERS if p.id == "openai")
    assert openai.estimate_cost(Capability.IMAGE, ImageRequest("x", model="dall-e-3")) is None
    assert openai.estimate_cost(Capability.TEXT, TextRequest("x", model="o9-ultra")) is None


@pytest.mark.parametrize(
    ("spec", "capability", "params", "expected"),
    [
        ("image.generate", "image", {"provider": "fal", "width": 1024, "height": 1024}, 0.04),
        ("image.generate", "image", {"provider": "fal", "width": 2048, "height": 2048}, 0.16),
        (
            "image.generate",
            "image",
            {"provider": "fal", "model": "fal-ai/flux/schnell", "width": 1024, "height": 768},
            0.003,
        ),
        ("image.generate", "image", {"provider": "openai", "width": 1920, "height": 1080}, 0.063),
        ("image.generate", "image", {"provider": "bfl", "size": "1440x810"}, 0.04),
        ("image.generate", "image", {"provider": "offline"}, 0.0),
        ("image.generate", "image", {"provider": "comfyui"}, 0.0),
        ("video.from_image", "video", {"provider": "fal", "duration": 10.0}, 0.70),
        ("video.from_image", "video", {"provider": "fal", "duration": 6.0}, 0.35),
        ("video.from_image", "video", {"provider": "replicate", "duration": 5.0}, 0.25),
        ("audio.music", "music", {"provider": "elevenlabs", "duration": 60.0}, 0.80),
        ("audio.music", "music", {"provider": "fal", "duration": 30.0}, 0.02),
        ("audio.speech", "speech", {"provider": "elevenlabs"}, 0.09),
        (
            "audio.speech",
            "speech",
            {"provider": "openai", "model": "tts-1", "text": "x" * 2000},
            0.03,
        ),
        ("text.enhance", "text", {"provider": "ollama"}, 0.0),
        ("text.enhance", None, {"provider": "anthropic", "max_tokens": 300}, 0.0054),
    ],
)
def test_estimate_node_cost(spec, capability, params, expected):
    assert costs.estimate_node_cost(spec, capability, params) == pytest.approx(expected)


def test_vision_nodes_count_the_image_and_unknowns_are_none():
    cost = costs.estimate_node_cost("image.describe", "vision", {"provider": "openai"})
    # 1200 assumed prompt chars (300 tokens) + one image (1100 tokens) in, 400 out, gpt-4o-mini.
    assert cost == pytest.approx((1400 * 0.15 + 400 * 0.6) / 1e6)
    assert costs.estimate_node_cost("image.generate", "image", {"provider": "nobody"}) is None
    assert costs.estimate_node_cost("x.unknown", None, {"provider": "fal"}) is None
    assert costs.estimate_node_cost("image.generate", "image", {}) == 0.0


def test_provider_estimates_match_the_node_estimates():
    fal = FalProvider()
    assert fal.estimate_cost(Capability.IMAGE, ImageRequest("x", 1024, 576)) == 0.04
    assert fal.estimate_cost(Capability.VIDEO, VideoRequest(image=None, duration=12)) == 0.7
    eleven = next(p for p in PROVIDERS if p.id == "elevenlabs")
    assert eleven.estimate_cost(Capability.SPEECH, SpeechRequest("y" * 1000)) == 0.1
    replicate = next(p for p in PROVIDERS if p.id == "replicate")
    assert replicate.estimate_cost(Capability.SPEECH, SpeechRequest("hi")) is None  # no model


def test_units():
    usage = costs.Usage(
        images=2, megapixels=1.5, seconds=90, chars=2500, input_tokens=10**6, output_tokens=10**6
    )
    assert costs.cost_of({"unit": "megapixel", "usd": 0.04}, usage) == pytest.approx(0.16)
    assert costs.cost_of({"unit": "minute", "usd": 0.8}, usage) == pytest.approx(1.2)
    assert costs.cost_of({"unit": "1k_chars", "usd": 0.1}, usage) == pytest.approx(0.25)
    assert costs.cost_of({"unit": "token", "input_per_mtok": 3, "output_per_mtok": 15}, usage) == 18
    with pytest.raises(ValueError, match="unknown price unit"):
        costs.cost_of({"unit": "furlong", "usd": 1}, usage)
