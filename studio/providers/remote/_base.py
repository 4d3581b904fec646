"""What every remote API and local server provider shares: settings, keys, readiness, costs."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import httpx

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
        configured = settings.option(self.id, f"models.{capability.value}", kind=list)
        models = list(self.default_models.get(capability, ()))
        if configured is not None:
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
        """Whether the key is there; with a base URL of the user's own (a proxy, a gateway),
        also whether something answers there."""
        # In a worker thread: a keyring backend may block (D-Bus) and the GUI asks on its loop.
        loop = asyncio.get_running_loop()
        status = await loop.run_in_executor(None, keys.key_status, self.id)
        try:
            overridden = settings.is_overridden(self.id)
            url = self.base_url()
        except settings.SettingsError as exc:
            return Readiness(False, "bad setting", str(exc))
        if not status.present:
            return Readiness(False, "key missing", keys.how_to_set(self.id))
        if not overridden:
            return Readiness(True, "key present", status.describe())
        response, why = await self.probe("")
        where = self.where(url)
        if response is None:
            return Readiness(False, "server unreachable", f"{status.describe()}; {why}")
        return Readiness(
            True,
            "key present",
            f"{status.describe()}; {where} answers (HTTP {response.status_code})",
        )

    def where(self, url: str) -> str:
        """The base URL, with where it was set when it is not the default."""
        source = settings.url_source(self.id)
        if source == "default":
            return url
        if source == settings.env_var_for(self.id):
            return f"{url} (from {source})"
        return f"{url} (from {settings.SETTINGS_FILE})"

    async def probe(self, path: str) -> tuple[httpx.Response | None, str]:
        """One quick GET of base URL + `path`, no retries: (the answer, whatever its status,
        ""), or (None, why nothing answered)."""
        client = await self.aclient()
        url = client.url(path)
        where = self.where(client.base_url)
        http = await shared_client()
        try:
            response = await http.get(
                url,
                headers=client.headers_for(url),
                timeout=httpx.Timeout(READINESS_TIMEOUT),
            )
        except (httpx.ConnectError, httpx.ConnectTimeout):
            if not self.local:
                return None, f"nothing answers at {where}"
            hint = "" if "(from" in where else f", or point {settings.env_var_for(self.id)} at it"
            return None, f"nothing answers at {where}: start {self.title} there{hint}"
        except httpx.TimeoutException:
            return None, f"{where} did not answer within {READINESS_TIMEOUT:g} s"
        except httpx.HTTPError as exc:
            return None, keys.redact(f"{where} could not be asked ({type(exc).__name__}: {exc})")
        return response, ""

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
    """A server the user runs (Ollama, ComfyUI, LM Studio): no key; ready when the server at
    its URL answers at `probe_path` the way this service does (`check_answer`)."""

    need = Need.SERVER
    local = True
    probe_path = "/"

    def check_answer(self, response: httpx.Response) -> str | None:
        """Why a 2xx answer at `probe_path` is not this service's, or None when it is."""
        return None

    async def readiness(self) -> Readiness:
        try:
            url = self.base_url()
        except settings.SettingsError as exc:
            return Readiness(False, "bad setting", str(exc))
        where = self.where(url)
        response, why = await self.probe(self.probe_path)
        if response is None:
            return Readiness(False, "server unreachable", why)
        status = response.status_code
        if status in (401, 403):
            hint = f"; {keys.how_to_set(self.id)}" if self.key_optional else ""
            return Readiness(
                False,
                "server refused",
                f"{where} answered {status}: behind auth or not {self.title}{hint}",
            )
        if status >= 300:
            return Readiness(
                False,
                "wrong answer",
                f"{where} answered {status} at {self.probe_path}: not {self.title}, or an old "
                "version of it",
            )
        problem = self.check_answer(response)
        if problem is not None:
            return Readiness(
                False, "wrong answer", f"{where} answered, but not like {self.title}: {problem}"
            )
        return Readiness(True, "server reachable", where)

    def estimate_cost(self, capability: Capability, request: Any) -> float | None:
        return 0.0


def json_answer(response: httpx.Response) -> Any:
    """The JSON of a probe's answer, or None when it is not JSON."""
    try:
        return response.json()
    except (ValueError, UnicodeDecodeError):
        return None


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
