"""Ken Burns motion: the camera moves the way its name says, smoothly, and the MP4 is right."""

from __future__ import annotations

import itertools
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from studio.errors import Cancelled
from studio.media.encode import i420_to_rgb
from studio.media.errors import MediaError
from studio.media.kenburns import EASINGS, fit_image, ken_burns_frames, render_ken_burns

W, H = 160, 90


def marker_picture(width: int = 320, height: int = 180) -> np.ndarray:
    """A grey picture with one bright red disc in the middle."""
    picture = np.full((height, width, 3), 90, np.uint8)
    cv2.circle(picture, (width // 2, height // 2), height // 8, (255, 0, 0), -1)
    return picture


def red_disc(rgb: np.ndarray) -> tuple[float, float, int]:
    """(centre x, centre y, area in pixels) of the red disc in an RGB frame."""
    mask = (rgb[:, :, 0] > 180) & (rgb[:, :, 1] < 90)
    ys, xs = np.nonzero(mask)
    return float(xs.mean()), float(ys.mean()), int(mask.sum())


def frames_of(motion: str, count: int = 12, **kwargs) -> list[np.ndarray]:
    return [
        i420_to_rgb(f)
        for f in ken_burns_frames(
            marker_picture(), width=W, height=H, frames=count, motion=motion, strength=1.0, **kwargs
        )
    ]


def test_zoom_in_grows_the_subject_and_zoom_out_shrinks_it() -> None:
    zoom_in = [red_disc(f)[2] for f in frames_of("zoom_in")]
    zoom_out = [red_disc(f)[2] for f in frames_of("zoom_out")]
    assert zoom_in[-1] > 1.6 * zoom_in[0]  # 1.4x zoom -> ~1.96x the area
    assert all(b >= a - 3 for a, b in itertools.pairwise(zoom_in))
    assert zoom_out[0] == pytest.approx(zoom_in[-1], rel=0.05)
    assert zoom_out[-1] == pytest.approx(zoom_in[0], rel=0.05)


@pytest.mark.parametrize(
    ("motion", "axis", "sign"),
    [("pan_left", 0, +1), ("pan_right", 0, -1), ("pan_up", 1, +1), ("pan_down", 1, -1)],
)
def test_a_pan_moves_the_camera_so_the_picture_slides_the_other_way(
    motion: str, axis: int, sign: int
) -> None:
    frames = frames_of(motion)
    first, last = red_disc(frames[0])[axis], red_disc(frames[-1])[axis]
    assert sign * (last - first) > 5  # pixels the disc travelled across the frame


def test_frames_change_every_step_and_easing_shapes_the_speed() -> None:
    linear = [red_disc(f)[0] for f in frames_of("pan_right", 11, easing="linear")]
    eased = [red_disc(f)[0] for f in frames_of("pan_right", 11, easing="ease_in_out")]
    linear_steps = np.abs(np.diff(linear))
    eased_steps = np.abs(np.diff(eased))
    assert linear_steps.min() > 0.5  # the linear pan never stands still
    assert linear_steps.max() < 1.3 * linear_steps.min()  # and keeps a steady speed
    assert eased_steps[0] < 0.5 * eased_steps[5] > eased_steps[-1] * 2  # slow, fast, slow
    assert linear[0] == pytest.approx(eased[0], abs=0.5)
    assert linear[-1] == pytest.approx(eased[-1], abs=0.5)
    assert set(EASINGS) == {"linear", "ease_in", "ease_out", "ease_in_out"}


def test_strength_zero_is_a_still_picture() -> None:
    frames = list(
        ken_burns_frames(
            marker_picture(), width=W, height=H, frames=5, motion="zoom_in", strength=0.0
        )
    )
    assert all(np.array_equal(frames[0], f) for f in frames)


def test_fit_cover_crops_and_contain_adds_bars() -> None:
    tall = np.full((200, 100, 3), 200, np.uint8)
    covered = fit_image(tall, W, H, "cover")
    contained = fit_image(tall, W, H, "contain")
    assert covered.shape == contained.shape == (H, W, 3)
    assert covered.min() == 200
    assert contained[:, :20].max() == 0 and contained[:, W // 2].min() == 200


def test_bad_settings_are_refused_in_words() -> None:
    with pytest.raises(MediaError, match="unknown motion 'spin'"):
        list(ken_burns_frames(marker_picture(), width=W, height=H, frames=2, motion="spin"))
    with pytest.raises(MediaError, match="strength"):
        list(ken_burns_frames(marker_picture(), width=W, height=H, frames=2, strength=2.0))
    with pytest.raises(MediaError, match="easing"):
        list(ken_burns_frames(marker_picture(), width=W, height=H, frames=2, easing="bouncy"))


@pytest.fixture
def picture_file(tmp_path: Path) -> Path:
    from PIL import Image

    path = tmp_path / "picture.png"
    Image.fromarray(marker_picture(640, 360)).save(path)
    return path


def test_render_ken_burns_writes_an_h264_clip_of_the_right_length(
    picture_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "kb.mp4"
    seen = []
    render_ken_burns(
        picture_file,
        out,
        duration=1.0,
        width=161,
        height=91,
        fps=24,
        motion="zoom_in",
        strength=0.8,
        easing="linear",
        progress=lambda f, m: seen.append(f),
    )
    with av.open(str(out)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert (stream.codec_context.width, stream.codec_context.height) == (160, 90)
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(stream)]
    assert len(frames) == 24
    assert red_disc(frames[-1])[2] > 1.4 * red_disc(frames[0])[2]
    assert seen[-1] == 1.0


def test_render_ken_burns_refuses_zero_duration_and_stops_on_cancel(
    picture_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "kb.mp4"
    with pytest.raises(MediaError, match="more than 0 seconds"):
        render_ken_burns(picture_file, out, duration=0, width=W, height=H, fps=24)
    with pytest.raises(MediaError, match="more than 0 seconds"):
        render_ken_burns(picture_file, out, duration=-2, width=W, height=H, fps=24)
    with pytest.raises(Cancelled):
        render_ken_burns(
            picture_file, out, duration=2.0, width=W, height=H, fps=24, should_stop=lambda: True
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["picture.png"]


def test_the_choices_nodes_offer_are_the_ones_the_media_layer_knows() -> None:
    from studio.media import facade, kenburns, timeline
    from studio.media.encode import FORMATS, QUALITY_PRESETS

    assert facade.MOTIONS == kenburns.MOTIONS
    assert tuple(kenburns.EASINGS) == facade.EASINGS
    assert tuple(timeline.RESOLUTION_PRESETS) == facade.RESOLUTION_PRESETS
    assert tuple(str(f) for f in timeline.FPS_CHOICES) == facade.FPS_CHOICES
    assert facade.VIDEO_FORMATS == FORMATS
    assert tuple(QUALITY_PRESETS) == facade.QUALITY_PRESETS
