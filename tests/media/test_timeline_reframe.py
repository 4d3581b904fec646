"""The timeline reframes clips of another shape, and keeps captions inside the safe area."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from test_reframe import RADIUS, background, disc_at, disc_video

from studio.media.captions import VERTICAL_SAFE_AREA, CaptionBurner, safe_area_for
from studio.media.errors import MediaError
from studio.media.timeline import Clip, TimelineSettings, render_timeline
from studio.media.video_io import iter_frames

W, H, FPS = 144, 256, 30  # a small 9:16 frame
COUNT = 60


def vertical(**changes) -> TimelineSettings:
    base = dict(
        width=W, height=H, fps=FPS, clip_duration=COUNT / FPS, transition="cut", quality="draft"
    )
    return TimelineSettings(**{**base, **changes})


def disc_frames_seen(out: Path) -> list[bool]:
    """For each frame: is the whole disc on screen (bright pixels, none touching a side)?"""
    seen = []
    for frame in iter_frames(out, pixel_format="rgb24"):
        bright = np.argwhere(frame.min(axis=2) > 170)
        seen.append(bool(bright.size) and bright[:, 1].min() > 1 and bright[:, 1].max() < W - 2)
    return seen


def test_a_9x16_timeline_keeps_a_moving_subject_that_a_centred_crop_loses(tmp_path: Path) -> None:
    clip = Clip(disc_video(tmp_path / "disc.mp4", COUNT), "video")
    out = tmp_path / "follow.mp4"
    result = render_timeline([clip], out, settings=vertical(reframe="follow"), scratch=tmp_path)
    assert (result.width, result.height, result.frames) == (W, H, COUNT)
    assert all(disc_frames_seen(out))
    # The plain centred crop shows the disc only while it crosses the middle.
    plain = tmp_path / "plain.mp4"
    render_timeline([clip], plain, settings=vertical(reframe="off"), scratch=tmp_path)
    assert sum(disc_frames_seen(plain)) < COUNT / 2
    # A clip's own override wins over the format's.
    centred = tmp_path / "centred.mp4"
    settings = vertical(reframe="follow", clip_reframe=("center",))
    render_timeline([clip], centred, settings=settings, scratch=tmp_path)
    assert disc_frames_seen(centred) == disc_frames_seen(plain)
    assert disc_at(0, COUNT)[0] - RADIUS > 0  # (the disc itself is always in the source)


def test_a_still_is_cut_around_its_subject_for_a_vertical_frame(tmp_path: Path) -> None:
    rgb = background(7)
    cv2.circle(rgb, (560, 180), 30, (255, 250, 230), -1, cv2.LINE_AA)
    picture = tmp_path / "still.png"
    cv2.imwrite(str(picture), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    out = tmp_path / "still.mp4"
    settings = vertical(reframe="follow", image_motion="still", clip_duration=0.5)
    render_timeline([Clip(picture, "image")], out, settings=settings, scratch=tmp_path)
    assert all(disc_frames_seen(out))


def test_a_bad_reframing_is_refused_naming_the_clip(tmp_path: Path) -> None:
    clip = Clip(disc_video(tmp_path / "disc.mp4", 10), "video")
    with pytest.raises(MediaError, match="clip 2: unknown reframing 'sideways'"):
        render_timeline(
            [clip, clip],
            tmp_path / "x.mp4",
            settings=vertical(clip_reframe=("", "sideways")),
            scratch=tmp_path,
        )
    assert not (tmp_path / "x.mp4").exists()


@pytest.mark.parametrize(("width", "height"), [(1080, 1920), (1920, 1080), (1080, 1350)])
def test_captions_sit_inside_the_safe_area_of_each_format(width: int, height: int) -> None:
    burner = CaptionBurner(width, height)
    frame = np.full((height * 3 // 2, width), 200, np.uint8)
    before = frame.copy()
    text = "The light keeps its watch over the sea, night after night, whatever the weather"
    burner.burn(frame, text)
    changed = np.argwhere(frame[:height] != before[:height])
    top, left = changed.min(axis=0)
    bottom, right = changed.max(axis=0)
    safe = safe_area_for(width, height)
    assert bottom < height * (1 - safe.bottom)
    assert left >= width * safe.left - 1 and right <= width * (1 - safe.right) + 1
    assert top > height * safe.top
    if (width, height) == (1080, 1920):
        assert safe == VERTICAL_SAFE_AREA
        assert right < 1080 - 150 and bottom < 1920 - 420  # clear of the buttons and the text
