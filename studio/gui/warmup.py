"""Import the engines in the background once the window is up.

The first run would otherwise import the executor, the providers (and their HTTP stack) and the
media libraries on the event loop: half a second of frozen window. Importing them in a worker
thread right after start-up keeps the first run as smooth as the next ones.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import pkgutil
from typing import Any

log = logging.getLogger(__name__)

PACKAGES = ("studio.media", "studio.providers.offline")
MODULES = (
    "studio.engine.executor",
    "studio.engine.cache",
    "studio.engine.history",
    "studio.graph.validate",
    "numpy",
    "PIL.Image",
    "av",
    "cv2",
)


def prepare() -> Any:
    """Import what runs need and build the provider registry (blocking: call it in a thread)."""
    for name in MODULES:
        _try_import(name)
    for package_name in PACKAGES:
        package = _try_import(package_name)
        for info in pkgutil.walk_packages(getattr(package, "__path__", []), f"{package_name}."):
            _try_import(info.name)
    from studio.providers.setup import default_providers

    return default_providers()


def _try_import(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except Exception as exc:  # a module that cannot load here fails later, in words, where used
        log.info("warm-up skipped %s: %s", name, exc)
        return None


async def warm_up(runner: Any) -> None:
    """Prepare in a worker thread, then hand the provider registry to the run controller."""
    from concurrent.futures import ThreadPoolExecutor

    # A plain thread of our own: qasync's default executor is a QThread pool.
    from studio.gui.app import lower_thread_priority

    with ThreadPoolExecutor(
        max_workers=1, thread_name_prefix="studio-warm-up", initializer=lower_thread_priority
    ) as pool:
        providers = await asyncio.get_running_loop().run_in_executor(pool, prepare)
    runner.adopt_providers(providers)
