"""Provider settings: env over file over defaults; no secrets in the file; limits applied."""

from __future__ import annotations

import json

import pytest

from studio.providers import settings
from studio.providers.base import Provider
from studio.providers.registry import ProviderRegistry
from studio.providers.settings import SettingsError


def test_defaults_come_from_the_contracts():
    assert settings.base_url("fal") == "https://queue.fal.run"
    assert settings.base_url("ollama") == "http://localhost:11434"
    assert settings.base_urls("comfyui") == ["http://127.0.0.1:8188"]


def test_env_beats_the_file_and_a_list_makes_a_pool(monkeypatch):
    settings.set_base_url("fal", "http://proxy.local:9000/")
    assert settings.base_url("fal") == "http://proxy.local:9000"
    monkeypatch.setenv("STUDIO_FAL_URL", "http://127.0.0.1:5555")
    assert settings.base_url("fal") == "http://127.0.0.1:5555"
    monkeypatch.setenv("STUDIO_COMFYUI_URL", "http://gpu1:8188, http://gpu2:8188")
    assert settings.base_urls("comfyui") == ["http://gpu1:8188", "http://gpu2:8188"]
    assert settings.limit("comfyui") == 2  # one job per pool server by default
    monkeypatch.setenv("STUDIO_OLLAMA_URL", "localhost:11434")
    with pytest.raises(SettingsError, match="http://"):
        settings.base_url("ollama")


def test_file_is_json_written_atomically_and_refuses_secrets():
    settings.set_limit("fal", 7)
    settings.set_option("replicate", "models", {"meta/musicgen": {"capability": "music"}})
    data = json.loads(settings.settings_path().read_text())
    assert data["limits"]["fal"] == 7
    assert data["options"]["replicate"]["models"]["meta/musicgen"]["capability"] == "music"
    with pytest.raises(SettingsError, match="keyring"):
        settings.set_option("fal", "api_key", "abc")
    assert "abc" not in settings.settings_path().read_text()
    leftovers = [p for p in settings.settings_path().parent.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


def test_limits_are_settable_and_applied_to_the_registry():
    class Paid(Provider):
        id = "fal"

    registry = ProviderRegistry([Paid()])
    assert settings.limit("fal") == 4 and settings.limit("elevenlabs") == 2
    settings.set_limit("fal", 3)
    settings.apply_limits(registry)
    assert registry.limit("fal") == 3
    with pytest.raises(SettingsError):
        settings.set_limit("fal", 0)
    settings.set_limit("fal", None)
    assert settings.limit("fal") == 4


def test_a_damaged_settings_file_reads_as_defaults():
    settings.settings_path().write_text("{not json")
    assert settings.base_url("bfl") == "https://api.bfl.ai"
