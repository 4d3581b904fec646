"""Opening a shared bundle (.studiopack): unpack it into a new folder, then open its graph."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog


def open_bundle(window: Any, bundle: Path, target: Path | None = None) -> bool:
    """Ask for a parent folder (unless `target` is given) and unpack there in the background."""
    if target is None:
        parent = QFileDialog.getExistingDirectory(
            window, f"Unpack {bundle.name} into a new folder inside…", str(bundle.parent)
        )
        if not parent:
            return False
        target = Path(parent) / bundle.stem
    from studio.gui.app import spawn

    window.show_message(f"Unpacking {bundle.name} into {target}…")
    spawn(_unpack_and_open(window, bundle, target), f"unpacking {bundle.name}")
    return True


async def _unpack_and_open(window: Any, bundle: Path, target: Path) -> None:
    from studio.bundle import unpack_bundle
    from studio.errors import StudioError

    loop = asyncio.get_running_loop()
    cache, registry = window.runner.executor.cache, window.registry
    try:  # checking digests and importing results is disk work: off the event loop
        graph_file = await loop.run_in_executor(
            None, lambda: unpack_bundle(bundle, target, cache=cache, registry=registry)
        )
    except StudioError as exc:
        window.report_error(f"Could not unpack {bundle.name}", str(exc))
        return
    window.open_path(graph_file, ask=False)
