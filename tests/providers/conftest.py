"""Fixtures for provider tests: a fake server, a recording context, tiny timeouts and backoffs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fakes.context import FakeContext
from fakes.server import FakeServer

# Small enough to keep every test fast, large enough that a Retry-After wait is measurable
# against the backoff (0.3 s vs <= 0.01 s).
TEST_TUNING = {
    "STUDIO_HTTP_CONNECT_TIMEOUT": "2",
    "STUDIO_HTTP_READ_TIMEOUT": "5",
    "STUDIO_HTTP_RETRIES": "2",
    "STUDIO_HTTP_BACKOFF": "0.01",
    "STUDIO_HTTP_RETRY_AFTER_CAP": "0.3",
    "STUDIO_HTTP_POLL_INTERVAL": "0.01",
}


@pytest.fixture(autouse=True)
def fast_http(monkeypatch: pytest.MonkeyPatch) -> None:
    from studio.providers import keys

    for name, value in TEST_TUNING.items():
        monkeypatch.setenv(name, value)
    keys.forget_cached()


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeServer() as fake:
        yield fake


@pytest.fixture
def ctx(tmp_path) -> FakeContext:
    return FakeContext(tmp_path / "scratch", graph_dir=tmp_path)
