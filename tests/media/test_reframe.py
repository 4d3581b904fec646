"""Reframing checked on made clips whose subject's place is known in every frame."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from studio.media.errors import MediaError
from studio.media.faces import detect_faces
from studio.media.reframe import (
    MAX_SPEED,
    ReframeMode,
    reframe_plan,
    reframe_still,
    reframed_frames,
    render_reframed,
)
from studio.media.video_io import iter_frames, probe_video

DATA = Path(__file__).parent / "data"
W, H, FPS = 640, 360, 30
LIMIT = MAX_SPEED * max(W, H) / FPS  # the most the window may move between two frames


def background(seed: int = 1) -> np.ndarray:
    """A dim, softly textured scene: something to see, nothing that stands out."""
    noise = np.random.default_rng(seed).integers(0, 70, (H, W, 3)).astype(np.uint8)
    return cv2.GaussianBlur(noise, (0, 0), 3)


def write_video(path: Path, frames) -> Path:
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
        for index, rgb in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(rgb, "rgb24")
            frame.pts = index
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


RADIUS = 22


def disc_at(i: int, count: int) -> tuple[float, float]:
    """The disc glides left to right and bobs up and down."""
    return 60 + (W - 120) * i / (count - 1), H / 2 + 50 * math.sin(i / 12)


def disc_video(path: Path, count: int = 90) -> Path:
    scene = background()

    def frames():
        for i in range(count):
            rgb = scene.copy()
            x, y = disc_at(i, count)
            cv2.circle(rgb, (round(x), round(y)), RADIUS, (255, 240, 200), -1, cv2.LINE_AA)
            yield rgb

    return write_video(path, frames())


def face_picture() -> np.ndarray:
    return cv2.cvtColor(cv2.imread(str(DATA / "astronaut-face.jpg")), cv2.COLOR_BGR2RGB)


def face_at(i: int, count: int) -> tuple[int, int]:
    """Top-left corner of the face picture: it walks to the right across the left half."""
    return round(40 + 160 * i / (count - 1)), 110


def face_video(path: Path, count: int = 60) -> Path:
    """A real face crossing the frame while a bright disc (salient, not a face) sits still."""
    scene = background(2)
    cv2.circle(scene, (560, 60), 30, (255, 255, 255), -1, cv2.LINE_AA)
    face = face_picture()
    fh, fw = face.shape[:2]

    def frames():
        for i in range(count):
            rgb = scene.copy()
            x, y = face_at(i, count)
            rgb[y : y + fh, x : x + fw] = face
            yield rgb

    return write_video(path, frames())


def steps(values: list[float]) -> list[float]:
    return [abs(b - a) for a, b in itertools.pairwise(values)]


# -- following -----------------------------------------------------------------------------------
def test_a_moving_disc_stays_in_a_9x16_window_that_never_jumps(tmp_path: Path) -> None:
    count = 90
    plan = reframe_plan(disc_video(tmp_path / "disc.mp4", count), 9 / 16, "follow", fps=FPS)
    assert plan.followed == "salient region"
    assert len(plan.boxes) == count
    box = plan.boxes[0]
    assert (round(box.w), round(box.h)) == (202, 360)  # the tallest 9:16 window of 640x360
    for i, box in enumerate(plan.boxes):
        x, y = disc_at(i, count)
        assert box.contains(x - RADIUS, y - RADIUS, 2 * RADIUS, 2 * RADIUS), f"frame {i}"
    xs = [b.x for b in plan.boxes]
    assert max(steps(xs)) <= LIMIT + 1e-6
    # It travels with the disc (from the left part of the frame to the right part).
    assert xs[0] < 40 and xs[-1] > W - 202 - 40


def test_a_face_is_followed_rather_than_a_brighter_still_disc(tmp_path: Path) -> None:
    count = 60
    plan = reframe_plan(face_video(tmp_path / "face.mp4", count), 9 / 16, "follow", fps=FPS)
    assert plan.followed == "faces"
    fh, fw = face_picture().shape[:2]
    for i, box in enumerate(plan.boxes):
        x, y = face_at(i, count)
        # The face itself (the middle of the picture: forehead to chin) is in every window.
        assert box.contains(x + 12, y + 25, fw - 24, fh - 50), f"frame {i}: {box}"
        assert not box.contains(560, 60), f"frame {i} drifted to the disc"
    assert max(steps([b.x for b in plan.boxes])) <= LIMIT + 1e-6


def test_a_hard_cut_moves_the_window_at_once_and_only_there(tmp_path: Path) -> None:
    scene = background(3)
    left, right = scene.copy(), np.full_like(scene, 150)  # a dim scene, then a bright one
    cv2.circle(left, (80, 180), RADIUS, (255, 255, 255), -1)
    cv2.circle(right, (560, 180), RADIUS, (255, 255, 255), -1)
    video = write_video(tmp_path / "cut.mp4", [left] * 30 + [right] * 30)
    plan = reframe_plan(video, 9 / 16, "follow", fps=FPS)
    assert plan.cuts == [0, 30]
    xs = [b.x for b in plan.boxes]
    jumps = steps(xs)
    assert jumps[29] > 300  # frame 30 shows the new shot framed already
    assert max(jumps[:29] + jumps[30:]) <= LIMIT + 1e-6
    assert all(b.contains(80, 180) for b in plan.boxes[:30])
    assert all(b.contains(560, 180) for b in plan.boxes[30:])


def test_a_still_is_cut_around_its_subject(tmp_path: Path) -> None:
    rgb = background(4)
    cv2.circle(rgb, (540, 120), 30, (255, 250, 230), -1, cv2.LINE_AA)
    cut = reframe_still(rgb, 9 / 16, "follow")
    assert cut.shape[:2] == (360, 202)
    bright = np.argwhere(cut.max(axis=2) > 200)
    assert bright.size and bright[:, 1].min() > 0 and bright[:, 1].max() < 201
    # The centred crop would have missed it.
    assert reframe_still(rgb, 9 / 16, "center")[:, :, 0].max() < 200


# -- the creator's overrides ---------------------------------------------------------------------
def test_center_and_anchor_are_fixed_windows(tmp_path: Path) -> None:
    video = disc_video(tmp_path / "disc.mp4", 20)
    center = reframe_plan(video, 1.0, "center", fps=FPS)
    assert {(b.x, b.y, b.w, b.h) for b in center.boxes} == {(140.0, 0.0, 360.0, 360.0)}
    assert center.followed == "centre"
    left = reframe_plan(video, 1.0, "anchor:0,0.5", fps=FPS)
    assert {(b.x, b.w) for b in left.boxes} == {(0.0, 360.0)}
    right = reframe_plan(video, 1.0, ReframeMode("anchor", (1.0, 0.5)), fps=FPS)
    assert {b.x for b in right.boxes} == {280.0}
    assert len(center.boxes) == 20


def test_blur_fill_shows_the_whole_frame_over_a_blurred_copy(tmp_path: Path) -> None:
    scene = np.zeros((H, W, 3), np.uint8)
    scene[:, : W // 2] = (220, 40, 40)  # red left half, blue right half
    scene[:, W // 2 :] = (40, 40, 220)
    video = write_video(tmp_path / "halves.mp4", [scene] * 5)
    plan = reframe_plan(video, 9 / 16, "blur_fill", fps=FPS)
    frame = next(iter(reframed_frames(video, plan, 180, 320, fps=FPS)))
    rgb = cv2.cvtColor(frame, cv2.COLOR_YUV2RGB_I420)
    # The whole 16:9 frame fits 180 wide: 180x100 (even) in the middle, both halves visible.
    middle = rgb[160]
    assert middle[20][0] > 150 and middle[20][2] < 100  # red on the left
    assert middle[160][2] > 150 and middle[160][0] < 100  # blue on the right
    # Above and below: the blurred fill, dimmer than the picture.
    assert 10 < rgb[20, 90].mean() < rgb[160, 20].mean()


def test_unknown_modes_are_refused_in_words() -> None:
    with pytest.raises(MediaError, match="unknown reframing 'zoom'"):
        ReframeMode.parse("zoom")
    with pytest.raises(MediaError, match="from 0 to 1"):
        ReframeMode.parse("anchor:1.5,0")
    assert ReframeMode.parse("Centre") == ReframeMode("center")
    assert ReframeMode.parse("anchor:30%,50%") == ReframeMode("anchor", (0.3, 0.5))
    assert str(ReframeMode.parse("anchor: 0.25 1")) == "anchor:0.25,1"


# -- a whole file --------------------------------------------------------------------------------
def test_render_reframed_writes_a_vertical_video_that_keeps_the_disc(tmp_path: Path) -> None:
    count = 60
    video = disc_video(tmp_path / "disc.mp4", count)
    out = tmp_path / "vertical.mp4"
    result = render_reframed(video, out, width=270, height=480, mode="follow")
    assert result.followed == "salient region"
    info = probe_video(out)
    assert (info.width, info.height, info.frames) == (270, 480, count)
    for frame in iter_frames(out, pixel_format="rgb24"):
        # The disc is on screen, whole: its bright pixels never touch the sides.
        bright = np.argwhere(frame.min(axis=2) > 180)
        assert bright.size, "the disc left the picture"
        assert bright[:, 1].min() > 2 and bright[:, 1].max() < 267


# -- faces ---------------------------------------------------------------------------------------
def test_the_face_detector_finds_a_real_face_and_nothing_in_texture() -> None:
    gray = cv2.cvtColor(face_picture(), cv2.COLOR_RGB2GRAY)
    canvas = np.full((360, 640), 120, np.uint8)
    canvas[100:244, 300:436] = gray
    faces = detect_faces(canvas)
    assert len(faces) == 1
    x, y, w, h = faces[0]
    # The face in the picture spans about x 330..405, y 130..205 of the canvas.
    assert abs(x + w / 2 - 367) < 12 and abs(y + h / 2 - 167) < 12 and 55 < w < 100
    # Textures at the size frames are analysed at (256 pixels wide) hold no face.
    for seed in range(6, 12):
        texture = cv2.resize(cv2.cvtColor(background(seed), cv2.COLOR_RGB2GRAY), (256, 144))
        assert detect_faces(texture) == [], f"texture {seed}"
