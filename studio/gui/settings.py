"""Settings of the desktop studio itself (cache size, default providers), in the config folder.

Provider URLs live in `studio.providers.settings`, keys in `studio.providers.keys`; this file
holds only what the window decides.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
GUI_SETTINGS_FILE = "gui.json"
DEFAULT_CACHE_GB = 20.0


@dataclass
class GuiSettings:
    cache_max_gb: float = DEFAULT_CACHE_GB
    default_providers: dict[str, str] = field(default_factory=dict)  # capability -> provider id

    @staticmethod
    def path() -> Path:
        from studio.paths import config_dir

        return config_dir() / GUI_SETTINGS_FILE

    @classmethod
    def load(cls) -> GuiSettings:
        try:
            data = json.loads(cls.path().read_text("utf-8"))
            return cls(
                float(data.get("cache_max_gb", DEFAULT_CACHE_GB)),
                {str(k): str(v) for k, v in data.get("default_providers", {}).items()},
            )
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError, TypeError, AttributeError) as exc:
            log.warning("ignoring unreadable %s: %s", cls.path(), exc)
            return cls()

    def save(self) -> None:
        from studio.atomic import write_text_atomic

        write_text_atomic(self.path(), json.dumps(asdict(self), indent=2, sort_keys=True) + "\n")

    def provider_defaults(self, spec: Any) -> dict[str, str]:
        """Param values that pick the user's default provider for a new node of `spec`."""
        values = {}
        for param in spec.params:
            if param.kind == "provider" and param.capability is not None:
                chosen = self.default_providers.get(param.capability.value)
                if chosen:
                    values[param.name] = chosen
        return values


def trim_cache(objects_dir: Path, max_bytes: int) -> int:
    """Delete the least recently used media files until the cache fits; returns bytes freed.

    A cache entry whose file is gone is a miss (the cache checks every file), so the node simply
    runs again. Blocking: call it off the event loop.
    """
    files = []
    total = 0
    for root, _dirs, names in os.walk(objects_dir):
        for name in names:
            path = Path(root) / name
            try:
                st = path.stat()
            except OSError:
                continue
            files.append((max(st.st_atime, st.st_mtime), st.st_size, path))
            total += st.st_size
    freed = 0
    for _used, size, path in sorted(files):
        if total - freed <= max_bytes:
            break
        try:
            path.unlink()
            freed += size
        except OSError:
            continue
    return freed
