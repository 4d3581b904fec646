"""A sound exported as WAV, FLAC, MP3, Opus or M4A through PyAV's own FFmpeg: the codec each
promises, the source's length (within 50 ms), FLAC bit-exact; a bad source or a stop leaves
nothing behind."""

from __future__ import annotations

import wave
from pathlib import Path

import av
import numpy as np
import pytest

from studio.errors import Cancelled
from studio.media.errors import MediaError
from studio.media.sound_convert import FORMATS, convert_sound, sound_formats

CODECS = {"wav": "pcm_s16le", "flac": "flac", "mp3": "mp3", "opus": "opus", "m4a": "aac"}


def tone(path: Path, seconds: float = 1.5, rate: int = 44_100, channels: int = 2) -> Path:
    t = np.arange(round(seconds * rate)) / rate
    left = 0.4 * np.sin(2 * np.pi * 440 * t)
    columns = [left, 0.3 * np.sin(2 * np.pi * 554 * t)][:channels]
    samples = np.rint(np.stack(columns, axis=1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(channels)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes(samples.tobytes())
    return path


def decoded(path: Path) -> tuple[str, int, int, float, np.ndarray]:
    """(codec, rate, channels, seconds, samples) as a player decodes the file."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        frames = [frame.to_ndarray() for frame in container.decode(stream)]
        context = stream.codec_context
        samples = np.concatenate(frames, axis=1)
        channels = len(context.layout.channels)
        count = samples.shape[1] if context.format.is_planar else samples.shape[1] // channels
        return context.name, context.sample_rate, channels, count / context.sample_rate, samples


def test_this_machines_pyav_offers_every_format_with_its_real_encoder():
    offered = sound_formats()
    assert list(offered)[:2] == ["wav", "flac"] and {"opus", "m4a"} <= set(offered)
    # MP3 only where the wheels' FFmpeg has LAME; these wheels do, so it is offered here.
    assert ("mp3" in offered) == ("libmp3lame" in av.codec.codecs_available)


@pytest.mark.parametrize("fmt", [f.extension for f in FORMATS])
def test_each_offered_format_has_its_codec_and_the_sources_length(tmp_path, fmt):
    if fmt not in sound_formats():
        pytest.skip(f"this PyAV cannot encode {fmt}")
    source = tone(tmp_path / "source.wav")
    progress: list[float | None] = []
    result = convert_sound(
        source, tmp_path / f"music.{fmt}", fmt, progress=lambda f, _what: progress.append(f)
    )
    codec, rate, channels, seconds, _samples = decoded(tmp_path / f"music.{fmt}")
    assert codec.startswith(CODECS[fmt]) and channels == 2
    assert rate == (48_000 if fmt == "opus" else 44_100)  # Opus runs at 48 kHz only
    assert abs(seconds - 1.5) <= 0.05, seconds
    assert result["seconds"] == pytest.approx(1.5, abs=0.001)
    assert progress and progress[-1] == pytest.approx(1.0)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["music." + fmt, "source.wav"]


def test_flac_of_a_16_bit_wav_is_bit_exact_and_mono_stays_mono(tmp_path):
    source = tone(tmp_path / "voice.wav", seconds=0.7, rate=22_050, channels=1)
    convert_sound(source, tmp_path / "voice.flac", "flac")
    *_facts, original = decoded(source)
    codec, rate, channels, _seconds, copy = decoded(tmp_path / "voice.flac")
    assert (codec, rate, channels) == ("flac", 22_050, 1)
    assert copy.dtype == np.int16 and np.array_equal(copy, original)


def test_flac_keeps_24_bits_of_a_24_bit_source(tmp_path):
    source = tmp_path / "deep.wav"
    with av.open(str(source), "w", format="wav") as container:
        stream = container.add_stream("pcm_s24le", rate=48_000)
        stream.layout = "stereo"
        quiet = np.full((1, 2 * 4800), 3e-6, np.float32)  # below a 16-bit step
        frame = av.AudioFrame.from_ndarray(quiet, format="flt", layout="stereo")
        frame.sample_rate = 48_000
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            container.mux(packet)
    convert_sound(source, tmp_path / "deep.flac", "flac")
    *_facts, samples = decoded(tmp_path / "deep.flac")
    assert samples.dtype == np.int32 and np.all(samples != 0)  # 16 bits would round it to 0


def test_a_bad_source_says_why_and_writes_nothing(tmp_path):
    junk = tmp_path / "music.wav"
    junk.write_bytes(b"RIFF\x10\x00\x00\x00WAVEfmt " + b"\x00" * 8)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(
        MediaError, match=r"^music\.wav is cut short or damaged: it starts like a WAV file"
    ):
        convert_sound(junk, out / "music.flac", "flac")
    assert list(out.iterdir()) == []


def test_a_stop_midway_leaves_no_part_file_and_the_old_file_as_it_was(tmp_path):
    source = tone(tmp_path / "long.wav", seconds=20)
    target = tmp_path / "out" / "long.mp3"
    target.parent.mkdir()
    target.write_bytes(b"the user's older file")
    seen: list[float | None] = []
    with pytest.raises(Cancelled):
        convert_sound(
            source,
            target,
            "m4a" if "mp3" not in sound_formats() else "mp3",
            progress=lambda f, _what: seen.append(f),
            should_stop=lambda: len(seen) >= 3,  # stops once it is under way
        )
    assert 0 < (seen[-1] or 0) < 1
    assert target.read_bytes() == b"the user's older file"
    assert list(target.parent.iterdir()) == [target]


def test_an_unknown_format_is_refused(tmp_path):
    with pytest.raises(MediaError, match=r"cannot be written as 'aiff' here \(known: wav, flac"):
        convert_sound(tone(tmp_path / "a.wav"), tmp_path / "a.aiff", "aiff")
