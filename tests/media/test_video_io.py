"""Video decoding meets what cameras, phones and other tools write, and refuses junk in words."""

from __future__ import annotations

import itertools
import struct
from fractions import Fraction
from io import BytesIO
from pathlib import Path

import av
import numpy as np
import pytest
from mediafiles import (
    cut,
    random_file,
    read_counter,
    remux,
    with_latin1_title,
    write_counter_video,
    write_video_with_sound,
    write_with_damaged_packets,
)

from studio.media.audio_io import audio_duration, decode_audio
from studio.media.errors import MediaError
from studio.media.video_io import iter_frames, probe_video
from studio.media.video_load import normalize_video

W, H = 160, 90
COLOURS = [(230, 40, 40), (40, 200, 40), (40, 40, 230), (230, 230, 40), (230, 40, 230)]


def write_video(
    path: Path,
    *,
    count: int = 10,
    width: int = W,
    height: int = H,
    rate: Fraction | int = 25,
    fmt: str | None = None,
    codec: str = "libx264",
    rotation: float | None = None,
    sar: Fraction | None = None,
    pts: list[int] | None = None,
    time_base: Fraction | None = None,
    colours: list[tuple[int, int, int]] | None = None,
    audio: bool = False,
) -> Path:
    """A small test video: grey frames with a red marker in the top-left corner (or one solid
    colour per frame), written with PyAV the way other tools write theirs."""
    container = av.open(str(path), "w", format=fmt)
    stream = container.add_stream(codec, rate=rate)
    stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
    if sar is not None:
        stream.codec_context.sample_aspect_ratio = sar
    if rotation is not None:
        stream.set_display_rotation(rotation)
    if time_base is not None:
        stream.codec_context.time_base = time_base
    sound = container.add_stream("aac", rate=48000) if audio else None
    for i in range(count):
        image = np.full((height, width, 3), 90, np.uint8)
        if colours:
            image[:] = colours[i % len(colours)]
        else:
            image[:10, :20] = (255, 0, 0)
        frame = av.VideoFrame.from_ndarray(image, format="rgb24")
        frame.pts = pts[i] if pts else i
        if time_base is not None:
            frame.time_base = time_base
        container.mux(stream.encode(frame))
    container.mux(stream.encode(None))
    if sound is not None:
        seconds = count / float(rate)
        t = np.arange(round(seconds * 48000)) / 48000
        tone = (0.3 * np.sin(2 * np.pi * 330 * t)).astype(np.float32)
        frame = av.AudioFrame.from_ndarray(np.stack([tone, tone]), format="fltp", layout="stereo")
        frame.sample_rate = 48000
        container.mux(sound.encode(frame))
        container.mux(sound.encode(None))
    container.close()
    return path


def marker_centre(rgb: np.ndarray) -> tuple[float, float]:
    ys, xs = np.nonzero((rgb[:, :, 0] > 200) & (rgb[:, :, 1] < 80))
    return float(xs.mean()), float(ys.mean())


def test_a_plain_video_probes_right_and_decodes_every_frame(tmp_path: Path) -> None:
    path = write_video(tmp_path / "plain.mp4", count=12, audio=True)
    info = probe_video(path)
    assert (info.width, info.height, info.fps, info.frames) == (W, H, 25, 12)
    assert info.duration == pytest.approx(12 / 25)
    assert info.codec == "h264" and info.has_audio and info.rotation == 0
    frames = list(iter_frames(path))
    assert len(frames) == 12 and frames[0].shape == (H, W, 3)
    assert marker_centre(frames[0]) == pytest.approx((9.5, 4.5), abs=1.0)


@pytest.mark.parametrize(
    ("display_rotation", "clockwise", "corner"),
    [
        (-90, 90, (W - 1 - 4.5, 9.5)),  # a phone held upright: marker goes to the top right
        (90, 270, (4.5, H - 1 - 9.5)),
        (180, 180, (W - 1 - 9.5, H - 1 - 4.5)),
    ],
)
def test_rotation_metadata_is_applied_like_a_player_does(
    tmp_path: Path, display_rotation: int, clockwise: int, corner: tuple[float, float]
) -> None:
    path = write_video(tmp_path / "phone.mp4", rotation=display_rotation)
    info = probe_video(path)
    assert info.rotation == clockwise
    expected_size = (H, W) if clockwise in (90, 270) else (W, H)
    assert (info.width, info.height) == expected_size
    rgb = next(iter_frames(path))
    assert rgb.shape[1::-1] == expected_size
    x, y = marker_centre(rgb)
    if clockwise in (90, 270):  # rotated frames are H wide and W tall
        corner = {90: (H - 1 - 4.5, 9.5), 270: (4.5, W - 1 - 9.5)}[clockwise]
    assert (x, y) == pytest.approx(corner, abs=1.0)
    # The yuv420p path (what the timeline uses) rotates the same way.
    yuv = next(iter_frames(path, pixel_format="yuv420p"))
    assert yuv.shape == (expected_size[1] * 3 // 2, expected_size[0])


def test_anamorphic_pixels_become_square(tmp_path: Path) -> None:
    path = write_video(tmp_path / "anamorphic.mp4", width=80, height=90, sar=Fraction(2, 1))
    info = probe_video(path)
    assert info.sample_aspect == 2
    assert (info.coded_width, info.width, info.height) == (80, 160, 90)
    frame = next(iter_frames(path))
    assert frame.shape == (90, 160, 3)
    # the 20x10 marker was 20 coded pixels wide: 40 square pixels on screen
    red = (frame[:, :, 0] > 200) & (frame[:, :, 1] < 80)
    assert red.any(axis=0).sum() == pytest.approx(40, abs=3)


def test_23_976_fps_is_resampled_to_30_by_timestamps(tmp_path: Path) -> None:
    rate = Fraction(24000, 1001)
    path = write_video(tmp_path / "film.mp4", count=48, rate=rate)
    info = probe_video(path)
    assert info.fps == rate and not info.variable_frame_rate
    assert info.duration == pytest.approx(48 * 1001 / 24000)
    frames = list(iter_frames(path, fps=30, pixel_format="yuv420p"))
    assert len(frames) == round(48 * 1001 / 24000 * 30)  # 60 frames for 2.002 s


def _vp9_webm(path: Path) -> Path:
    return write_counter_video(path, count=60, rate=30, codec="libvpx-vp9", fmt="webm")


def _mp4_in_milliseconds(path: Path) -> Path:
    made = write_counter_video(path.with_suffix(".src.mp4"), count=60, rate=30)
    return remux(made, path, time_base=Fraction(1, 1000), fmt="mp4")


@pytest.mark.parametrize("make", [_vp9_webm, _mp4_in_milliseconds], ids=["webm", "mp4-1ms"])
def test_timestamps_rounded_to_milliseconds_keep_every_frame_once(tmp_path: Path, make) -> None:
    # 30 fps frames stored at 0, 33, 67, 100 ms...: 67 ms is a hair after slot 2 (66.67 ms).
    path = make(tmp_path / "clip.webm")
    with av.open(str(path)) as container:
        assert container.streams.video[0].time_base == Fraction(1, 1000)
    for pixel_format in ("rgb24", "yuv420p"):
        shown = [read_counter(f) for f in iter_frames(path, fps=30, pixel_format=pixel_format)]
        assert shown == list(range(60)), pixel_format  # none dropped, none shown twice
    halved = [read_counter(f) for f in iter_frames(path, fps=15)]
    assert len(halved) == 30 and all(a < b for a, b in itertools.pairwise(halved))
    assert all(abs(index - 2 * slot) <= 1 for slot, index in enumerate(halved))


def test_variable_frame_rate_shows_each_frame_while_it_is_on_screen(tmp_path: Path) -> None:
    # Five colours held for 100, 300, 100, 200 and 300 ms: a phone's VFR recording.
    starts = [0, 100, 400, 500, 700]
    path = write_video(
        tmp_path / "vfr.mp4",
        count=5,
        rate=10,
        pts=starts,
        time_base=Fraction(1, 1000),
        colours=COLOURS,
    )
    info = probe_video(path)
    assert info.variable_frame_rate
    frames = list(iter_frames(path, fps=20))
    assert len(frames) == pytest.approx(20, abs=2)  # ~1 s at 20 fps
    for index, frame in enumerate(frames[:19]):
        t_ms = index * 50
        shown = max(i for i, s in enumerate(starts) if s <= t_ms)
        assert np.abs(frame[45, 80].astype(int) - COLOURS[shown]).max() < 30, (t_ms, shown)


def test_odd_sized_video_decodes_at_its_size_or_even_for_the_encoder(tmp_path: Path) -> None:
    path = write_video(tmp_path / "odd.mkv", width=161, height=91, codec="ffv1")
    info = probe_video(path)
    assert (info.width, info.height) == (161, 91)
    assert next(iter_frames(path)).shape == (91, 161, 3)
    assert next(iter_frames(path, pixel_format="yuv420p")).shape == (90 * 3 // 2, 160)
    loaded = normalize_video(path, tmp_path)
    out, meta = loaded.path, loaded.meta
    assert meta["transcoded"] and "160x90" in meta["note"]
    assert (probe_video(out).width, probe_video(out).height) == (160, 90)


@pytest.mark.parametrize("fit", ["cover", "contain"])
def test_fitting_into_another_shape(tmp_path: Path, fit: str) -> None:
    path = write_video(tmp_path / "wide.mp4", colours=[(250, 250, 250)])
    frame = next(iter_frames(path, width=90, height=90, fit=fit))
    assert frame.shape == (90, 90, 3)
    if fit == "cover":
        assert frame.min() > 200  # cropped: the picture fills the square
    else:
        assert frame[:15].max() < 30 and frame[45, 45].min() > 200  # black bars above/below


def _id3_with_cover(png: bytes) -> bytes:
    body = b"\x00" + b"image/png\x00" + b"\x03" + b"cover\x00" + png
    frame = b"APIC" + struct.pack(">I", len(body)) + b"\x00\x00" + body
    size = len(frame)
    syncsafe = bytes([(size >> 21) & 0x7F, (size >> 14) & 0x7F, (size >> 7) & 0x7F, size & 0x7F])
    return b"ID3\x03\x00\x00" + syncsafe + frame


def test_an_mp3_cover_picture_is_not_a_video(tmp_path: Path) -> None:
    from PIL import Image

    mp3 = tmp_path / "plain.mp3"
    with av.open(str(mp3), "w") as container:
        stream = container.add_stream("libmp3lame", rate=44100)
        tone = np.zeros((1, 44100), np.float32)
        frame = av.AudioFrame.from_ndarray(tone, format="fltp", layout="mono")
        frame.sample_rate = 44100
        container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    cover = BytesIO()
    Image.new("RGB", (64, 64), (200, 30, 30)).save(cover, "PNG")
    tagged = tmp_path / "song.mp3"
    tagged.write_bytes(_id3_with_cover(cover.getvalue()) + mp3.read_bytes())
    with av.open(str(tagged)) as container:  # the file really carries a picture stream
        assert len(container.streams.video) == 1
    with pytest.raises(MediaError, match=r"no video in it.*cover art"):
        probe_video(tagged)
    with pytest.raises(MediaError, match="cover art"):
        next(iter_frames(tagged))


def _set_mkv_duration(data: bytes, milliseconds: float) -> bytes:
    """Rewrite a Matroska file's Duration element (ID 0x4489, 8-byte float)."""
    at = data.find(b"\x44\x89\x88")
    assert at > 0
    return data[: at + 3] + struct.pack(">d", milliseconds) + data[at + 11 :]


def test_a_header_that_lies_about_the_length_gives_what_is_really_there(tmp_path: Path) -> None:
    honest = write_video(tmp_path / "honest.mkv", count=25, fmt="matroska")
    liar = tmp_path / "liar.mkv"
    liar.write_bytes(_set_mkv_duration(honest.read_bytes(), 600_000.0))
    with av.open(str(liar)) as container:
        assert container.duration / 1_000_000 > 500  # the header claims ten minutes
    info = probe_video(liar)
    assert info.duration == pytest.approx(1.0, abs=0.05) and info.frames == 25
    assert len(list(iter_frames(liar, fps=25))) == 25


def test_a_truncated_file_yields_the_frames_it_holds(tmp_path: Path) -> None:
    whole = write_video(
        tmp_path / "whole.mkv", count=50, fmt="matroska", colours=COLOURS
    ).read_bytes()
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(whole[: len(whole) // 2])
    info = probe_video(cut)
    assert 5 < info.frames < 50
    frames = list(iter_frames(cut))
    assert 5 < len(frames) < 50


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"\x13\x37" * 3000, "not a video file"),
        (b"hello, I am a text file pretending to be a video\n" * 40, "not a video file"),
    ],
)
def test_junk_is_refused_in_words(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "clip.mp4"
    path.write_bytes(content)
    with pytest.raises(MediaError, match=message):
        probe_video(path)
    with pytest.raises(MediaError, match=message):
        next(iter_frames(path))


def test_random_bytes_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "noise.mov"
    path.write_bytes(np.random.default_rng(7).bytes(20_000))
    with pytest.raises(MediaError):
        probe_video(path)


def test_missing_file_and_unsupported_codec_are_refused(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match=r"nowhere\.mp4 was not found"):
        probe_video(tmp_path / "nowhere.mp4")
    with pytest.raises(MediaError, match="is a folder, not a video"):
        probe_video(tmp_path)
    avi = write_video(tmp_path / "x.avi", codec="mpeg4", fmt="avi").read_bytes()
    assert avi.count(b"FMP4") >= 1
    unknown = tmp_path / "unknown.avi"
    unknown.write_bytes(avi.replace(b"FMP4", b"QQQQ"))
    with pytest.raises(MediaError, match="codec this studio cannot decode"):
        probe_video(unknown)


def test_normalize_copies_a_plain_mp4_and_straightens_a_rotated_one(tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    plain = write_video(tmp_path / "plain.mp4", audio=True)
    loaded = normalize_video(plain, out_dir)
    copied, meta = loaded.path, loaded.meta
    assert meta["transcoded"] is False and copied.read_bytes() == plain.read_bytes()
    assert loaded.warnings == []
    phone = write_video(tmp_path / "phone.mov", rotation=-90, audio=True)
    loaded = normalize_video(phone, out_dir)
    upright, meta = loaded.path, loaded.meta
    assert meta["transcoded"] is True and meta["rotation_applied"] == 90
    info = probe_video(upright)
    assert (info.width, info.height, info.rotation) == (H, W, 0)
    assert info.has_audio and info.codec == "h264"
    assert marker_centre(next(iter_frames(upright)))[0] > H - 15  # marker at the top right


# -- damaged, cut short, odd tags: what is there is used, and what is not is told ------------------
def test_a_cut_mp4_is_called_cut_short_not_unreadable(tmp_path: Path) -> None:
    whole = write_video_with_sound(tmp_path / "whole.mp4", video_seconds=2, audio_seconds=2)
    for share in (0.05, 0.5):  # the index (moov) is at the end: nothing can be opened
        broken = cut(whole, tmp_path / f"cut{share}.mp4", share)
        with pytest.raises(MediaError, match=r"cut short or damaged.*starts like an MP4/MOV"):
            probe_video(broken)
        with pytest.raises(MediaError, match="cut short or damaged"):
            next(iter_frames(broken))
    with pytest.raises(MediaError, match="is not a video file this studio can read"):
        probe_video(random_file(tmp_path / "noise.mp4"))


def test_a_cut_mkv_plays_what_it_holds_and_says_it_was_cut(tmp_path: Path) -> None:
    whole = write_video_with_sound(
        tmp_path / "whole.mkv", video_seconds=4, audio_seconds=4, rate=25, fmt="matroska"
    )
    assert probe_video(whole).warnings == ()
    info = probe_video(cut(whole, tmp_path / "cut.mkv", 0.5))
    assert 1.0 < info.duration < 3.5
    (warning,) = info.warnings
    assert "cut.mkv is cut short or damaged" in warning
    assert f"{info.duration:.1f} s of its 4.0 s" in warning


def test_damaged_frames_are_skipped_not_the_rest_of_the_video(tmp_path: Path) -> None:
    path = write_with_damaged_packets(tmp_path / "scratched.mkv", count=50, damaged=range(20, 23))
    warnings: list[str] = []
    shown = [read_counter(f) for f in iter_frames(path, fps=25, warnings=warnings)]
    # All 2 s are there; the three damaged frames are covered by the frame before them.
    assert shown == [*range(20), 19, 19, 19, *range(23, 50)]
    assert warnings == [
        "scratched.mkv: 3 damaged video frames could not be decoded; "
        "the frame before each is shown in its place"
    ]


def test_tags_that_are_not_utf8_do_not_stop_a_video(tmp_path: Path) -> None:
    made = write_video_with_sound(
        tmp_path / "made.mkv", video_seconds=1, audio_seconds=1, fmt="matroska"
    )
    tagged = with_latin1_title(made, tmp_path / "old-camera.mkv")
    assert probe_video(tagged).frames == 10
    assert [read_counter(f) for f in iter_frames(tagged)] == list(range(10))
    assert audio_duration(tagged) == pytest.approx(1.0, abs=0.03)


def test_sound_that_runs_past_the_last_frame_is_kept(tmp_path: Path) -> None:
    # 10 s of picture, 12 s of sound: the song rings on after the picture ends.
    source = write_video_with_sound(
        tmp_path / "concert.mkv", video_seconds=10, audio_seconds=12, rate=25, fmt="matroska"
    )
    assert probe_video(source).duration == pytest.approx(10.0, abs=0.01)
    loaded = normalize_video(source, tmp_path)
    assert loaded.meta["transcoded"] is True
    # All 12 s of sound (the encoder pads to a whole frame), the tone to the very end.
    assert 11.98 < audio_duration(loaded.path) < 12.1
    sound = decode_audio(loaded.path)
    assert np.sqrt(np.mean(sound[round(11.8 * 48000) : round(11.95 * 48000)] ** 2)) > 0.15
    out = probe_video(loaded.path)
    assert out.duration == pytest.approx(12.0, abs=0.05)  # the last frame holds under the sound
    frames = [read_counter(f) for f in iter_frames(loaded.path)]
    assert frames[:250] == list(range(250)) and set(frames[250:]) == {249}
