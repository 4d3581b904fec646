"""The built-in node pack. It uses only `studio.api`, exactly as a third-party pack would."""

from __future__ import annotations

import importlib
import pkgutil

from studio.api import NodeSpec


def node_specs() -> list[NodeSpec]:
    """Every node of the pack: each module under `nodes/<category>/` exposes one `SPEC`."""
    specs = []
    for category in sorted(_categories()):
        package = importlib.import_module(f"{__name__}.{category}")
        for module_info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
            if module_info.name.startswith("_"):
                continue
            module = importlib.import_module(f"{package.__name__}.{module_info.name}")
            spec = getattr(module, "SPEC", None)
            if spec is not None:
                specs.append(spec)
    return specs


def _categories() -> list[str]:
    return [
        m.name for m in pkgutil.iter_modules(__path__) if m.ispkg and not m.name.startswith("_")
    ]
