"""Provider settings: env over file over defaults; no secrets in the file; limits applied."""

from __future__ import annotations

import json

import pytest

from studio.providers import settings
from studio.providers.base import Capability, Provider
from studio.providers.registry import ProviderRegistry
from studio.providers.remote.fal import FalProvider
from studio.providers.remote.replicate import ReplicateProvider
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


def _write(text: str) -> str:
    path = settings.settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return str(path)


def test_a_damaged_settings_file_is_an_error_naming_it_not_an_empty_file():
    path = _write('{"urls": {"comfyui": "http://gpu:8188",}}')
    with pytest.raises(SettingsError) as caught:
        settings.base_url("comfyui")  # the user's URL must not silently become the default
    assert str(caught.value) == (
        f"{path}: not valid JSON (Expecting property name enclosed in double quotes at "
        "line 1, column 40); fix or delete the file"
    )
    _write("[1, 2]")
    with pytest.raises(
        SettingsError, match=r"providers\.json: must hold a JSON object, got a list"
    ):
        settings.limit("fal")


@pytest.mark.parametrize(
    ("content", "call", "message"),
    [
        (
            {"urls": {"comfyui": 8188}},
            lambda: settings.base_urls("comfyui"),
            "urls.comfyui must be a string, got 8188",
        ),
        (
            {"urls": {"ollama": "localhost:11434"}},
            lambda: settings.base_url("ollama"),
            "urls.ollama 'localhost:11434' is not a base URL: it must start with http:// or "
            "https:// (e.g. http://localhost:11434)",
        ),
        (
            {"urls": "http://x"},
            lambda: settings.base_url("fal"),
            'urls must be an object, got "http://x"',
        ),
        (
            {"limits": {"fal": "lots"}},
            lambda: settings.limit("fal"),
            'limits.fal must be a whole number of at least 1, got "lots"',
        ),
        (
            {"limits": {"fal": 0}},
            lambda: settings.limit("fal"),
            "limits.fal must be a whole number",
        ),
        (
            {"options": {"fal": []}},
            lambda: settings.option("fal", "x"),
            "options.fal must be an object, got a list",
        ),
        (
            {"options": {"fal": {"models.image": "fal-ai/x"}}},
            lambda: FalProvider().models(Capability.IMAGE),
            'options.fal.models.image must be a list, got "fal-ai/x"',
        ),
        (
            {"options": {"replicate": {"models": {"meta/musicgen": "music"}}}},
            lambda: ReplicateProvider().models(Capability.MUSIC),
            "options.replicate.models.meta/musicgen must be an object like",
        ),
    ],
)
def test_a_bad_field_is_an_error_naming_the_file_and_the_field(content, call, message):
    path = _write(json.dumps(content))
    with pytest.raises(SettingsError) as caught:
        call()
    assert str(caught.value).startswith(f"{path}: {message}")


def test_a_url_variable_without_a_scheme_is_named(monkeypatch):
    monkeypatch.setenv("STUDIO_COMFYUI_URL", "127.0.0.1:8188")
    with pytest.raises(SettingsError) as caught:
        settings.base_urls("comfyui")
    assert str(caught.value) == (
        "STUDIO_COMFYUI_URL '127.0.0.1:8188' is not a base URL: it must start with http:// or "
        "https:// (e.g. http://127.0.0.1:8188)"
    )


def test_a_node_using_a_damaged_settings_file_fails_with_its_name(run_graph, monkeypatch):
    from studio.graph.model import Graph, Node

    monkeypatch.setenv("FAL_KEY", "k")
    path = _write('{"urls": {"fal": 443}}')
    graph = Graph()
    graph.add_node(Node("idea", "text.prompt", {"template": "a storm"}))
    graph.add_node(Node("picture", "image.generate", {"provider": "fal"}))
    graph.connect("idea", "text", "picture", "prompt")
    result, _ = run_graph(graph)
    assert result.status == "failed"
    assert f"{path}: urls.fal must be a string, got 443" in result.failures["picture"]
