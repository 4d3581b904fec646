"""image.load, audio.load and video.load in real graphs: what lands in the cache, and what a user
is told (a refusal in words, or a warning on a result that is usable but degraded)."""

from __future__ import annotations

import hashlib
import struct
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from mediafiles import (
    cut,
    read_counter,
    with_latin1_title,
    write_sound_with_damaged_packets,
    write_video_with_sound,
    write_with_damaged_packets,
)
from PIL import Image, features

from studio.graph.model import Graph, Node

RED, GREEN = (230, 20, 20), (20, 200, 20)


def _warnings(events: list) -> list[tuple[str, str]]:
    return [(e.node, e.message) for e in events if type(e).__name__ == "NodeWarning"]


def _one(node_type: str, file: str) -> Graph:
    graph = Graph()
    graph.add_node(Node("load", node_type, {"file": file}))
    return graph


def _sine(seconds: float, rate: int, channels: int, freq: float = 440.0) -> np.ndarray:
    t = np.arange(round(seconds * rate)) / rate
    return np.tile(0.5 * np.sin(2 * np.pi * freq * t), (channels, 1)).astype(np.float32)


def _write_audio(
    path: Path, codec: str, layout: str, rate: int, seconds: float, fmt: str | None = None
) -> Path:
    with av.open(str(path), "w", format=fmt) as container:
        stream = container.add_stream(codec, rate=rate, layout=layout)
        data = _sine(seconds, rate, len(stream.layout.channels))
        for start in range(0, data.shape[1], 1024):
            packed = np.ascontiguousarray(data[:, start : start + 1024].T).reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(packed, format="flt", layout=layout)
            frame.sample_rate = rate
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


# -- image.load --------------------------------------------------------------------------------
def test_image_load_stores_an_upright_png_with_its_size(run_graph, tmp_path: Path) -> None:
    shown = Image.new("RGB", (120, 80), GREEN)
    shown.paste(RED, (0, 0, 40, 26))
    exif = Image.Exif()
    exif[0x0112] = 6  # the phone was held upright: pixels stored turned a quarter
    shown.transpose(Image.Transpose.ROTATE_90).save(tmp_path / "phone.jpg", exif=exif.tobytes())

    result, events = run_graph(_one("image.load", "phone.jpg"), graph_dir=tmp_path)
    assert result.status == "succeeded", result.failures
    image = result.outputs["load"]["image"]
    assert image.kind == "image" and image.path.suffix == ".png"
    assert (image.meta["width"], image.meta["height"]) == (120, 80)
    assert image.meta["source"] == "phone.jpg" and image.meta["rotated"] is True
    with Image.open(image.path) as png:
        assert png.format == "PNG" and png.size == (120, 80) and png.mode == "RGB"
        top_left = np.asarray(png)[5:15, 5:15].reshape(-1, 3).mean(axis=0)
    assert np.allclose(top_left, RED, atol=25)
    assert any(type(e).__name__ == "NodePreview" for e in events)

    again, _ = run_graph(_one("image.load", "phone.jpg"), graph_dir=tmp_path)
    assert again.cached == ["load"]  # same file content: no second decode


def test_image_load_keeps_transparency_and_converts_deep_grey(run_graph, tmp_path: Path) -> None:
    sticker = Image.new("P", (16, 16), 1)
    sticker.putpalette([0, 0, 0, 10, 120, 250] + [0] * 762)
    sticker.paste(0, (0, 0, 8, 16))
    sticker.save(tmp_path / "sticker.gif", transparency=0)
    Image.fromarray(np.full((8, 8), 32768, np.uint16)).save(tmp_path / "scan.png")
    graph = Graph()
    graph.add_node(Node("sticker", "image.load", {"file": "sticker.gif"}))
    graph.add_node(Node("scan", "image.load", {"file": "scan.png"}))
    result, _ = run_graph(graph, graph_dir=tmp_path)
    assert result.status == "succeeded", result.failures
    sticker_png = result.outputs["sticker"]["image"]
    assert sticker_png.meta["has_alpha"] is True
    with Image.open(sticker_png.path) as png:
        assert png.getpixel((2, 2))[3] == 0 and png.getpixel((12, 2)) == (10, 120, 250, 255)
    with Image.open(result.outputs["scan"]["image"].path) as png:
        assert abs(png.getpixel((0, 0))[0] - 128) <= 1


def _bomb(path: Path) -> None:
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    idat = zlib.compress(bytes(1 + 30000 * 3) * 10, 9)
    ihdr = struct.pack(">IIBBBBB", 30000, 30000, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def _truncated(path: Path) -> None:
    Image.effect_noise((200, 200), 50).convert("RGB").save(path.with_suffix(".full.jpg"))
    data = path.with_suffix(".full.jpg").read_bytes()
    path.write_bytes(data[: len(data) // 2])


@pytest.mark.parametrize(
    ("name", "make", "reason"),
    [
        ("bomb.png", _bomb, "too large"),
        ("cut.jpg", _truncated, "cut short"),
        (
            "noise.png",
            lambda p: p.write_bytes(np.random.default_rng(1).bytes(3000)),
            "not a picture",
        ),
        ("empty.jpg", lambda p: p.write_bytes(b""), "empty"),
    ],
    ids=["bomb", "truncated", "random-bytes", "zero-bytes"],
)
def test_image_load_refuses_bad_files_in_words(
    run_graph, tmp_path: Path, name: str, make, reason: str
) -> None:
    make(tmp_path / name)
    result, _ = run_graph(_one("image.load", name), graph_dir=tmp_path)
    assert result.status == "failed"
    message = result.failures["load"]
    assert name in message and reason in message
    assert "Traceback" not in message


# -- audio.load --------------------------------------------------------------------------------
def test_audio_load_keeps_a_plain_file_and_measures_it(run_graph, tmp_path: Path) -> None:
    source = _write_audio(tmp_path / "song.mp3", "libmp3lame", "stereo", 44100, 2.0)
    _write_audio(tmp_path / "film.flac", "flac", "5.1", 48000, 1.5)
    graph = Graph()
    graph.add_node(Node("song", "audio.load", {"file": "song.mp3"}))
    graph.add_node(Node("film", "audio.load", {"file": "film.flac"}))
    result, _ = run_graph(graph, graph_dir=tmp_path)
    assert result.status == "succeeded", result.failures

    song = result.outputs["song"]["audio"]
    assert song.kind == "audio" and song.path.suffix == ".mp3"
    assert song.digest == hashlib.sha256(source.read_bytes()).hexdigest()  # the original bytes
    assert abs(song.meta["duration"] - 2.0) < 0.06
    assert (song.meta["sample_rate"], song.meta["channels"]) == (44100, 2)
    assert song.meta["converted"] is False and source.exists()  # the user's file stays

    film = result.outputs["film"]["audio"]
    assert film.path.suffix == ".flac" and film.meta["channels"] == 6
    assert abs(film.meta["duration"] - 1.5) < 0.01


def test_audio_load_takes_the_sound_of_a_video_as_wav(run_graph, tmp_path: Path) -> None:
    path = tmp_path / "clip.mp4"
    with av.open(str(path), "w") as container:
        video = container.add_stream("libx264", rate=10)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        audio = container.add_stream("aac", rate=48000, layout="stereo")
        for index in range(10):
            frame = av.VideoFrame.from_ndarray(
                np.full((48, 64, 3), index * 20, np.uint8), format="rgb24"
            )
            frame.pts, frame.time_base = index, Fraction(1, 10)
            for packet in video.encode(frame):
                container.mux(packet)
        data = _sine(1.0, 48000, 2)
        for start in range(0, 48000, 1024):
            packed = np.ascontiguousarray(data[:, start : start + 1024].T).reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(packed, format="flt", layout="stereo")
            frame.sample_rate = 48000
            for packet in audio.encode(frame):
                container.mux(packet)
        for stream in (video, audio):
            for packet in stream.encode(None):
                container.mux(packet)
    result, _ = run_graph(_one("audio.load", "clip.mp4"), graph_dir=tmp_path)
    assert result.status == "succeeded", result.failures
    sound = result.outputs["load"]["audio"]
    assert sound.path.suffix == ".wav" and sound.meta["converted"] is True
    with av.open(str(sound.path)) as stored:
        assert not stored.streams.video
        assert stored.streams.audio[0].codec_context.name == "pcm_s16le"
        assert abs(float(stored.duration / 1e6) - 1.0) < 0.06


def _silent_wav(path: Path) -> None:
    from studio.media.audio_io import write_wav

    write_wav(path, np.zeros((0, 2), np.float32))  # a valid header and not one frame


@pytest.mark.parametrize(
    ("name", "make", "reason"),
    [
        ("nothing.wav", _silent_wav, "no sound"),
        (
            "noise.mp3",
            lambda p: p.write_bytes(np.random.default_rng(2).bytes(4000)),
            "not an audio file",
        ),
        ("empty.ogg", lambda p: p.write_bytes(b""), "empty"),
        ("photo.flac", lambda p: Image.new("RGB", (8, 8)).save(p, format="PNG"), "no sound track"),
    ],
    ids=["zero-length", "random-bytes", "zero-bytes", "a-picture"],
)
def test_audio_load_refuses_bad_files_in_words(
    run_graph, tmp_path: Path, name: str, make, reason: str
) -> None:
    make(tmp_path / name)
    result, _ = run_graph(_one("audio.load", name), graph_dir=tmp_path)
    assert result.status == "failed"
    message = result.failures["load"]
    assert name in message and reason in message


# -- video.load ----------------------------------------------------------------------------------
def _frames(path: Path) -> list[int]:
    with av.open(str(path)) as container:
        return [read_counter(f.to_ndarray(format="rgb24")) for f in container.decode(video=0)]


def _sound_seconds(path: Path) -> float:
    from studio.media.audio_io import audio_duration

    return audio_duration(path)


def test_video_load_keeps_sound_that_runs_past_the_last_frame(run_graph, tmp_path: Path) -> None:
    write_video_with_sound(
        tmp_path / "concert.mkv", video_seconds=10, audio_seconds=12, rate=25, fmt="matroska"
    )
    result, events = run_graph(_one("video.load", "concert.mkv"), graph_dir=tmp_path)
    assert result.status == "succeeded", result.failures
    video = result.outputs["load"]["video"]
    assert 11.98 < _sound_seconds(video.path) < 12.1  # was 10.03 s: two seconds of song lost
    assert video.meta["duration"] == pytest.approx(12.0, abs=0.05)
    assert _warnings(events) == []


def test_video_load_skips_damaged_frames_and_says_so(run_graph, tmp_path: Path) -> None:
    write_with_damaged_packets(tmp_path / "scratched.mkv", count=50, damaged=range(20, 23))
    result, events = run_graph(_one("video.load", "scratched.mkv"), graph_dir=tmp_path)
    assert result.status == "succeeded", result.failures
    video = result.outputs["load"]["video"]
    # All 2 s (it used to stop at the first damaged frame, 0.8 s in, without a word).
    assert video.meta["duration"] == pytest.approx(2.0, abs=0.01)
    assert _frames(video.path) == [*range(20), 19, 19, 19, *range(23, 50)]
    message = (
        "scratched.mkv: 3 damaged video frames could not be decoded; "
        "the frame before each is shown in its place"
    )
    assert _warnings(events) == [("load", message)]
    again, events = run_graph(_one("video.load", "scratched.mkv"), graph_dir=tmp_path)
    (hit,) = [e for e in events if type(e).__name__ == "NodeCached"]
    assert again.cached == ["load"] and hit.provenance["warnings"] == [message]


def test_video_load_of_a_cut_file_keeps_what_is_there_and_says_so(run_graph, tmp_path) -> None:
    whole = write_video_with_sound(
        tmp_path / "whole.mkv", video_seconds=4, audio_seconds=4, rate=25, fmt="matroska"
    )
    cut(whole, tmp_path / "download.mkv", 0.5)
    result, events = run_graph(_one("video.load", "download.mkv"), graph_dir=tmp_path)
    assert result.status == "succeeded", result.failures
    seconds = result.outputs["load"]["video"].meta["duration"]
    assert 1.0 < seconds < 3.5
    ((node, message),) = _warnings(events)
    assert node == "load" and message.startswith("download.mkv is cut short or damaged: only ")
    assert "of its 4.0 s can be read" in message


def test_video_load_refuses_a_cut_mp4_as_cut_short(run_graph, tmp_path: Path) -> None:
    whole = write_video_with_sound(tmp_path / "whole.mp4", video_seconds=2, audio_seconds=2)
    cut(whole, tmp_path / "download.mp4", 0.5)
    result, _ = run_graph(_one("video.load", "download.mp4"), graph_dir=tmp_path)
    assert result.status == "failed"
    assert "download.mp4 is cut short or damaged" in result.failures["load"]


def test_video_load_reads_tags_that_are_not_utf8(run_graph, tmp_path: Path) -> None:
    made = write_video_with_sound(
        tmp_path / "made.mkv", video_seconds=1, audio_seconds=1, rate=25, fmt="matroska"
    )
    with_latin1_title(made, tmp_path / "old-camera.mkv")
    result, _ = run_graph(_one("video.load", "old-camera.mkv"), graph_dir=tmp_path)
    assert result.status == "succeeded", result.failures
    video = result.outputs["load"]["video"]
    assert _frames(video.path) == list(range(25))
    assert _sound_seconds(video.path) == pytest.approx(1.0, abs=0.05)


# -- warnings of audio.load and image.load ----------------------------------------------------
def test_audio_load_tells_of_damaged_sound(run_graph, tmp_path: Path) -> None:
    write_sound_with_damaged_packets(tmp_path / "interview.mka", seconds=3.0)
    result, events = run_graph(_one("audio.load", "interview.mka"), graph_dir=tmp_path)
    assert result.status == "succeeded", result.failures
    sound = result.outputs["load"]["audio"]
    assert sound.meta["duration"] == pytest.approx(3.0, abs=0.01)
    assert _sound_seconds(sound.path) == pytest.approx(3.0, abs=0.01)
    assert _warnings(events) == [
        (
            "load",
            "interview.mka is damaged: 6 of its 32 sound packets were unreadable; "
            "0.6 s of silence stands in for them",
        )
    ]


def test_image_load_tells_of_a_colour_profile_it_could_not_apply(run_graph, tmp_path) -> None:
    Image.new("RGB", (32, 24), GREEN).save(tmp_path / "scan.png", icc_profile=b"\0" * 200)
    result, events = run_graph(_one("image.load", "scan.png"), graph_dir=tmp_path)
    assert result.status == "succeeded", result.failures
    assert _warnings(events) == [
        (
            "load",
            "scan.png: its embedded colour profile is damaged, so its colours are taken as sRGB "
            "and may look off",
        )
    ]


@pytest.mark.skipif(not features.check("avif"), reason="this Pillow was built without libavif")
def test_image_load_reads_avif(run_graph, tmp_path: Path) -> None:
    Image.new("RGB", (64, 48), RED).save(tmp_path / "phone.avif", quality=90)
    result, events = run_graph(_one("image.load", "phone.avif"), graph_dir=tmp_path)
    assert result.status == "succeeded", result.failures
    image = result.outputs["load"]["image"]
    assert image.meta["source_format"] == "AVIF" and (
        image.meta["width"],
        image.meta["height"],
    ) == (64, 48)
    with Image.open(image.path) as png:
        assert np.allclose(np.asarray(png)[24, 32], RED, atol=20)
    assert _warnings(events) == []
