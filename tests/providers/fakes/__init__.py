"""Fake provider servers and a recording run context for the provider tests."""

from __future__ import annotations

import asyncio
from typing import Any


def run(coroutine: Any) -> Any:
    """Run a coroutine on a fresh event loop (each call its own, as the CLI does)."""
    return asyncio.run(coroutine)
