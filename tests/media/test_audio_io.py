"""Audio decoding and WAV writing, checked as a listener would: levels, pitch, length, channels.

Every file is made here with PyAV (any codec, layout and sample format it can write), small.
"""

from __future__ import annotations

import os
import struct
import subprocess
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import av
import numpy as np
import pytest
from mediafiles import cut, random_file, write_sound_with_damaged_packets, write_video_with_sound

from studio.media.audio_io import (
    audio_duration,
    audio_info,
    check_audio_header,
    decode_audio,
    from_segment,
    iter_audio,
    to_segment,
    write_wav,
)
from studio.media.errors import MediaError

Signal = Callable[[np.ndarray, list[str]], np.ndarray]


def tone(freq: float = 440.0, amplitude: float = 0.5) -> Signal:
    """The same sine on every channel."""

    def make(t: np.ndarray, names: list[str]) -> np.ndarray:
        return np.tile(amplitude * np.sin(2 * np.pi * freq * t), (len(names), 1))

    return make


def only_in(channel: str, freq: float = 440.0, amplitude: float = 0.5) -> Signal:
    """A sine in one named channel (FC, BL, ...), silence in the others."""

    def make(t: np.ndarray, names: list[str]) -> np.ndarray:
        data = np.zeros((len(names), len(t)))
        data[names.index(channel)] = amplitude * np.sin(2 * np.pi * freq * t)
        return data

    return make


def write_audio(
    path: Path,
    codec: str,
    *,
    fmt: str | None = None,
    layout: str = "stereo",
    rate: int = 48000,
    seconds: float = 1.0,
    signal: Signal | None = None,
    options: dict[str, str] | None = None,
) -> Path:
    """Encode a test signal with PyAV; the encoder converts the float samples to its format."""
    signal = signal or tone()
    with av.open(str(path), "w", format=fmt) as container:
        stream = container.add_stream(codec, rate=rate, layout=layout)
        if options:
            stream.codec_context.options = options
        names = [channel.name for channel in stream.layout.channels]
        total = round(rate * seconds)
        data = signal(np.arange(total) / rate, names).astype(np.float32)
        for start in range(0, total, 1024):
            # Packed (interleaved) frames: PyAV miscounts the planes of planar 7.1 frames.
            packed = np.ascontiguousarray(data[:, start : start + 1024].T).reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(packed, format="flt", layout=layout)
            frame.sample_rate = rate
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


def level_db(samples: np.ndarray) -> np.ndarray:
    """RMS level per channel in dBFS, over the middle half (away from codec edges)."""
    n = len(samples)
    middle = samples[n // 4 : 3 * n // 4]
    return 10 * np.log10(np.maximum(np.mean(middle.astype(np.float64) ** 2, axis=0), 1e-12))


def tone_level_db(samples: np.ndarray, freq: float, rate: int = 48000) -> float:
    """Level of one frequency (lock-in), mono-summed, over the middle half, in dB of RMS."""
    n = len(samples)
    middle = samples[n // 4 : 3 * n // 4].mean(axis=1)
    t = (np.arange(len(middle)) + n // 4) / rate
    amplitude = 2 * abs(np.mean(middle * np.exp(-2j * np.pi * freq * t)))
    return float(20 * np.log10(max(amplitude / np.sqrt(2), 1e-9)))


SINE_DB = 20 * np.log10(0.5 / np.sqrt(2))  # -9.03 dB: the RMS of a 0.5-amplitude sine

CODECS = [
    ("mp3", "libmp3lame", None, 44100, {}),
    ("m4a", "aac", "mp4", 44100, {}),
    ("aac", "aac", "adts", 48000, {}),
    ("flac", "flac", None, 96000, {}),
    ("ogg", "vorbis", "ogg", 44100, {"strict": "experimental"}),
    ("opus", "libopus", "ogg", 48000, {}),
    ("wav", "pcm_u8", None, 8000, {}),
    ("wav", "pcm_s16le", None, 22050, {}),
    ("wav", "pcm_s24le", None, 48000, {}),
    ("wav", "pcm_s32le", None, 32000, {}),
    ("wav", "pcm_f32le", None, 44100, {}),
    ("wav", "pcm_f64le", None, 16000, {}),
]


@pytest.mark.parametrize(
    ("suffix", "codec", "fmt", "rate", "options"), CODECS, ids=[f"{c[1]}-{c[3]}" for c in CODECS]
)
def test_every_common_format_decodes_at_the_right_length_level_and_pitch(
    tmp_path: Path, suffix: str, codec: str, fmt: str | None, rate: int, options: dict
) -> None:
    path = write_audio(
        tmp_path / f"tone.{suffix}",
        codec,
        fmt=fmt,
        rate=rate,
        seconds=1.5,
        signal=tone(440.0),
        options=options,
    )
    samples = decode_audio(path, sample_rate=48000)
    assert samples.dtype == np.float32 and samples.ndim == 2 and samples.shape[1] == 2
    # Encoders add a little priming/padding; never more than ~60 ms.
    assert abs(len(samples) / 48000 - 1.5) < 0.06
    assert np.allclose(level_db(samples), SINE_DB, atol=0.6)
    # The pitch survives resampling: the 440 Hz component holds the energy, 466 Hz has none.
    assert abs(tone_level_db(samples, 440.0) - SINE_DB) < 0.6
    assert tone_level_db(samples, 466.0) < SINE_DB - 30
    assert abs(audio_duration(path) - 1.5) < 0.06


@pytest.mark.parametrize(
    ("layout", "signal", "expected"),
    [
        ("mono", tone(), (SINE_DB, SINE_DB)),
        # Centre dialogue goes to both sides at -3 dB (FFmpeg's standard down-mix).
        ("5.1", only_in("FC"), (SINE_DB - 3.0, SINE_DB - 3.0)),
        # A surround-left effect stays on the left.
        ("5.1", only_in("BL"), (SINE_DB - 3.0, None)),
        ("quad", only_in("FR"), (None, SINE_DB)),
        ("7.1", only_in("FC"), (SINE_DB - 3.0, SINE_DB - 3.0)),
    ],
    ids=["mono", "5.1-centre", "5.1-back-left", "quad-right", "7.1-centre"],
)
def test_any_channel_layout_mixes_down_audibly_to_stereo(
    tmp_path: Path, layout: str, signal: Signal, expected: tuple[float | None, float | None]
) -> None:
    path = write_audio(tmp_path / "layout.flac", "flac", layout=layout, signal=signal)
    samples = decode_audio(path)
    left, right = level_db(samples)
    for measured, wanted in zip((left, right), expected, strict=True):
        if wanted is None:
            assert measured < -60  # silent side
        else:
            assert abs(measured - wanted) < 0.7


def test_five_one_centre_tone_down_to_mono_is_heard(tmp_path: Path) -> None:
    path = write_audio(tmp_path / "c.ac3", "ac3", layout="5.1", signal=only_in("FC"))
    samples = decode_audio(path, channels=1)
    assert samples.shape[1] == 1
    assert abs(level_db(samples)[0] - SINE_DB) < 0.7


def _id3_with_cover(png: bytes) -> bytes:
    """An ID3v2.3 tag holding one APIC (front cover) frame, as taggers write it."""
    body = b"\x00" + b"image/png\x00" + b"\x03" + b"cover\x00" + png
    frame = b"APIC" + struct.pack(">I", len(body)) + b"\x00\x00" + body
    size = len(frame)
    syncsafe = bytes([(size >> 21) & 0x7F, (size >> 14) & 0x7F, (size >> 7) & 0x7F, size & 0x7F])
    return b"ID3\x03\x00\x00" + syncsafe + frame


def test_mp3_with_cover_art_decodes_its_sound_only(tmp_path: Path) -> None:
    from io import BytesIO

    from PIL import Image

    cover = BytesIO()
    Image.new("RGB", (64, 64), (200, 30, 30)).save(cover, "PNG")
    plain = write_audio(tmp_path / "plain.mp3", "libmp3lame", rate=44100, seconds=2.0)
    tagged = tmp_path / "tagged.mp3"
    tagged.write_bytes(_id3_with_cover(cover.getvalue()) + plain.read_bytes())
    with av.open(str(tagged)) as container:  # the test file really carries a picture stream
        assert len(container.streams.video) == 1
    samples = decode_audio(tagged)
    assert abs(len(samples) / 48000 - 2.0) < 0.06
    assert np.allclose(level_db(samples), SINE_DB, atol=0.6)
    assert audio_info(tagged)["codec"].startswith("mp3")


def test_wav_whose_header_claims_ten_seconds_gives_the_one_it_has(tmp_path: Path) -> None:
    good = write_audio(tmp_path / "good.wav", "pcm_s16le", rate=44100, seconds=1.0)
    raw = bytearray(good.read_bytes())
    data = raw.find(b"data")
    raw[data + 4 : data + 8] = struct.pack("<I", 44100 * 4 * 10)
    liar = tmp_path / "liar.wav"
    liar.write_bytes(bytes(raw))
    assert abs(audio_duration(liar) - 1.0) < 0.01
    samples = decode_audio(liar)
    assert abs(len(samples) / 48000 - 1.0) < 0.01


def test_mp3_cut_in_half_loads_the_half_that_is_there(tmp_path: Path) -> None:
    whole = write_audio(tmp_path / "whole.mp3", "libmp3lame", rate=44100, seconds=4.0)
    cut = tmp_path / "cut.mp3"
    data = whole.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    seconds = audio_duration(cut)
    assert 1.7 < seconds < 2.3
    samples = decode_audio(cut)
    assert abs(len(samples) / 48000 - seconds) < 0.05
    assert np.allclose(level_db(samples), SINE_DB, atol=0.6)


def test_zero_length_audio_is_empty_or_an_error_as_asked(tmp_path: Path) -> None:
    path = tmp_path / "empty.wav"
    write_wav(path, np.zeros((0, 2), np.float32))
    assert path.stat().st_size == 44  # a valid WAV header and no frames
    empty = decode_audio(path, allow_empty=True)
    assert empty.shape == (0, 2) and empty.dtype == np.float32
    with pytest.raises(MediaError, match="no sound"):
        decode_audio(path)


def _written(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _unknown_codec_wav(path: Path) -> Path:
    data = bytes(8000)
    fmt = struct.pack("<IHHIIHH", 16, 0x3333, 2, 44100, 44100 * 4, 4, 16)
    header = b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVE" + b"fmt " + fmt
    path.write_bytes(header + b"data" + struct.pack("<I", len(data)) + data)
    return path


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda p: _written(p, b""), "empty"),
        (lambda p: _written(p, np.random.default_rng(7).bytes(20000)), "not an audio"),
        (lambda p: _written(p, b"hello, this is not music\n" * 50), "not an audio"),
        (_unknown_codec_wav, "cannot decode"),
        (lambda p: p, "not found"),
    ],
    ids=["zero-bytes", "random-bytes", "text", "unknown-codec", "missing"],
)
def test_junk_is_refused_with_a_clear_media_error(
    tmp_path: Path, make: Callable[[Path], Path], reason: str
) -> None:
    path = make(tmp_path / "song.wav")
    with pytest.raises(MediaError, match=reason) as caught:
        decode_audio(path)
    assert "song.wav" in str(caught.value)
    with pytest.raises(MediaError):
        audio_duration(path)


def test_a_picture_is_not_sound(tmp_path: Path) -> None:
    from PIL import Image

    path = tmp_path / "photo.png"
    Image.new("RGB", (32, 32)).save(path)
    with pytest.raises(MediaError, match="no sound track"):
        decode_audio(path)


def test_streaming_decode_matches_whole_decode(tmp_path: Path) -> None:
    path = write_audio(tmp_path / "t.ogg", "libopus", fmt="ogg", seconds=3.0)
    chunks = list(iter_audio(path, sample_rate=24000, channels=1))
    assert len(chunks) > 10 and all(c.shape[1] == 1 for c in chunks)
    assert np.array_equal(np.concatenate(chunks), decode_audio(path, sample_rate=24000, channels=1))


def test_write_wav_roundtrips_as_16_bit_and_clips_instead_of_wrapping(tmp_path: Path) -> None:
    t = np.arange(48000) / 48000
    samples = np.stack([0.25 * np.sin(2 * np.pi * 440 * t), 1.7 * np.sin(2 * np.pi * 440 * t)], 1)
    path = write_wav(tmp_path / "out.wav", samples)
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        assert (stream.codec_context.name, stream.rate, stream.channels) == ("pcm_s16le", 48000, 2)
    back = decode_audio(path)
    assert np.max(np.abs(back[:, 0] - samples[:, 0])) < 1 / 32767 + 1e-6
    # An over-loud channel is clipped at full scale, never wrapped around to the other sign.
    assert np.max(back[:, 1]) <= 1.0 and np.min(back[:, 1]) >= -1.0
    assert np.all(np.sign(back[:, 1]) == np.sign(np.round(samples[:, 1] * 32767)))
    mono = write_wav(tmp_path / "mono.wav", samples[:, 0], sample_rate=16000)
    assert decode_audio(mono, sample_rate=16000, channels=1).shape == (48000, 1)


def test_write_wav_is_atomic(tmp_path: Path) -> None:
    path = tmp_path / "keep.wav"
    write_wav(path, np.zeros((480, 2)))
    before = path.read_bytes()
    with pytest.raises(MediaError):
        write_wav(path, np.zeros((2, 3, 4)))  # malformed: nothing replaces the good file
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["keep.wav"]


def test_pydub_gets_raw_pcm_and_never_runs_ffmpeg(tmp_path: Path, monkeypatch) -> None:
    def no_subprocess(*args, **kwargs):
        raise AssertionError(f"pydub tried to run {args[0] if args else kwargs}")

    monkeypatch.setattr(subprocess, "Popen", no_subprocess)
    with warnings.catch_warnings():  # pydub warns on import that it found no ffmpeg: fine
        warnings.simplefilter("ignore", RuntimeWarning)
        import pydub.utils

    monkeypatch.setattr(pydub.utils, "Popen", no_subprocess)
    t = np.arange(48000) / 48000
    samples = np.stack([0.5 * np.sin(2 * np.pi * 440 * t)] * 2, 1).astype(np.float32)
    segment = to_segment(samples, 48000)
    assert (segment.frame_rate, segment.channels, segment.sample_width) == (48000, 2, 2)
    assert abs(len(segment) - 1000) <= 1  # milliseconds
    quieter = segment.apply_gain(-6.0).fade_in(100).overlay(segment - 20)
    back = from_segment(quieter)
    assert back.shape == samples.shape
    assert abs(level_db(back)[0] - (SINE_DB - 6.0 + 20 * np.log10(1 + 10 ** (-14 / 20)))) < 0.3


def test_decoding_half_a_minute_of_mp3_is_quick(tmp_path: Path) -> None:
    path = write_audio(tmp_path / "half.mp3", "libmp3lame", rate=44100, seconds=30.0)
    start = time.process_time()  # CPU seconds: other processes on a loaded machine don't count
    samples = decode_audio(path)
    spent = time.process_time() - start
    assert abs(len(samples) / 48000 - 30.0) < 0.06
    # About 0.06 s on one idle core; the bound leaves room for a slow CI machine.
    assert spent < 3.0, f"30 s of mp3 took {spent:.2f} CPU s to decode"


# -- damage is heard as silence in its place, and told ---------------------------------------------
def _rms(samples: np.ndarray, start: float, end: float) -> float:
    part = samples[round(start * 48000) : round(end * 48000)]
    return float(np.sqrt(np.mean(part**2)))


def test_damaged_sound_packets_become_silence_and_are_told(tmp_path: Path) -> None:
    # FLAC packets of 4608 samples (96 ms); packets 20 to 25 are random bytes: 1.92 s to 2.50 s.
    path = write_sound_with_damaged_packets(tmp_path / "interview.mka", seconds=3.0)
    warnings: list[str] = []
    samples = np.concatenate(list(iter_audio(path, warnings=warnings)))
    assert len(samples) / 48000 == pytest.approx(3.0, abs=0.01)  # what follows keeps its time
    assert _rms(samples, 0.2, 1.9) > 0.2 and _rms(samples, 2.52, 2.95) > 0.2
    assert _rms(samples, 1.93, 2.49) == 0.0
    assert warnings == [
        "interview.mka is damaged: 6 of its 32 sound packets were unreadable; "
        "0.6 s of silence stands in for them"
    ]
    info = audio_info(path)
    assert info["duration"] == pytest.approx(3.0, abs=0.01) and info["warnings"] == warnings


def test_sound_cut_short_is_told(tmp_path: Path) -> None:
    whole = write_video_with_sound(
        tmp_path / "whole.mkv", video_seconds=4, audio_seconds=4, fmt="matroska"
    )
    info = audio_info(cut(whole, tmp_path / "cut.mkv", 0.5))
    assert 0.5 < info["duration"] < 3.5
    assert info["warnings"] == [
        f"cut.mkv is cut short or damaged: only {info['duration']:.1f} s of its 4.0 s "
        "of sound can be read"
    ]
    assert audio_info(whole)["warnings"] == []


def test_an_m4a_cut_short_is_called_so(tmp_path: Path) -> None:
    whole = write_audio(tmp_path / "song.m4a", "aac", fmt="mp4", seconds=2.0)
    broken = cut(whole, tmp_path / "cut.m4a", 0.5)  # its index (moov) was at the end
    with pytest.raises(MediaError, match=r"cut\.m4a is cut short or damaged: it starts like"):
        decode_audio(broken)
    with pytest.raises(MediaError, match="is not an audio file this studio can read"):
        decode_audio(random_file(tmp_path / "noise.m4a"))


def test_the_header_probe_decodes_only_the_start(tmp_path: Path) -> None:
    from PIL import Image

    check_audio_header(write_audio(tmp_path / "good.flac", "flac", seconds=1.0))
    song = write_audio(tmp_path / "song.m4a", "aac", fmt="mp4")
    with pytest.raises(MediaError, match="cut short or damaged"):
        check_audio_header(cut(song, tmp_path / "cut.m4a", 0.3))
    Image.new("RGB", (8, 8)).save(tmp_path / "photo.png")
    with pytest.raises(MediaError, match="no sound track"):
        check_audio_header(tmp_path / "photo.png")
