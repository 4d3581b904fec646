"""Installing Piper voices into the user's voices folder: from a file pair, or downloaded.

Both ways stage the files in a private folder inside the voices folder, check them (the config
parses, the model loads, a test sentence speaks), then move them into place and write the
manifest (`KEY.voice.json`, with their sha256 digests) last: until the manifest exists the files
are not a voice, so a failed or cut-short install never becomes one. Downloads come from the
public Piper voices repository, whose `voices.json` lists every file's size and md5; the base URL
is `STUDIO_PIPER_VOICES_URL` when set (the tests point it at a local server).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from studio.providers.offline import voices
from studio.providers.offline.voices import MANIFEST_SUFFIX, PiperVoice, VoiceError

URL_ENV = "STUDIO_PIPER_VOICES_URL"
DEFAULT_BASE_URL = "https://huggingface.co/rhasspy/piper-voices/resolve/main"
TEST_SENTENCE = "This voice is ready to speak."
Progress = Callable[[int, int | None, str], Any] | None  # bytes done, total, file name


def base_url() -> str:
    return (os.environ.get(URL_ENV) or DEFAULT_BASE_URL).rstrip("/")


# -- adding a file pair --------------------------------------------------------------------------
def add_voice(model: Path, *, check: bool = True) -> PiperVoice:
    """Install `model` (KEY.onnx, with KEY.onnx.json beside it) into the voices folder.

    A MODEL_CARD beside the model gives the licence. Raises VoiceError saying what is wrong.
    """
    model = Path(model)
    if model.suffix != ".onnx":
        raise VoiceError(f"{model.name} is not a Piper voice model (expected a .onnx file)")
    if not model.is_file():
        raise VoiceError(f"{model} does not exist")
    config = model.with_name(model.name + ".json")
    voices.read_config(config)  # a clear error before anything is copied
    with _staging() as staging:
        for source in (model, config):
            shutil.copyfile(source, staging / source.name)
        card = model.with_name("MODEL_CARD")
        licence = "unknown (no MODEL_CARD beside it)"
        if card.is_file():
            shutil.copyfile(card, staging / card.name)
            licence = voices.licence_from_card(card)
        return _install(staging, model.name.removesuffix(".onnx"), licence, f"added from {model}")


# -- downloading ---------------------------------------------------------------------------------
async def catalogue(base: str | None = None) -> dict[str, Any]:
    """The repository's voices.json: {key: {name, language, quality, files: {...}}}."""
    client = _client(base)
    data = await client.request_json("GET", "voices.json")
    if not isinstance(data, dict):
        raise VoiceError(f"{client.url('voices.json')} is not a Piper voices list")
    return data


def find_entry(data: dict[str, Any], wanted: str) -> tuple[str, dict[str, Any]]:
    """The catalogue entry for a key ("en_GB-alba-medium") or a name only one voice has."""
    if wanted in data:
        return wanted, data[wanted]
    lowered = wanted.lower()
    named = [
        k
        for k, v in data.items()
        if isinstance(v, dict) and lowered == str(v.get("name", "")).lower()
    ]
    if len(named) == 1:
        return named[0], data[named[0]]
    if named:
        raise VoiceError(f"several voices are called {wanted!r}: {', '.join(sorted(named))}")
    close = sorted(k for k in data if lowered in k.lower())[:8]
    hint = f" (did you mean {', '.join(close)}?)" if close else " (`studio voices download --list`)"
    raise VoiceError(f"the Piper voices repository has no voice {wanted!r}{hint}")


async def download_voice(
    wanted: str, *, base: str | None = None, progress: Progress = None
) -> PiperVoice:
    """Download a voice by key or name, check every file's size and md5, and install it."""
    client = _client(base)
    key, entry = find_entry(await catalogue(base), wanted)
    files = entry.get("files") if isinstance(entry, dict) else None
    if not isinstance(files, dict):
        raise VoiceError(f"the voices list has no files for {key}")
    wanted_names = {f"{key}.onnx", f"{key}.onnx.json", "MODEL_CARD"}
    chosen = {path: facts for path, facts in files.items() if Path(path).name in wanted_names}
    if {Path(p).name for p in chosen} < {f"{key}.onnx", f"{key}.onnx.json"}:
        raise VoiceError(f"the voices list does not name {key}.onnx and its .onnx.json")
    with _staging() as staging:
        expected_md5: dict[str, str] = {}
        for path, facts in sorted(chosen.items()):
            name = Path(path).name
            facts = facts if isinstance(facts, dict) else {}
            expected_md5[name] = str(facts.get("md5_digest") or "").lower()
            if not expected_md5[name]:
                raise VoiceError(f"the voices list gives no md5 for {name}: it cannot be checked")

            def report(done: int, total: int | None, name: str = name) -> None:
                if progress is not None:
                    progress(done, total, name)

            await client.download(
                path, staging / name, expected_size=facts.get("size_bytes"), progress=report
            )
        # Hashing 60 MB and test-speaking take a second or two: off the event loop (the GUI).
        return await asyncio.to_thread(
            _check_and_install, staging, key, expected_md5, client.url(f"{key}.onnx")
        )


def _check_and_install(
    staging: Path, key: str, expected_md5: dict[str, str], origin: str
) -> PiperVoice:
    for name, expected in expected_md5.items():
        actual = _md5(staging / name)
        if actual != expected:
            raise VoiceError(
                f"{name} does not match the md5 the voices list gives "
                f"(expected {expected[:12]}…, got {actual[:12]}…); nothing was installed"
            )
    card = staging / "MODEL_CARD"
    licence = voices.licence_from_card(card) if card.is_file() else "unknown (no MODEL_CARD)"
    return _install(staging, key, licence, origin)


def _client(base: str | None) -> Any:
    from studio.providers.http.client import ProviderClient

    return ProviderClient(
        provider="piper-voices",
        title="the Piper voices repository",
        base_url=base or base_url(),
        url_env=URL_ENV,
    )


# -- the common last steps -----------------------------------------------------------------------
@contextlib.contextmanager
def _staging() -> Any:
    folder = voices.voices_dir()
    folder.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".installing-", dir=folder))
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _install(staging: Path, key: str, licence: str, origin: str) -> PiperVoice:
    """Check the staged voice speaks, then move it into place with its manifest written last."""
    from studio.providers.offline.speech_piper import PiperUnavailable, load_files

    model, config = staging / f"{key}.onnx", staging / f"{key}.onnx.json"
    digests = {"model": voices.file_sha256(model), "config": voices.file_sha256(config)}
    staged = voices.voice_from_files(
        model, config, source="user", sha256=digests, licence=licence, origin=origin
    )
    try:
        seconds = _speak_test(load_files(staged))
    except PiperUnavailable as exc:
        raise VoiceError(str(exc)) from None
    if seconds < 0.3:
        raise VoiceError(f"{model.name} loads but did not speak the test sentence")
    folder = voices.voices_dir()
    manifest = folder / f"{key}{MANIFEST_SUFFIX}"
    manifest.unlink(missing_ok=True)  # the old voice of that name stops counting first
    for name in (model.name, config.name, "MODEL_CARD"):
        if (staging / name).is_file():
            target = folder / (name if name != "MODEL_CARD" else f"{key}.MODEL_CARD")
            os.replace(staging / name, target)
    from studio.atomic import write_text_atomic

    record = {
        "key": key,
        "sha256": digests,
        "licence": licence,
        "origin": origin,
        "installed": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    write_text_atomic(manifest, json.dumps(record, indent=2, sort_keys=True) + "\n")
    return voices.voice_from_manifest(manifest)


def _speak_test(loaded: Any) -> float:
    """Seconds of audible sound the loaded voice makes of the test sentence."""
    import numpy as np

    audio = [chunk.audio_float_array for chunk in loaded.synthesize(TEST_SENTENCE)]
    if not audio:
        return 0.0
    samples = np.concatenate(audio)
    if float(np.sqrt(np.mean(samples.astype(np.float64) ** 2))) < 0.005:
        return 0.0  # silence is not speech
    return len(samples) / float(loaded.config.sample_rate)


def _md5(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
