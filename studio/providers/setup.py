"""Build the provider registry a run uses: the offline engines always, then every other provider."""

from __future__ import annotations

import importlib
import logging

from studio.providers.registry import ProviderRegistry

log = logging.getLogger(__name__)

# Modules that each expose `PROVIDERS: list[Provider]`; each is optional so one broken provider
# module never stops the studio (the offline engines must always load).
PROVIDER_MODULES = ("studio.providers.offline", "studio.providers.remote")


def default_providers() -> ProviderRegistry:
    registry = ProviderRegistry()
    for name in PROVIDER_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                log.warning("providers in %s could not load: %s", name, exc)
            continue
        for provider in getattr(module, "PROVIDERS", []):
            registry.add(provider)
    return registry
