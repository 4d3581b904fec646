"""Shared fixtures: every test gets its own cache, data, config, state and log folders."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

# Offscreen, the screen is a 1920x1200 desktop (Qt's offscreen default is 800x800, smaller than
# the windows the GUI tests click in; a window fits itself into its screen's free area).
_SCREEN = Path(__file__).with_name("offscreen-screen.json")
if os.environ.setdefault("QT_QPA_PLATFORM", "offscreen") == "offscreen" and ":" not in str(_SCREEN):
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={_SCREEN}"


@pytest.fixture(autouse=True)
def studio_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every platformdirs folder of the studio at a fresh temp folder."""
    root = tmp_path_factory.mktemp("studio-home")
    for name in ("CACHE", "DATA", "CONFIG", "STATE", "LOG", "PROJECTS"):
        folder = root / name.lower()
        folder.mkdir()
        monkeypatch.setenv(f"STUDIO_{name}_DIR", str(folder))
    # No test may use a real key or a real keyring.
    for var in (
        "FAL_KEY",
        "BFL_API_KEY",
        "OPENAI_API_KEY",
        "ELEVENLABS_API_KEY",
        "REPLICATE_API_TOKEN",
        "GEMINI_API_KEY",
        "ANTHROPIC_API_KEY",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    return root


@pytest.fixture
def registry():
    from studio.engine.registry import load_registry

    return load_registry()


@pytest.fixture
def cache(studio_dirs: Path):
    from studio.engine.cache import Cache

    return Cache(studio_dirs / "cache" / "results")


@pytest.fixture
def run_graph(registry, cache):
    """Run a graph headless and return (RunResult, events)."""

    def run(graph, providers=None, **kwargs):
        from studio.engine.executor import Executor

        if providers is None:
            from studio.providers.setup import default_providers

            providers = default_providers()
        events: list = []
        executor = Executor(registry, cache, events.append, providers=providers)
        try:
            result = asyncio.run(executor.run(graph, **kwargs))
        finally:
            executor.close()
        return result, events

    return run
