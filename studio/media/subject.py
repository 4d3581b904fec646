"""Where the subject of a picture or a video is: faces first, else the most salient region.

- Faces: OpenCV's frontal Haar cascade (`studio.media.faces`), checked FACES_PER_SECOND times a
  second on frames FACE_WIDTH pixels wide; several faces are framed together when they are of
  a size.
- Saliency: the spectral residual (Hou & Zhang, 2007): the log amplitude spectrum of a small
  greyscale frame minus its local average, back through the DFT, marks what stands out from its
  surroundings; the blob carrying the most saliency is the subject. Measured
  ANALYSES_PER_SECOND times a second on frames ANALYSIS_WIDTH pixels wide.
- Shots: a hard cut starts a new shot: two frames whose tiny copies differ by CUT_THRESHOLD
  grey levels on average, or whose grey histograms share less than CUT_OVERLAP. A shot
  follows faces when they are seen in FACE_SHARE of its face checks, else its salient region.
  Positions between measurements are eased linearly.

`analyse_video` keeps its answer per file in memory: reframing one clip for several formats
decodes and analyses it once (the analysis does not depend on the target aspect).
"""

from __future__ import annotations

import bisect
import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from studio.media.errors import MediaError

if TYPE_CHECKING:
    import numpy as np

ANALYSIS_WIDTH = 256  # pixels: frames are analysed this small
ANALYSES_PER_SECOND = 4.0  # salient positions measured a second; frames between are eased
FACE_WIDTH = 256  # pixels: faces are looked for on frames this small (24 px is the smallest)
FACES_PER_SECOND = 1.5  # face checks per second (the cascade costs ~0.1 s a check)
FACE_SHARE = 0.25  # a shot follows faces when they are seen in this share of its face checks
CUT_THRESHOLD = 40.0  # mean grey difference (0..255) of two small frames that makes a cut
CUT_OVERLAP = 0.4  # or: the share of two frames' grey histograms in common under which they cut


@dataclass
class Analysis:
    """Where the subject is in each frame of a video, independent of any target aspect."""

    width: int  # source frame size (display pixels, even)
    height: int
    fps: float
    centers: list[tuple[float, float]]  # the subject's centre per frame, source pixels
    subject_sizes: list[tuple[float, float]]  # the subject's box size per frame
    cuts: list[int]  # frames that start a new shot (0 is always one)
    followed: list[str]  # per shot: "faces" or "salient region"


# -- saliency ------------------------------------------------------------------------------------
def saliency_map(gray: np.ndarray) -> np.ndarray:
    """Spectral residual saliency of a greyscale picture, at 64 pixels wide, in 0..1."""
    import cv2
    import numpy as np

    h, w = gray.shape
    sw = 64
    sh = max(8, round(sw * h / w))
    small = cv2.resize(gray, (sw, sh), interpolation=cv2.INTER_AREA).astype(np.float32)
    spectrum = cv2.dft(small, flags=cv2.DFT_COMPLEX_OUTPUT)
    magnitude, phase = cv2.cartToPolar(spectrum[..., 0], spectrum[..., 1])
    log_amplitude = np.log(magnitude + 1e-6)
    residual = log_amplitude - cv2.blur(log_amplitude, (3, 3), borderType=cv2.BORDER_REPLICATE)
    real, imaginary = cv2.polarToCart(np.exp(residual), phase)
    back = cv2.idft(np.dstack([real, imaginary]), flags=cv2.DFT_COMPLEX_OUTPUT | cv2.DFT_SCALE)
    saliency = cv2.magnitude(back[..., 0], back[..., 1]) ** 2
    saliency = cv2.GaussianBlur(saliency, (0, 0), 2.5)
    top = float(saliency.max())
    return saliency / top if top > 0 else saliency


def salient_region(gray: np.ndarray) -> tuple[float, float, float, float]:
    """The strongest salient blob of a picture as (cx, cy, w, h) in the picture's pixels."""
    import cv2
    import numpy as np

    h, w = gray.shape
    saliency = saliency_map(gray)
    sh, sw = saliency.shape
    threshold = max(float(saliency.mean()) * 3.0, 0.35)
    mask = (saliency >= threshold).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count <= 1:
        return w / 2, h / 2, w / 4, h / 4
    # The blob carrying the most saliency, its centre weighted by the saliency.
    weights = np.bincount(labels.ravel(), weights=saliency.ravel(), minlength=count)
    best = int(np.argmax(weights[1:]) + 1)
    ys, xs = np.nonzero(labels == best)
    mass = saliency[ys, xs]
    cx = float((xs * mass).sum() / mass.sum() + 0.5) * w / sw
    cy = float((ys * mass).sum() / mass.sum() + 0.5) * h / sh
    bw = stats[best, cv2.CC_STAT_WIDTH] * w / sw
    bh = stats[best, cv2.CC_STAT_HEIGHT] * h / sh
    return cx, cy, float(bw), float(bh)


def find_faces(gray: np.ndarray) -> tuple[float, float, float, float] | None:
    """The box (cx, cy, w, h) around the faces of a greyscale picture, or None.

    Faces of at least a third of the largest one's area are framed together.
    """
    from studio.media.faces import detect_faces

    found = detect_faces(gray, min_size=24)
    if not found:
        return None
    largest = found[0][2] * found[0][3]
    group = [f for f in found if f[2] * f[3] >= largest / 3]
    x0 = min(f[0] for f in group)
    y0 = min(f[1] for f in group)
    x1 = max(f[0] + f[2] for f in group)
    y1 = max(f[1] + f[3] for f in group)
    return (x0 + x1) / 2, (y0 + y1) / 2, float(x1 - x0), float(y1 - y0)


def find_subject(gray: np.ndarray, faces: bool = True) -> tuple[str, tuple[float, ...]]:
    """("faces" or "salient region", (cx, cy, w, h)) of a greyscale picture, in its pixels."""
    import cv2

    if faces:
        h, w = gray.shape
        fw, fh = analysis_size(w, h, FACE_WIDTH)
        small = gray if fw == w else cv2.resize(gray, (fw, fh), interpolation=cv2.INTER_AREA)
        box = find_faces(small)
        if box is not None:
            sx, sy = w / fw, h / fh
            return "faces", (box[0] * sx, box[1] * sy, box[2] * sx, box[3] * sy)
    return "salient region", salient_region(gray)


# -- analysing a video ---------------------------------------------------------------------------
def analysis_size(width: int, height: int, most: int = ANALYSIS_WIDTH) -> tuple[int, int]:
    """The even size a frame is analysed at: `most` pixels wide at most, same aspect."""
    aw = min(most, width)
    ah = max(2, round(aw * height / width))
    return aw - aw % 2, ah - ah % 2


def source_size(video: Path) -> tuple[int, int]:
    """The display size frames of `video` come out at as I420 (even sides)."""
    from studio.media.video_io import probe_video

    info = probe_video(Path(video))
    return info.width - info.width % 2, info.height - info.height % 2


_ANALYSES: dict[tuple[str, int, int, float, int | None, bool], Analysis] = {}
_ANALYSES_LOCK = threading.Lock()


def analyse_video(
    video: Path,
    *,
    fps: float | None = None,
    max_frames: int | None = None,
    faces: bool = True,
    should_stop: Callable[[], bool] | None = None,
) -> Analysis:
    """Where the subject is in each frame of `video` (resampled to `fps` when given).

    Decodes the video once, small (ANALYSIS_WIDTH), a frame at a time; measures the subject
    ANALYSES_PER_SECOND times a second and eases between. Kept in memory per file (path, size,
    modification time), so several formats of one clip analyse it once.
    """
    video = Path(video)
    stat = video.stat()
    key = (str(video.resolve()), stat.st_size, stat.st_mtime_ns, float(fps or 0), max_frames, faces)
    with _ANALYSES_LOCK:
        cached = _ANALYSES.get(key)
    if cached is not None:
        return cached
    analysis = _analyse(video, fps, max_frames, faces, should_stop)
    with _ANALYSES_LOCK:
        if len(_ANALYSES) > 64:
            _ANALYSES.clear()
        _ANALYSES[key] = analysis
    return analysis


def _analyse(
    video: Path,
    fps: float | None,
    max_frames: int | None,
    faces: bool,
    should_stop: Callable[[], bool] | None,
) -> Analysis:
    import cv2
    import numpy as np

    from studio.media.video_io import iter_frames, probe_video

    info = probe_video(video)
    width, height = info.width - info.width % 2, info.height - info.height % 2
    rate = float(fps or info.fps or 25)
    aw, ah = analysis_size(width, height)
    fw, fh = analysis_size(width, height, FACE_WIDTH)
    sx, sy = width / aw, height / ah
    stride = max(1, round(rate / ANALYSES_PER_SECOND))
    face_stride = max(1, round(rate / FACES_PER_SECOND)) if faces else 0
    salient: dict[int, tuple[float, ...]] = {}
    found: dict[int, tuple[float, ...] | None] = {}  # face checks: the faces' box, or None

    def measure(index: int, gray: np.ndarray, faces_too: bool) -> None:
        if index not in salient:
            salient[index] = salient_region(gray)
        if faces_too and index not in found:
            small = cv2.resize(gray, (fw, fh), interpolation=cv2.INTER_AREA)
            box = find_faces(small)
            found[index] = (
                None
                if box is None
                else (box[0] * aw / fw, box[1] * ah / fh, box[2] * aw / fw, box[3] * ah / fh)
            )

    cuts = [0]
    previous = None
    last_gray = None
    count = 0
    frames = iter_frames(
        video, width=aw, height=ah, fps=fps, pixel_format="yuv420p", should_stop=should_stop
    )
    try:
        for index, frame in enumerate(frames):
            if max_frames is not None and index >= max_frames:
                break
            gray = np.ascontiguousarray(frame[:ah])
            thumb = cv2.resize(gray, (32, 18), interpolation=cv2.INTER_AREA).astype(np.int16)
            histogram = np.bincount(gray[::2, ::2].ravel() // 8, minlength=32) / gray[::2, ::2].size
            if (
                previous is not None
                and last_gray is not None
                and _is_cut(thumb, histogram, *previous)
            ):
                cuts.append(index)
                # A shot's last frame is measured too, so its end is not guessed.
                measure(index - 1, last_gray, bool(face_stride))
            previous = (thumb, histogram)
            first_of_shot = cuts[-1] == index
            if index % stride == 0 or first_of_shot:
                measure(index, gray, False)
            if face_stride and (index % face_stride == 0 or first_of_shot):
                measure(index, gray, True)
            last_gray = gray
            count = index + 1
    finally:
        frames.close()
    if count == 0 or last_gray is None:
        raise MediaError(f"{video.name} has no frames to reframe")
    measure(count - 1, last_gray, bool(face_stride))
    centers: list[tuple[float, float]] = []
    sizes: list[tuple[float, float]] = []
    followed: list[str] = []
    bounds = [*cuts, count]
    for start, end in itertools.pairwise(bounds):
        checks = {i: v for i, v in found.items() if start <= i < end}
        faces_seen = {i: v for i, v in checks.items() if v is not None}
        use_faces = bool(faces_seen) and len(faces_seen) >= FACE_SHARE * len(checks)
        # A shot that follows faces eases over the checks that missed them.
        points = faces_seen if use_faces else {i: v for i, v in salient.items() if start <= i < end}
        if not points:  # a shot too short to be measured holds what came before
            points = {start: salient[max(i for i in salient if i <= start)]}
        followed.append("faces" if use_faces else "salient region")
        keys = sorted(points)
        for i in range(start, end):
            cx, cy, w, h = _interpolate(points, keys, i)
            centers.append((cx * sx, cy * sy))
            sizes.append((w * sx, h * sy))
    return Analysis(width, height, rate, centers, sizes, cuts, followed)


def _is_cut(thumb: np.ndarray, histogram: np.ndarray, before: np.ndarray, hist_before) -> bool:
    import numpy as np

    if float(np.abs(thumb - before).mean()) > CUT_THRESHOLD:
        return True
    return float(np.minimum(histogram, hist_before).sum()) < CUT_OVERLAP


def _interpolate(
    points: dict[int, tuple[float, ...]], keys: list[int], i: int
) -> tuple[float, float, float, float]:

    at = bisect.bisect_left(keys, i)
    if at < len(keys) and keys[at] == i:
        values = points[i]
    elif at == 0:
        values = points[keys[0]]
    elif at == len(keys):
        values = points[keys[-1]]
    else:
        a, b = keys[at - 1], keys[at]
        t = (i - a) / (b - a)
        values = tuple(p + (q - p) * t for p, q in zip(points[a], points[b], strict=True))
    cx, cy, w, h = values
    return cx, cy, w, h
