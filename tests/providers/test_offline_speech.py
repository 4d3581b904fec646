"""Offline speech: Piper's neural voice by default, eSpeak NG for other languages and as fallback.

Real WAVs are read back and measured: lengths, levels, where each sentence is audible.
"""

from __future__ import annotations

import errno
import subprocess
import sys
import threading
import wave

import numpy as np
import pytest

from studio.errors import Cancelled, ProviderError
from studio.providers.offline import speech, speech_espeak, speech_piper, voices


def _read(path):
    with wave.open(str(path), "rb") as wav:
        frames = wav.readframes(wav.getnframes())
        return wav.getframerate(), wav.getnchannels(), np.frombuffer(frames, "<i2")


def _rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(samples.astype(np.float64) ** 2)) / 32768) if samples.size else 0


# -- Piper, the default ---------------------------------------------------------------------------
def test_piper_speaks_by_default_into_a_mono_wav(tmp_path):
    result = speech.synthesize("Hello. The lighthouse keeps its watch.", tmp_path / "a.wav")
    rate, channels, samples = _read(tmp_path / "a.wav")
    assert (result.engine, result.voice) == ("piper", "en_US-joe-medium")
    assert (rate, channels) == (22050, 1) and result.sample_rate == 22050
    assert result.seconds == pytest.approx(len(samples) / rate)
    assert 1.5 < result.seconds < 6.0
    assert _rms(samples) > 0.03  # not silent
    assert np.abs(samples).max() < 32767  # not clipped
    assert result.warnings == []


def test_sentence_timings_are_where_the_voice_is(tmp_path):
    text = "The keeper climbs the stairs. He lights the lamp. The beam sweeps across the bay."
    result = speech.synthesize(text, tmp_path / "t.wav")
    rate, _, samples = _read(tmp_path / "t.wav")
    assert [s[2] for s in result.sentences] == [
        "The keeper climbs the stairs.",
        "He lights the lamp.",
        "The beam sweeps across the bay.",
    ]
    starts = [s[0] for s in result.sentences]
    ends = [s[1] for s in result.sentences]
    assert starts == sorted(starts) and all(e > s + 0.4 for s, e in zip(starts, ends, strict=True))
    for (start, end, _), (next_start, _, _) in zip(
        result.sentences, result.sentences[1:], strict=False
    ):
        assert end < next_start  # a pause between sentences
        gap = samples[int(end * rate) + 200 : int(next_start * rate) - 200]
        inside = samples[int(start * rate) : int(end * rate)]
        assert _rms(gap) < _rms(inside) * 0.05, "the pause between sentences is quiet"
    # Nothing audible before the first start or after the last end.
    assert _rms(samples[: int(starts[0] * rate)]) < 0.01
    assert _rms(samples[int(ends[-1] * rate) + 250 :]) < 0.01


def test_a_piper_voice_by_name_key_or_language(tmp_path):
    for voice in ("joe", "en_US-joe-medium", "JOE", "en-us", "en_US", "en"):
        choice = speech.choose(voice)
        assert (choice.engine, choice.piper_voice.key) == ("piper", "en_US-joe-medium"), voice


def test_rate_changes_the_piper_length_and_pitch_is_eSpeak_only(tmp_path):
    text = "One sentence here, spoken at two speeds."
    normal = speech.synthesize(text, tmp_path / "n.wav")
    fast = speech.synthesize(text, tmp_path / "f.wav", rate=2.0)
    assert fast.seconds < normal.seconds * 0.7
    high = speech.synthesize(text, tmp_path / "h.wav", pitch=0.9)
    assert high.engine == "piper"
    assert any("no pitch control: pitch 0.9 was not applied" in w for w in high.warnings)


def test_long_text_sentence_by_sentence_with_progress(tmp_path):
    text = " ".join(f"This is sentence number {n}." for n in range(1, 13))
    seen = []
    result = speech.synthesize(text, tmp_path / "l.wav", progress=lambda f, m: seen.append((f, m)))
    assert len(result.sentences) == 12
    assert ("sentence 12 of 12" in seen[-2][1]) and seen[-1] == (1.0, "spoken")
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions)


def test_cancel_between_sentences_leaves_no_file(tmp_path):
    calls = []

    def stop():
        calls.append(1)
        return len(calls) > 2

    with pytest.raises(Cancelled):
        speech.synthesize("Cancel me please. " * 30, tmp_path / "c.wav", should_stop=stop)
    assert not (tmp_path / "c.wav").exists()
    assert len(calls) <= 4  # it stopped at the next sentence, not at the end
    assert speech.synthesize("Still here.", tmp_path / "ok.wav").seconds > 0.3


# -- eSpeak NG: other languages, on request, and as fallback ------------------------------------
def test_a_language_without_a_piper_voice_is_spoken_by_espeak_with_a_warning(tmp_path):
    result = speech.synthesize("Bonjour. Comment allez-vous ?", tmp_path / "fr.wav", voice="fr-fr")
    assert (result.engine, result.voice) == ("espeak-ng", "fr-fr")
    assert result.seconds > 0.8
    (warning,) = result.warnings
    assert "no Piper voice for 'fr-fr' is installed" in warning
    assert "studio voices download" in warning


def test_the_espeak_engine_on_request_and_back(tmp_path):
    espeak = speech.synthesize("Hello there.", tmp_path / "e.wav", engine="espeak-ng")
    assert (espeak.engine, espeak.voice, espeak.warnings) == ("espeak-ng", "en-us", [])
    # A Piper voice's name asks eSpeak for that voice's language.
    named = speech.synthesize("Hello there.", tmp_path / "j.wav", engine="espeak-ng", voice="joe")
    assert (named.engine, named.voice) == ("espeak-ng", "en-us")
    back = speech.synthesize("Hello there.", tmp_path / "p.wav", engine="piper")
    assert back.engine == "piper"
    # eSpeak still takes its pitch.
    low = speech.synthesize("Pitch test.", tmp_path / "lo.wav", engine="espeak-ng", pitch=0.1)
    high = speech.synthesize("Pitch test.", tmp_path / "hi.wav", engine="espeak-ng", pitch=0.9)
    assert low.warnings == high.warnings == []
    assert not np.array_equal(
        _read(tmp_path / "lo.wav")[2][:2000], _read(tmp_path / "hi.wav")[2][:2000]
    )


def test_a_bundled_voice_failing_its_digest_falls_back_to_espeak(tmp_path, monkeypatch):
    monkeypatch.setattr(voices, "BUNDLED_SHA256", {"model": "0" * 64, "config": "0" * 64})
    result = speech.synthesize("Checked before loading.", tmp_path / "d.wav")
    assert (result.engine, result.voice) == ("espeak-ng", "en-us")
    (warning,) = result.warnings
    assert "the Piper voice joe could not be used" in warning
    assert "en_US-joe-medium.onnx does not match the sha256" in warning
    assert _rms(_read(tmp_path / "d.wav")[2]) > 0.02


def test_without_piper_installed_espeak_speaks_with_a_warning(tmp_path, monkeypatch):
    monkeypatch.setattr(speech_piper, "_LOADED", {})
    monkeypatch.setitem(sys.modules, "piper", None)  # import piper now fails
    result = speech.synthesize("No neural voice here.", tmp_path / "n.wav")
    assert result.engine == "espeak-ng"
    assert "piper-tts is not installed" in result.warnings[0]


def test_every_menu_voice_exists(tmp_path):
    languages = {v.language for v in speech_espeak.list_voices()}
    assert {"en-us", "en-gb", "de", "fr-fr", "es"} <= languages
    menu = speech.voice_suggestions()
    assert menu[0] == "joe"  # Piper voices first
    for voice in menu:
        assert speech.synthesize("Yes.", tmp_path / "v.wav", voice=voice).seconds > 0.2, voice


def test_unknown_voices_say_which_and_how_to_get_one(tmp_path):
    with pytest.raises(ProviderError, match="no offline voice 'xx-nope'") as raised:
        speech.synthesize("Hello", tmp_path / "x.wav", voice="xx-nope")
    assert "studio voices download" in str(raised.value) and "joe" in str(raised.value)
    with pytest.raises(ProviderError) as raised:
        speech.synthesize("Hello", tmp_path / "x.wav", voice="en_GB-alba-medium")
    assert str(raised.value).endswith(
        "the Piper voice 'en_GB-alba-medium' is not installed: get it with "
        "`studio voices download en_GB-alba-medium` or in Settings ▸ Voices"
    )
    with pytest.raises(ProviderError, match="nothing to say"):
        speech.synthesize("   ", tmp_path / "x.wav")
    with pytest.raises(ProviderError, match="at most 200,000"):
        speech.synthesize("a " * 100_001, tmp_path / "x.wav")
    with pytest.raises(ProviderError, match="no speech engine 'festival'"):
        speech.synthesize("Hello", tmp_path / "x.wav", engine="festival")
    assert not (tmp_path / "x.wav").exists()


def test_long_text_in_espeak_stays_fast(tmp_path):
    text = "The quick brown fox jumps over the lazy dog. " * 400  # 18,000 characters
    seen = []
    result = speech.synthesize(
        text, tmp_path / "long.wav", engine="espeak-ng", progress=lambda f, m: seen.append(f)
    )
    assert len(result.sentences) == 400
    assert len(seen) >= 100 and seen[-1] == 1.0
    assert result.seconds > 600  # about 20 minutes of speech


def test_sentences_split_at_ends_and_long_ones_at_commas_then_words():
    assert speech.split_sentences('He said "go." Then left!  Why?\n\nNew part') == [
        'He said "go."',
        "Then left!",
        "Why?",
        "New part",
    ]
    pieces = speech.split_sentences("word " * 1000, 300)
    assert all(len(p) <= 300 for p in pieces)
    assert " ".join(pieces).split() == ["word"] * 1000
    clauses = speech.split_sentences(("a clause of some words, " * 30).strip(), 200)
    assert all(p.endswith(",") or p == clauses[-1] for p in clauses)


# -- both engines in one process ------------------------------------------------------------------
def test_both_engines_in_one_process_in_either_order(tmp_path):
    """Piper's extension carries its own eSpeak NG; espeakng-loader loads another. Each must
    keep working whichever loads first."""
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from studio.providers.offline import speech\n"
        "out = Path(sys.argv[1])\n"
        "order = sys.argv[2].split(',')\n"
        "for i, engine in enumerate(order):\n"
        "    r = speech.synthesize('Both engines speak here.', out / f'{i}.wav', engine=engine)\n"
        "    assert r.engine == engine and r.seconds > 0.8, (engine, r)\n"
        "    print(engine, round(r.seconds, 2))\n"
    )
    for order in ("espeak-ng,piper,espeak-ng,piper", "piper,espeak-ng,piper"):
        done = subprocess.run(
            [sys.executable, "-c", script, str(tmp_path), order],
            capture_output=True,
            text=True,
            timeout=240,
        )
        assert done.returncode == 0, done.stderr
        assert [line.split()[0] for line in done.stdout.splitlines()] == order.split(",")


def test_threads_share_the_engines_safely(tmp_path):
    errors, results = [], []

    def speak(i):
        try:
            engine = ("piper", "espeak-ng")[i % 2]
            results.append(
                speech.synthesize(f"Thread number {i}.", tmp_path / f"{i}.wav", engine=engine)
            )
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=speak, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(results) == 4 and min(r.seconds for r in results) > 0.5


# -- a speech that cannot be written fails ---------------------------------------------------------
@pytest.mark.parametrize("engine", ["piper", "espeak-ng"])
def test_a_full_disk_fails_the_speech_and_keeps_nothing(tmp_path, monkeypatch, engine):
    """Before: eSpeak's callback swallowed the write error, and 20 s of text became a 0.18 s
    WAV reported as spoken."""
    from studio.media import audio_io

    real_write = audio_io.WavWriter.write
    writes = []

    def write(self, samples):
        writes.append(1)
        if len(writes) > 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_write(self, samples)

    monkeypatch.setattr(audio_io.WavWriter, "write", write)
    with pytest.raises(ProviderError, match=r"could not write the speech .*No space left") as err:
        speech.synthesize("A long text to speak. " * 12, tmp_path / "full.wav", engine=engine)
    assert str(tmp_path) in str(err.value)
    assert not (tmp_path / "full.wav").exists()
    assert not list(tmp_path.glob(".full.wav.*"))  # no temp file left either


def test_the_speech_node_fails_with_the_reason_when_its_output_cannot_be_written(
    run_graph, monkeypatch
):
    from studio.graph.model import Graph, Node
    from studio.media import audio_io

    def write(self, samples):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(audio_io.WavWriter, "write", write)
    graph = Graph()
    graph.add_node(Node("text", "text.prompt", {"template": "Twenty seconds of text. " * 10}))
    graph.add_node(Node("speech", "audio.speech", {}))
    graph.connect("text", "text", "speech", "text")
    result, events = run_graph(graph)
    assert result.status == "failed" and list(result.failures) == ["speech"]
    assert "could not write the speech" in result.failures["speech"]
    assert "No space left on device" in result.failures["speech"]
    assert "speech" not in result.outputs
    assert not [e for e in events if type(e).__name__ == "NodeFinished" and e.node == "speech"]


def test_the_speech_node_switches_to_espeak_and_back(run_graph):
    from studio.graph.model import Graph, Node

    graph = Graph()
    graph.add_node(Node("text", "text.prompt", {"template": "Switch engines. Then back."}))
    for node_id, model in (("piper", ""), ("espeak", "espeak-ng"), ("again", "piper")):
        graph.add_node(Node(node_id, "audio.speech", {"voice": "joe", "model": model}))
        graph.connect("text", "text", node_id, "text")
    result, events = run_graph(graph)
    assert result.status == "succeeded", result.failures
    engines = {
        n: (result.outputs[n]["audio"].meta["engine"], result.outputs[n]["audio"].meta["voice"])
        for n in ("piper", "espeak", "again")
    }
    assert engines == {
        "piper": ("piper", "en_US-joe-medium"),
        "espeak": ("espeak-ng", "en-us"),
        "again": ("piper", "en_US-joe-medium"),
    }
    assert not [e for e in events if type(e).__name__ == "NodeWarning"]
    sentences = result.outputs["piper"]["audio"].meta["sentences"]
    assert [s[2] for s in sentences] == ["Switch engines.", "Then back."]
