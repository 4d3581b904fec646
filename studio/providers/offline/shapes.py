"""Small drawing helpers shared by the subject and object painters: an anti-aliased 8-bit mask
drawn with OpenCV primitives, then blended onto the canvas in one colour; and where on the
ground a thing at a given depth stands, and how big it looks there."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import cv2
import numpy as np

if TYPE_CHECKING:
    from studio.providers.offline.procedural_image import ScenePlan
    from studio.providers.offline.scene_painters import Canvas

RGB = tuple[int, int, int]
_AA = cv2.LINE_AA


class Mask:
    """An 8-bit mask the size of the canvas; shapes are drawn in pixel coordinates."""

    def __init__(self, c: Canvas) -> None:
        self.canvas = c
        self.pixels = np.zeros((c.h, c.w), dtype=np.uint8)

    def ellipse(self, centre: Sequence[float], axes: Sequence[float], angle: float = 0.0) -> None:
        cx, cy = (round(v) for v in centre)
        ax, ay = (max(1, round(v)) for v in axes)
        cv2.ellipse(self.pixels, (cx, cy), (ax, ay), angle, 0, 360, 255, -1, _AA)

    def polygon(self, points: Sequence[Sequence[float]] | np.ndarray) -> None:
        cv2.fillPoly(self.pixels, [np.round(np.asarray(points)).astype(np.int32)], 255, _AA)

    def line(self, a: Sequence[float], b: Sequence[float], thickness: float) -> None:
        start = (round(a[0]), round(a[1]))
        end = (round(b[0]), round(b[1]))
        cv2.line(self.pixels, start, end, 255, max(1, round(thickness)), _AA)

    def rectangle(self, x0: float, y0: float, x1: float, y1: float) -> None:
        self.polygon([(x0, y0), (x1, y0), (x1, y1), (x0, y1)])

    def paint(self, colour: RGB | np.ndarray, opacity: float = 1.0) -> None:
        """Blend `colour` onto the canvas where the mask is set."""
        colour_value: np.ndarray | RGB
        if isinstance(colour, np.ndarray):
            colour_value = colour
        else:
            colour_value = (int(colour[0]), int(colour[1]), int(colour[2]))
        self.canvas.blend(self.pixels.astype(np.float32) * (opacity / 255.0), colour_value)


def ground_y(c: Canvas, plan: ScenePlan, depth: float) -> float:
    """The y of the ground `depth` of the way from the horizon (0) to the frame's bottom (1)."""
    top = float(np.median(c.ground_line))
    return top + (c.h - top) * depth


def size_at(c: Canvas, plan: ScenePlan, depth: float) -> float:
    """How tall a person standing `depth` down the ground looks, in pixels: with the eye at a
    person's height, everyone standing on level ground has their head near the horizon."""
    y = ground_y(c, plan, depth)
    return max(4.0, 1.05 * (y - plan.horizon * c.h))


def silhouette_colour(plan: ScenePlan, own: RGB | None, fallback: RGB) -> RGB:
    """A subject's colour: its own word ("red"), else `fallback`, darkened by dusk and night so
    things read as silhouettes against the sky as they do at those hours."""
    colour = own or fallback
    dim = {"night": 0.5, "dusk": 0.62, "dawn": 0.82}.get(plan.time, 1.0)
    return tuple(int(v * dim) for v in colour)  # type: ignore[return-value]
