"""Ken Burns motion: a slow pan or zoom across a still picture, made with OpenCV.

The picture is fitted once onto a canvas a little larger than the output (by `1 + 0.4 * strength`),
converted once to I420 planes, and every frame is one `cv2.warpAffine` per plane with a sub-pixel
camera window: smooth motion without jitter, and no colour conversion per frame. Frames come out
as I420 arrays (h*3/2, w), which is what the encoder wants.

Motions name what the camera does: `pan_left` moves the camera (the window) to the left, so the
picture slides to the right; `zoom_in` starts on the whole picture and ends closer.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studio.media.errors import MediaError

if TYPE_CHECKING:
    import numpy as np

MOTIONS = ("zoom_in", "zoom_out", "pan_left", "pan_right", "pan_up", "pan_down")
FITS = ("cover", "contain")
MAX_EXTRA = 0.4  # at strength 1 the canvas is 1.4x the output: a 40 % zoom or pan travel


def _linear(t: float) -> float:
    return t


def _ease_in(t: float) -> float:
    return t * t


def _ease_out(t: float) -> float:
    return 1.0 - (1.0 - t) * (1.0 - t)


def _ease_in_out(t: float) -> float:
    return 0.5 - 0.5 * math.cos(math.pi * t)


EASINGS: dict[str, Callable[[float], float]] = {
    "linear": _linear,
    "ease_in": _ease_in,
    "ease_out": _ease_out,
    "ease_in_out": _ease_in_out,
}


def check_motion(motion: str, easing: str, strength: float) -> None:
    """Raise MediaError in user words when a motion setting is not one we know."""
    if motion not in MOTIONS:
        raise MediaError(f"unknown motion {motion!r} (known: {', '.join(MOTIONS)})")
    if easing not in EASINGS:
        raise MediaError(f"unknown easing {easing!r} (known: {', '.join(EASINGS)})")
    if not 0.0 <= strength <= 1.0:
        raise MediaError(f"strength must be between 0 and 1, got {strength}")


def fit_image(rgb: np.ndarray, width: int, height: int, fit: str = "cover") -> np.ndarray:
    """Scale an RGB picture to exactly width x height: `cover` crops the overflow (centred),
    `contain` shows all of it on black bars."""
    import cv2
    import numpy as np

    if fit not in FITS:
        raise MediaError(f"unknown fit {fit!r} (known: {', '.join(FITS)})")
    h, w = rgb.shape[:2]
    scale = max(width / w, height / h) if fit == "cover" else min(width / w, height / h)
    sw, sh = max(1, round(w * scale)), max(1, round(h * scale))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    scaled = cv2.resize(rgb, (sw, sh), interpolation=interpolation)
    if fit == "cover":
        x0, y0 = (sw - width) // 2, (sh - height) // 2
        return np.ascontiguousarray(scaled[y0 : y0 + height, x0 : x0 + width])
    canvas = np.zeros((height, width, 3), np.uint8)
    x0, y0 = (width - sw) // 2, (height - sh) // 2
    canvas[y0 : y0 + sh, x0 : x0 + sw] = scaled[:height, :width]
    return canvas


def _flatten_alpha(rgb_or_rgba: np.ndarray) -> np.ndarray:
    """Pictures with transparency are shown over black, as a video player would."""
    import numpy as np

    if rgb_or_rgba.ndim == 2:
        return np.repeat(rgb_or_rgba[:, :, None], 3, axis=2)
    if rgb_or_rgba.shape[2] == 4:
        alpha = rgb_or_rgba[:, :, 3:4].astype(np.float32) / 255.0
        return (rgb_or_rgba[:, :, :3].astype(np.float32) * alpha + 0.5).astype(np.uint8)
    return rgb_or_rgba


def load_rgb(image: Path) -> np.ndarray:
    """Read a still (EXIF-rotated, bombs refused) as an RGB uint8 array."""
    import numpy as np

    from studio.media.images import load_image

    return _flatten_alpha(np.asarray(load_image(Path(image))))


def ken_burns_frames(
    rgb: np.ndarray,
    *,
    width: int,
    height: int,
    frames: int,
    motion: str = "zoom_in",
    strength: float = 0.5,
    easing: str = "ease_in_out",
    fit: str = "cover",
    first: int = 0,
) -> Iterator[np.ndarray]:
    """Yield `frames` I420 frames (height*3/2, width) of the camera moving over an RGB picture.

    Width and height must be even. Strength 0 gives a still picture. With `first`, the move
    starts there: frames first..frames-1 come out (an export re-making one of its segments).
    """
    import cv2
    import numpy as np

    from studio.media.encode import i420_planes

    check_motion(motion, easing, strength)
    if width % 2 or height % 2:
        raise MediaError(f"Ken Burns output must have even sides, got {width}x{height}")
    extra = 1.0 + MAX_EXTRA * strength
    cw, ch = 2 * round(width * extra / 2), 2 * round(height * extra / 2)
    canvas = cv2.cvtColor(fit_image(_flatten_alpha(rgb), cw, ch, fit), cv2.COLOR_RGB2YUV_I420)
    # A replicated border, so the sampling windows below never reach outside the planes.
    planes = [
        cv2.copyMakeBorder(p, PAD, PAD, PAD, PAD, cv2.BORDER_REPLICATE)
        for p in i420_planes(canvas, cw, ch)
    ]
    ease = EASINGS[easing]
    for index in range(first, frames):
        t = ease(index / (frames - 1)) if frames > 1 else 0.0
        a, tx, ty = _camera(t, motion, cw, ch, width, height, extra)
        out = np.empty((height * 3 // 2, width), np.uint8)
        y_out, u_out, v_out = i420_planes(out, width, height)
        _sample(planes[0], a, tx + PAD, ty + PAD, y_out)
        # Chroma samples sit at half resolution; their window follows from the luma one.
        cx, cy = (0.5 * a + tx + 0.5) / 2 - 0.5 + PAD, (0.5 * a + ty + 0.5) / 2 - 0.5 + PAD
        _sample(planes[1], a, cx, cy, u_out)
        _sample(planes[2], a, cx, cy, v_out)
        yield out


PAD = 8  # pixels of replicated border around each canvas plane


def _sample(plane: np.ndarray, a: float, tx: float, ty: float, out: np.ndarray) -> None:
    """out[y, x] = plane(a*x + tx, a*y + ty), bilinear, written into `out`.

    Exact to the sub-pixel, but about twice as fast as `cv2.warpAffine` (which computes a
    coordinate per pixel): a pure translation is one `getRectSubPix`; a zoom is an exact-factor
    `cv2.resize` of a window (its `fx` is used as given) followed by the sub-pixel remainder of
    the offset, again with `getRectSubPix`.
    """
    import cv2

    height, width = out.shape
    if abs(a - 1.0) < 1e-9:
        cv2.getRectSubPix(
            plane, (width, height), (tx + (width - 1) / 2, ty + (height - 1) / 2), patch=out
        )
        return
    # Resizing a window that starts at whole pixel (ox, oy) by exactly 1/a gives
    # R[j] = plane(ox + a*j + (a - 1)/2); out[x] = R[x + rx] then needs rx = (tx - ox - ...)/a.
    ox = math.floor(tx - (a - 1) / 2)
    oy = math.floor(ty - (a - 1) / 2)
    window = plane[oy : oy + math.ceil((height + 2) * a), ox : ox + math.ceil((width + 2) * a)]
    scaled = cv2.resize(window, (0, 0), fx=1 / a, fy=1 / a, interpolation=cv2.INTER_LINEAR)
    rx = (tx - ox - (a - 1) / 2) / a
    ry = (ty - oy - (a - 1) / 2) / a
    cv2.getRectSubPix(
        scaled, (width, height), (rx + (width - 1) / 2, ry + (height - 1) / 2), patch=out
    )


def _camera(
    t: float, motion: str, cw: int, ch: int, width: int, height: int, extra: float
) -> tuple[float, float, float]:
    """The output->canvas mapping at eased time t in 0..1: canvas = a * output + (tx, ty)."""
    cx, cy = cw / 2, ch / 2
    if motion in ("zoom_in", "zoom_out"):
        progress = t if motion == "zoom_in" else 1.0 - t
        zoom = extra**progress  # constant zoom speed to the eye
        a = cw / zoom / width
    else:  # a pan: the window is the output's size (no scaling), it travels across the canvas
        a = 1.0
        span_x, span_y = (cw - width) / 2, (ch - height) / 2
        direction = 2 * t - 1  # -1 .. 1
        if motion == "pan_left":
            cx -= span_x * direction
        elif motion == "pan_right":
            cx += span_x * direction
        elif motion == "pan_up":
            cy -= span_y * direction
        else:
            cy += span_y * direction
    tx = cx - width * a / 2 + 0.5 * a - 0.5
    ty = cy - height * a / 2 + 0.5 * a - 0.5
    return a, tx, ty


def render_ken_burns(
    image: Path,
    out: Path,
    *,
    duration: float,
    width: int,
    height: int,
    fps: int,
    motion: str = "zoom_in",
    strength: float = 0.5,
    easing: str = "ease_in_out",
    progress: Callable[[float | None, str], Any] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Path:
    """Write an MP4 (H.264, no sound) of Ken Burns motion over a still picture. Returns `out`.

    Odd sizes are rounded down to even. Raises MediaError for a bad picture or setting and
    Cancelled when `should_stop()` turns true (no file is left at `out` then).
    """
    from studio.media.encode import encode_frames, even_size

    if not duration > 0:
        raise MediaError(f"duration must be more than 0 seconds, got {duration}")
    if fps <= 0:
        raise MediaError(f"frame rate must be positive, got {fps}")
    check_motion(motion, easing, strength)
    width, height, _ = even_size(int(width), int(height))
    total = max(1, round(duration * fps))
    rgb = load_rgb(image)
    frames = ken_burns_frames(
        rgb,
        width=width,
        height=height,
        frames=total,
        motion=motion,
        strength=strength,
        easing=easing,
    )
    return encode_frames(
        frames,
        Path(out),
        width=width,
        height=height,
        fps=fps,
        total_frames=total,
        progress=progress,
        should_stop=should_stop,
    )
