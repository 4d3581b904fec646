"""`studio providers`: each provider, its capabilities, and readiness as it is now."""

from __future__ import annotations

import json

from fakes.llm import FakeOllama
from fakes.server import FakeServer, Reply

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
    assert (rows["ollama"]["url"], rows["ollama"]["url_source"]) == (
        server.url,
        "STUDIO_OLLAMA_URL",
    )
    assert (rows["fal"]["url"], rows["fal"]["url_source"]) == ("https://queue.fal.run", "default")
    assert rows["offline"]["url"] is None
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


def _rows(capsys) -> dict:
    assert main(["providers", "--json"]) == 0
    return {row["id"]: row for row in json.loads(capsys.readouterr().out)}


def test_a_set_url_must_answer_like_the_service(monkeypatch, capsys):
    with FakeServer() as dead:
        closed = dead.url
    with FakeServer() as guarded, FakeServer() as web, FakeServer() as compat:
        guarded.route("GET", "/api/tags", Reply(401, json={"error": "unauthorized"}))
        web.route("GET", "/api/tags", Reply(body="<html>a router</html>"))
        compat.route("GET", "/v1/models", Reply(403, body="forbidden"))
        monkeypatch.setenv("STUDIO_OPENAI_COMPAT_URL", f"{compat.url}/v1")
        monkeypatch.setenv("STUDIO_OLLAMA_URL", guarded.url)
        rows = _rows(capsys)
        ollama = rows["ollama"]
        assert (ollama["ready"], ollama["state"]) == (False, "server refused")
        assert ollama["detail"] == (
            f"{guarded.url} (from STUDIO_OLLAMA_URL) answered 401: behind auth or not Ollama"
        )
        compat_row = rows["openai_compat"]
        assert (compat_row["ready"], compat_row["state"]) == (False, "server refused")
        assert "answered 403: behind auth or not OpenAI-compatible server" in compat_row["detail"]
        assert "studio keys set openai_compat" in compat_row["detail"]

        monkeypatch.setenv("STUDIO_OLLAMA_URL", web.url)
        ollama = _rows(capsys)["ollama"]
        assert (ollama["ready"], ollama["state"]) == (False, "wrong answer")
        assert ollama["detail"].endswith("not like Ollama: /api/tags gave no model list")

    monkeypatch.setenv("STUDIO_OLLAMA_URL", closed)
    ollama = _rows(capsys)["ollama"]
    assert (ollama["ready"], ollama["state"]) == (False, "server unreachable")
    assert ollama["detail"] == (
        f"nothing answers at {closed} (from STUDIO_OLLAMA_URL): start Ollama there"
    )


def test_a_key_service_with_its_own_url_says_whether_it_answers(monkeypatch, capsys):
    monkeypatch.setenv("FAL_KEY", "fal-secret-for-readiness")
    with FakeServer() as dead:
        closed = dead.url
    monkeypatch.setenv("STUDIO_FAL_URL", closed)
    fal = _rows(capsys)["fal"]
    assert (fal["ready"], fal["state"]) == (False, "server unreachable")
    assert fal["detail"] == f"set (env FAL_KEY); nothing answers at {closed} (from STUDIO_FAL_URL)"
    with FakeServer() as proxy:
        monkeypatch.setenv("STUDIO_FAL_URL", proxy.url)
        fal = _rows(capsys)["fal"]
        assert (fal["ready"], fal["url"], fal["url_source"]) == (
            True,
            proxy.url,
            "STUDIO_FAL_URL",
        )
        assert fal["detail"] == (
            f"set (env FAL_KEY); {proxy.url} (from STUDIO_FAL_URL) answers (HTTP 404)"
        )
        (probe,) = proxy.received("GET")
        assert probe.headers["authorization"] == "Key fal-secret-for-readiness"
        assert main(["providers"]) == 0
        assert f"{proxy.url} (from STUDIO_FAL_URL) answers" in capsys.readouterr().out


def test_a_damaged_settings_file_is_named_in_the_listing(capsys):
    settings.settings_path().parent.mkdir(parents=True, exist_ok=True)
    settings.settings_path().write_text('{"urls": {"comfyui": 8188}}')
    rows = _rows(capsys)
    comfy = rows["comfyui"]
    assert (comfy["ready"], comfy["state"]) == (False, "bad setting")
    assert comfy["detail"] == (
        f"{settings.settings_path()}: urls.comfyui must be a string, got 8188"
    )
    assert rows["offline"]["ready"]
