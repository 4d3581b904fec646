"""Keys: keyring first, then the environment; no keyring still works and says so."""

from __future__ import annotations

from collections.abc import Iterator

import keyring
import pytest
from fakes.keyring import MemoryKeyring

from studio.providers import keys
from studio.providers.keys import KeyStoreError


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    keys.forget_cached()
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)
        keys.forget_cached()


def test_without_a_keyring_keys_come_from_the_environment(monkeypatch):
    usable, words = keys.keyring_status()
    assert not usable and "no keyring backend" in words and "FAL_KEY" in words
    assert keys.get_key("fal") is None
    assert keys.key_status("fal").describe() == "not set"
    monkeypatch.setenv("FAL_KEY", "fal-env-key-1234")
    assert keys.get_key("fal") == "fal-env-key-1234"
    assert keys.key_status("fal").describe() == "set (env FAL_KEY)"


def test_setting_a_key_without_a_keyring_says_to_use_the_env_var_and_writes_nothing(studio_dirs):
    with pytest.raises(KeyStoreError) as caught:
        keys.set_key("elevenlabs", "el-secret-value")
    assert "ELEVENLABS_API_KEY" in caught.value.args[0]
    assert "el-secret-value" not in caught.value.args[0]
    written = [p for p in studio_dirs.rglob("*") if p.is_file()]
    assert all(b"el-secret-value" not in p.read_bytes() for p in written)


def test_keyring_comes_before_the_environment(memory_keyring, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "from-env-0000")
    keys.set_key("openai", "  from-keyring-1111 \n")
    assert memory_keyring.store[("multimodal-studio", "openai")] == "from-keyring-1111"
    assert keys.get_key("openai") == "from-keyring-1111"
    assert keys.key_status("openai").source == "keyring"
    assert keys.delete_key("openai") is True
    assert keys.delete_key("openai") is False
    assert keys.get_key("openai") == "from-env-0000"


def test_unknown_provider_and_empty_key_are_refused(memory_keyring):
    with pytest.raises(KeyStoreError, match="no provider 'nope'"):
        keys.set_key("nope", "x")
    with pytest.raises(KeyStoreError, match="empty"):
        keys.set_key("fal", "   ")
    assert keys.get_key("ollama") is None  # a local server has no key


def test_redact_scrubs_every_known_key(memory_keyring, monkeypatch):
    monkeypatch.setenv("REPLICATE_API_TOKEN", "r8_envtoken123")
    keys.set_key("bfl", "bfl-keyring-secret")
    text = "auth r8_envtoken123 and bfl-keyring-secret leaked"
    assert keys.redact(text) == "auth *** and *** leaked"


def test_how_to_set_names_the_command_and_the_variable():
    assert keys.how_to_set("replicate") == (
        "set it with `studio keys set replicate` or the env var REPLICATE_API_TOKEN"
    )


# -- `studio keys` ---------------------------------------------------------------------------------
def test_cli_set_reads_without_echo_and_never_prints_the_key(memory_keyring, monkeypatch, capsys):
    from studio.cli import main

    prompts = []
    monkeypatch.setattr("getpass.getpass", lambda prompt: prompts.append(prompt) or "fal-typed-9")
    assert main(["keys", "set", "fal"]) == 0
    out, err = capsys.readouterr()
    assert "fal-typed-9" not in out + err and "stored the fal key in the keyring" in out
    assert prompts == ["fal key (typing is not shown): "]
    assert memory_keyring.store[("multimodal-studio", "fal")] == "fal-typed-9"
    assert main(["keys", "list"]) == 0
    out = capsys.readouterr().out
    assert "fal            set (keyring)" in out and "fal-typed-9" not in out
    assert main(["keys", "delete", "fal"]) == 0
    assert "removed the fal key" in capsys.readouterr().out
    assert ("multimodal-studio", "fal") not in memory_keyring.store


def test_cli_without_a_keyring_points_to_the_env_var(monkeypatch, capsys):
    from studio.cli import main

    monkeypatch.setattr("getpass.getpass", lambda prompt: "el-typed-secret")
    monkeypatch.setenv("ELEVENLABS_API_KEY", "el-env-secret")
    assert main(["keys", "set", "elevenlabs"]) == 2
    out, err = capsys.readouterr()
    assert "Set ELEVENLABS_API_KEY in your environment instead" in err
    assert "secret" not in out + err
    assert main(["keys", "list"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("no keyring backend on this machine")
    assert "elevenlabs     set (env ELEVENLABS_API_KEY)" in out and "el-env-secret" not in out


@pytest.fixture
def no_session_keys() -> Iterator[None]:
    yield
    for provider in keys.KEY_ENV_VARS:
        keys.clear_session_key(provider)


def test_without_a_keyring_a_key_can_be_used_for_this_session_only(
    studio_dirs, monkeypatch, no_session_keys
):
    assert not keys.keyring_status()[0]
    monkeypatch.setenv("FAL_KEY", "fal-env-key-1234")
    keys.set_session_key("fal", "  fal-session-5678 ")
    assert keys.get_key("fal") == "fal-session-5678"  # the one the user just gave wins
    status = keys.key_status("fal")
    assert status.source == "session" and "not saved" in status.describe()
    assert keys.redact("sent fal-session-5678 away") == "sent *** away"
    written = [p for p in studio_dirs.rglob("*") if p.is_file()]
    assert all(b"fal-session-5678" not in p.read_bytes() for p in written)
    assert keys.clear_session_key("fal") is True and keys.clear_session_key("fal") is False
    assert keys.get_key("fal") == "fal-env-key-1234"
    with pytest.raises(KeyStoreError, match="empty"):
        keys.set_session_key("fal", "   ")
    with pytest.raises(KeyStoreError, match="no provider 'nope'"):
        keys.set_session_key("nope", "x")


def test_a_session_key_is_gone_in_a_new_process(no_session_keys):
    import subprocess
    import sys

    keys.set_session_key("openai", "sk-session-only-9999")
    code = "from studio.providers import keys; print(keys.get_key('openai'))"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={k: v for k, v in __import__("os").environ.items() if k != "OPENAI_API_KEY"},
    ).stdout
    assert out.strip() == "None"


@pytest.mark.parametrize(
    ("platform", "words"),
    [
        ("linux", "secretstorage"),
        ("freebsd14", "gnome-keyring"),
        ("darwin", "keychain"),
        ("win32", "Credential Locker"),
    ],
)
def test_the_install_hint_fits_the_system(platform, words):
    assert words in keys.keyring_install_hint(platform)
