"""Provider settings: base URLs, concurrency limits and per-provider options. Never keys.

Each value comes from, in order: the environment (`STUDIO_<NAME>_URL`, e.g. `STUDIO_FAL_URL`),
the settings file `providers.json` in the studio's config folder, then the defaults below (taken
from the providers' documented hosts, see `shared/provider-contracts.md`). Overriding a base URL is
how proxies, self-hosted gateways and the tests' fake servers reach a provider.

`STUDIO_COMFYUI_URL` may list several servers separated by commas: they form a pool.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from studio.errors import StudioError

log = logging.getLogger(__name__)

SETTINGS_FILE = "providers.json"

DEFAULT_URLS: dict[str, str] = {
    "fal": "https://queue.fal.run",
    # fal's storage API (uploads of input images); not a separate provider.
    "fal_rest": "https://rest.alpha.fal.ai",
    "bfl": "https://api.bfl.ai",
    "openai": "https://api.openai.com/v1",
    "elevenlabs": "https://api.elevenlabs.io",
    "replicate": "https://api.replicate.com/v1",
    "gemini": "https://generativelanguage.googleapis.com/v1beta",
    "anthropic": "https://api.anthropic.com",
    "ollama": "http://localhost:11434",
    "comfyui": "http://127.0.0.1:8188",
    # LM Studio's default; vLLM serves on :8000/v1, OpenRouter on https://openrouter.ai/api/v1.
    "openai_compat": "http://localhost:1234/v1",
}

# How many calls of one provider the executor runs at once. ElevenLabs' smallest plans allow two
# concurrent requests (contracts §3); a local Ollama serves one generation at a time well.
DEFAULT_LIMITS: dict[str, int] = {
    "fal": 4,
    "bfl": 4,
    "openai": 4,
    "elevenlabs": 2,
    "replicate": 4,
    "gemini": 4,
    "anthropic": 4,
    "ollama": 1,
    "openai_compat": 2,
}
COMFYUI_JOBS_PER_SERVER = 1

# Words that must never name a field of the settings file: keys live in the keyring or the env.
_SECRET_WORDS = ("key", "token", "secret", "password", "authorization")


class SettingsError(StudioError):
    """A settings value a user gave is unusable (a URL without http://, a limit below 1...)."""


def env_var_for(provider_id: str) -> str:
    """The environment variable overriding a provider's base URL: `STUDIO_FAL_URL`."""
    return f"STUDIO_{provider_id.upper()}_URL"


def settings_path() -> Path:
    from studio.paths import config_dir

    return config_dir() / SETTINGS_FILE


def load_settings() -> dict[str, Any]:
    """The settings file as a dict; a missing or damaged file reads as empty (and says so)."""
    path = settings_path()
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("ignoring unreadable provider settings %s: %s", path, exc)
        return {}
    return data if isinstance(data, dict) else {}


def save_settings(data: dict[str, Any]) -> None:
    """Write the settings file atomically. Refuses anything that looks like a secret."""
    from studio.atomic import write_text_atomic

    _refuse_secrets(data, "")
    write_text_atomic(settings_path(), json.dumps(data, indent=2, sort_keys=True) + "\n")


def _refuse_secrets(value: Any, where: str) -> None:
    if isinstance(value, dict):
        for name, inner in value.items():
            lowered = str(name).lower()
            if any(word in lowered for word in _SECRET_WORDS):
                raise SettingsError(
                    f"settings cannot hold {where}{name!r}: keys belong in the "
                    "keyring (`studio keys set`) or an environment variable"
                )
            _refuse_secrets(inner, f"{where}{name}.")


def _check_url(url: str) -> str:
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise SettingsError(f"{url!r} is not a base URL; it must start with http:// or https://")
    return url


# -- base URLs -------------------------------------------------------------------------------------
def base_urls(provider_id: str) -> list[str]:
    """Every configured base URL of a provider (several only for a ComfyUI pool)."""
    raw = os.environ.get(env_var_for(provider_id), "").strip()
    if not raw:
        raw = str(load_settings().get("urls", {}).get(provider_id, "")).strip()
    if not raw:
        raw = DEFAULT_URLS.get(provider_id, "")
    if not raw:
        raise SettingsError(f"no base URL known for provider {provider_id!r}")
    return [_check_url(part) for part in raw.split(",") if part.strip()]


def is_overridden(provider_id: str) -> bool:
    """Whether the user set this provider's base URL (environment or settings file)."""
    if os.environ.get(env_var_for(provider_id), "").strip():
        return True
    return bool(str(load_settings().get("urls", {}).get(provider_id, "")).strip())


def base_url(provider_id: str) -> str:
    """A provider's base URL, without a trailing slash."""
    return base_urls(provider_id)[0]


def set_base_url(provider_id: str, url: str | None) -> None:
    """Store a base URL (a comma-separated list for a ComfyUI pool); None restores the default."""
    data = load_settings()
    urls = dict(data.get("urls", {}))
    if url is None:
        urls.pop(provider_id, None)
    else:
        urls[provider_id] = ",".join(_check_url(u) for u in url.split(",") if u.strip())
    data["urls"] = urls
    save_settings(data)


# -- concurrency limits ----------------------------------------------------------------------------
def limit(provider_id: str) -> int:
    """How many calls to this provider may run at once."""
    stored = load_settings().get("limits", {}).get(provider_id)
    if isinstance(stored, int) and not isinstance(stored, bool) and stored >= 1:
        return stored
    if provider_id == "comfyui":
        return COMFYUI_JOBS_PER_SERVER * len(base_urls("comfyui"))
    return DEFAULT_LIMITS.get(provider_id, 4)


def set_limit(provider_id: str, value: int | None) -> None:
    """Store a concurrency limit (None restores the default)."""
    data = load_settings()
    limits = dict(data.get("limits", {}))
    if value is None:
        limits.pop(provider_id, None)
    else:
        if int(value) < 1:
            raise SettingsError(f"a concurrency limit must be at least 1, got {value}")
        limits[provider_id] = int(value)
    data["limits"] = limits
    save_settings(data)


def apply_limits(registry: Any) -> None:
    """Give a ProviderRegistry the configured limit of every provider it holds."""
    for provider in registry.all():
        registry.set_limit(provider.id, limit(provider.id))


# -- per-provider options (default models, Replicate input mappings, ComfyUI workflows) -----------
def option(provider_id: str, name: str, default: Any = None) -> Any:
    """A provider option from the settings file, e.g. `option("replicate", "models", {})`."""
    return load_settings().get("options", {}).get(provider_id, {}).get(name, default)


def set_option(provider_id: str, name: str, value: Any) -> None:
    """Store a provider option (None removes it)."""
    data = load_settings()
    options = dict(data.get("options", {}))
    inner = dict(options.get(provider_id, {}))
    if value is None:
        inner.pop(name, None)
    else:
        inner[name] = value
    options[provider_id] = inner
    data["options"] = options
    save_settings(data)
