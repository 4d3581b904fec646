"""Fake provider servers and a recording run context for the provider tests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

import pytest


def run(coroutine: Any) -> Any:
    """Run a coroutine on a fresh event loop (each call its own, as the CLI does)."""
    return asyncio.run(coroutine)


async def cancel_when(
    ctx: Any,
    call: Coroutine[Any, Any, Any],
    ready: Callable[[], Any],
    *,
    expect: type[BaseException] | tuple[type[BaseException], ...] = asyncio.CancelledError,
    settle: float = 0.0,
) -> None:
    """Start a provider call, cancel it as the executor would once `ready()` is true (and
    `settle` seconds more have passed), and check that it ends with `expect`."""
    task = asyncio.ensure_future(call)
    while not ready():
        await asyncio.sleep(0.01)
    if settle:
        await asyncio.sleep(settle)
    ctx.cancel(task)
    with pytest.raises(expect):
        await task
