"""Offline speech: Piper's neural voices first, eSpeak NG for other languages and as fallback.

Which engine speaks (`choose`):
- a Piper voice by name or key ("joe", "en_US-joe-medium"), or a language that an installed Piper
  voice speaks ("en-us", "en") → Piper;
- a language no Piper voice speaks ("fr-fr") → eSpeak NG, with a warning saying how to get a
  natural voice; the engine "espeak-ng" asks for eSpeak outright (no warning);
- Piper that cannot run (piper-tts missing, a voice whose files fail their digest check, a model
  onnxruntime cannot load) → eSpeak NG in the voice's language, with a warning saying why.

Texts are spoken sentence by sentence (long sentences in parts), streamed into the WAV file with
progress and a cancel check per sentence, so up to MAX_CHARACTERS (about three hours of speech)
never sit in memory. Each sentence's audible start and end are measured from its samples and
returned, so captions can change exactly when the voice does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studio.errors import Cancelled, ProviderError
from studio.media.captions import split_words
from studio.providers.offline import speech_espeak, voices
from studio.providers.offline.speech_espeak import COMMON_VOICES

if TYPE_CHECKING:
    import numpy as np

PROVIDER_ID = "offline"
ENGINES = ("piper", "espeak-ng")
MAX_CHARACTERS = 200_000
SENTENCE_CHARACTERS = 400  # longer sentences are spoken in parts (Piper's memory grows with it)
DEFAULT_VOICE = "en-us"
PIPER_PAUSE = 0.3  # seconds of silence after each sentence (eSpeak adds its own)
HOW_TO_GET = "studio voices download NAME (or Settings ▸ Voices)"

__all__ = ["COMMON_VOICES", "ENGINES", "SpeechResult", "synthesize", "voice_suggestions"]

# After a sentence's end mark, or after the quote or bracket closing it.
_SENTENCE_END = re.compile(r"(?<=[.!?…。！？])\s+|(?<=[.!?…。！？][\"'”’)\]])\s+|\n\s*\n")
_SOFT_BREAK = re.compile(r"(?<=[,;:—–])\s+")


@dataclass
class SpeechResult:
    """What was spoken: the length, which engine and voice, and when each sentence sounded."""

    seconds: float
    engine: str  # "piper" or "espeak-ng"
    voice: str  # "en_US-joe-medium" or "en-us"
    sample_rate: int
    sentences: list[tuple[float, float, str]] = field(default_factory=list)  # start, end, text
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Choice:
    """The engine and voice that will speak, and what the user should hear about it."""

    engine: str
    piper_voice: voices.PiperVoice | None
    espeak_voice: str
    warnings: tuple[str, ...] = ()


def voice_suggestions() -> tuple[str, ...]:
    """The speech node's menu: installed Piper voices by name first, then eSpeak's languages."""
    piper = tuple(dict.fromkeys(v.name for v in voices.installed_voices()))
    return piper + COMMON_VOICES


# -- splitting -----------------------------------------------------------------------------------
def split_sentences(text: str, limit: int = SENTENCE_CHARACTERS) -> list[str]:
    """Sentences in order; one longer than `limit` is cut at commas and dashes, then at words."""
    pieces: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        sentence = " ".join(sentence.split())
        if not sentence:
            continue
        if len(sentence) <= limit:
            pieces.append(sentence)
            continue
        current = ""
        for part in _SOFT_BREAK.split(sentence):
            for group in split_words(part, limit):
                if current and len(current) + 1 + len(group) > limit:
                    pieces.append(current)
                    current = group
                else:
                    current = f"{current} {group}".strip()
            if current and len(current) > limit // 2:
                pieces.append(current)
                current = ""
        if current:
            pieces.append(current)
    return pieces


# -- choosing the engine -------------------------------------------------------------------------
def choose(voice: str, engine: str | None = None) -> Choice:
    """Which engine and voice speak `voice` (see the module docstring). Raises ProviderError for
    a voice neither engine has, saying which voice and how to get it."""
    wanted = (voice or DEFAULT_VOICE).strip()
    if engine not in (None, "", *ENGINES):
        raise ProviderError(
            f"has no speech engine {engine!r} (it has: {', '.join(ENGINES)})", provider=PROVIDER_ID
        )
    installed = voices.installed_voices()
    piper_voice = voices.find_voice(wanted, installed) or voices.voice_for_language(
        wanted, installed
    )
    if engine == "espeak-ng":
        # A Piper voice's name asks eSpeak for that voice's language.
        named = voices.find_voice(wanted, installed)
        espeak_voice = named.espeak_language if named is not None else wanted
        return Choice("espeak-ng", None, _espeak_or_fail(espeak_voice, wanted))
    if piper_voice is not None:
        return Choice("piper", piper_voice, piper_voice.espeak_language)
    if voices.looks_like_voice_key(wanted):
        raise ProviderError(
            f"the Piper voice {wanted!r} is not installed: get it with "
            f"`studio voices download {wanted}` or in Settings ▸ Voices",
            provider=PROVIDER_ID,
        )
    espeak_voice = _espeak_or_fail(wanted, wanted)
    warning = (
        f"no Piper voice for {wanted!r} is installed, so eSpeak NG spoke it (a clear but "
        f"robotic voice). For a natural voice install a Piper voice for this language: "
        f"{HOW_TO_GET}; `studio voices download --list` shows them."
    )
    return Choice("espeak-ng", None, espeak_voice, (warning,))


def _espeak_or_fail(espeak_voice: str, asked: str) -> str:
    if speech_espeak.has_voice(espeak_voice):
        return espeak_voice
    piper_names = ", ".join(v.name for v in voices.installed_voices()) or "none installed"
    raise ProviderError(
        f"there is no offline voice {asked!r}: it is neither an installed Piper voice "
        f"({piper_names}) nor an eSpeak NG language (such as {', '.join(COMMON_VOICES[:6])}; "
        f"+f1..+f4 makes a female variant). To add a Piper voice: {HOW_TO_GET}.",
        provider=PROVIDER_ID,
    )


# -- speaking ------------------------------------------------------------------------------------
def synthesize(
    text: str,
    out: Path,
    *,
    voice: str = DEFAULT_VOICE,
    engine: str | None = None,
    rate: float = 1.0,
    pitch: float = 0.5,
    progress: Callable[[float | None, str], Any] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> SpeechResult:
    """Speak `text` into a 16-bit mono WAV at `out` (atomically), sentence by sentence.

    engine: None or "piper" (Piper where it can, see `choose`), or "espeak-ng".
    rate: 1.0 is the voice's normal speed, 0.5..2.5 sensible. pitch: 0..1, 0.5 is the voice's own
    (eSpeak NG only: Piper voices have no pitch control, which the result's warnings say).
    Raises ProviderError for empty or over-long text, an unknown voice or an output that cannot
    be written, and Cancelled when `should_stop()` turns true; no file is left at `out` then.
    """
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
    choice = choose(voice, engine)
    sentences = split_sentences(text)
    stop = should_stop or (lambda: False)
    warnings = list(choice.warnings)
    piper_voice = choice.piper_voice
    if piper_voice is not None:
        from studio.providers.offline import speech_piper

        try:
            speaker = speech_piper.Speaker(piper_voice, rate=rate)
        except speech_piper.PiperUnavailable as exc:
            warnings.append(
                f"the Piper voice {piper_voice.name} could not be used ({exc}), so "
                "eSpeak NG spoke instead (a robotic voice)"
            )
            choice = Choice("espeak-ng", None, _espeak_or_fail(choice.espeak_voice, voice))
        else:
            if abs(float(pitch) - 0.5) > 1e-6:
                warnings.append(
                    f"Piper voices have no pitch control: pitch {pitch:g} was not applied "
                    "(choose the eSpeak NG engine to change the pitch)"
                )
            result = _speak_all(
                speaker.speak, speaker.sample_rate, PIPER_PAUSE, sentences, out, progress, stop
            )
            return _finish(result, "piper", piper_voice.key, warnings, progress)
    try:
        with speech_espeak.speaker(choice.espeak_voice, rate=rate, pitch=pitch) as espeak:
            result = _speak_all(
                lambda sentence: espeak.speak(sentence, stop),
                espeak.sample_rate,
                0.0,
                sentences,
                out,
                progress,
                stop,
            )
    except LookupError:
        _espeak_or_fail(choice.espeak_voice, voice)  # raises the error a user can act on
        raise
    return _finish(result, "espeak-ng", choice.espeak_voice, warnings, progress)


def _finish(
    result: SpeechResult,
    engine: str,
    voice: str,
    warnings: list[str],
    progress: Callable[[float | None, str], Any] | None,
) -> SpeechResult:
    result.engine, result.voice, result.warnings = engine, voice, warnings
    if progress is not None:
        progress(1.0, "spoken")
    return result


def _speak_all(
    speak: Callable[[str], np.ndarray],
    sample_rate: int,
    pause: float,
    sentences: list[str],
    out: Path,
    progress: Callable[[float | None, str], Any] | None,
    stop: Callable[[], bool],
) -> SpeechResult:
    import numpy as np

    from studio.media.audio_io import WavWriter

    try:
        writer = WavWriter(out, sample_rate=sample_rate, channels=1)
    except OSError as exc:
        raise _write_error(out, exc) from None
    timings: list[tuple[float, float, str]] = []
    silence = np.zeros(round(pause * sample_rate), np.float32)
    every = max(1, len(sentences) // 200)  # at most about 200 progress events
    try:
        for index, sentence in enumerate(sentences):
            if stop():
                raise Cancelled("cancelled")
            if progress is not None and index % every == 0:
                progress(index / len(sentences), f"sentence {index + 1} of {len(sentences)}")
            audio = speak(sentence)
            first, last = voiced_span(audio, sample_rate)
            offset = writer.frames_written
            if last > first:
                timings.append(
                    (
                        round((offset + first) / sample_rate, 3),
                        round((offset + last) / sample_rate, 3),
                        sentence,
                    )
                )
            try:
                writer.write(audio)
                if silence.size and index + 1 < len(sentences):
                    writer.write(silence)
            except OSError as exc:
                raise _write_error(out, exc) from None
        if not timings:
            raise ProviderError("the voice produced no sound for this text", provider=PROVIDER_ID)
        seconds = writer.frames_written / sample_rate
        try:
            writer.commit()
        except OSError as exc:
            raise _write_error(out, exc) from None
    except BaseException:
        writer.abort()
        raise
    return SpeechResult(seconds, "", "", sample_rate, timings)


def _write_error(out: Path, exc: OSError) -> ProviderError:
    reason = exc.strerror or str(exc)
    return ProviderError(
        f"could not write the speech to {out.parent} ({reason}); nothing was kept",
        provider=PROVIDER_ID,
    )


def voiced_span(audio: np.ndarray, sample_rate: int) -> tuple[int, int]:
    """The first and last sample of the audible part: 10 ms windows louder than 40 dB below the
    loudest one (and above a floor, so a silent clip has no span)."""
    import numpy as np

    window = max(1, sample_rate // 100)
    count = len(audio) // window
    if count == 0:
        return (0, 0)
    frames = audio[: count * window].reshape(count, window).astype(np.float64)
    rms = np.sqrt(np.mean(frames**2, axis=1))
    threshold = max(float(rms.max()) * 0.01, 1e-3)
    loud = np.flatnonzero(rms > threshold)
    if loud.size == 0:
        return (0, 0)
    return (int(loud[0]) * window, int(loud[-1] + 1) * window)
