"""What every remote API and local server provider shares: settings, keys, readiness, costs."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from studio.errors import ProviderError
from studio.providers import costs, keys, settings
from studio.providers.base import Capability, Need, Provider, Readiness, TextRequest, TextResult
from studio.providers.http import HttpTuning, ProviderClient, shared_client

log = logging.getLogger(__name__)

READINESS_TIMEOUT = 2.0  # seconds a readiness probe of a local server may take


class RemoteProvider(Provider):
    """A provider behind an HTTP API. Subclasses set ids, models and `auth_headers`."""

    need = Need.KEY
    default_models: dict[Capability, tuple[str, ...]] = {}
    local = False
    key_optional = False  # a server that may or may not want a key (OpenAI-compatible)

    # -- settings ---------------------------------------------------------------------------------
    @property
    def default_concurrency(self) -> int:  # type: ignore[override]
        return settings.limit(self.id)

    def base_url(self) -> str:
        return settings.base_url(self.id)

    def models(self, capability: Capability) -> list[str]:
        configured = settings.option(self.id, f"models.{capability.value}")
        models = list(self.default_models.get(capability, ()))
        if isinstance(configured, list):
            models = [str(m) for m in configured] + [m for m in models if m not in configured]
        return models

    def model_for(self, capability: Capability, requested: str | None) -> str:
        if requested:
            return requested.strip()
        models = self.models(capability)
        if not models:
            raise ProviderError(f"name a model for {capability.value}", provider=self.id)
        return models[0]

    def cache_identity(self, capability: Capability, model: str | None) -> dict[str, Any]:
        identity = super().cache_identity(capability, model)
        try:
            identity["model"] = self.model_for(capability, model)
        except ProviderError:
            pass  # no model at all: the call will fail and say so
        if self.local:  # a self-hosted server's models and nodes are its own
            identity["server"] = settings.base_urls(self.id)
        return identity

    # -- keys and clients -------------------------------------------------------------------------
    def auth_headers(self, key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"}

    def require_key(self) -> str | None:
        if self.need is not Need.KEY:
            return keys.get_key(self.id) if self.id in keys.KEY_ENV_VARS else None
        key = keys.get_key(self.id)
        if not key and not self.key_optional:
            raise ProviderError(
                f"no key for {self.title}; {keys.how_to_set(self.id)}", provider=self.id
            )
        return key

    def client(self, base_url: str | None = None, **overrides: Any) -> ProviderClient:
        """A client for this provider with the key and base URL as they are now."""
        key = self.require_key()
        options: dict[str, Any] = {
            "provider": self.id,
            "title": self.title,
            "base_url": base_url or self.base_url(),
            "auth": self.auth_headers(key) if key else {},
            "local": self.local,
            "url_env": settings.env_var_for(self.id),
            "tuning": HttpTuning.from_env(),
        }
        options.update(overrides)
        return ProviderClient(**options)

    async def aclient(self, base_url: str | None = None, **overrides: Any) -> ProviderClient:
        """`client()`, with the key first read in a worker thread: a keyring backend may block
        (D-Bus, a first import) and must not stall the event loop."""
        # The shared HTTP client is built meanwhile, in another thread (a first run pays both).
        warm: list[Any] = [shared_client()]
        if self.id in keys.KEY_ENV_VARS:
            warm.append(asyncio.get_running_loop().run_in_executor(None, keys.get_key, self.id))
        await asyncio.gather(*warm)
        return self.client(base_url, **overrides)

    # -- readiness --------------------------------------------------------------------------------
    async def readiness(self) -> Readiness:
        # In a worker thread: a keyring backend may block (D-Bus) and the GUI asks on its loop.
        loop = asyncio.get_running_loop()
        status = await loop.run_in_executor(None, keys.key_status, self.id)
        if status.present:
            return Readiness(True, "key present", status.describe())
        return Readiness(False, "key missing", keys.how_to_set(self.id))

    # -- costs ------------------------------------------------------------------------------------
    def usage(self, capability: Capability, request: Any) -> costs.Usage:
        return costs.usage_for(capability, request)

    def estimate_cost(self, capability: Capability, request: Any) -> float | None:
        try:
            model = self.model_for(capability, getattr(request, "model", None))
        except ProviderError:
            return None
        return costs.estimate(self.id, model, capability, self.usage(capability, request))

    def begin(self, ctx: Any, capability: Capability, model: str, **extra: Any) -> dict[str, Any]:
        """Fill the node's provenance before a call: a refused call costs nothing, so the cost
        is 0 until the service accepts it (`charge`)."""
        provenance = {"provider": self.id, "model": model, "cost_usd": 0.0, **extra}
        ctx.provenance.update(provenance)
        return provenance

    def on_accept(
        self, ctx: Any, capability: Capability, request: Any, model: str
    ) -> Callable[[Any], None]:
        """A `send(accepted=...)` callback that charges the call when the service takes it."""

        def accepted(_response: Any) -> None:
            self.charge(ctx, capability, request, model)

        return accepted

    def charge(
        self,
        ctx: Any,
        capability: Capability,
        request: Any,
        model: str,
        usage: costs.Usage | None = None,
        basis: str = "estimate",
    ) -> None:
        """Record the cost of an accepted call (from reported usage when given, else estimated).

        Called the moment the service accepts the call, before anything that may still fail
        (polling, downloading): what it bills does not depend on what happened after. A model
        without a listed price is recorded as unknown (`cost_usd` None), never as free.
        """
        entry = costs.estimate(
            self.id,
            model,
            capability,
            usage if usage is not None else self.usage(capability, request),
        )
        ctx.provenance["cost_usd"] = entry
        ctx.provenance["cost_basis"] = basis if entry is not None else "unknown price"
        ctx.provenance["prices_as_of"] = costs.prices_as_of()


class LocalServerProvider(RemoteProvider):
    """A server the user runs (Ollama, ComfyUI, LM Studio): no key, readiness = reachable."""

    need = Need.SERVER
    local = True
    probe_path = "/"

    async def readiness(self) -> Readiness:
        url = self.base_url()
        try:
            client = await self.aclient(
                tuning=HttpTuning(
                    connect_timeout=READINESS_TIMEOUT, read_timeout=READINESS_TIMEOUT, retries=0
                )
            )
            await client.send("GET", self.probe_path)
        except ProviderError as exc:
            if exc.status is not None:  # it answered, so it is there (a 404 on an old version)
                return Readiness(True, "server reachable", url)
            return Readiness(False, "server unreachable", f"start {self.title} at {url}")
        return Readiness(True, "server reachable", url)

    def estimate_cost(self, capability: Capability, request: Any) -> float | None:
        return 0.0


class ChatMixin:
    """Text and vision for a provider whose one `_chat` serves both; put it before the base class.

    A vision request without an image is refused here, in the same words for every provider.
    """

    id: str

    async def complete_text(self, request: TextRequest, ctx: Any) -> TextResult:
        return await self._chat(Capability.TEXT, request, ctx)

    async def describe_image(self, request: TextRequest, ctx: Any) -> TextResult:
        if not request.images:
            raise ProviderError("describing an image needs an image", provider=self.id)
        return await self._chat(Capability.VISION, request, ctx)

    async def _chat(self, capability: Capability, request: TextRequest, ctx: Any) -> TextResult:
        raise NotImplementedError
