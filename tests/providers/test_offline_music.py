"""The offline composer: deterministic, musical (in key, on tempo), level, and mood-driven."""

from __future__ import annotations

import wave

import numpy as np
import pytest
from PIL import Image

from studio.errors import Cancelled
from studio.media.mixing import measure_loudness
from studio.providers.offline import music


def _render(tmp_path, name, prompt, **options):
    options.setdefault("duration", 6.0)
    path = tmp_path / f"{name}.wav"
    plan = music.render_music(path, prompt, **options)
    with wave.open(str(path), "rb") as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (48000, 2, 2)
        data = np.frombuffer(wav.readframes(wav.getnframes()), "<i2").reshape(-1, 2)
    return plan, data.astype(np.float32) / 32768.0


def test_same_seed_same_samples_other_seed_other_music(tmp_path):
    _, first = _render(tmp_path, "a", "calm, hopeful", seed=3)
    _, second = _render(tmp_path, "b", "calm, hopeful", seed=3)
    _, other = _render(tmp_path, "c", "calm, hopeful", seed=4)
    assert np.array_equal(first, second)
    assert not np.array_equal(first, other)


def test_length_level_and_no_clipping(tmp_path):
    _, samples = _render(tmp_path, "a", "joyful, energetic", duration=12.0, seed=1)
    assert len(samples) == 12 * 48000
    assert measure_loudness(samples) == pytest.approx(music.TARGET_LOUDNESS_DB, abs=1.0)
    peak_db = 20 * np.log10(np.abs(samples).max())
    assert -12.0 < peak_db <= -0.9
    # It ends in a fade, not a cut.
    assert np.abs(samples[-2000:]).max() < 0.02


def _chroma_in_scale(plan, samples):
    mono = samples.mean(axis=1)
    spectrum = np.abs(np.fft.rfft(mono * np.hanning(len(mono)))) ** 2
    freqs = np.fft.rfftfreq(len(mono), 1 / 48000)
    band = (freqs > 60) & (freqs < 2000)
    pitch_class = np.round(69 + 12 * np.log2(freqs[band] / 440)).astype(int) % 12
    chroma = np.bincount(pitch_class, weights=spectrum[band], minlength=12)
    scale = {(plan.root + step) % 12 for step in music.MODES[plan.mode]}
    return chroma[sorted(scale)].sum() / chroma.sum()


@pytest.mark.parametrize("prompt", ["calm, hopeful", "tense, dark", "joyful, energetic"])
def test_the_notes_belong_to_the_key(tmp_path, prompt):
    plan, samples = _render(tmp_path, "a", prompt, duration=10.0, seed=2)
    assert _chroma_in_scale(plan, samples) > 0.85


def test_the_beat_follows_the_tempo(tmp_path):
    plan, samples = _render(tmp_path, "a", "energetic, happy", duration=16.0, seed=5, tempo=120)
    assert plan.tempo == 120
    mono = samples.mean(axis=1)[48000 * 5 : 48000 * 13]  # the main part, with drums
    hop = 480
    energy = np.sqrt(np.add.reduceat(mono**2, np.arange(0, len(mono), hop)))
    onsets = np.maximum(0.0, np.diff(energy))
    onsets -= onsets.mean()
    correlation = np.correlate(onsets, onsets, "full")[len(onsets) - 1 :]
    lags = np.arange(len(correlation)) * hop / 48000
    window = (lags > 0.35) & (lags < 1.1)
    period = lags[window][np.argmax(correlation[window])]
    assert period == pytest.approx(0.5, abs=0.03) or period == pytest.approx(1.0, abs=0.05)


def test_mood_words_choose_mode_tempo_and_band():
    calm = music.plan_music("calm, peaceful", seed=1)
    lively = music.plan_music("joyful, energetic", seed=1)
    dark = music.plan_music("sad, dark", seed=1)
    assert calm.tempo < lively.tempo - 25
    assert "drums" in lively.instruments and "drums" not in calm.instruments
    assert lively.mode in ("major", "mixolydian", "lydian")
    assert dark.mode in ("minor", "phrygian")
    assert music.plan_music("x", seed=1, tempo=95).tempo == 95


def test_tempo_changes_the_music(tmp_path):
    _, slow = _render(tmp_path, "a", "calm", seed=1, tempo=70)
    _, fast = _render(tmp_path, "b", "calm", seed=1, tempo=140)
    assert not np.array_equal(slow, fast)


def test_a_picture_sets_the_mood(tmp_path):
    bright = tmp_path / "bright.png"
    gloomy = tmp_path / "gloomy.png"
    stripes = np.zeros((64, 64, 3), np.uint8)
    stripes[:, ::8] = (255, 220, 40)
    stripes[:, 1::8] = (250, 60, 20)
    stripes[:, 2::8] = (255, 255, 200)
    stripes[:, 3::8] = (255, 140, 0)
    Image.fromarray(stripes).save(bright)
    Image.new("RGB", (64, 64), (20, 28, 60)).save(gloomy)
    happy = music.plan_music("", seed=1, image=bright)
    sad = music.plan_music("", seed=1, image=gloomy)
    assert happy.image_mood["brightness"] > sad.image_mood["brightness"]
    assert happy.valence > sad.valence + 0.5
    assert happy.energy > sad.energy
    assert happy.tempo > sad.tempo
    assert sad.mode in ("minor", "phrygian", "dorian")


def test_bad_duration_and_cancel(tmp_path):
    with pytest.raises(ValueError, match="at most 600"):
        music.render_music(tmp_path / "x.wav", "calm", duration=601)
    with pytest.raises(Cancelled):
        music.render_music(tmp_path / "x.wav", "calm", duration=5, should_stop=lambda: True)
    assert not (tmp_path / "x.wav").exists()
