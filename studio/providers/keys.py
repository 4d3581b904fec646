"""API keys: the system keyring first, then environment variables. Never a plaintext file.

Keys are stored in the keyring under the service "multimodal-studio", one entry per provider id.
A machine without a keyring backend (a server, a container: keyring raises `NoKeyringError`)
still works through the environment variables, and `keyring_status()` says so in plain words;
`keyring_install_hint()` says what to install for this system. There the studio can also hold a
key for this session only (`set_session_key`): in this process's memory, never on disk, gone when
the studio quits. A session key, when there is one, is the one used.

No function here returns a key inside a message: `key_status` says only where a key is, and
`redact` scrubs every known key out of a text before it reaches a log line or an error.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass

from studio.errors import StudioError

log = logging.getLogger(__name__)

SERVICE = "multimodal-studio"

KEY_ENV_VARS: dict[str, str] = {
    "fal": "FAL_KEY",
    "bfl": "BFL_API_KEY",
    "openai": "OPENAI_API_KEY",
    "elevenlabs": "ELEVENLABS_API_KEY",
    "replicate": "REPLICATE_API_TOKEN",
    "gemini": "GEMINI_API_KEY",
    "anthropic": "ANTHROPIC_API_KEY",
    # Optional: LM Studio and vLLM need none, OpenRouter does.
    "openai_compat": "OPENAI_COMPAT_API_KEY",
}

_MISSING = object()
_lock = threading.Lock()
_keyring_cache: dict[str, object] = {}  # provider -> key or None, as last read from the keyring
_seen: set[str] = set()  # every key value this process has handled, for `redact`
_session: dict[str, str] = {}  # provider -> a key given for this session only (memory only)
_warned_no_keyring = False


class KeyStoreError(StudioError):
    """A key could not be stored or removed (typically: no keyring backend on this machine)."""


@dataclass(frozen=True)
class KeyStatus:
    """Where a provider's key is, never what it is."""

    provider: str
    env_var: str
    source: str | None  # "session", "keyring", "env" or None when missing

    @property
    def present(self) -> bool:
        return self.source is not None

    def describe(self) -> str:
        if self.source == "session":
            return "set for this session (in memory, not saved)"
        if self.source == "keyring":
            return "set (keyring)"
        if self.source == "env":
            return f"set (env {self.env_var})"
        return "not set"


def _check_provider(provider: str) -> str:
    if provider not in KEY_ENV_VARS:
        known = ", ".join(sorted(KEY_ENV_VARS))
        raise KeyStoreError(f"no provider {provider!r} takes a key (providers with keys: {known})")
    return provider


def how_to_set(provider: str) -> str:
    """User words saying where a key for this provider goes."""
    env = KEY_ENV_VARS.get(provider, f"{provider.upper()}_API_KEY")
    return f"set it with `studio keys set {provider}` or the env var {env}"


def keyring_status() -> tuple[bool, str]:
    """(usable, words): whether a keyring backend works on this machine."""
    import keyring
    from keyring.errors import KeyringError

    try:
        backend = keyring.get_keyring()
        # The fail backend (priority 0) is what keyring picks when nothing else is installed.
        if type(backend).__module__.startswith("keyring.backends.fail"):
            raise KeyringError("no backend")
    except Exception:
        return False, (
            "no keyring backend on this machine: keys are read from environment "
            "variables only (" + ", ".join(sorted(set(KEY_ENV_VARS.values()))) + ")"
        )
    return True, f"keyring: {type(backend).__name__}"


def keyring_install_hint(platform: str | None = None) -> str:
    """What to install so keys can be stored on this kind of system (`platform` as sys.platform)."""
    import sys

    platform = platform or sys.platform
    if platform.startswith("linux") or "bsd" in platform:
        return (
            "To store keys, install a Secret Service keyring and the Python package that talks "
            "to it: GNOME Keyring (e.g. `sudo apt install gnome-keyring`) or KWallet, then "
            "`pip install secretstorage` (for KWallet: `pip install dbus-python`), and log in "
            "to a desktop session that starts it. Then restart the studio."
        )
    if platform == "darwin":
        return (
            "macOS has a keychain; the keyring package could not reach it. Reinstall it "
            "(`pip install --force-reinstall keyring`) and restart the studio."
        )
    if platform.startswith("win"):
        return (
            "Windows has a Credential Locker; the keyring package could not reach it. "
            "Reinstall it (`pip install --force-reinstall keyring pywin32-ctypes`) and restart "
            "the studio."
        )
    return "Install a keyring backend for the Python `keyring` package, then restart the studio."


def set_session_key(provider: str, value: str) -> None:
    """Use a key until the studio quits: kept in memory only, never written anywhere."""
    _check_provider(provider)
    value = value.strip()
    if not value:
        raise KeyStoreError("an empty key was not kept")
    with _lock:
        _session[provider] = value
        _seen.add(value)


def clear_session_key(provider: str) -> bool:
    """Forget a session key; False when there was none."""
    _check_provider(provider)
    with _lock:
        return _session.pop(provider, None) is not None


def _read_session(provider: str) -> str | None:
    with _lock:
        return _session.get(provider)


def _read_keyring(provider: str) -> str | None:
    global _warned_no_keyring
    with _lock:
        cached = _keyring_cache.get(provider, _MISSING)
    if cached is not _MISSING:
        return cached  # type: ignore[return-value]
    import keyring
    from keyring.errors import KeyringError

    value: str | None
    try:
        value = keyring.get_password(SERVICE, provider)
    except KeyringError:
        if not _warned_no_keyring:
            _warned_no_keyring = True
            log.info(keyring_status()[1])
        value = None
    except Exception as exc:  # a broken backend (dbus down...) must not stop the studio
        log.warning(
            "keyring could not be read (%s); using environment variables", type(exc).__name__
        )
        value = None
    with _lock:
        _keyring_cache[provider] = value
    return value


def _read_env(provider: str) -> str | None:
    value = os.environ.get(KEY_ENV_VARS[provider], "").strip()
    return value or None


def get_key(provider: str) -> str | None:
    """The key for a provider (one given for this session, the keyring, then its environment
    variable), or None."""
    if provider not in KEY_ENV_VARS:
        return None
    value = _read_session(provider) or _read_keyring(provider) or _read_env(provider)
    if value:
        with _lock:
            _seen.add(value)
    return value


def key_status(provider: str) -> KeyStatus:
    """Where the key of a provider comes from, without reading it out."""
    _check_provider(provider)
    env = KEY_ENV_VARS[provider]
    if _read_session(provider):
        return KeyStatus(provider, env, "session")
    if _read_keyring(provider):
        return KeyStatus(provider, env, "keyring")
    if _read_env(provider):
        return KeyStatus(provider, env, "env")
    return KeyStatus(provider, env, None)


def set_key(provider: str, value: str) -> None:
    """Store a key in the keyring. Without a keyring backend, says to use the env var instead."""
    _check_provider(provider)
    value = value.strip()
    if not value:
        raise KeyStoreError("an empty key was not stored")
    import keyring

    usable, words = keyring_status()
    if not usable:
        raise KeyStoreError(
            f"cannot store the key: {words}. Set {KEY_ENV_VARS[provider]} in "
            "your environment instead"
        )
    try:
        keyring.set_password(SERVICE, provider, value)
    except Exception as exc:
        raise KeyStoreError(
            f"the keyring refused the key ({type(exc).__name__}); set "
            f"{KEY_ENV_VARS[provider]} in your environment instead"
        ) from None
    with _lock:
        _keyring_cache[provider] = value
        _seen.add(value)


def delete_key(provider: str) -> bool:
    """Remove a provider's key from the keyring; False when there was none there."""
    _check_provider(provider)
    import keyring
    from keyring.errors import PasswordDeleteError

    usable, words = keyring_status()
    if not usable:
        raise KeyStoreError(f"cannot delete from the keyring: {words}")
    try:
        keyring.delete_password(SERVICE, provider)
        removed = True
    except PasswordDeleteError:
        removed = False
    except Exception as exc:
        raise KeyStoreError(f"the keyring refused ({type(exc).__name__})") from None
    with _lock:
        _keyring_cache[provider] = None
    return removed


def forget_cached() -> None:
    """Drop what was read from the keyring (after a backend change, or in tests)."""
    with _lock:
        _keyring_cache.clear()


def redact(text: str) -> str:
    """`text` with every key this process knows (keyring or env) replaced by `***`."""
    secrets = {v for v in (os.environ.get(name, "").strip() for name in KEY_ENV_VARS.values()) if v}
    with _lock:
        secrets |= _seen
        secrets |= set(_session.values())
        secrets |= {v for v in _keyring_cache.values() if isinstance(v, str) and v}
    # Longest first, so a key containing another is scrubbed whole.
    for secret in sorted(secrets, key=len, reverse=True):
        if len(secret) >= 4:
            text = text.replace(secret, "***")
    return text
