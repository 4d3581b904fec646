"""`studio providers`: each provider, its capabilities, and readiness as it is now."""

from __future__ import annotations

import json

from fakes.llm import FakeOllama
from fakes.server import FakeServer

from studio.cli import main
from studio.providers import settings


def test_providers_json_tells_the_truth(monkeypatch, capsys):
    with FakeServer() as dead:
        unreachable = dead.url
    with FakeServer() as server:
        FakeOllama(server)
        monkeypatch.setenv("STUDIO_OLLAMA_URL", server.url)
        monkeypatch.setenv("STUDIO_COMFYUI_URL", unreachable)
        monkeypatch.setenv("STUDIO_OPENAI_COMPAT_URL", unreachable)
        monkeypatch.setenv("FAL_KEY", "fal-secret-for-readiness")
        assert main(["providers", "--json"]) == 0
    out = capsys.readouterr().out
    assert "fal-secret-for-readiness" not in out
    rows = {row["id"]: row for row in json.loads(out)}
    assert {
        "offline",
        "fal",
        "bfl",
        "openai",
        "elevenlabs",
        "replicate",
        "gemini",
        "anthropic",
        "ollama",
        "comfyui",
        "openai_compat",
    } <= set(rows)
    assert (rows["fal"]["ready"], rows["fal"]["state"]) == (True, "key present")
    assert rows["fal"]["detail"] == "set (env FAL_KEY)"
    assert rows["fal"]["capabilities"] == ["image", "music", "video"]
    assert (rows["elevenlabs"]["ready"], rows["elevenlabs"]["state"]) == (False, "key missing")
    assert (rows["ollama"]["ready"], rows["ollama"]["state"]) == (True, "server reachable")
    assert "llama3.2:latest" in rows["ollama"]["detail"]
    assert rows["comfyui"]["state"] == "server unreachable"
    assert rows["comfyui"]["detail"] == f"start ComfyUI at {unreachable}"
    assert rows["offline"]["ready"] and rows["elevenlabs"]["limit"] == 2
    assert rows["fal"]["models"]["image"][0] == "fal-ai/flux-pro/v1.1"


def test_providers_table_and_settings(capsys):
    assert (
        main(["providers", "--set-limit", "fal=3", "--set-url", "ollama=http://127.0.0.1:9"]) == 0
    )
    out = capsys.readouterr().out
    assert settings.limit("fal") == 3 and settings.base_url("ollama") == "http://127.0.0.1:9"
    assert "fal" in out and "key missing" in out and "providers ready" in out
    assert main(["providers", "--set-limit", "fal=lots"]) == 2
    assert "expected NAME=N" in capsys.readouterr().err
