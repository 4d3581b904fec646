"""The streaming encoder: what a player sees in the files it writes, and no half-written files."""

from __future__ import annotations

import os
from pathlib import Path

import av
import numpy as np
import pytest
from ffmpeg_meter import ffmpeg_loudness

from studio.errors import Cancelled
from studio.media.encode import VideoEncoder, encode_frames, even_size
from studio.media.errors import MediaError
from studio.media.export import clone_file, export_video

W, H, FPS = 160, 90, 30


def gradient_frames(count: int, width: int = W, height: int = H):
    """RGB frames with a moving gradient and a white square, so every frame differs."""
    yy, xx = np.mgrid[0:height, 0:width]
    for i in range(count):
        frame = np.stack(
            [(xx * 2 + i * 4) % 256, (yy * 2) % 256, np.full_like(xx, 90)], axis=-1
        ).astype(np.uint8)
        frame[10:30, 10 + i : 30 + i] = 255
        yield frame


def tone(seconds: float, rate: int = 48000, freq: float = 440.0) -> np.ndarray:
    t = np.arange(round(seconds * rate)) / rate
    mono = (0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    return np.stack([mono, mono], axis=1)


def streams_of(path: Path) -> dict[str, av.stream.Stream]:
    with av.open(str(path)) as container:
        return {s.type: (s.codec_context.name, len(container.streams)) for s in container.streams}


def decode_all(path: Path) -> tuple[list[np.ndarray], np.ndarray | None, dict]:
    """(RGB frames, audio samples (channels, n) or None, facts) of a file."""
    facts: dict = {}
    frames, audio = [], []
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        facts["codec"] = video.codec_context.name
        facts["pix_fmt"] = video.codec_context.pix_fmt
        facts["size"] = (video.codec_context.width, video.codec_context.height)
        facts["streams"] = sorted(s.type for s in container.streams)
        duration = video.duration
        facts["video_duration"] = float(duration * video.time_base) if duration else None
        for frame in container.decode(video):
            frames.append(frame.to_ndarray(format="rgb24"))
        if container.streams.audio:
            container.seek(0)
            stream = container.streams.audio[0]
            facts["audio_codec"] = stream.codec_context.name
            facts["audio_rate"] = stream.codec_context.sample_rate
            facts["audio_channels"] = stream.codec_context.channels
            for frame in container.decode(stream):
                audio.append(frame.to_ndarray())
    return frames, (np.concatenate(audio, axis=1) if audio else None), facts


def test_mp4_has_one_h264_and_one_aac_stream_with_the_right_length(tmp_path: Path) -> None:
    out = tmp_path / "clip.mp4"
    path = encode_frames(
        gradient_frames(45), out, width=W, height=H, fps=FPS, total_frames=45, audio=tone(1.5)
    )
    assert path == out
    frames, audio, facts = decode_all(out)
    assert facts["streams"] == ["audio", "video"]
    assert facts["codec"] == "h264" and facts["pix_fmt"] == "yuv420p"
    assert facts["size"] == (W, H)
    assert len(frames) == 45
    assert facts["video_duration"] == pytest.approx(1.5, abs=1 / FPS)
    assert facts["audio_codec"] == "aac" and facts["audio_rate"] == 48000
    assert facts["audio_channels"] == 2
    # AAC adds a priming delay; the audio must cover the video and not be silent.
    assert audio.shape[1] / 48000 == pytest.approx(1.5, abs=0.05)
    rms = float(np.sqrt(np.mean(audio[:, 4800:-4800] ** 2)))
    assert 0.15 < rms < 0.3  # a 0.3 sine has an RMS of 0.21
    # faststart: the index (moov) sits before the media data, so playback starts at once.
    data = out.read_bytes()
    assert data.index(b"moov") < data.index(b"mdat")


def test_colours_survive_the_round_trip_and_the_stream_says_bt601(tmp_path: Path) -> None:
    colours = [(220, 30, 30), (30, 200, 60), (40, 60, 230), (250, 250, 250)]
    frames = []
    for colour in colours:
        frame = np.zeros((H, W, 3), np.uint8)
        frame[:] = colour
        frames += [frame] * 3
    out = encode_frames(frames, tmp_path / "c.mp4", width=W, height=H, fps=FPS)
    decoded, _, _ = decode_all(out)
    for index, colour in enumerate(colours):
        mean = decoded[index * 3 + 1][20:70, 20:140].reshape(-1, 3).mean(axis=0)
        assert np.abs(mean - colour).max() < 6, (colour, mean)
    with av.open(str(out)) as container:
        ctx = container.streams.video[0].codec_context
        assert int(ctx.colorspace) == 6  # SMPTE 170M (BT.601)
        assert int(ctx.color_range) == 1  # limited ("tv") range


def test_odd_size_is_adjusted_to_even_and_said(tmp_path: Path) -> None:
    assert even_size(1921, 1081) == (
        1920,
        1080,
        "size 1921x1081 adjusted to 1920x1080 (video needs even sides)",
    )
    assert even_size(1920, 1080) == (1920, 1080, None)
    out = tmp_path / "odd.mp4"
    with VideoEncoder(out, width=161, height=91, fps=FPS) as encoder:
        assert encoder.adjustment and "160x90" in encoder.adjustment
        for frame in gradient_frames(5, 161, 91):
            encoder.write(frame)
    _, _, facts = decode_all(out)
    assert facts["size"] == (160, 90)


def test_i420_frames_go_in_directly_and_wrong_shapes_are_refused(tmp_path: Path) -> None:
    import cv2

    out = tmp_path / "yuv.mp4"
    with VideoEncoder(out, width=W, height=H, fps=FPS) as encoder:
        for frame in gradient_frames(3):
            encoder.write(cv2.cvtColor(frame, cv2.COLOR_RGB2YUV_I420))
        with pytest.raises(MediaError, match="I420 frame has shape"):
            encoder.write(np.zeros((10, 10), np.uint8))
    frames, _, _ = decode_all(out)
    assert len(frames) == 3


def test_an_error_midway_leaves_the_previous_file_and_no_temp_file(tmp_path: Path) -> None:
    out = tmp_path / "keep.mp4"
    out.write_bytes(b"the user's previous file")
    with pytest.raises(RuntimeError), VideoEncoder(out, width=W, height=H, fps=FPS) as encoder:
        for index, frame in enumerate(gradient_frames(20)):
            encoder.write(frame)
            if index == 10:
                raise RuntimeError("disk on fire")
    assert out.read_bytes() == b"the user's previous file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.mp4"]


def test_cancel_leaves_nothing_at_the_export_path(tmp_path: Path) -> None:
    out = tmp_path / "cancelled.mp4"
    calls = []

    def should_stop() -> bool:
        calls.append(1)
        return len(calls) > 5

    with pytest.raises(Cancelled):
        encode_frames(
            gradient_frames(30),
            out,
            width=W,
            height=H,
            fps=FPS,
            audio=tone(1.0),
            should_stop=should_stop,
        )
    assert list(tmp_path.iterdir()) == []


def test_no_frames_is_an_error_not_an_empty_file(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="no frames"):
        encode_frames([], tmp_path / "empty.mp4", width=W, height=H, fps=FPS)
    assert list(tmp_path.iterdir()) == []


def test_webm_is_vp9_with_opus(tmp_path: Path) -> None:
    out = encode_frames(
        gradient_frames(15),
        tmp_path / "clip.webm",
        width=W,
        height=H,
        fps=FPS,
        format="webm",
        quality="draft",
        audio=tone(0.5),
    )
    frames, audio, facts = decode_all(out)
    assert facts["codec"] == "vp9" and facts["audio_codec"] == "opus"
    assert len(frames) == 15
    assert audio is not None and float(np.abs(audio).max()) > 0.1


def test_gif_is_animated_and_silent(tmp_path: Path) -> None:
    out = encode_frames(
        gradient_frames(10),
        tmp_path / "clip.gif",
        width=W,
        height=H,
        fps=10,
        format="gif",
        audio=tone(1.0),
    )
    frames, audio, facts = decode_all(out)
    assert facts["codec"] == "gif" and facts["streams"] == ["video"]
    assert len(frames) == 10 and audio is None
    assert not np.array_equal(frames[0], frames[9])  # the square moved
    # the white square is white in the palette too
    assert frames[5][20, 20 + 5].min() > 230


def test_export_copies_an_mp4_at_the_same_quality_and_reencodes_otherwise(tmp_path: Path) -> None:
    source = encode_frames(
        gradient_frames(30), tmp_path / "src.mp4", width=W, height=H, fps=FPS, audio=tone(1.0)
    )
    same = export_video(
        source, tmp_path / "out" / "same.mp4", quality="standard", source_quality="standard"
    )
    assert same["reencoded"] is False
    src_frames, _, _ = decode_all(source)
    same_frames, _same_audio, facts = decode_all(tmp_path / "out" / "same.mp4")
    assert facts["streams"] == ["audio", "video"]
    assert all(np.array_equal(a, b) for a, b in zip(src_frames, same_frames, strict=True))
    draft = export_video(source, tmp_path / "draft.mp4", quality="draft", source_quality="standard")
    assert draft["reencoded"] is True
    frames, audio, facts = decode_all(tmp_path / "draft.mp4")
    assert len(frames) == 30 and facts["audio_codec"] == "aac"
    gif = export_video(source, tmp_path / "small.gif", format="gif", quality="draft")
    frames, audio, facts = decode_all(tmp_path / "small.gif")
    assert facts["codec"] == "gif" and audio is None
    assert len(frames) == 10  # 1 s at the draft GIF rate of 10 fps
    assert gif["width"] == W  # already narrower than the preset's 360 px
    assert "a GIF holds no sound: the video's sound is left out" in gif["note"]  # said, not quiet


def test_export_reports_the_loudness_of_the_file_it_wrote(tmp_path: Path) -> None:
    # EBU Tech 3341's first signal: a 1 kHz stereo sine at -23 dBFS reads -23.0 LUFS.
    t = np.arange(6 * 48000) / 48000
    sine = (10 ** (-23 / 20) * np.sin(2 * np.pi * 1000 * t)).astype(np.float32)
    source = encode_frames(
        gradient_frames(180),
        tmp_path / "src.mp4",
        width=W,
        height=H,
        fps=FPS,
        audio=np.stack([sine, sine], axis=1),
    )
    for name, format, quality in (("copy.mp4", "mp4", "standard"), ("web.webm", "webm", "draft")):
        result = export_video(
            source, tmp_path / name, format=format, quality=quality, source_quality="standard"
        )
        integrated, true_peak = ffmpeg_loudness(tmp_path / name)  # measured outside the studio
        loudness = result["loudness"]
        assert integrated == pytest.approx(-23.0, abs=0.3), name
        assert loudness["integrated_lufs"] == pytest.approx(integrated, abs=0.15), name
        assert loudness["true_peak_dbtp"] == pytest.approx(true_peak, abs=0.2), name
        assert "LUFS integrated" in loudness["summary"]
    gif = export_video(source, tmp_path / "silent.gif", format="gif", quality="draft")
    assert gif["loudness"] is None  # a GIF has no sound to measure


def test_clone_file_is_a_copy_that_changes_alone(tmp_path: Path) -> None:
    original = tmp_path / "export.mp4"
    original.write_bytes(b"the exported film" * 1000)
    clone = clone_file(original, tmp_path / "cache-object.mp4")
    assert clone.read_bytes() == original.read_bytes()
    assert os.stat(clone).st_ino != os.stat(original).st_ino
    with open(original, "r+b") as handle:
        handle.write(b"EDITED")
    assert clone.read_bytes() == b"the exported film" * 1000


def test_export_of_junk_fails_cleanly_and_writes_nothing(tmp_path: Path) -> None:
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(np.random.default_rng(1).bytes(5000))
    target = tmp_path / "out.webm"
    with pytest.raises(MediaError):
        export_video(junk, target, format="webm")
    assert not target.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["junk.mp4"]


def test_prefetch_hands_over_frames_in_order_errors_too_and_stops_on_close() -> None:
    import threading

    from studio.media.encode import Prefetch

    assert list(Prefetch(range(20), depth=2)) == list(range(20))

    def broken():
        yield 1
        raise MediaError("clip 2 is damaged")

    ahead = Prefetch(broken())
    assert next(ahead) == 1
    with pytest.raises(MediaError, match="clip 2 is damaged"):
        next(ahead)

    closed = threading.Event()

    def endless():
        try:
            n = 0
            while True:
                n += 1
                yield n
        finally:
            closed.set()

    ahead = Prefetch(endless(), depth=2)
    assert next(ahead) == 1
    ahead.close()
    assert closed.is_set()  # the worker stopped and closed its generator


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_a_finished_file_has_the_users_usual_permissions(tmp_path: Path) -> None:
    mask = os.umask(0o022)
    try:
        out = encode_frames(gradient_frames(2), tmp_path / "shared.mp4", width=W, height=H, fps=FPS)
    finally:
        os.umask(mask)
    assert out.stat().st_mode & 0o777 == 0o644  # not private to its owner like a mkstemp file
