"""Offline speech: eSpeak NG through ctypes, from the `espeakng-loader` wheel (library, voices).

eSpeak NG is a formant synthesiser: robotic but clear, many languages, and far faster than real
time. The library keeps global state and is not thread-safe, so every call holds one lock.

Long texts are spoken in chunks of whole sentences, streamed straight into the WAV file (never
held in memory), with progress per chunk and cancellation between audio buffers. Up to
MAX_CHARACTERS (about three hours of speech) are accepted: a whole chapter of a book is a fair
thing to ask for, while anything longer is better split across several nodes, where the cache can
keep the parts that did not change.
"""

from __future__ import annotations

import ctypes
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from studio.errors import Cancelled, ProviderError

PROVIDER_ID = "offline"
MAX_CHARACTERS = 200_000
CHUNK_CHARACTERS = 2_000
DEFAULT_VOICE = "en-us"
# A short list for the node's menu; every entry is checked against espeak_ListVoices in the tests.
COMMON_VOICES = (
    "en-us",
    "en-us+f3",
    "en-gb",
    "en-gb+f3",
    "de",
    "fr-fr",
    "es",
    "it",
    "pt",
    "pt-br",
    "nl",
    "sv",
    "pl",
    "ru",
    "cmn",
    "ja",
    "hi",
)

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_DONT_EXIT = 0x8000
_CHARS_UTF8 = 1
_ENDPAUSE = 0x1000
_POS_CHARACTER = 1
_PARAM_RATE = 1
_PARAM_PITCH = 3
_RATE_NORMAL, _RATE_MIN, _RATE_MAX = 175, 80, 450

_SYNTH_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)


class _Voice(ctypes.Structure):
    _fields_ = [
        ("name", ctypes.c_char_p),
        ("languages", ctypes.c_void_p),
        ("identifier", ctypes.c_char_p),
        ("gender", ctypes.c_ubyte),
        ("age", ctypes.c_ubyte),
        ("variant", ctypes.c_ubyte),
        ("xx1", ctypes.c_ubyte),
        ("score", ctypes.c_int),
        ("spare", ctypes.c_void_p),
    ]


@dataclass(frozen=True)
class VoiceInfo:
    name: str  # "English (America)"
    language: str  # "en-us": what SpeechRequest.voice takes
    identifier: str  # the voice file, "gmw/en-US"
    gender: str  # "male", "female" or ""


class _Engine:
    """The loaded library. Create through `_engine()`, use only while holding `_LOCK`."""

    def __init__(self) -> None:
        try:
            import espeakng_loader
        except ImportError:
            raise ProviderError(
                "eSpeak NG is not installed: pip install espeakng-loader", provider=PROVIDER_ID
            ) from None
        library_path = espeakng_loader.get_library_path()
        data_path = espeakng_loader.get_data_path()
        try:
            lib = ctypes.CDLL(str(library_path))
        except OSError as exc:
            raise ProviderError(f"eSpeak NG could not load ({exc})", provider=PROVIDER_ID) from None
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_SetSynthCallback.argtypes = [_SYNTH_CALLBACK]
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetVoiceByName.restype = ctypes.c_int
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_SetParameter.restype = ctypes.c_int
        lib.espeak_Synth.argtypes = [
            ctypes.c_char_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_void_p,
            ctypes.c_void_p,
        ]
        lib.espeak_Synth.restype = ctypes.c_int
        lib.espeak_ListVoices.argtypes = [ctypes.c_void_p]
        lib.espeak_ListVoices.restype = ctypes.POINTER(ctypes.POINTER(_Voice))
        rate = lib.espeak_Initialize(
            _AUDIO_OUTPUT_SYNCHRONOUS, 0, str(data_path).encode(), _INITIALIZE_DONT_EXIT
        )
        if rate <= 0:
            raise ProviderError(
                f"eSpeak NG could not start: no voice data in {data_path}", provider=PROVIDER_ID
            )
        self.lib = lib
        self.sample_rate = int(rate)
        # The current request's sink; the C callback below forwards buffers to it.
        self.sink: Callable[[Any, int], int] | None = None
        self._callback = _SYNTH_CALLBACK(self._on_audio)  # kept alive as long as the engine
        lib.espeak_SetSynthCallback(self._callback)

    def _on_audio(self, wav: Any, count: int, _events: Any) -> int:
        if self.sink is None:
            return 1
        return self.sink(wav, count)


_LOCK = threading.Lock()
_ENGINE: _Engine | None = None


def _engine() -> _Engine:
    global _ENGINE
    if _ENGINE is None:
        _ENGINE = _Engine()
    return _ENGINE


def list_voices() -> list[VoiceInfo]:
    """Every voice eSpeak NG offers here, by language code."""
    with _LOCK:
        return _voices_locked(_engine().lib)


def _voices_locked(lib: Any) -> list[VoiceInfo]:
    array = lib.espeak_ListVoices(None)
    voices = []
    index = 0
    while array[index]:
        voice = array[index].contents
        languages = ctypes.string_at(voice.languages, 64) if voice.languages else b""
        # "languages" is a priority byte, then a NUL-terminated name (then more pairs).
        language = languages[1:].split(b"\0", 1)[0].decode("utf-8", "replace")
        voices.append(
            VoiceInfo(
                name=(voice.name or b"").decode("utf-8", "replace"),
                language=language,
                identifier=(voice.identifier or b"").decode("utf-8", "replace"),
                gender={1: "male", 2: "female"}.get(voice.gender, ""),
            )
        )
        index += 1
    return voices


def _select_voice_locked(lib: Any, voice: str) -> None:
    """Select by name or language ("en-us"), else by the listed language ("fr-fr") → its file."""
    if voice and lib.espeak_SetVoiceByName(voice.encode("utf-8")) == 0:
        return
    base, plus, variant = voice.partition("+")
    for info in _voices_locked(lib):
        if base.lower() in (info.language.lower(), info.name.lower()):
            name = info.identifier + (plus + variant if plus else "")
            if lib.espeak_SetVoiceByName(name.encode("utf-8")) == 0:
                return
    raise ProviderError(_unknown_voice(voice), provider=PROVIDER_ID)


def sample_rate() -> int:
    with _LOCK:
        return _engine().sample_rate


def split_text(text: str, limit: int = CHUNK_CHARACTERS) -> list[str]:
    """Whole sentences (or, for a run-on text, whole words) of at most about `limit` characters."""
    sentences = re.split(r"(?<=[.!?;:。！？])\s+|\n\s*\n", text)
    chunks: list[str] = []
    current = ""
    for sentence in sentences:
        sentence = sentence.strip()
        if not sentence:
            continue
        while len(sentence) > limit:
            cut = sentence.rfind(" ", 0, limit)
            cut = cut if cut > limit // 2 else limit
            chunks, current = _push(chunks, current, sentence[:cut].strip(), limit)
            sentence = sentence[cut:].strip()
        chunks, current = _push(chunks, current, sentence, limit)
    if current:
        chunks.append(current)
    return chunks


def _push(chunks: list[str], current: str, piece: str, limit: int) -> tuple[list[str], str]:
    if current and len(current) + 1 + len(piece) > limit:
        chunks.append(current)
        return chunks, piece
    return chunks, f"{current} {piece}".strip()


def synthesize(
    text: str,
    out: Path,
    *,
    voice: str = DEFAULT_VOICE,
    rate: float = 1.0,
    pitch: float = 0.5,
    progress: Callable[[float | None, str], Any] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> float:
    """Speak `text` into a 16-bit mono WAV at eSpeak's rate (22050 Hz). Returns the seconds spoken.

    rate: 1.0 is the voice's normal speed (175 words a minute), 0.5..2.5 sensible.
    pitch: 0..1, 0.5 is the voice's normal pitch.
    Raises ProviderError for empty or over-long text and unknown voices, Cancelled when
    `should_stop()` turns true (no file is left at `out` then).
    """
    import numpy as np

    from studio.media.audio_io import WavWriter

    text = text.strip()
    if not text:
        raise ProviderError("there is nothing to say: the text is empty", provider=PROVIDER_ID)
    if len(text) > MAX_CHARACTERS:
        raise ProviderError(
            f"the text has {len(text):,} characters; offline speech takes at most "
            f"{MAX_CHARACTERS:,} (about three hours) in one node. Split it across several "
            "speech nodes.",
            provider=PROVIDER_ID,
        )
    chunks = split_text(text)
    stop = should_stop or (lambda: False)
    with _LOCK:
        engine = _engine()
        lib = engine.lib
        _select_voice_locked(lib, voice)
        words_per_minute = round(min(_RATE_MAX, max(_RATE_MIN, _RATE_NORMAL * float(rate))))
        lib.espeak_SetParameter(_PARAM_RATE, words_per_minute, 0)
        lib.espeak_SetParameter(_PARAM_PITCH, round(min(1.0, max(0.0, float(pitch))) * 100), 0)
        writer = WavWriter(out, sample_rate=engine.sample_rate, channels=1)
        stopped = False

        def sink(wav: Any, count: int) -> int:
            nonlocal stopped
            if stop():
                stopped = True
                return 1
            if wav and count > 0:
                samples = np.ctypeslib.as_array(wav, shape=(count,)).astype(np.float32)
                writer.write(samples / 32768.0)
            return 0

        engine.sink = sink
        try:
            for index, chunk in enumerate(chunks):
                if progress is not None:
                    progress(index / len(chunks), f"speaking part {index + 1} of {len(chunks)}")
                data = chunk.encode("utf-8")
                status = lib.espeak_Synth(
                    data, len(data) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8 | _ENDPAUSE, None, None
                )
                if stopped or stop():
                    raise Cancelled("cancelled")
                if status != 0:
                    raise ProviderError(f"eSpeak NG failed (error {status})", provider=PROVIDER_ID)
            if writer.frames_written == 0:
                raise ProviderError(
                    "eSpeak NG produced no sound for this text", provider=PROVIDER_ID
                )
            seconds = writer.frames_written / engine.sample_rate
            writer.commit()
        except BaseException:
            writer.abort()
            raise
        finally:
            engine.sink = None
    if progress is not None:
        progress(1.0, "spoken")
    return seconds


def _unknown_voice(voice: str) -> str:
    return (
        f"there is no offline voice {voice!r}; try one of {', '.join(COMMON_VOICES)} "
        "(add +f1..+f4 for a female variant, e.g. en-us+f3)"
    )
