"""Frontal faces in a greyscale picture, with OpenCV's Haar cascade evaluated in numpy.

OpenCV 5 no longer has `cv2.CascadeClassifier` (it moved to opencv-contrib), and its wheels no
longer carry the cascades, while OpenCV 4 has both: so the studio ships the classic cascade
(`resources/models/haarcascade_frontalface_default.xml`, Rainer Lienhart's stump cascade, under
the Intel licence printed in the file) and evaluates it itself, the way OpenCV does:

- an image pyramid (each level 1/`scale_factor` of the one before) scanned with the cascade's
  24x24 window, every 2nd position (every position once the picture is halved);
- each window normalised by its standard deviation (OpenCV's inset 22x22 rectangle);
- stage after stage over the windows still alive, each weak classifier a Haar feature read
  from the integral image, compared with its threshold (vectorised over all windows at once);
- hits grouped as `cv2.groupRectangles` does (similar rectangles within 20 %; groups with more
  than `min_neighbors` members kept, averaged). The defaults (a 1.15 pyramid step, 4
  neighbours) find a face of 24 pixels or more and leave textures alone in the tests.

One code path on every OpenCV, so the tests check what users run. About 20-60 ms for a 320x180
picture on one core; reframing calls it a few times a second of video, on small frames.
"""

from __future__ import annotations

import functools
import threading
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

CASCADE_FILE = "haarcascade_frontalface_default.xml"
_LOCK = threading.Lock()


@dataclass(frozen=True)
class _Stage:
    threshold: float
    features: np.ndarray  # (k,) feature index of each weak classifier
    thresholds: np.ndarray  # (k,)
    left: np.ndarray  # (k,) value when feature < threshold
    right: np.ndarray  # (k,)


@dataclass(frozen=True)
class Cascade:
    """A parsed Haar cascade: window size, stages, and each feature's rectangles."""

    width: int
    height: int
    stages: tuple[_Stage, ...]
    # Per feature, up to 3 rectangles: (x, y, w, h) and weight; unused rectangles have weight 0.
    rects: np.ndarray  # (features, 3, 4) int
    weights: np.ndarray  # (features, 3) float


def cascade_path() -> Path:
    from studio.paths import resources_dir

    return resources_dir() / "models" / CASCADE_FILE


@functools.lru_cache(maxsize=2)
def load_cascade(path: Path | None = None) -> Cascade:
    """Read an OpenCV (new format, stump-based, upright HAAR) cascade XML file."""
    import numpy as np

    from studio.media.errors import MediaError

    path = Path(path or cascade_path())
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as exc:
        raise MediaError(f"the face detector {path.name} cannot be read: {exc}") from None
    node = root.find("cascade")
    if node is None or (node.findtext("featureType") or "").strip() != "HAAR":
        raise MediaError(f"{path.name} is not a Haar cascade")
    width, height = int(node.findtext("width") or 0), int(node.findtext("height") or 0)
    stages = []
    for stage in node.findall("stages/_"):
        rows = []
        for weak in stage.findall("weakClassifiers/_"):
            internal = (weak.findtext("internalNodes") or "").split()
            leaves = (weak.findtext("leafValues") or "").split()
            if len(internal) != 4 or len(leaves) != 2:
                raise MediaError(f"{path.name}: only stump cascades are supported")
            rows.append((int(internal[2]), float(internal[3]), float(leaves[0]), float(leaves[1])))
        table = np.array(rows, dtype=np.float64)
        stages.append(
            _Stage(
                threshold=float(stage.findtext("stageThreshold") or 0.0),
                features=table[:, 0].astype(np.int64),
                thresholds=table[:, 1],
                left=table[:, 2],
                right=table[:, 3],
            )
        )
    features = node.findall("features/_")
    rects = np.zeros((len(features), 3, 4), np.int64)
    weights = np.zeros((len(features), 3), np.float64)
    for index, feature in enumerate(features):
        if (feature.findtext("tilted") or "0").strip() not in ("0", ""):
            raise MediaError(f"{path.name}: tilted features are not supported")
        for r, rect in enumerate(feature.findall("rects/_")):
            values = (rect.text or "").split()
            rects[index, r] = [int(v) for v in values[:4]]
            weights[index, r] = float(values[4])
    return Cascade(width, height, tuple(stages), rects, weights)


def detect_faces(
    gray: np.ndarray,
    *,
    scale_factor: float = 1.15,
    min_neighbors: int = 4,
    min_size: int = 24,
    cascade: Cascade | None = None,
) -> list[tuple[int, int, int, int]]:
    """Faces in a greyscale uint8 picture as (x, y, w, h) boxes, largest first."""
    import cv2
    import numpy as np

    cascade = cascade or load_cascade()
    image = np.ascontiguousarray(gray, dtype=np.uint8)
    height, width = image.shape
    levels: list[_Level] = []
    factor = 1.0
    while cascade.width * factor <= width and cascade.height * factor <= height:
        if cascade.width * factor >= min_size:
            size = (round(width / factor), round(height / factor))
            level = (
                image if factor == 1.0 else cv2.resize(image, size, interpolation=cv2.INTER_LINEAR)
            )
            levels.append(_early_stages(level, cascade, factor, step=1 if factor > 2.0 else 2))
        factor *= scale_factor
    hits = [
        (
            x * level.factor,
            y * level.factor,
            cascade.width * level.factor,
            cascade.height * level.factor,
        )
        for level, x, y in _late_stages(levels, cascade)
    ]
    return _group(hits, min_neighbors)


DENSE_STAGES = 3  # the first stages see most windows: evaluated on each level's whole grid


@dataclass
class _Level:
    """One pyramid level after the first stages: its integral image and the windows alive."""

    factor: float
    sums: np.ndarray  # (h+1, w+1) integral image
    ys: np.ndarray  # top-left corners of the windows still alive
    xs: np.ndarray
    norm: np.ndarray  # each alive window's deviation


def _early_stages(image: np.ndarray, cascade: Cascade, factor: float, step: int) -> _Level:
    """Run the first stages on every window of a level at once, by shifted slices."""
    import cv2
    import numpy as np

    height, width = image.shape
    sums, squares = cv2.integral2(image, sdepth=cv2.CV_64F, sqdepth=cv2.CV_64F)
    rows = (height - cascade.height) // step + 1
    cols = (width - cascade.width) // step + 1

    def dense(table: np.ndarray, x: int, y: int, w: int, h: int) -> np.ndarray:
        def at(dy: int, dx: int) -> np.ndarray:
            return table[dy : dy + rows * step : step, dx : dx + cols * step : step]

        return at(y + h, x + w) - at(y, x + w) - at(y + h, x) + at(y, x)

    # OpenCV normalises each window by the deviation over its inset (1, 1, w-2, h-2) rectangle.
    nw, nh = cascade.width - 2, cascade.height - 2
    total = dense(sums, 1, 1, nw, nh)
    spread = nw * nh * dense(squares, 1, 1, nw, nh) - total * total
    norm = np.where(spread > 0, np.sqrt(np.maximum(spread, 0)), 1.0)
    alive = np.ones((rows, cols), bool)
    for stage in cascade.stages[:DENSE_STAGES]:
        score = np.zeros((rows, cols))
        for feature, threshold, left, right in zip(
            stage.features, stage.thresholds, stage.left, stage.right, strict=True
        ):
            value = np.zeros((rows, cols))
            for r in range(3):
                weight = cascade.weights[feature, r]
                if weight != 0.0:
                    value += weight * dense(sums, *(int(v) for v in cascade.rects[feature, r]))
            score += np.where(value < threshold * norm, left, right)
        alive &= score >= stage.threshold
    ys, xs = np.nonzero(alive)
    return _Level(factor, sums, ys * step, xs * step, norm[ys, xs])


def _late_stages(levels: list[_Level], cascade: Cascade) -> list[tuple[_Level, int, int]]:
    """Run the remaining stages on the windows alive in all levels together.

    The levels' integral images are stacked in one table with a common row length, so every
    stage is a handful of numpy operations however many levels there are.
    """
    import numpy as np

    if not levels:
        return []
    stride = max(level.sums.shape[1] for level in levels)
    # Sums of whole pixels: exact in float32 while under 2**24 (pictures up to ~65,000 pixels).
    exact32 = levels[0].sums[-1, -1] < 2**24
    table = np.zeros(
        (sum(level.sums.shape[0] for level in levels), stride),
        np.float32 if exact32 else np.float64,
    )
    bases, norms, owners = [], [], []
    row = 0
    for index, level in enumerate(levels):
        h, w = level.sums.shape
        table[row : row + h, :w] = level.sums
        bases.append((row + level.ys) * stride + level.xs)
        norms.append(level.norm)
        owners.append(np.full(level.ys.size, index))
        row += h
    flat = table.reshape(-1)
    base, norm, owner = np.concatenate(bases), np.concatenate(norms), np.concatenate(owners)
    for stage in cascade.stages[DENSE_STAGES:]:
        if base.size == 0:
            return []
        # Every weak classifier of the stage at once: the 4 corners of its 3 rectangles.
        rects = cascade.rects[stage.features]  # (k, 3, 4)
        x, y, w, h = (rects[..., i] for i in range(4))
        top, bottom = y * stride + x, (y + h) * stride + x
        at = base[:, None, None]
        sums = flat[at + bottom + w] - flat[at + top + w] - flat[at + bottom] + flat[at + top]
        feature_values = (sums * cascade.weights[stage.features]).sum(axis=-1)  # (n, k)
        votes = np.where(feature_values < stage.thresholds * norm[:, None], stage.left, stage.right)
        keep = votes.sum(axis=1) >= stage.threshold
        base, norm, owner = base[keep], norm[keep], owner[keep]
    found = []
    row_starts = np.cumsum([0] + [level.sums.shape[0] for level in levels])
    for position, index in zip(base.tolist(), owner.tolist(), strict=True):
        level_row, x = divmod(position, stride)
        found.append((levels[index], int(x), int(level_row - row_starts[index])))
    return found


def _group(
    hits: list[tuple[float, float, float, float]], min_neighbors: int, eps: float = 0.2
) -> list[tuple[int, int, int, int]]:
    """Merge overlapping hits as `cv2.groupRectangles` does; keep groups of > min_neighbors."""
    labels = list(range(len(hits)))

    def root(i: int) -> int:
        while labels[i] != i:
            labels[i] = labels[labels[i]]
            i = labels[i]
        return i

    for i, a in enumerate(hits):
        for j in range(i):
            b = hits[j]
            delta = eps * (min(a[2], b[2]) + min(a[3], b[3])) * 0.5
            if (
                abs(a[0] - b[0]) <= delta
                and abs(a[1] - b[1]) <= delta
                and abs(a[0] + a[2] - b[0] - b[2]) <= delta
                and abs(a[1] + a[3] - b[1] - b[3]) <= delta
            ):
                labels[root(i)] = root(j)
    groups: dict[int, list[tuple[float, float, float, float]]] = {}
    for i, hit in enumerate(hits):
        groups.setdefault(root(i), []).append(hit)
    kept = []
    for members in groups.values():
        if len(members) <= min_neighbors:
            continue
        n = len(members)
        kept.append(
            (
                round(sum(m[0] for m in members) / n),
                round(sum(m[1] for m in members) / n),
                round(sum(m[2] for m in members) / n),
                round(sum(m[3] for m in members) / n),
                n,
            )
        )
    # A small face inside a larger, better supported one is a part of it (OpenCV drops it too).
    faces = []
    for x, y, w, h, n in kept:
        inside = any(
            (ox, oy, ow, oh) != (x, y, w, h)
            and on >= n
            and x >= ox - 0.2 * ow
            and y >= oy - 0.2 * oh
            and x + w <= ox + 1.2 * ow
            and y + h <= oy + 1.2 * oh
            for ox, oy, ow, oh, on in kept
        )
        if not inside:
            faces.append((x, y, w, h))
    return sorted(faces, key=lambda f: -f[2] * f[3])
