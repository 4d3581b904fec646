"""The soundtrack mixer, measured as a listener would hear it: loudness in LUFS (read by the ffmpeg
command line, not by the mixer's own meter), ducking depth, ramps, length to the sample, peaks
under the ceiling.

Narration is a 3 kHz "voice" (a tone with a syllable-rate wobble) and music a 220 Hz tone, so a
lock-in measurement at each frequency hears one track at a time inside the mix.
"""

from __future__ import annotations

import math
import os
import re
import tracemalloc
import wave
from pathlib import Path

import numpy as np
import pytest
from ffmpeg_meter import ffmpeg_loudness

from studio.media.audio_io import decode_audio, write_wav
from studio.media.errors import MediaError
from studio.media.mixing import (
    build_soundtrack,
    duck_curve,
    find_speech_segments,
    limit_peaks,
    measure_loudness,
    normalize_loudness,
    peak_db,
)

RATE = 48000
VOICE_HZ = 3000.0
MUSIC_HZ = 220.0


def voice(
    seconds: float, spans: list[tuple[float, float]], amplitude: float = 0.05, rate: int = 24000
) -> np.ndarray:
    """Mono "speech": a 3 kHz tone with a 4 Hz syllable wobble, sounding during `spans`."""
    t = np.arange(round(seconds * rate)) / rate
    on = np.zeros_like(t, dtype=bool)
    for start, end in spans:
        on |= (t >= start) & (t < end)
    wobble = 0.7 + 0.3 * np.sin(2 * np.pi * 4 * t)
    return (amplitude * wobble * np.sin(2 * np.pi * VOICE_HZ * t) * on).astype(np.float32)


def music_tone(seconds: float, amplitude: float = 0.3, rate: int = 44100) -> np.ndarray:
    t = np.arange(round(seconds * rate)) / rate
    mono = amplitude * np.sin(2 * np.pi * MUSIC_HZ * t)
    return np.stack([mono, mono], axis=1).astype(np.float32)


def level_at(samples: np.ndarray, freq: float, start: float, end: float) -> float:
    """dB (RMS) of one frequency between `start` and `end` seconds of a 48 kHz stereo mix."""
    part = samples[round(start * RATE) : round(end * RATE)].mean(axis=1)
    t = (np.arange(len(part)) + round(start * RATE)) / RATE
    amplitude = 2 * abs(np.mean(part * np.exp(-2j * np.pi * freq * t)))
    return float(20 * np.log10(max(amplitude / math.sqrt(2), 1e-9)))


@pytest.fixture
def sources(tmp_path: Path) -> tuple[Path, Path]:
    narration = write_wav(
        tmp_path / "narration.wav", voice(9.0, [(2.0, 4.0), (6.0, 8.0)]), sample_rate=24000
    )
    music = write_wav(tmp_path / "music.wav", music_tone(3.0), sample_rate=44100)
    return narration, music


def test_soundtrack_lands_on_the_target_loudness_and_ducks_music_under_speech(
    tmp_path: Path, sources: tuple[Path, Path]
) -> None:
    narration, music = sources
    info = build_soundtrack(
        tmp_path / "mix.wav",
        duration=12.0,
        narration=narration,
        music=music,
        music_volume_db=-8.0,
        duck_db=-12.0,
        target_lufs=-16.0,
    )
    mix = decode_audio(info.path)
    assert len(mix) == 12 * RATE
    assert len(info.speech_segments) == 2
    for (start, end), (want_start, want_end) in zip(
        info.speech_segments, [(2, 4), (6, 8)], strict=True
    ):
        assert abs(start - want_start) < 0.05 and abs(end - want_end) < 0.05

    # The whole programme measures the target, by a meter outside the studio, and the studio
    # reports what it made.
    integrated, _ = ffmpeg_loudness(info.path)
    assert integrated == pytest.approx(-16.0, abs=0.3)
    assert info.loudness.integrated == pytest.approx(integrated, abs=0.15)
    assert info.target_lufs == -16.0 and info.warnings == []

    # Music sits 8 LU under the narration: each source's own loudness plus the gain it got.
    placed = {}
    for name, source, freq, (start, end) in (
        ("voice", narration, VOICE_HZ, (2.3, 3.7)),
        ("music", music, MUSIC_HZ, (0.5, 1.3)),
    ):
        stereo = write_wav(tmp_path / f"{name}-48k.wav", decode_audio(source))
        gain = level_at(mix, freq, 2.3 if name == "voice" else 4.8, 3.7 if name == "voice" else 5.6)
        gain -= level_at(decode_audio(stereo), freq, start, end)
        placed[name] = ffmpeg_loudness(stereo)[0] + gain
    assert placed["music"] - placed["voice"] == pytest.approx(-8.0, abs=0.5)

    music_alone = level_at(mix, MUSIC_HZ, 4.8, 5.6)
    music_under_speech = level_at(mix, MUSIC_HZ, 2.3, 3.7)
    assert abs((music_under_speech - music_alone) - -12.0) < 0.5
    assert level_at(mix, VOICE_HZ, 4.8, 5.6) < -60  # no voice where none was spoken
    assert info.peak_db <= -1.5 + 1e-3


def test_ducking_ramps_are_gradual_not_clicks(tmp_path: Path, sources: tuple[Path, Path]) -> None:
    narration, music = sources
    info = build_soundtrack(
        tmp_path / "mix.wav", duration=12.0, narration=narration, music=music, duck_db=-12.0
    )
    mix = decode_audio(info.path)
    start = info.speech_segments[0][0]
    # The dip starts ~150 ms before the voice and is half done (in dB) half-way through.
    before = level_at(mix, MUSIC_HZ, start - 0.40, start - 0.20)
    halfway = level_at(mix, MUSIC_HZ, start - 0.10, start - 0.05)
    under = level_at(mix, MUSIC_HZ, start + 0.05, start + 0.50)
    assert under - before == pytest.approx(-12.0, abs=0.6)
    assert under + 1.0 < halfway < before - 1.0
    end = info.speech_segments[0][1]
    recovering = level_at(mix, MUSIC_HZ, end + 0.20, end + 0.30)
    assert under + 1.0 < recovering < before - 1.0  # the release takes ~0.5 s


def test_looped_music_joins_without_a_click(tmp_path: Path) -> None:
    # 1.37 s of 220 Hz ends mid-cycle: a plain loop would jump, the crossfade must not.
    music = write_wav(tmp_path / "short.wav", music_tone(1.37, rate=RATE), sample_rate=RATE)
    info = build_soundtrack(
        tmp_path / "loop.wav", duration=6.0, narration=None, music=music, fade_in=0.0, fade_out=0.0
    )
    mix = decode_audio(info.path)
    assert len(mix) == 6 * RATE
    body = mix[RATE // 2 : -RATE // 2, 0]
    amplitude = math.sqrt(2) * 10 ** (measure_loudness(body[:, None], RATE) / 20)
    steepest_sine_step = amplitude * 2 * math.pi * MUSIC_HZ / RATE
    assert np.max(np.abs(np.diff(body))) < 1.3 * steepest_sine_step
    # Looping keeps it playing at an even level: every half second is within 1 dB, and the whole
    # is at the default target, online video's -14 LUFS.
    halves = mix[RATE // 2 : RATE * 11 // 2].reshape(10, RATE // 2, 2)
    levels = 10 * np.log10(np.mean(halves.astype(np.float64) ** 2, axis=(1, 2)))
    assert np.ptp(levels) < 1.0
    assert ffmpeg_loudness(info.path)[0] == pytest.approx(-14.0, abs=0.3)


def test_music_without_narration_is_normalised_trimmed_and_faded(tmp_path: Path) -> None:
    music = write_wav(tmp_path / "long.wav", music_tone(20.0, amplitude=0.05), sample_rate=44100)
    info = build_soundtrack(
        tmp_path / "m.wav",
        duration=8.0,
        narration=None,
        music=music,
        fade_in=1.0,
        fade_out=2.0,
        target_lufs=-23.0,
    )
    mix = decode_audio(info.path)
    assert len(mix) == 8 * RATE and info.speech_segments == []
    assert ffmpeg_loudness(info.path)[0] == pytest.approx(-23.0, abs=0.3)
    body = level_at(mix, MUSIC_HZ, 2.0, 5.0)
    assert level_at(mix, MUSIC_HZ, 0.0, 0.1) < body - 20  # fading in
    assert abs(level_at(mix, MUSIC_HZ, 6.9, 7.1) - (body + 20 * math.log10(0.5))) < 1.0
    assert peak_db(mix[-48:]) < -50  # the end has faded out


def test_silent_soundtrack_when_there_is_nothing_to_play(tmp_path: Path) -> None:
    info = build_soundtrack(tmp_path / "quiet.wav", duration=2.5, narration=None, music=None)
    with wave.open(str(info.path)) as handle:
        assert (
            handle.getnframes(),
            handle.getframerate(),
            handle.getnchannels(),
            handle.getsampwidth(),
        ) == (120000, 48000, 2, 2)
    assert not np.any(decode_audio(info.path))


def test_soundtrack_length_is_exact_to_the_sample(
    tmp_path: Path, sources: tuple[Path, Path]
) -> None:
    narration, music = sources
    for seconds in (0.01, 1.5, 3.3333):
        info = build_soundtrack(
            tmp_path / "n.wav", duration=seconds, narration=narration, music=music
        )
        with wave.open(str(info.path)) as handle:
            assert handle.getnframes() == round(seconds * RATE)


def test_loud_sources_never_clip(tmp_path: Path) -> None:
    t = np.arange(4 * RATE) / RATE
    square = np.sign(np.sin(2 * np.pi * 110 * t)).astype(np.float32)
    narration = write_wav(tmp_path / "shout.wav", 0.99 * square, sample_rate=RATE)
    music = write_wav(tmp_path / "loud.wav", np.stack([square, -square], 1), sample_rate=RATE)
    info = build_soundtrack(
        tmp_path / "hot.wav",
        duration=4.0,
        narration=narration,
        music=music,
        target_lufs=-6.0,
        music_volume_db=0.0,
        duck_db=0.0,
    )
    mix = decode_audio(info.path)
    assert peak_db(mix) <= -1.5 + 0.01
    with wave.open(str(info.path)) as handle:
        pcm = np.frombuffer(handle.readframes(handle.getnframes()), dtype="<i2")
    assert np.max(np.abs(pcm.astype(np.int32))) < 32767  # never a full-scale (clipped) sample


def test_quiet_narration_is_lifted_to_the_target(tmp_path: Path) -> None:
    # The old meter read stereo 3 dB low and pushed narration 3 dB too hot, into the limiter.
    whisper = write_wav(
        tmp_path / "whisper.wav", voice(4.0, [(0.5, 3.5)], amplitude=0.01), sample_rate=24000
    )
    info = build_soundtrack(
        tmp_path / "w.wav", duration=4.0, narration=whisper, music=None, target_lufs=-16.0
    )
    assert info.speech_segments and abs(info.speech_segments[0][0] - 0.5) < 0.05
    assert ffmpeg_loudness(info.path)[0] == pytest.approx(-16.0, abs=0.3)
    assert info.warnings == []


def test_a_narration_too_quiet_to_lift_is_reported_not_hidden(tmp_path: Path) -> None:
    faint = write_wav(
        tmp_path / "faint.wav", voice(4.0, [(0.5, 3.5)], amplitude=0.0003), sample_rate=24000
    )
    info = build_soundtrack(tmp_path / "f.wav", duration=4.0, narration=faint, music=None)
    measured, _ = ffmpeg_loudness(info.path)
    assert measured < -20.0  # lifted 30 dB and then up to 6 dB more, and no further
    assert any("narration is very quiet" in w for w in info.warnings)
    missed = [w for w in info.warnings if "-14 LUFS target" in w]
    assert len(missed) == 1
    reported = float(re.search(r"measures (-[\d.]+) LUFS", missed[0]).group(1))
    assert reported == pytest.approx(measured, abs=0.2)


def test_bad_requests_and_bad_files_leave_nothing_behind(
    tmp_path: Path, sources: tuple[Path, Path]
) -> None:
    narration, _ = sources
    junk = tmp_path / "junk.mp3"
    junk.write_bytes(np.random.default_rng(3).bytes(4096))
    out = tmp_path / "out.wav"
    out.write_bytes(b"the user's previous file")
    for duration in (0.0, -3.0, float("nan")):
        with pytest.raises(MediaError, match="duration"):
            build_soundtrack(out, duration=duration, narration=narration, music=None)
    with pytest.raises(MediaError, match=r"junk\.mp3"):
        build_soundtrack(out, duration=3.0, narration=narration, music=junk)
    assert out.read_bytes() == b"the user's previous file"
    assert not [n for n in os.listdir(tmp_path) if n.endswith(".tmp")]


def test_long_soundtracks_stream_in_flat_memory(tmp_path: Path, sources: tuple[Path, Path]) -> None:
    narration, music = sources
    tracemalloc.start()
    try:
        info = build_soundtrack(
            tmp_path / "long.wav", duration=240.0, narration=narration, music=music
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    with wave.open(str(info.path)) as handle:
        assert handle.getnframes() == 240 * RATE
    # Holding the 4 minutes whole as float32 stereo would take 92 MB per track.
    assert peak < 25_000_000, f"peak {peak / 1e6:.1f} MB"


# -- the pieces --------------------------------------------------------------------------------
def test_normalize_loudness_hits_the_target_and_limits_peaks() -> None:
    t = np.arange(3 * RATE) / RATE
    quiet_sine = (0.01 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    louder = normalize_loudness(quiet_sine, -16.0)
    assert measure_loudness(louder) == pytest.approx(-16.0, abs=0.05)
    assert louder.shape == quiet_sine.shape
    spiky = np.random.default_rng(0).standard_normal((3 * RATE, 2)).astype(np.float32) * 0.01
    spiky[RATE // 2 :: RATE // 4] = 0.9  # clicks far above the noise, four a second
    out = normalize_loudness(spiky, -14.0)
    assert peak_db(out) <= -1.5 + 1e-3
    assert measure_loudness(out) == pytest.approx(-14.0, abs=1.0)
    silence = np.zeros((RATE, 2), np.float32)
    assert not np.any(normalize_loudness(silence, -16.0))


def test_limiter_leaves_quiet_audio_untouched_and_keeps_timing() -> None:
    t = np.arange(RATE) / RATE
    gentle = (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    assert np.allclose(limit_peaks(gentle), gentle, atol=1e-7)
    burst = gentle.copy()
    burst[24000:24100] *= 3.0
    limited = limit_peaks(burst)
    assert len(limited) == len(burst) and peak_db(limited) <= -1.5 + 1e-3
    assert np.allclose(limited[:20000], burst[:20000], atol=1e-7)  # untouched well before it
    assert np.argmax(np.abs(limited)) in range(24000, 24100)  # the loud part stays in place


def test_speech_segments_bridge_word_gaps_and_drop_clicks() -> None:
    power = np.full(500, 1e-9)  # 5 s of near-silence at 10 ms a frame
    power[50:150] = 1e-2  # 0.5-1.5 s speech
    power[170:250] = 1e-2  # after a 0.2 s pause: same phrase
    power[310:400] = 3e-3  # after a 0.6 s pause: a new, quieter phrase
    power[450:452] = 1e-2  # a 20 ms click
    segments = find_speech_segments(power)
    assert segments == [(0.5, 2.5), (3.1, 4.0)] or (
        len(segments) == 2
        and all(
            abs(a - b) < 0.03
            for s, w in zip(segments, [(0.5, 2.5), (3.1, 4.0)], strict=True)
            for a, b in zip(s, w, strict=True)
        )
    )
    assert find_speech_segments(np.zeros(100)) == []


def test_duck_curve_is_full_under_speech_and_ramps_around_it() -> None:
    curve = duck_curve([(1.0, 2.0)], 400)
    assert curve[100:200].min() == pytest.approx(1.0)
    assert curve[:80].max() == 0.0 and curve[260:].max() == 0.0
    assert 0.0 < curve[93] < 1.0 and 0.0 < curve[225] < 1.0
    assert np.all(np.diff(curve[80:101]) >= 0) and np.all(np.diff(curve[200:260]) <= 0)
