"""The loudness meter against reference signals whose readings the standards give.

EBU Tech 3341 ("EBU Mode" metering, V3 2016) lists test signals with the values a compliant meter
must show: integrated loudness within +-0.1 LU, true peak within +0.2/-0.4 dB. The signals are
built here as the document describes them (1 kHz sines at given dBFS, in both channels) so the
expected values are the document's, not the meter's own.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from studio.media.audio_io import write_wav
from studio.media.errors import MediaError
from studio.media.loudness import (
    DELIVERY_TARGETS,
    LoudnessMeter,
    delivery_target,
    measure_file,
    measure_samples,
)
from studio.media.mixing import measure_loudness

RATE = 48000


def sine(dbfs: float, seconds: float, freq: float = 1000.0, phase: float = 0.0) -> np.ndarray:
    """A stereo sine (the same in both channels) whose peak amplitude is `dbfs`."""
    t = np.arange(round(seconds * RATE)) / RATE
    mono = 10 ** (dbfs / 20) * np.sin(2 * np.pi * freq * t + phase)
    return np.stack([mono, mono], axis=1).astype(np.float32)


def sequence(*parts: tuple[float, float]) -> np.ndarray:
    """Sines of (dBFS, seconds) one after the other, as in the gating test signals."""
    return np.concatenate([sine(level, seconds) for level, seconds in parts])


def faded(samples: np.ndarray, seconds: float = 0.05) -> np.ndarray:
    """Raised-cosine fades at both ends: a sine switched on abruptly is not band-limited, and
    its reconstruction really does overshoot the sine's amplitude near the switch."""
    n = round(seconds * RATE)
    ramp = (0.5 - 0.5 * np.cos(np.pi * np.arange(n) / n)).astype(np.float32)[:, None]
    out = samples.copy()
    out[:n] *= ramp
    out[-n:] *= ramp[::-1]
    return out


@pytest.mark.parametrize(
    ("case", "signal"),
    [
        ("Tech 3341 case 1: 1 kHz stereo sine at -23 dBFS, 20 s", [(-23.0, 20.0)]),
        ("Tech 3341 case 2: 1 kHz stereo sine at -33 dBFS, 20 s", [(-33.0, 20.0)]),
        (
            "Tech 3341 case 3: relative gate, -36 / -23 / -36 dBFS",
            [(-36.0, 10.0), (-23.0, 60.0), (-36.0, 10.0)],
        ),
        (
            "Tech 3341 case 4: absolute and relative gates, -72 / -36 / -23 / -36 / -72 dBFS",
            [(-72.0, 10.0), (-36.0, 10.0), (-23.0, 60.0), (-36.0, 10.0), (-72.0, 10.0)],
        ),
        (
            "Tech 3341 case 5: -26 / -20 / -26 dBFS (20 s, 20.1 s, 20 s)",
            [(-26.0, 20.0), (-20.0, 20.1), (-26.0, 20.0)],
        ),
    ],
)
def test_integrated_loudness_of_the_ebu_reference_signals(
    case: str, signal: list[tuple[float, float]]
) -> None:
    expected = -33.0 if "case 2" in case else -23.0
    loudness = measure_samples(sequence(*signal), RATE)
    assert loudness.integrated == pytest.approx(expected, abs=0.1), case


def test_the_mixers_meter_reads_a_stereo_sine_by_the_standard() -> None:
    # The example: the old RMS meter averaged the channels instead of summing them and
    # read a 1 kHz stereo sine at -6.1 dBFS as -9.0 "LUFS"; BS.1770 gives -6.1 LUFS.
    assert measure_loudness(sine(-6.1, 5.0), RATE) == pytest.approx(-6.1, abs=0.1)
    assert measure_loudness(sine(-23.0, 20.0), RATE) == pytest.approx(-23.0, abs=0.1)
    # K-weighting: the same sine reads lower at 100 Hz (the high-pass) and higher at 3 kHz (the
    # +4 dB shelf) than at 1 kHz; a plain RMS meter reads all three alike.
    at_100 = measure_loudness(sine(-23.0, 10.0, freq=100.0), RATE)
    at_3k = measure_loudness(sine(-23.0, 10.0, freq=3000.0), RATE)
    assert at_100 < -23.5 and at_3k > -22.0


def test_a_mono_channel_counts_once() -> None:
    # BS.1770 sums channels: one channel of a -23 dBFS sine is 3 dB quieter than two.
    mono = sine(-23.0, 10.0)[:, 0]
    assert measure_samples(mono, RATE).integrated == pytest.approx(-26.0, abs=0.1)


@pytest.mark.parametrize(
    ("freq", "phase_degrees"),
    [(12000.0, 0.0), (12000.0, 45.0), (8000.0, 60.0), (6000.0, 67.5)],
)
def test_true_peak_sees_between_the_samples(freq: float, phase_degrees: float) -> None:
    # Tech 3341's true-peak signals are sines at fs/4, fs/6 and fs/8 whose samples miss the
    # crests: at fs/4 and 45 degrees every sample is 3 dB under the -6 dB peak. A true-peak
    # meter reads -6.0 dBTP (+0.2 / -0.4 dB) whatever the sample peaks say.
    signal = faded(sine(-6.0, 5.0, freq, math.radians(phase_degrees)))
    loudness = measure_samples(signal, RATE, true_peak=True)
    assert loudness.true_peak is not None
    assert -6.4 <= loudness.true_peak <= -5.8
    if phase_degrees == 45.0:
        assert loudness.sample_peak == pytest.approx(-9.0, abs=0.05)


def test_true_peak_over_full_scale() -> None:
    # Samples that never pass 0 dBFS, from a sine that peaks at +3 dBTP (fs/4 at 45 degrees).
    signal = faded(sine(0.0, 5.0, 12000.0, math.pi / 4))
    signal /= np.max(np.abs(signal))
    loudness = measure_samples(signal, RATE, true_peak=True)
    assert loudness.sample_peak == pytest.approx(0.0, abs=0.01)
    assert 2.6 <= loudness.true_peak <= 3.2


def test_silence_and_very_short_sounds_have_no_integrated_loudness() -> None:
    silent = measure_samples(np.zeros((2 * RATE, 2), np.float32), RATE, true_peak=True)
    assert silent.integrated is None and silent.sample_peak is None
    assert "nothing to measure" in silent.describe()
    blip = measure_samples(sine(-20.0, 0.2), RATE)  # shorter than one 400 ms block
    assert blip.integrated is None
    assert measure_loudness(np.zeros((RATE, 2), np.float32)) <= -100.0


def test_the_meter_streams_blocks_of_any_size() -> None:
    signal = sequence((-36.0, 10.0), (-23.0, 60.0), (-36.0, 10.0))
    meter = LoudnessMeter(RATE, 2)
    rng = np.random.default_rng(7)
    start = 0
    while start < len(signal):  # odd block sizes, as a decoder hands them over
        size = int(rng.integers(100, 30000))
        meter.add(signal[start : start + size])
        start += size
    result = meter.result()
    assert result.integrated == pytest.approx(-23.0, abs=0.1)
    assert result.seconds == pytest.approx(80.0)
    with pytest.raises(MediaError, match="already"):
        meter.add(signal[:100])
    # A short last block (a limiter's tail, a codec's last frame) ends no 100 ms step of its own.
    meter = LoudnessMeter(RATE, 2)
    meter.add(signal[:-50])
    meter.add(signal[-50:])
    assert meter.result().integrated == pytest.approx(-23.0, abs=0.1)


def test_measure_file_reads_a_file_at_its_own_rate(tmp_path: Path) -> None:
    rate = 44100
    t = np.arange(20 * rate) / rate
    mono = (10 ** (-23 / 20) * np.sin(2 * np.pi * 1000 * t)).astype(np.float32)
    stereo = write_wav(tmp_path / "tone.wav", np.stack([mono, mono], 1), sample_rate=rate)
    loudness = measure_file(stereo)
    assert loudness.integrated == pytest.approx(-23.0, abs=0.1)
    assert loudness.true_peak == pytest.approx(-23.0, abs=0.2)
    assert loudness.seconds == pytest.approx(20.0)
    single = write_wav(tmp_path / "mono.wav", mono, sample_rate=rate)
    assert measure_file(single, true_peak=False).integrated == pytest.approx(-26.0, abs=0.1)


def test_delivery_targets_are_named_per_delivery() -> None:
    assert {name: t.lufs for name, t in DELIVERY_TARGETS.items()} == {
        "online_video": -14.0,
        "podcast": -16.0,
        "broadcast": -23.0,
    }
    assert all(t.max_true_peak == -1.0 for t in DELIVERY_TARGETS.values())
    with pytest.raises(MediaError, match=r"unknown loudness target 'loud'.*online_video"):
        delivery_target("loud")
