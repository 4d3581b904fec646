"""Shared set-up for the engine benches: the test node pack and a throwaway cache."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from testpack import make_registry  # noqa: E402

__all__ = ["ROOT", "fresh_cache", "make_registry"]


def fresh_cache(folder: str | None = None):
    from studio.engine.cache import Cache

    return Cache(Path(folder or tempfile.mkdtemp(prefix="studio-bench-")))
