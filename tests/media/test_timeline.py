"""The compositor, checked the way a viewer would: streams, length, motion, sound and captions."""

from __future__ import annotations

import itertools
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from mediafiles import read_counter, remux, write_counter_video, write_with_damaged_packets
from PIL import Image, ImageDraw

from studio.errors import Cancelled
from studio.media.audio_io import write_wav
from studio.media.errors import MediaError
from studio.media.timeline import Clip, TimelineSettings, plan_slots, render_timeline

W, H, FPS = 160, 90, 24
RATE = 48000
SPEECH = [(0.5, 2.0), (2.5, 3.5)]  # where the test narration speaks
COLOURS = [(200, 40, 40), (40, 160, 60), (40, 70, 200)]


def picture(path: Path, colour: tuple[int, int, int]) -> Path:
    image = Image.new("RGB", (320, 180), colour)
    ImageDraw.Draw(image).ellipse((130, 60, 190, 120), fill=(250, 200, 0))
    image.save(path)
    return path


def narration(path: Path, seconds: float = 4.0) -> Path:
    """Voice-like bursts (a 200 Hz buzz with harmonics) where SPEECH says, silence between."""
    t = np.arange(round(seconds * RATE)) / RATE
    voice = sum(np.sin(2 * np.pi * 200 * k * t) / k for k in range(1, 6)) * 0.2
    gate = np.zeros_like(t)
    for start, end in SPEECH:
        gate[(t >= start) & (t < end)] = 1.0
    mono = (voice * gate).astype(np.float32)
    return write_wav(path, np.stack([mono, mono], axis=1))


def music(path: Path, seconds: float = 3.0) -> Path:
    t = np.arange(round(seconds * RATE)) / RATE
    mono = (0.25 * np.sin(2 * np.pi * 660 * t)).astype(np.float32)
    return write_wav(path, np.stack([mono, mono], axis=1))


@pytest.fixture
def pictures(tmp_path: Path) -> list[Clip]:
    return [Clip(picture(tmp_path / f"p{i}.png", c), "image") for i, c in enumerate(COLOURS)]


def read_back(path: Path) -> tuple[list[np.ndarray], np.ndarray, dict]:
    with av.open(str(path)) as container:
        facts = {"streams": sorted((s.type, s.codec_context.name) for s in container.streams)}
        video = container.streams.video[0]
        facts["pix_fmt"] = video.codec_context.pix_fmt
        facts["duration"] = float(video.duration * video.time_base)
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video)]
        container.seek(0)
        audio = [f.to_ndarray() for f in container.decode(container.streams.audio[0])]
    return frames, np.concatenate(audio, axis=1), facts


def rms(samples: np.ndarray, start: float, end: float) -> float:
    part = samples[:, round(start * RATE) : round(end * RATE)]
    return float(np.sqrt(np.mean(part**2)))


def has_caption(frame: np.ndarray) -> bool:
    """White letters on a dark box in the lower third (the pictures hold neither)."""
    lower = frame[H * 2 // 3 :]
    return bool((lower.min(axis=2) > 225).sum() > 15 and (lower.max(axis=2) < 50).sum() > 50)


def test_full_timeline_plays_like_the_brief_says(tmp_path: Path, pictures: list[Clip]) -> None:
    voice = narration(tmp_path / "voice.wav")
    out = tmp_path / "film.mp4"
    reports = []
    settings = TimelineSettings(
        width=W,
        height=H,
        fps=FPS,
        fit_to_narration=True,
        transition="crossfade",
        transition_seconds=0.25,
    )
    result = render_timeline(
        pictures,
        out,
        settings=settings,
        narration=voice,
        music=music(tmp_path / "music.wav"),
        scratch=tmp_path,
        captions_text="The sea is calm tonight. The light comes on.",
        progress=lambda f, m: reports.append(f),
    )
    frames, audio, facts = read_back(out)
    assert facts["streams"] == [("audio", "aac"), ("video", "h264")]
    assert facts["pix_fmt"] == "yuv420p"
    # Fitted to the narration (4.0 s) plus the half-second tail, right to one frame.
    assert result.duration == pytest.approx(4.5, abs=1 / FPS)
    assert len(frames) == result.frames == round(4.5 * FPS)
    assert facts["duration"] == pytest.approx(4.5, abs=1 / FPS)
    assert audio.shape[1] / RATE == pytest.approx(4.5, abs=0.05)
    # Sound: narration is loud where it speaks; music, ducked and quieter, elsewhere.
    speaking, between = rms(audio, 0.7, 1.8), rms(audio, 2.1, 2.4)
    assert speaking > 2 * between > 0.004
    # Ken Burns: the first clip moves; each colour shows up in its slot.
    assert np.abs(frames[0].astype(int) - frames[20]).mean() > 2
    for index, colour in enumerate(COLOURS):
        middle = frames[round((index + 0.5) * len(frames) / 3)]
        assert np.abs(middle[5, 5].astype(int) - colour).max() < 30, index
    # Captions: on screen while speech plays, not before it starts.
    assert not has_caption(frames[round(0.2 * FPS)])
    assert has_caption(frames[round(1.0 * FPS)])
    assert has_caption(frames[round(3.0 * FPS)])
    # Each sentence is on screen while it is spoken (the pause between them moves the change).
    assert [c.text for c in result.cues] == ["The sea is calm tonight.", "The light comes on."]
    for cue, (start, end) in zip(result.cues, SPEECH, strict=True):
        assert (cue.start, cue.end) == pytest.approx((start, end), abs=0.05)
    assert result.srt.startswith("1\n00:00:00,")
    assert reports[-1] == 1.0 and all(a <= b for a, b in itertools.pairwise(reports))
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_cuts_with_fixed_durations_and_a_video_clip_that_holds(
    tmp_path: Path, pictures: list[Clip]
) -> None:
    from studio.media.encode import encode_frames

    teal = np.zeros((H, W, 3), np.uint8)
    teal[:] = (20, 180, 180)
    short = encode_frames([teal] * 12, tmp_path / "short.mp4", width=W, height=H, fps=FPS)
    clips = [pictures[0], Clip(short, "video"), pictures[2]]
    settings = TimelineSettings(
        width=W,
        height=H,
        fps=FPS,
        clip_duration=1.0,
        transition="cut",
        image_motion="still",
        burn_captions=False,
    )
    result = render_timeline(clips, tmp_path / "cuts.mp4", settings=settings, scratch=tmp_path)
    frames, audio, _ = read_back(tmp_path / "cuts.mp4")
    assert len(frames) == result.frames == 3 * FPS
    assert float(np.abs(audio).max()) < 1e-3  # nothing connected: a silent track
    assert np.array_equal(frames[0], frames[FPS - 1])  # a still does not move
    for index in (FPS, FPS + 11, FPS + 23):  # the half-second video holds its last frame
        assert np.abs(frames[index][45, 80].astype(int) - (20, 180, 180)).max() < 25
    assert np.abs(frames[2 * FPS][5, 5].astype(int) - COLOURS[2]).max() < 25  # a hard cut


def test_a_video_with_millisecond_timestamps_plays_every_frame_once(tmp_path: Path) -> None:
    # An MP4 remuxed with a 1 ms time base: 30 fps frames at 0, 33, 67, 100 ms...
    made = write_counter_video(tmp_path / "made.mp4", count=60, rate=30)
    clip = remux(made, tmp_path / "ms.mp4", time_base=Fraction(1, 1000), fmt="mp4")
    settings = TimelineSettings(
        width=160, height=96, fps=30, clip_duration=2.0, transition="cut", burn_captions=False
    )
    render_timeline([Clip(clip, "video")], tmp_path / "out.mp4", settings=settings)
    frames, _, _ = read_back(tmp_path / "out.mp4")
    assert [read_counter(frame) for frame in frames] == list(range(60))


def test_a_damaged_clip_plays_on_and_is_reported(tmp_path: Path) -> None:
    clip = write_with_damaged_packets(tmp_path / "scratched.mkv", count=50, damaged=range(20, 23))
    settings = TimelineSettings(
        width=160, height=96, fps=25, clip_duration=2.0, transition="cut", burn_captions=False
    )
    result = render_timeline([Clip(clip, "video")], tmp_path / "out.mp4", settings=settings)
    frames, _, _ = read_back(tmp_path / "out.mp4")
    # It used to stop at the first damaged frame and hold it for the remaining 1.2 s, silently.
    assert [read_counter(f) for f in frames] == [*range(20), 19, 19, 19, *range(23, 50)]
    assert result.warnings == [
        "scratched.mkv: 3 damaged video frames could not be decoded; "
        "the frame before each is shown in its place"
    ]


def test_a_crossfade_blends_the_two_clips(tmp_path: Path, pictures: list[Clip]) -> None:
    settings = TimelineSettings(
        width=W,
        height=H,
        fps=FPS,
        clip_duration=1.0,
        transition="crossfade",
        transition_seconds=0.5,
        image_motion="still",
        burn_captions=False,
    )
    result = render_timeline(
        pictures[:2], tmp_path / "fade.mp4", settings=settings, scratch=tmp_path
    )
    frames, _, _ = read_back(tmp_path / "fade.mp4")
    assert len(frames) == result.frames == 2 * FPS - FPS // 2
    middle = frames[FPS - FPS // 4][5, 5].astype(int)  # half-way through the overlap
    expected = (np.array(COLOURS[0]) + COLOURS[1]) / 2
    assert np.abs(middle - expected).max() < 25


def test_slot_planning() -> None:
    fitted = TimelineSettings(fps=30, fit_to_narration=True, transition_seconds=1.0)
    slots, total, notes = plan_slots(3, fitted, 10.0)
    assert total == round(10.5 * 30) and slots[-1].start + slots[-1].length == total
    assert [s.start for s in slots] == [
        0,
        slots[0].length - 30,
        slots[0].length + slots[1].length - 60,
    ]
    _, total, notes = plan_slots(2, TimelineSettings(fps=30, fit_to_narration=True), None)
    assert total == 2 * 150 - round(0.75 * 30) and "no narration" in notes[0]
    _, _, notes = plan_slots(
        2, TimelineSettings(fps=30, clip_duration=0.5, transition_seconds=2.0), None
    )
    assert "crossfades shortened" in notes[0]


def test_bad_timelines_are_refused_in_words(tmp_path: Path, pictures: list[Clip]) -> None:
    out = tmp_path / "bad.mp4"
    with pytest.raises(MediaError, match="no clips"):
        render_timeline([], out, settings=TimelineSettings(width=W, height=H))
    for duration in (0.0, -3.0):
        with pytest.raises(MediaError, match="more than 0 seconds"):
            render_timeline(
                pictures,
                out,
                settings=TimelineSettings(width=W, height=H, clip_duration=duration),
                scratch=tmp_path,
            )
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"\x00" * 1000)
    with pytest.raises(MediaError, match=r"junk\.mp4"):
        render_timeline(
            [Clip(junk, "video")],
            out,
            settings=TimelineSettings(width=W, height=H, clip_duration=0.5),
            scratch=tmp_path,
        )
    assert not out.exists()


def test_odd_size_is_adjusted_and_said(tmp_path: Path, pictures: list[Clip]) -> None:
    settings = TimelineSettings(width=161, height=91, fps=FPS, clip_duration=0.25)
    result = render_timeline(
        pictures[:1], tmp_path / "odd.mp4", settings=settings, scratch=tmp_path
    )
    assert (result.width, result.height) == (160, 90)
    assert any("adjusted to 160x90" in note for note in result.notes)


def test_cancel_leaves_no_file_behind(tmp_path: Path, pictures: list[Clip]) -> None:
    out = tmp_path / "out" / "cancelled.mp4"
    out.parent.mkdir()
    calls = []
    with pytest.raises(Cancelled):
        render_timeline(
            pictures,
            out,
            settings=TimelineSettings(width=W, height=H, fps=FPS, clip_duration=2.0),
            narration=narration(tmp_path / "v.wav"),
            scratch=out.parent,
            should_stop=lambda: calls.append(1) or len(calls) > 3,
        )
    assert list(out.parent.iterdir()) == []
