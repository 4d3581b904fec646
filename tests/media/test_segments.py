"""Smart render: exports made of segments, joined by stream copy, re-encoded only where changed.

Clips are counter videos (each frame shows its number), so a decoded export tells exactly which
source frame every output frame shows: a dropped, repeated or shuffled frame at a join is caught.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import av
import numpy as np
import pytest
from mediafiles import read_counter, write_counter_video

from studio.engine.cache import Cache, CacheParts
from studio.media.audio_io import write_wav
from studio.media.captions import cue_at
from studio.media.segments import (
    MAX_SEGMENT_SECONDS,
    Segment,
    cut_points,
    probe_keyframes,
)
from studio.media.timeline import Clip, TimelineSettings, plan_slots, render_timeline

W, H, FPS = 160, 96, 30
CLIP_FRAMES = 135  # 4.5 s: each clip is cut once more inside, at the 4-second limit
RATE = 48000


class CountingParts(CacheParts):
    """The engine's part store, counting what it is asked for."""

    def __init__(self, cache: Cache) -> None:
        super().__init__(cache)
        self.hits = 0
        self.puts = 0

    def get(self, key: str) -> Path | None:
        found = super().get(key)
        self.hits += found is not None
        return found

    def put(self, key: str, path: Path) -> Path:
        self.puts += 1
        return super().put(key, path)


@pytest.fixture
def clips(tmp_path: Path) -> list[Clip]:
    return [
        Clip(
            write_counter_video(tmp_path / f"clip{i}.mp4", count=CLIP_FRAMES, first=i * 100),
            "video",
        )
        for i in range(3)
    ]


def expected_numbers(count: int = 3) -> list[int]:
    return [(i * 100 + f) % 256 for i in range(count) for f in range(CLIP_FRAMES)]


def settings(**changes: object) -> TimelineSettings:
    base = {
        "width": W,
        "height": H,
        "fps": FPS,
        "clip_duration": CLIP_FRAMES / FPS,
        "fit_to_narration": False,
        "transition": "cut",
        "image_motion": "still",
        "burn_captions": True,
    }
    base.update(changes)
    return TimelineSettings(**base)  # type: ignore[arg-type]


def decoded_numbers(path: Path) -> list[int]:
    """Every frame of the file, decoded one by one (a broken join raises or shows garbage)."""
    with av.open(str(path)) as container:
        return [
            read_counter(frame.to_ndarray(format="rgb24"))
            for frame in container.decode(container.streams.video[0])
        ]


def test_segments_are_cut_at_clip_boundaries_and_every_few_seconds() -> None:
    assert cut_points(300, [90, 90, 210], 30, max_seconds=4.0) == [
        (0, 90),
        (90, 210),
        (210, 300),
    ]
    assert cut_points(300, [90], 30, max_seconds=4.0) == [(0, 90), (90, 195), (195, 300)]
    # Each range is at most the limit, split evenly; boundaries outside are ignored.
    ranges = cut_points(1000, [-5, 0, 1000, 2000], 30, max_seconds=2.0)
    assert ranges[0][0] == 0 and ranges[-1][1] == 1000
    assert all(b - a <= 60 for a, b in ranges)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(ranges))
    assert max(b - a for a, b in ranges) - min(b - a for a, b in ranges) <= 1
    assert cut_points(0, [], 30) == []


def test_a_segmented_export_plays_every_frame_once_with_a_keyframe_at_each_join(
    tmp_path: Path, clips: list[Clip]
) -> None:
    parts = CountingParts(Cache(tmp_path / "cache"))
    out = tmp_path / "film.mp4"
    result = render_timeline(clips, out, settings=settings(), scratch=tmp_path, parts=parts)
    # Two segments per 4.5 s clip: cut at the clip boundaries and at the 4-second limit.
    assert MAX_SEGMENT_SECONDS == 4.0
    # Six segments and the sound (the encoded track and what it measures) are kept.
    assert (result.segments, result.segments_encoded, parts.puts) == (6, 6, 8)
    assert not result.sound_kept
    assert decoded_numbers(out) == expected_numbers()
    slots, total, _ = plan_slots(3, settings(), None)
    starts = [a for a, _ in cut_points(total, [s.start for s in slots], FPS)]
    assert set(starts) <= set(probe_keyframes(out))
    with av.open(str(out)) as container:
        video = container.streams.video[0]
        assert video.codec_context.name == "h264" and video.frames == total
    # No work file is left beside the export or in the scratch folder.
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".mp4") == [
        "clip0.mp4",
        "clip1.mp4",
        "clip2.mp4",
        "film.mp4",
    ]


def test_a_second_export_reuses_every_segment_and_gives_the_same_picture(
    tmp_path: Path, clips: list[Clip]
) -> None:
    parts = CountingParts(Cache(tmp_path / "cache"))
    render_timeline(clips, tmp_path / "a.mp4", settings=settings(), scratch=tmp_path, parts=parts)
    again = render_timeline(
        clips, tmp_path / "b.mp4", settings=settings(), scratch=tmp_path, parts=parts
    )
    assert (again.segments, again.segments_encoded, parts.hits) == (6, 0, 8)
    assert (
        again.sound_kept
        and again.delivered
        == render_timeline(
            clips, tmp_path / "c.mp4", settings=settings(), scratch=tmp_path
        ).delivered
    )  # the same sound as made from scratch, measured alike
    assert decoded_numbers(tmp_path / "b.mp4") == expected_numbers()


def test_changing_one_caption_re_encodes_only_the_segments_it_is_on(
    tmp_path: Path, clips: list[Clip]
) -> None:
    parts = CountingParts(Cache(tmp_path / "cache"))
    text = "One harbour. Two boats. Three gulls. Four waves. Five lamps. Six stars."
    first = render_timeline(
        clips,
        tmp_path / "a.mp4",
        settings=settings(),
        scratch=tmp_path,
        parts=parts,
        captions_text=text,
    )
    edited = text.replace("Three gulls.", "Three terns.")  # a caption fixed, same length
    second = render_timeline(
        clips,
        tmp_path / "b.mp4",
        settings=settings(),
        scratch=tmp_path,
        parts=parts,
        captions_text=edited,
    )
    # The caption keeps its time; only the segments it is shown in are made again.
    changed = next(c for c in second.cues if c.text == "Three terns.")
    assert changed in second.cues and [c.start for c in first.cues] == [
        c.start for c in second.cues
    ]
    slots, total, _ = plan_slots(3, settings(), None)
    ranges = cut_points(total, [s.start for s in slots], FPS)
    shown = {
        g for g in range(total) if cue_at(second.cues, g / FPS)[0] is changed
    }  # frames showing it
    touched = [r for r in ranges if any(r[0] <= g < r[1] for g in shown)]
    assert 1 <= second.segments_encoded == len(touched) < second.segments
    assert decoded_numbers(tmp_path / "b.mp4") == expected_numbers()
    # The untouched segments are the very same bytes: the first frame of each decodes alike.
    with av.open(str(tmp_path / "a.mp4")) as a, av.open(str(tmp_path / "b.mp4")) as b:
        frames_a = [f.to_ndarray(format="gray") for f in a.decode(a.streams.video[0])]
        frames_b = [f.to_ndarray(format="gray") for f in b.decode(b.streams.video[0])]
    for start, stop in ranges:
        same = all(np.array_equal(frames_a[g], frames_b[g]) for g in range(start, stop))
        assert same == ((start, stop) not in touched), (start, stop)


def test_a_segment_inside_a_clip_is_remade_from_the_right_frame(
    tmp_path: Path, clips: list[Clip]
) -> None:
    """Only the second half of the middle clip changes: it is re-made from its 68th frame."""
    parts = CountingParts(Cache(tmp_path / "cache"))
    render_timeline(clips, tmp_path / "a.mp4", settings=settings(), scratch=tmp_path, parts=parts)
    slots, total, _ = plan_slots(3, settings(), None)
    ranges = cut_points(total, [s.start for s in slots], FPS)
    late = ranges[3]  # the second half of clip 1
    assert late[0] > slots[1].start
    # Forget that one segment: the next export must make it from the middle of the clip.
    from studio.media.picture import picture_segments

    segments = picture_segments(clips, slots, total, settings(), [], W, H)
    entry = parts._entry_key(segments[3].key)
    (parts._cache.entries / entry[:2] / f"{entry}.json").unlink()
    again = render_timeline(
        clips, tmp_path / "b.mp4", settings=settings(), scratch=tmp_path, parts=parts
    )
    assert again.segments_encoded == 1
    assert decoded_numbers(tmp_path / "b.mp4") == expected_numbers()


def test_sound_and_picture_stay_in_sync_across_the_joins(tmp_path: Path, clips: list[Clip]) -> None:
    """A beep starts exactly when frame 270 (a join, 9 s in) is shown: within one frame."""
    seconds = 3 * CLIP_FRAMES / FPS
    t = np.arange(round(seconds * RATE)) / RATE
    beep = np.where(t >= 9.0, 0.5 * np.sin(2 * np.pi * 440 * t), 0.0).astype(np.float32)
    voice = write_wav(tmp_path / "beep.wav", np.stack([beep, beep], axis=1))
    parts = CountingParts(Cache(tmp_path / "cache"))
    out = tmp_path / "film.mp4"
    result = render_timeline(
        clips, out, settings=settings(), scratch=tmp_path, parts=parts, narration=voice
    )
    slots, total, _ = plan_slots(3, settings(), None)
    assert 270 in [a for a, _ in cut_points(total, [s.start for s in slots], FPS)]
    with av.open(str(out)) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        video_start = float(video.start_time * video.time_base)
        video_end = video_start + float(video.duration * video.time_base)
        samples = np.concatenate([f.to_ndarray() for f in container.decode(audio)], axis=1)[0]
        audio_start = float(audio.start_time * audio.time_base)
    onset = audio_start + np.argmax(np.abs(samples) > 0.05) / RATE
    # Within one frame is the promise; the sound is in fact placed to the sample.
    assert onset == pytest.approx(video_start + 9.0, abs=0.005)
    assert audio_start + len(samples) / RATE == pytest.approx(video_end, abs=1 / FPS)
    assert result.frames == total and decoded_numbers(out) == expected_numbers()


def test_segment_value_object() -> None:
    assert Segment(30, 90).length == 60
