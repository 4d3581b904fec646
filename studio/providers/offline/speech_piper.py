"""The Piper engine: VITS voices on onnxruntime (`piper-tts`), one sentence at a time.

A voice is loaded once per process (about half a second) after its files have passed their digest
check, and kept: later texts only pay for the speaking. One onnxruntime session runs on one
intra-op thread by default: the studio runs several nodes at once on few cores, and on a busy
2-core machine one thread per session was faster than two (STUDIO_PIPER_THREADS overrides it).
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING, Any

from studio.providers.offline.voices import PiperVoice, VoiceError, check_digests

if TYPE_CHECKING:
    import numpy as np

ENGINE = "piper"
GAIN = 1.4  # these voices peak near 0.65 unnormalised
PEAK = 0.98

_LOADED: dict[tuple[str, str], Any] = {}
_LOAD_LOCK = threading.Lock()


class PiperUnavailable(Exception):
    """Piper cannot speak with this voice here (not installed, a bad file, a failed load)."""


def piper_version() -> str | None:
    """The installed piper-tts version, or None: part of the offline speech cache identity."""
    from importlib import metadata

    try:
        return metadata.version("piper-tts")
    except metadata.PackageNotFoundError:
        return None


def _threads() -> int:
    try:
        return max(1, int(os.environ.get("STUDIO_PIPER_THREADS", "1")))
    except ValueError:
        return 1


def load(voice: PiperVoice) -> Any:
    """The loaded `piper.PiperVoice` for `voice`, checked and cached; PiperUnavailable if not."""
    cache_key = (str(voice.model), voice.sha256.get("model", ""))
    with _LOAD_LOCK:
        loaded = _LOADED.get(cache_key)
        if loaded is not None:
            return loaded
        try:
            check_digests(voice)
        except VoiceError as exc:
            raise PiperUnavailable(str(exc)) from None
        loaded = load_files(voice)
        _LOADED[cache_key] = loaded
        return loaded


def load_files(voice: PiperVoice) -> Any:
    """Load a voice's model with onnxruntime (no digest check: `voices add` uses it to test)."""
    try:
        import onnxruntime
        from piper import PiperVoice as Loaded
        from piper.config import PiperConfig
    except ImportError as exc:
        raise PiperUnavailable(f"piper-tts is not installed ({exc.name})") from None
    import json

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = _threads()
    options.inter_op_num_threads = 1
    try:
        config = PiperConfig.from_dict(json.loads(voice.config.read_text(encoding="utf-8")))
        session = onnxruntime.InferenceSession(
            str(voice.model), sess_options=options, providers=["CPUExecutionProvider"]
        )
    except Exception as exc:  # onnxruntime raises its own types for a bad model
        raise PiperUnavailable(f"{voice.model.name} could not be loaded ({exc})") from None
    return Loaded(session=session, config=config)


class Speaker:
    """One loaded voice at one speed; `speak` returns one text's samples."""

    def __init__(self, voice: PiperVoice, *, rate: float = 1.0) -> None:
        self.voice = voice
        self._loaded = load(voice)
        self.sample_rate = int(self._loaded.config.sample_rate)
        from piper import SynthesisConfig

        # Piper's length_scale is a duration factor: twice as fast is half as long. Its own
        # normalisation lifts every sentence to full scale, so loud and quiet sentences end up
        # alike; a fixed gain (applied here, after Piper's own clipping) keeps their balance.
        self._config = SynthesisConfig(
            length_scale=1.0 / min(2.5, max(0.5, float(rate))), normalize_audio=False
        )

    def speak(self, text: str) -> np.ndarray:
        """The spoken `text` as float32 mono samples in -1..1 (Piper phonemizes with its own
        eSpeak NG, which may split the text further: the parts are joined)."""
        import numpy as np

        parts = [
            chunk.audio_float_array.astype(np.float32, copy=False)
            for chunk in self._loaded.synthesize(text, syn_config=self._config)
        ]
        audio = np.concatenate(parts) * GAIN if parts else np.zeros(0, np.float32)
        peak = float(np.abs(audio).max()) if audio.size else 0.0
        if peak > PEAK:  # Piper clips at 1.0: turn a hot sentence down instead
            audio *= PEAK / peak
        return audio
