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
    # App mode's last values, per graph file (its resolved path) -> field name -> value.
    form_values: dict[str, dict[str, Any]] = field(default_factory=dict)
    # What was wrong with the file, naming it and the field ("gui.json: cache_max_gb must be a
    # positive number, got 'big'"); the fields named keep their defaults. Not saved.
    problems: list[str] = field(default_factory=list, compare=False)

    @staticmethod
    def path() -> Path:
        from studio.paths import config_dir

        return config_dir() / GUI_SETTINGS_FILE

    @classmethod
    def load(cls) -> GuiSettings:
        """The settings in the file; defaults for what is missing. A damaged file or field is
        not silently dropped: each is described in `problems` (and logged), for the window to
        show, and the rest of the file is kept."""
        path = cls.path()
        settings = cls()
        try:
            data = json.loads(path.read_text("utf-8"))
        except FileNotFoundError:
            return settings
        except (OSError, UnicodeDecodeError) as exc:
            return settings._problem(f"{path}: cannot be read ({exc}); using the defaults")
        except json.JSONDecodeError as exc:
            return settings._problem(
                f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}); "
                "using the defaults"
            )
        if not isinstance(data, dict):
            return settings._problem(f"{path}: must hold a JSON object; using the defaults")
        size = data.get("cache_max_gb", DEFAULT_CACHE_GB)
        if isinstance(size, (int, float)) and not isinstance(size, bool) and size > 0:
            settings.cache_max_gb = float(size)
        else:
            settings._problem(
                f"{path}: cache_max_gb must be a positive number, got {json.dumps(size)}; "
                f"using {DEFAULT_CACHE_GB:g}"
            )
        chosen = data.get("default_providers", {})
        if not isinstance(chosen, dict):
            settings._problem(
                f"{path}: default_providers must be an object, got {json.dumps(chosen)}; "
                "ignoring it"
            )
            chosen = {}
        for capability, provider in chosen.items():
            if isinstance(provider, str):
                settings.default_providers[str(capability)] = provider
            else:
                settings._problem(
                    f"{path}: default_providers.{capability} must be a provider id, got "
                    f"{json.dumps(provider)}; ignoring it"
                )
        remembered = data.get("form_values", {})
        if isinstance(remembered, dict) and all(isinstance(v, dict) for v in remembered.values()):
            settings.form_values = {str(k): dict(v) for k, v in remembered.items()}
        else:
            settings._problem(f"{path}: form_values must map graph files to objects; ignoring it")
        return settings

    def _problem(self, message: str) -> GuiSettings:
        log.warning("%s", message)
        self.problems.append(message)
        return self

    def save(self) -> None:
        from studio.atomic import write_text_atomic

        data = asdict(self)
        data.pop("problems")
        write_text_atomic(self.path(), json.dumps(data, indent=2, sort_keys=True) + "\n")

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
