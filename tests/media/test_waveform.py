"""A sound drawn as a video: the bars stand where the sound's pitch is and when it sounds, the
video is as long as the sound and carries it, and the sound is read in chunks, never whole."""

from __future__ import annotations

import wave
from itertools import pairwise
from pathlib import Path

import av
import numpy as np
import pytest

from studio.errors import Cancelled
from studio.media.errors import MediaError
from studio.media.waveform import (
    ANALYSIS_RATE,
    BAND_TOP,
    FFT_SIZE,
    _Samples,
    band_edges,
    band_levels,
    render_waveform,
)

BAR_COLOUR = (255, 200, 0)
W, H, FPS = 320, 180, 24


def write_tone(
    path: Path, *, freq: float, seconds: float, silent_first: float = 0.0, rate: int = 44_100
) -> Path:
    t = np.arange(round(seconds * rate)) / rate
    signal = 0.5 * np.sin(2 * np.pi * freq * t)
    signal[t < silent_first] = 0.0
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes((signal * 32767).astype("<i2").tobytes())
    return path


def decoded_frames(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(container.streams.video[0])]


def bar_heights(frame: np.ndarray, bars: int) -> list[int]:
    """Height in pixels above the mirror line of each bar, read from the picture."""
    mid = int(H * BAND_TOP)
    coloured = (np.abs(frame.astype(int) - BAR_COLOUR).sum(axis=2) < 90)[:mid]
    margin, slot = W * 0.08, (W - 2 * W * 0.08) / bars
    heights = []
    for i in range(bars):
        x = int(margin + i * slot + slot / 2)
        heights.append(int(coloured[:, x].sum()))
    return heights


def band_of(freq: float, bars: int) -> int:
    edges = band_edges(bars)
    fft_bin = freq * FFT_SIZE / ANALYSIS_RATE
    return next(i for i, (a, b) in enumerate(pairwise(edges)) if a <= fft_bin < b)


@pytest.mark.parametrize("freq", [220.0, 1000.0, 4000.0])
def test_the_tallest_bar_is_the_band_of_the_tone(tmp_path, freq):
    sound = write_tone(tmp_path / "tone.wav", freq=freq, seconds=1.0)
    result = render_waveform(
        sound, tmp_path / "out.mp4", width=W, height=H, fps=FPS, bars=24, colour="#ffc800"
    )
    frame = decoded_frames(result.path)[12]
    heights = bar_heights(frame, 24)
    assert int(np.argmax(heights)) == band_of(freq, 24), heights
    assert max(heights) > 0.5 * H * 0.26  # a -6 dBFS tone reaches well up


def test_bars_follow_when_the_sound_is_heard_and_the_video_carries_it(tmp_path):
    sound = write_tone(tmp_path / "late.wav", freq=500.0, seconds=2.0, silent_first=1.0)
    result = render_waveform(sound, tmp_path / "out.mp4", width=W, height=H, fps=FPS, bars=24)
    assert (result.frames, result.duration) == (48, 2.0)
    frames = decoded_frames(result.path)
    assert len(frames) == 48
    quiet, loud = bar_heights_any(frames[20]), bar_heights_any(frames[36])
    assert quiet <= 2 and loud > 20  # silence draws nothing; the tone at 1.5 s draws tall bars
    with av.open(str(result.path)) as container:
        kinds = sorted((s.type, s.codec_context.name) for s in container.streams)
        audio = container.streams.audio[0]
        heard = sum(f.samples for f in container.decode(audio)) / audio.sample_rate
    assert kinds == [("audio", "aac"), ("video", "h264")]
    assert heard == pytest.approx(2.0, abs=0.05)


def bar_heights_any(frame: np.ndarray) -> int:
    """The tallest run of the default bar colour above the mirror line, in pixels."""
    mid = int(H * BAND_TOP)
    teal = np.array([0x4F, 0xD1, 0xC5])
    coloured = (np.abs(frame.astype(int) - teal).sum(axis=2) < 90)[:mid]
    return int(coloured.sum(axis=0).max())


def test_the_wave_style_draws_the_signal_as_a_line(tmp_path):
    sound = write_tone(tmp_path / "late.wav", freq=100.0, seconds=1.0, silent_first=0.5)
    result = render_waveform(
        sound, tmp_path / "wave.mp4", width=W, height=H, fps=FPS, style="wave", colour="#ffc800"
    )
    frames = decoded_frames(result.path)
    mid = int(H * BAND_TOP)

    def spread(frame: np.ndarray) -> int:  # how many rows the line covers
        coloured = np.abs(frame.astype(int) - BAR_COLOUR).sum(axis=2) < 120
        rows = np.nonzero(coloured.any(axis=1))[0]
        return int(rows.max() - rows.min()) if rows.size else -1

    silent, sounding = frames[6], frames[20]
    assert 0 <= spread(silent) <= 6  # a flat line at the middle
    line_rows = np.nonzero((np.abs(silent.astype(int) - BAR_COLOUR).sum(axis=2) < 120).any(axis=1))
    assert abs(line_rows[0].mean() - mid) < 4
    assert spread(sounding) > 0.3 * H * 0.26 * 2  # a -6 dBFS sine swings up and down


def test_a_background_picture_fills_the_frame_dimmed(tmp_path):
    from PIL import Image

    picture = tmp_path / "red.png"
    Image.new("RGB", (64, 64), (200, 20, 20)).save(picture)
    sound = write_tone(tmp_path / "tone.wav", freq=300.0, seconds=0.5)
    result = render_waveform(
        sound, tmp_path / "bg.mp4", width=W, height=H, fps=FPS, background=picture, dim=0.5
    )
    corner = decoded_frames(result.path)[0][5, 5].astype(int)
    assert np.abs(corner - (100, 10, 10)).max() < 14  # red at half brightness (H.264 rounding)


def test_the_sound_is_read_in_chunks_and_never_held_whole():
    chunks = (np.full((4800, 1), i, np.float32) for i in range(1000))  # 200 s at 24 kHz
    samples = _Samples(chunks)
    for end in range(0, 1000 * 4800, 1000):
        window = samples.window(end, FFT_SIZE)
        assert len(samples._buffer) <= FFT_SIZE + 4800 + 1000
    assert window[-1] == 999 and samples.ended is False
    assert samples.window(1000 * 4800 + 10, 20)[-1] == 0.0  # after the end: silence


def test_band_levels_read_a_full_scale_sine_as_full_and_silence_as_nothing():
    t = np.arange(FFT_SIZE) / ANALYSIS_RATE
    edges = band_edges(32)
    full = band_levels(np.sin(2 * np.pi * 1000 * t).astype(np.float32), edges)
    assert full.max() == pytest.approx(1.0, abs=0.02)
    assert band_levels(np.zeros(FFT_SIZE, np.float32), edges).max() == 0.0


def test_a_stop_leaves_no_file_and_bad_settings_are_words(tmp_path):
    sound = write_tone(tmp_path / "tone.wav", freq=300.0, seconds=2.0)
    out = tmp_path / "stopped.mp4"
    with pytest.raises(Cancelled):
        render_waveform(sound, out, width=W, height=H, fps=FPS, should_stop=lambda: True)
    assert not out.exists() and list(tmp_path.glob("*.part*")) == []
    with pytest.raises(MediaError, match="unknown style 'bars'"):
        render_waveform(sound, out, width=W, height=H, fps=FPS, style="bars")
    with pytest.raises(MediaError, match="colour 'teal' is not of the form #rrggbb"):
        render_waveform(sound, out, width=W, height=H, fps=FPS, colour="teal")
