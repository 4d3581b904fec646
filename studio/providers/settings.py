"""Provider settings: base URLs, concurrency limits and per-provider options. Never keys.

Each value comes from, in order: the environment (`STUDIO_<NAME>_URL`, e.g. `STUDIO_FAL_URL`),
the settings file `providers.json` in the studio's config folder, then the defaults below (taken
from the providers' documented hosts, see `shared/provider-contracts.md`). Overriding a base URL is
how proxies, self-hosted gateways and the tests' fake servers reach a provider.

`STUDIO_COMFYUI_URL` may list several servers separated by commas: they form a pool.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from studio.errors import StudioError

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
    """The settings file as a dict; {} when there is none.

    A file that cannot be read or is not a JSON object is a SettingsError naming it: silently
    reading it as empty would drop the user's URLs and send their calls somewhere else.
    """
    path = settings_path()
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        return {}
    except UnicodeDecodeError:
        raise SettingsError(f"{path}: not UTF-8 text; fix or delete the file") from None
    except OSError as exc:
        raise SettingsError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SettingsError(
            f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}); "
            "fix or delete the file"
        ) from None
    if not isinstance(data, dict):
        raise SettingsError(f"{path}: must hold a JSON object, got {_json_kind(data)}")
    return data


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, (dict, list)):
        return "an object" if isinstance(value, dict) else "a list"
    return json.dumps(value) if isinstance(value, (int, float, str)) or value is None else "?"


def _section(data: dict[str, Any], name: str) -> dict[str, Any]:
    """A top-level object of the settings file (`urls`, `limits`, `options`), checked."""
    value = data.get(name, {})
    if not isinstance(value, dict):
        raise SettingsError(f"{settings_path()}: {name} must be an object, got {_json_kind(value)}")
    return value


def _file_value(name: str, provider_id: str) -> Any:
    return _section(load_settings(), name).get(provider_id)


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


def _check_url(url: str, where: str = "") -> str:
    """A base URL without its trailing slash; `where` names its source for the error."""
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        example = f" (e.g. http://{url})" if url and "://" not in url else ""
        source = f"{where} " if where else ""
        raise SettingsError(
            f"{source}{url!r} is not a base URL: it must start with http:// or https://{example}"
        )
    return url


# -- base URLs -------------------------------------------------------------------------------------
def url_source(provider_id: str) -> str:
    """Where a provider's base URL comes from: its env variable, the settings file, "default"."""
    if os.environ.get(env_var_for(provider_id), "").strip():
        return env_var_for(provider_id)
    if _file_url(provider_id):
        return str(settings_path())
    return "default"


def _file_url(provider_id: str) -> str:
    value = _file_value("urls", provider_id)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise SettingsError(
            f"{settings_path()}: urls.{provider_id} must be a string, got {_json_kind(value)}"
        )
    return value.strip()


def base_urls(provider_id: str) -> list[str]:
    """Every configured base URL of a provider (several only for a ComfyUI pool)."""
    env = env_var_for(provider_id)
    raw, where = os.environ.get(env, "").strip(), env
    if not raw:
        raw, where = _file_url(provider_id), f"{settings_path()}: urls.{provider_id}"
    if not raw:
        raw, where = DEFAULT_URLS.get(provider_id, ""), ""
    if not raw:
        raise SettingsError(f"no base URL known for provider {provider_id!r}; set {env}")
    return [_check_url(part, where) for part in raw.split(",") if part.strip()]


def is_overridden(provider_id: str) -> bool:
    """Whether the user set this provider's base URL (environment or settings file)."""
    return url_source(provider_id) != "default"


def base_url(provider_id: str) -> str:
    """A provider's base URL, without a trailing slash."""
    return base_urls(provider_id)[0]


def set_base_url(provider_id: str, url: str | None) -> None:
    """Store a base URL (a comma-separated list for a ComfyUI pool); None restores the default."""
    data = load_settings()
    urls = dict(_section(data, "urls"))
    if url is None:
        urls.pop(provider_id, None)
    else:
        urls[provider_id] = ",".join(_check_url(u) for u in url.split(",") if u.strip())
    data["urls"] = urls
    save_settings(data)


# -- concurrency limits ----------------------------------------------------------------------------
def limit(provider_id: str) -> int:
    """How many calls to this provider may run at once."""
    stored = _file_value("limits", provider_id)
    if stored is not None:
        if isinstance(stored, int) and not isinstance(stored, bool) and stored >= 1:
            return stored
        raise SettingsError(
            f"{settings_path()}: limits.{provider_id} must be a whole number of at least 1, "
            f"got {_json_kind(stored)}"
        )
    if provider_id == "comfyui":
        return COMFYUI_JOBS_PER_SERVER * len(base_urls("comfyui"))
    return DEFAULT_LIMITS.get(provider_id, 4)


def set_limit(provider_id: str, value: int | None) -> None:
    """Store a concurrency limit (None restores the default)."""
    data = load_settings()
    limits = dict(_section(data, "limits"))
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
def option(provider_id: str, name: str, default: Any = None, kind: type | None = None) -> Any:
    """A provider option from the settings file, e.g. `option("replicate", "models", {}, dict)`.

    With `kind`, a value of another JSON type is a SettingsError naming the file and field.
    """
    options = _file_value("options", provider_id)
    if options is None:
        return default
    if not isinstance(options, dict):
        raise SettingsError(
            f"{settings_path()}: options.{provider_id} must be an object, got {_json_kind(options)}"
        )
    value = options.get(name, default)
    if kind is not None and name in options and not isinstance(value, kind):
        words: dict[type, str] = {dict: "an object", list: "a list", str: "a string"}
        wanted = words.get(kind, kind.__name__)
        raise SettingsError(
            f"{settings_path()}: options.{provider_id}.{name} must be {wanted}, "
            f"got {_json_kind(value)}"
        )
    return value


def set_option(provider_id: str, name: str, value: Any) -> None:
    """Store a provider option (None removes it)."""
    data = load_settings()
    options = dict(_section(data, "options"))
    inner = options.get(provider_id, {})
    inner = dict(inner) if isinstance(inner, dict) else {}
    if value is None:
        inner.pop(name, None)
    else:
        inner[name] = value
    options[provider_id] = inner
    data["options"] = options
    save_settings(data)
