"""The provider registry: every provider by id, and the concurrency limit the executor applies."""

from __future__ import annotations

from studio.errors import ProviderError
from studio.providers.base import Capability, Need, Provider


class ProviderRegistry:
    def __init__(self, providers: list[Provider] | None = None) -> None:
        self._providers: dict[str, Provider] = {}
        self._limits: dict[str, int] = {}
        for provider in providers or []:
            self.add(provider)

    def add(self, provider: Provider) -> None:
        self._providers[provider.id] = provider

    def get(self, provider_id: str, capability: Capability | None = None) -> Provider:
        provider = self._providers.get(provider_id)
        if provider is None:
            known = ", ".join(sorted(self._providers)) or "none"
            raise ProviderError(f"no such provider (known: {known})", provider=provider_id)
        if capability is not None and capability not in provider.capabilities:
            raise ProviderError(f"does not offer {capability.value}", provider=provider_id)
        return provider

    def all(self) -> list[Provider]:
        return list(self._providers.values())

    def ids_for(self, capability: Capability) -> list[str]:
        return [p.id for p in self._providers.values() if capability in p.capabilities]

    def configured(self, capability: Capability) -> list[str]:
        """Providers of a capability the user has set up, without asking the network: the
        offline engines, services whose key is there, servers whose URL the user gave (a
        compare node's default candidates)."""
        from studio.errors import StudioError
        from studio.providers import keys, settings

        chosen = []
        for provider in self._providers.values():
            if capability not in provider.capabilities:
                continue
            try:
                if provider.need is Need.KEY:
                    ready = keys.key_status(provider.id).present
                elif provider.need is Need.SERVER:
                    ready = settings.is_overridden(provider.id)
                else:
                    ready = True
            except StudioError:  # a provider the key store does not know, an unreadable setting
                ready = False
            if ready:
                chosen.append(provider.id)
        return chosen

    def set_limit(self, provider_id: str, limit: int) -> None:
        self._limits[provider_id] = max(1, int(limit))

    def limit(self, provider_id: str) -> int:
        if provider_id in self._limits:
            return self._limits[provider_id]
        provider = self._providers.get(provider_id)
        return provider.default_concurrency if provider else 4
