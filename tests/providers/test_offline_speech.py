"""Offline speech through eSpeak NG: real WAVs, voices, long texts, cancellation."""

from __future__ import annotations

import threading
import wave

import numpy as np
import pytest

from studio.errors import Cancelled, ProviderError
from studio.providers.offline import speech


def _read(path):
    with wave.open(str(path), "rb") as wav:
        frames = wav.readframes(wav.getnframes())
        return wav.getframerate(), wav.getnchannels(), np.frombuffer(frames, "<i2")


def test_speaks_a_sentence_into_a_mono_wav(tmp_path):
    seconds = speech.synthesize("Hello. The lighthouse keeps its watch.", tmp_path / "a.wav")
    rate, channels, samples = _read(tmp_path / "a.wav")
    assert (rate, channels) == (22050, 1)
    assert seconds == pytest.approx(len(samples) / rate)
    assert 1.0 < seconds < 6.0
    rms = np.sqrt(np.mean(samples.astype(np.float64) ** 2)) / 32768
    assert rms > 0.02  # not silent
    assert np.abs(samples).max() < 32767  # not clipped


def test_duration_grows_with_text_and_falls_with_rate(tmp_path):
    short = speech.synthesize("One sentence here.", tmp_path / "s.wav")
    long = speech.synthesize("One sentence here. " * 6, tmp_path / "l.wav")
    fast = speech.synthesize("One sentence here. " * 6, tmp_path / "f.wav", rate=2.0)
    assert long > short * 4
    assert fast < long * 0.7


def test_pitch_changes_the_sound(tmp_path):
    speech.synthesize("Pitch test sentence.", tmp_path / "lo.wav", pitch=0.1)
    speech.synthesize("Pitch test sentence.", tmp_path / "hi.wav", pitch=0.9)
    low, high = _read(tmp_path / "lo.wav")[2], _read(tmp_path / "hi.wav")[2]
    assert not np.array_equal(low[: min(len(low), len(high))], high[: min(len(low), len(high))])


def test_every_menu_voice_exists(tmp_path):
    languages = {v.language for v in speech.list_voices()}
    assert {"en-us", "en-gb", "de", "fr-fr", "es"} <= languages
    for voice in speech.COMMON_VOICES:
        assert speech.synthesize("Yes.", tmp_path / "v.wav", voice=voice) > 0.2, voice


def test_unknown_voice_and_empty_text_are_clear_errors(tmp_path):
    with pytest.raises(ProviderError, match="no offline voice 'xx-nope'"):
        speech.synthesize("Hello", tmp_path / "x.wav", voice="xx-nope")
    with pytest.raises(ProviderError, match="nothing to say"):
        speech.synthesize("   ", tmp_path / "x.wav")
    with pytest.raises(ProviderError, match="at most 200,000"):
        speech.synthesize("a " * 100_001, tmp_path / "x.wav")
    assert not (tmp_path / "x.wav").exists()


def test_long_text_in_chunks_with_progress(tmp_path):
    text = "The quick brown fox jumps over the lazy dog. " * 400  # 18,000 characters
    seen = []
    seconds = speech.synthesize(text, tmp_path / "long.wav", progress=lambda f, m: seen.append(f))
    assert len(seen) >= 9 and seen[-1] == 1.0
    assert seconds > 600  # about 20 minutes of speech
    assert speech.split_text(text, 2000)[0].endswith("dog.")


def test_a_run_on_text_without_full_stops_is_split_at_words():
    chunks = speech.split_text("word " * 1000, 300)
    assert all(len(c) <= 300 for c in chunks)
    assert " ".join(chunks).split() == ["word"] * 1000


def test_cancel_stops_and_leaves_no_file(tmp_path):
    calls = []

    def stop():
        calls.append(1)
        return len(calls) > 3

    with pytest.raises(Cancelled):
        speech.synthesize("Cancel me please. " * 300, tmp_path / "c.wav", should_stop=stop)
    assert not (tmp_path / "c.wav").exists()
    # The engine is usable again afterwards.
    assert speech.synthesize("Still here.", tmp_path / "ok.wav") > 0.3


def test_threads_share_the_engine_safely(tmp_path):
    errors, durations = [], []

    def speak(i):
        try:
            durations.append(
                speech.synthesize(f"Thread number {i} speaking.", tmp_path / f"{i}.wav")
            )
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=speak, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(durations) == 4 and min(durations) > 0.5
