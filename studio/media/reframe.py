"""Reframing: a clip made for one aspect ratio, cropped for another by a camera that follows
what matters.

"follow" (the default): the window follows the faces of each shot, else its most salient region
(`studio.media.subject` finds them). The raw positions are median-filtered (one wrong detection
does not pull the camera), smoothed by a critically damped spring run forward and backward
(zero phase: no lag behind a subject moving steadily, no overshoot), then held to MAX_SPEED of
the frame's long side per second: within a shot the virtual camera glides and never jumps, and
the limit is a guarantee (the tests check it). At a hard cut the window starts afresh.

Overrides (per clip, or for a whole format): "center" (a centred crop), "blur_fill" (the whole
frame, fitted, over a blurred and dimmed enlargement of itself) and "anchor:X,Y" (a fixed
window at X, Y in 0..1: 0 is the left or top edge, 1 the right or bottom, like CSS
`object-position`). "off" leaves the clip to the timeline's plain `fit`.

How a timeline or a version uses it:
- `TimelineSettings(reframe="follow", clip_reframe={2: "center"})` (clip numbers from 1):
  `render_timeline` then reframes every clip whose aspect differs from the output's
  (`clip_frames` calls `reframed_frames` for videos and `reframe_still` for pictures).
- Any other caller: `plan = reframe_plan(video, 9 / 16, "follow", fps=30)` gives one `CropBox`
  per frame (source pixels; `plan.followed` says what it followed);
  `reframed_frames(video, plan, 1080, 1920, fps=30)` streams the I420 frames;
  `render_reframed(video, out, width=1080, height=1920)` writes an MP4.
- The analysis is cached per file (`subject.analyse_video`), so a 9:16 and a 1:1 version of
  one clip decode and analyse it once.

Frames are streamed, never a whole video in memory; run it off the event loop (`ctx.run_cpu`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studio.errors import Cancelled
from studio.media.errors import MediaError
from studio.media.subject import Analysis, analyse_video, analysis_size, find_subject, source_size

if TYPE_CHECKING:
    import numpy as np

MODES = ("off", "follow", "center", "blur_fill", "anchor")
MAX_SPEED = 0.35  # of the frame's long side per second: the camera's top speed
SPRING_RATE = 5.0  # rad/s of the critically damped smoother (each of its two passes)
SAME_ASPECT = 0.01  # relative difference under which two aspects count as the same


# -- modes ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ReframeMode:
    """How a clip is reframed: `kind` is one of MODES; `anchor` is used by "anchor"."""

    kind: str = "follow"
    anchor: tuple[float, float] = (0.5, 0.5)

    @classmethod
    def parse(cls, text: str | ReframeMode | None) -> ReframeMode:
        """ "follow", "center", "blur_fill", "off" or "anchor:X,Y" (X, Y in 0..1)."""
        if isinstance(text, ReframeMode):
            return text
        raw = (text or "off").strip().lower().replace("centre", "center")
        kind, _, rest = raw.partition(":")
        kind = kind.strip().replace("-", "_").replace(" ", "_")
        if kind not in MODES:
            raise MediaError(
                f"unknown reframing {text!r} (known: off, follow, center, blur_fill, anchor:X,Y)"
            )
        if kind != "anchor":
            return cls(kind)
        parts = [p for p in rest.replace(",", " ").split() if p]
        try:
            x, y = (float(p.rstrip("%")) / (100 if p.endswith("%") else 1) for p in parts)
        except ValueError:
            raise MediaError(
                f"an anchor is two numbers from 0 to 1, like anchor:0.3,0.5 (got {text!r})"
            ) from None
        if not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):
            raise MediaError(f"an anchor's numbers go from 0 to 1 (got {text!r})")
        return cls("anchor", (x, y))

    def __str__(self) -> str:
        if self.kind == "anchor":
            return f"anchor:{self.anchor[0]:g},{self.anchor[1]:g}"
        return self.kind


def parse_clip_reframe(text: str, count: int | None = None) -> tuple[str, ...]:
    """Per-clip overrides from "2: center; 3: anchor:0.2,0.5" (clip numbers from 1) as a tuple
    with one entry per clip ("" where the clip keeps the format's reframing)."""
    chosen: dict[int, str] = {}
    for part in (text or "").replace("\n", ";").split(";"):
        if not part.strip():
            continue
        number, sep, mode = part.partition(":")
        if not sep or not number.strip().isdigit() or int(number) < 1:
            raise MediaError(
                f"per-clip reframing is 'clip number: mode', like '2: center; 3: anchor:0.2,0.5' "
                f"(got {part.strip()!r})"
            )
        if count is not None and int(number) > count:
            raise MediaError(f"per-clip reframing names clip {int(number)}, but there are {count}")
        chosen[int(number)] = str(ReframeMode.parse(mode))
    size = max(chosen, default=0)
    return tuple(chosen.get(n, "") for n in range(1, size + 1))


# -- boxes and plans -----------------------------------------------------------------------------
@dataclass(frozen=True)
class CropBox:
    """A crop window in source pixels (top-left x, y and size; floats, for sub-pixel glides)."""

    x: float
    y: float
    w: float
    h: float

    @property
    def center(self) -> tuple[float, float]:
        return (self.x + self.w / 2, self.y + self.h / 2)

    def contains(self, x: float, y: float, w: float = 0.0, h: float = 0.0) -> bool:
        """True when the point (or the box x, y, w, h) lies inside the window."""
        return self.x <= x and self.y <= y and x + w <= self.x + self.w and y + h <= self.y + self.h


@dataclass
class ReframePlan:
    """One crop window per frame, and what it followed."""

    source_width: int
    source_height: int
    mode: ReframeMode
    boxes: list[CropBox]
    followed: str  # "faces", "salient region", "faces and salient region", "centre", ...
    cuts: list[int] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def box(self, index: int) -> CropBox:
        """The window of frame `index` (the last one holds past the end)."""
        return self.boxes[min(index, len(self.boxes) - 1)]


def window_size(width: int, height: int, aspect: float) -> tuple[float, float]:
    """The largest window of `aspect` (width / height) that fits in width x height."""
    if width / height > aspect:
        return height * aspect, float(height)
    return float(width), width / aspect


def same_aspect(width: int, height: int, aspect: float) -> bool:
    return abs((width / height) / aspect - 1.0) < SAME_ASPECT


def fixed_box(width: int, height: int, aspect: float, anchor: tuple[float, float]) -> CropBox:
    """The window of `aspect` placed at `anchor` (0..1 each: 0 left/top edge, 1 right/bottom)."""
    w, h = window_size(width, height, aspect)
    return CropBox((width - w) * anchor[0], (height - h) * anchor[1], w, h)


# -- smoothing -----------------------------------------------------------------------------------
def smooth_path(
    values: Sequence[float],
    fps: float,
    *,
    low: float,
    high: float,
    max_step: float,
    spring_rate: float = SPRING_RATE,
) -> list[float]:
    """A camera path through `values` (one per frame) that glides and never jumps.

    Median filter (outliers), a critically damped spring forward then backward with odd
    reflection at the ends (zero phase, no start-up lag), then a speed limit applied forward
    and backward and averaged (|step| <= max_step still holds for the mean), and last the
    bounds (clamping cannot make a step larger).
    """
    import numpy as np

    data = np.asarray(values, dtype=np.float64)
    n = data.size
    if n == 0:
        return []
    if n > 2:
        k = min(n if n % 2 else n - 1, max(3, round(fps * 0.3) | 1))
        padded = np.pad(data, k // 2, mode="edge")
        windows = np.lib.stride_tricks.sliding_window_view(padded, k)
        data = np.median(windows, axis=1)
    pad = min(n - 1, round(fps))
    if pad > 0:  # odd reflection: a steady motion continues through the ends
        head = 2 * data[0] - data[pad:0:-1]
        tail = 2 * data[-1] - data[-2 : -pad - 2 : -1]
        data = np.concatenate([head, data, tail])
    dt = 1.0 / fps
    data = _spring(_spring(data, spring_rate, dt)[::-1], spring_rate, dt)[::-1]
    if pad > 0:
        data = data[pad : pad + n]
    forward = _limit(data, max_step)
    backward = _limit(data[::-1], max_step)[::-1]
    path = np.clip((forward + backward) / 2, low, high)
    return [float(v) for v in path]


def _spring(values: np.ndarray, rate: float, dt: float) -> np.ndarray:
    """A critically damped spring pulled towards each value in turn (semi-implicit Euler)."""
    import numpy as np

    out = np.empty_like(values)
    position, velocity = float(values[0]), 0.0
    for i, target in enumerate(values.tolist()):
        velocity += dt * (rate * rate * (target - position) - 2.0 * rate * velocity)
        position += dt * velocity
        out[i] = position
    return out


def _limit(values: np.ndarray, max_step: float) -> np.ndarray:
    import numpy as np

    out = np.empty_like(values)
    position = float(values[0])
    for i, target in enumerate(values.tolist()):
        position += max(-max_step, min(max_step, target - position))
        out[i] = position
    return out


# -- planning ------------------------------------------------------------------------------------
def plan_from_analysis(analysis: Analysis, target_aspect: float, mode: ReframeMode) -> ReframePlan:
    """Crop windows of `target_aspect` for every analysed frame, following its subject."""
    width, height = analysis.width, analysis.height
    w, h = window_size(width, height, target_aspect)
    count = len(analysis.centers)
    max_step = MAX_SPEED * max(width, height) / analysis.fps
    xs: list[float] = []
    ys: list[float] = []
    bounds = [*analysis.cuts, count]
    for start, end in itertools.pairwise(bounds):
        shot = analysis.centers[start:end]
        xs += smooth_path(
            [c[0] - w / 2 for c in shot],
            analysis.fps,
            low=0.0,
            high=width - w,
            max_step=max_step,
        )
        ys += smooth_path(
            [c[1] - h / 2 for c in shot],
            analysis.fps,
            low=0.0,
            high=height - h,
            max_step=max_step,
        )
    kinds = sorted(set(analysis.followed))
    return ReframePlan(
        width,
        height,
        mode,
        [CropBox(x, y, w, h) for x, y in zip(xs, ys, strict=True)],
        " and ".join(kinds),
        list(analysis.cuts),
    )


def reframe_plan(
    video: Path,
    target_aspect: float,
    mode: str | ReframeMode = "follow",
    *,
    fps: float | None = None,
    max_frames: int | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> ReframePlan:
    """One crop window per frame of `video` for `target_aspect` (width / height).

    With `fps` the frames are those of the video resampled to that rate (as the timeline
    shows them); `max_frames` stops the analysis early (a clip cut short by its slot). For
    "blur_fill" the boxes are the whole frame (the fill is drawn by `reframed_frames`).
    """
    mode = ReframeMode.parse(mode)
    if not target_aspect > 0:
        raise MediaError(f"the target aspect must be more than 0, got {target_aspect}")
    if mode.kind == "follow":
        analysis = analyse_video(video, fps=fps, max_frames=max_frames, should_stop=should_stop)
        return plan_from_analysis(analysis, target_aspect, mode)
    width, height = source_size(video)
    frames = _frame_count(video, fps, max_frames)
    if mode.kind == "blur_fill":
        box = CropBox(0.0, 0.0, float(width), float(height))
        return ReframePlan(width, height, mode, [box] * frames, "whole frame (blurred fill)")
    anchor = mode.anchor if mode.kind == "anchor" else (0.5, 0.5)
    box = fixed_box(width, height, target_aspect, anchor)
    followed = "centre" if mode.kind in ("center", "off") else f"fixed anchor {mode}"
    return ReframePlan(width, height, mode, [box] * frames, followed)


def _frame_count(video: Path, fps: float | None, max_frames: int | None) -> int:
    from studio.media.video_io import nearest_slot, probe_video

    info = probe_video(Path(video))
    count = info.frames if fps is None else max(1, nearest_slot(info.duration, fps))
    return min(count, max_frames) if max_frames is not None else count


# -- drawing -------------------------------------------------------------------------------------
def crop_i420(frame: np.ndarray, src_w: int, src_h: int, box: CropBox, width: int, height: int):
    """The window `box` of an I420 frame (src_w x src_h), scaled to an I420 width x height."""
    import numpy as np

    from studio.media.encode import i420_planes

    out = np.empty((height * 3 // 2, width), np.uint8)
    targets = i420_planes(out, width, height)
    for index, (plane, target) in enumerate(
        zip(i420_planes(frame, src_w, src_h), targets, strict=True)
    ):
        half = 2 if index else 1
        _warp(plane, box.x / half, box.y / half, box.w / half, box.h / half, target)
    return out


def _warp(plane: np.ndarray, x: float, y: float, w: float, h: float, out: np.ndarray) -> None:
    """out = the window (x, y, w, h) of `plane`, resampled (area-averaged when shrinking)."""
    import cv2
    import numpy as np

    oh, ow = out.shape
    scale = w / ow  # source pixels per output pixel
    if scale > 1.25:  # shrinking: average first, so fine detail does not alias
        factor = scale
        plane = cv2.resize(
            plane,
            (max(1, round(plane.shape[1] / factor)), max(1, round(plane.shape[0] / factor))),
            interpolation=cv2.INTER_AREA,
        )
        x, y, w, h = x / factor, y / factor, w / factor, h / factor
        scale = w / ow
    # out[j, i] = plane(scale * (i + 0.5) + x - 0.5, scale * (j + 0.5) + y - 0.5)
    matrix = np.array(
        [[scale, 0.0, x + 0.5 * scale - 0.5], [0.0, h / oh, y + 0.5 * h / oh - 0.5]],
        dtype=np.float64,
    )
    cv2.warpAffine(
        plane,
        matrix,
        (ow, oh),
        dst=out,
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_REPLICATE,
    )


def blur_fill_i420(frame: np.ndarray, src_w: int, src_h: int, width: int, height: int):
    """The whole frame fitted inside width x height, over a blurred, dimmed enlargement."""
    import cv2
    import numpy as np

    from studio.media.encode import i420_planes

    out = np.empty((height * 3 // 2, width), np.uint8)
    targets = i420_planes(out, width, height)
    scale = min(width / src_w, height / src_h)
    fw = max(2, round(src_w * scale) // 2 * 2)
    fh = max(2, round(src_h * scale) // 2 * 2)
    fx, fy = ((width - fw) // 2) & ~1, ((height - fh) // 2) & ~1
    cover = fixed_box(src_w, src_h, width / height, (0.5, 0.5))
    for index, (plane, target) in enumerate(
        zip(i420_planes(frame, src_w, src_h), targets, strict=True)
    ):
        half = 2 if index else 1
        th, tw = target.shape
        # Background: the centred cover crop, made tiny, blurred and scaled back up.
        small = np.empty((max(2, th // 16), max(2, tw // 16)), np.uint8)
        _warp(plane, cover.x / half, cover.y / half, cover.w / half, cover.h / half, small)
        small = cv2.GaussianBlur(small, (0, 0), 1.5)
        cv2.resize(small, (tw, th), dst=target, interpolation=cv2.INTER_LINEAR)
        if index == 0:  # dim the fill so the picture stands out
            np.multiply(target, 0.6, out=target, casting="unsafe")
            target += 6
        else:  # and take some colour out of it
            mixed = target.astype(np.int16) - 128
            target[:] = (mixed * 0.7 + 128).astype(np.uint8)
        inner = target[fy // half : (fy + fh) // half, fx // half : (fx + fw) // half]
        cv2.resize(plane, (inner.shape[1], inner.shape[0]), dst=inner, interpolation=cv2.INTER_AREA)
    return out


def reframed_frames(
    video: Path,
    plan: ReframePlan,
    width: int,
    height: int,
    *,
    fps: float | None = None,
    should_stop: Callable[[], bool] | None = None,
    warnings: list[str] | None = None,
    skip: int = 0,
) -> Generator[np.ndarray, None, None]:
    """The I420 frames (height*3/2, width) of `video` seen through the plan's windows.

    Use the same `fps` the plan was made with. Streams: one decoded frame at a time. With
    `skip`, the frames start there (an export re-making a segment inside the clip).
    """
    from studio.media.video_io import iter_frames

    if width % 2 or height % 2:
        raise MediaError(f"reframed frames must have even sides, got {width}x{height}")
    src_w, src_h = plan.source_width, plan.source_height
    frames = iter_frames(
        Path(video),
        width=src_w,
        height=src_h,
        fps=fps,
        pixel_format="yuv420p",
        should_stop=should_stop,
        warnings=warnings,
        skip=skip,
    )
    try:
        for index, frame in enumerate(frames, start=skip):
            if plan.mode.kind == "blur_fill":
                yield blur_fill_i420(frame, src_w, src_h, width, height)
            else:
                yield crop_i420(frame, src_w, src_h, plan.box(index), width, height)
    finally:
        frames.close()


# -- stills --------------------------------------------------------------------------------------
def reframe_still(rgb: np.ndarray, target_aspect: float, mode: str | ReframeMode) -> np.ndarray:
    """An RGB picture cut (or, for blur_fill, filled) to `target_aspect` as the mode says.

    "follow" centres the window on the faces or the salient region of the picture. The result
    goes on to the Ken Burns motion, which then has nothing left to crop.
    """
    import cv2
    import numpy as np

    mode = ReframeMode.parse(mode)
    h, w = rgb.shape[:2]
    if mode.kind == "off" or same_aspect(w, h, target_aspect):
        return rgb
    if mode.kind == "blur_fill":
        even = rgb[: h - h % 2, : w - w % 2]
        h, w = even.shape[:2]
        ow, oh = window_size(w * 4, h * 4, target_aspect)  # a canvas holding the whole picture
        ow, oh = max(w, round(ow / 4)), max(h, round(oh / 4))
        ow, oh = ow + ow % 2, oh + oh % 2
        yuv = cv2.cvtColor(np.ascontiguousarray(even), cv2.COLOR_RGB2YUV_I420)
        return cv2.cvtColor(blur_fill_i420(yuv, w, h, ow, oh), cv2.COLOR_YUV2RGB_I420)
    box = still_box(rgb, target_aspect, mode)
    x0, y0 = round(box.x), round(box.y)
    return np.ascontiguousarray(rgb[y0 : y0 + round(box.h), x0 : x0 + round(box.w)])


def still_box(rgb: np.ndarray, target_aspect: float, mode: str | ReframeMode) -> CropBox:
    """The crop window of a still picture for `target_aspect`."""
    import cv2

    mode = ReframeMode.parse(mode)
    h, w = rgb.shape[:2]
    if mode.kind == "anchor":
        return fixed_box(w, h, target_aspect, mode.anchor)
    if mode.kind != "follow":
        return fixed_box(w, h, target_aspect, (0.5, 0.5))
    aw, ah = analysis_size(w, h)
    gray = cv2.cvtColor(cv2.resize(rgb, (aw, ah), interpolation=cv2.INTER_AREA), cv2.COLOR_RGB2GRAY)
    _kind, (cx, cy, _sw, _sh) = find_subject(gray)
    bw, bh = window_size(w, h, target_aspect)
    x = min(max(cx * w / aw - bw / 2, 0.0), w - bw)
    y = min(max(cy * h / ah - bh / 2, 0.0), h - bh)
    return CropBox(x, y, bw, bh)


# -- a whole file --------------------------------------------------------------------------------
@dataclass
class ReframeResult:
    path: Path
    width: int
    height: int
    frames: int
    followed: str
    warnings: list[str] = field(default_factory=list)


def render_reframed(
    video: Path,
    out: Path,
    *,
    width: int,
    height: int,
    mode: str | ReframeMode = "follow",
    fps: float | None = None,
    quality: str = "standard",
    progress: Callable[[float | None, str], Any] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> ReframeResult:
    """Write `video` reframed to width x height as an MP4 (H.264, no sound), atomically.

    Frames are made in a worker thread (the encoder's prefetch) while the encoder runs.
    Raises MediaError for a bad file or setting and Cancelled when `should_stop()` turns true.
    """
    from studio.media.encode import encode_frames, even_size
    from studio.media.video_io import probe_video

    width, height, _ = even_size(int(width), int(height))
    info = probe_video(Path(video))
    rate = float(fps or info.fps or 25)
    if progress is not None:
        progress(None, "finding the subject")
    plan = reframe_plan(video, width / height, mode, fps=rate, should_stop=should_stop)
    warnings: list[str] = []
    if should_stop is not None and should_stop():
        raise Cancelled("cancelled")
    frames = reframed_frames(
        video, plan, width, height, fps=rate, should_stop=should_stop, warnings=warnings
    )
    encode_frames(
        frames,
        Path(out),
        width=width,
        height=height,
        fps=rate,
        total_frames=len(plan.boxes),
        quality=quality,
        progress=progress,
        should_stop=should_stop,
    )
    return ReframeResult(Path(out), width, height, len(plan.boxes), plan.followed, warnings)
