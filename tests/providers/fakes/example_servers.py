"""Fake servers behind the remote-providers example: fal (API and CDN), ElevenLabs, Ollama."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from fakes.elevenlabs import FakeElevenLabs
from fakes.fal import FakeFal
from fakes.llm import FakeOllama
from fakes.server import FakeServer


class ExampleFakes:
    """The three fakes the example graph talks to."""

    def __init__(self, fal: FakeFal, eleven: FakeElevenLabs, ollama: FakeOllama) -> None:
        self.fal, self.eleven, self.ollama = fal, eleven, ollama

    def request_count(self) -> int:
        servers = (self.fal.api, self.fal.cdn, self.eleven.server, self.ollama.server)
        return sum(len(s.requests) for s in servers)


@contextmanager
def example_servers(monkeypatch: pytest.MonkeyPatch) -> Iterator[ExampleFakes]:
    """Start the fakes and point the providers' URLs at them; keys are the caller's to set."""
    with (
        FakeServer() as fal_api,
        FakeServer() as cdn,
        FakeServer() as eleven,
        FakeServer() as ollama,
    ):
        monkeypatch.setenv("STUDIO_FAL_URL", fal_api.url)
        monkeypatch.setenv("STUDIO_FAL_REST_URL", fal_api.url)
        monkeypatch.setenv("STUDIO_ELEVENLABS_URL", eleven.url)
        monkeypatch.setenv("STUDIO_OLLAMA_URL", ollama.url)
        yield ExampleFakes(FakeFal(fal_api, cdn), FakeElevenLabs(eleven), FakeOllama(ollama))
