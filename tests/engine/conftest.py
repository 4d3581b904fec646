from __future__ import annotations

import asyncio

import pytest
from testpack import make_registry


@pytest.fixture
def treg():
    return make_registry()


@pytest.fixture
def execute(treg, cache):
    """Run a graph on the test registry; returns (result, events)."""

    def run(graph, **kwargs):
        from studio.engine.executor import Executor

        events: list = []
        executor = Executor(treg, cache, events.append)
        try:
            return asyncio.run(executor.run(graph, **kwargs)), events
        finally:
            executor.close()

    return run
