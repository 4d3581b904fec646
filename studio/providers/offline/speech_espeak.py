"""The eSpeak NG engine through ctypes, from the `espeakng-loader` wheel (library, voices).

eSpeak NG is a formant synthesiser: robotic but clear, many languages, and far faster than real
time. It speaks the languages no Piper voice is installed for, and stands in when Piper cannot
load. The library keeps global state and is not thread-safe, so a `speaker` holds one lock while
it speaks.

Piper's phonemizer carries its own copy of eSpeak NG inside its extension module; both copies are
loaded privately (RTLD_LOCAL), so each keeps its own state in one process.
"""

from __future__ import annotations

import contextlib
import ctypes
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from studio.errors import Cancelled, ProviderError

if TYPE_CHECKING:
    import numpy as np

PROVIDER_ID = "offline"
ENGINE = "espeak-ng"
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


def _select_voice_locked(lib: Any, voice: str) -> bool:
    """Select by name or language ("en-us"), else by the listed language ("fr-fr") → its file."""
    if voice and lib.espeak_SetVoiceByName(voice.encode("utf-8")) == 0:
        return True
    base, plus, variant = voice.partition("+")
    for info in _voices_locked(lib):
        if base.lower() in (info.language.lower(), info.name.lower()):
            name = info.identifier + (plus + variant if plus else "")
            if lib.espeak_SetVoiceByName(name.encode("utf-8")) == 0:
                return True
    return False


def has_voice(voice: str) -> bool:
    """Whether eSpeak NG can speak with `voice` (a language such as "en-us", or a voice name)."""
    with _LOCK:
        return bool(voice) and _select_voice_locked(_engine().lib, voice)


def sample_rate() -> int:
    with _LOCK:
        return _engine().sample_rate


class Speaker:
    """eSpeak NG set to one voice, rate and pitch; `speak` returns one text's samples."""

    def __init__(self, engine: _Engine) -> None:
        self._engine = engine
        self.sample_rate = engine.sample_rate

    def speak(self, text: str, should_stop: Callable[[], bool]) -> np.ndarray:
        """The spoken `text` as float32 mono samples in -1..1; raises Cancelled on a stop."""
        import numpy as np

        engine, lib = self._engine, self._engine.lib
        parts: list[np.ndarray] = []
        stopped = False
        failure: list[BaseException] = []

        def sink(wav: Any, count: int) -> int:
            # An exception must not escape into C (ctypes would print and ignore it, and the
            # synthesis would go on): keep it, stop eSpeak, and raise it once Synth returns.
            nonlocal stopped
            try:
                if should_stop():
                    stopped = True
                    return 1
                if wav and count > 0:
                    samples = np.ctypeslib.as_array(wav, shape=(count,))
                    parts.append(samples.astype(np.float32) / 32768.0)
                return 0
            except BaseException as exc:
                failure.append(exc)
                return 1

        engine.sink = sink
        try:
            data = text.encode("utf-8")
            status = lib.espeak_Synth(
                data, len(data) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8 | _ENDPAUSE, None, None
            )
        finally:
            engine.sink = None
        if failure:
            raise failure[0]
        if stopped or should_stop():
            raise Cancelled("cancelled")
        if status != 0:
            raise ProviderError(f"eSpeak NG failed (error {status})", provider=PROVIDER_ID)
        return np.concatenate(parts) if parts else np.zeros(0, np.float32)


@contextlib.contextmanager
def speaker(voice: str, *, rate: float = 1.0, pitch: float = 0.5) -> Iterator[Speaker]:
    """Hold the engine for one text: the voice, rate and pitch are global state of the library.

    rate: 1.0 is the voice's normal speed (175 words a minute); pitch: 0..1, 0.5 is normal.
    Raises LookupError when eSpeak NG has no such voice.
    """
    with _LOCK:
        engine = _engine()
        lib = engine.lib
        if not voice or not _select_voice_locked(lib, voice):
            raise LookupError(voice)
        words_per_minute = round(min(_RATE_MAX, max(_RATE_MIN, _RATE_NORMAL * float(rate))))
        lib.espeak_SetParameter(_PARAM_RATE, words_per_minute, 0)
        lib.espeak_SetParameter(_PARAM_PITCH, round(min(1.0, max(0.0, float(pitch))) * 100), 0)
        yield Speaker(engine)
