"""The painters of the offline sketch engine: each adds one element of a scene to a float canvas.

All painting happens on one (H, W, 3) float32 RGB array in 0..1; shapes go through anti-aliased
8-bit masks; every random choice comes from the canvas's generator, so a seed fixes the picture.
Positions are fractions of the frame, so any aspect ratio composes sensibly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import cv2
import numpy as np

if TYPE_CHECKING:
    from studio.providers.offline.procedural_image import ScenePlan


def _rgb(colour: tuple[int, int, int]) -> np.ndarray:
    return np.asarray(colour, dtype=np.float32) / 255.0


def _rgb255(values: np.ndarray) -> tuple[int, int, int]:
    """An RGB colour in 0..1 as whole 0..255 steps."""
    r, g, b = (int(v * 255) for v in values)
    return r, g, b


class Canvas:
    """The picture being painted, its coordinate grids and its random generator."""

    def __init__(self, width: int, height: int, rng: np.random.Generator) -> None:
        self.w, self.h, self.rng = width, height, rng
        self.img: np.ndarray = np.zeros((height, width, 3), dtype=np.float32)
        self.xs = np.arange(width, dtype=np.float32)[None, :]
        self.ys = np.arange(height, dtype=np.float32)[:, None]
        self.scale = min(width, height) / 1024.0
        self.light = (width * 0.5, height * 0.3)
        self.light_colour = np.ones(3, dtype=np.float32)
        # The y of the land's top edge per column (where trees and houses stand).
        self.ground_line = np.full(width, height * 0.6, dtype=np.float32)
        # A road's centre line once one is painted: (depth 0..1, x, y) samples, for a car.
        self.road: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def noise(self, cells: tuple[int, ...] = (3, 6, 12, 24), stretch: float = 1.0) -> np.ndarray:
        """Smooth value noise (fBm) in about 0..1; `stretch` > 1 makes it wider than tall."""
        total = np.zeros((self.h, self.w), dtype=np.float32)
        weight_sum = 0.0
        aspect = self.w / self.h
        for i, count in enumerate(cells):
            gx = max(2, round(count * aspect / stretch)) + 1
            gy = max(2, count) + 1
            grid = self.rng.random((gy, gx), dtype=np.float32)
            weight = 0.5**i
            total += weight * cv2.resize(grid, (self.w, self.h), interpolation=cv2.INTER_CUBIC)
            weight_sum += weight
        return total / weight_sum

    def ridge(self, points: int, amplitude: float, roughness: float = 0.5) -> np.ndarray:
        """A 1-D fractal line of length W in about -amplitude..amplitude (pixels)."""
        line = np.zeros(self.w, dtype=np.float32)
        x = np.linspace(0.0, 1.0, self.w, dtype=np.float32)
        weight, count = 1.0, points
        for _ in range(4):
            knots = self.rng.uniform(-1.0, 1.0, count + 1).astype(np.float32)
            line += weight * np.interp(x, np.linspace(0.0, 1.0, count + 1), knots).astype(
                np.float32
            )
            weight *= roughness
            count *= 2
        return line * amplitude

    def blend(self, mask: np.ndarray, colour: np.ndarray | tuple[int, int, int]) -> None:
        """Paint `colour` (RGB, or an image) where `mask` (H, W in 0..1) says, softly.

        Only the mask's bounding box is touched: most shapes cover a small part of the frame.
        """
        colour = _rgb(colour) if isinstance(colour, tuple) else colour
        rows = np.flatnonzero(mask.max(axis=1) > 0)
        if rows.size == 0:
            return
        cols = np.flatnonzero(mask[rows[0] : rows[-1] + 1].max(axis=0) > 0)
        r0, r1, c0, c1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
        if colour.ndim == 3:
            colour = colour[r0:r1] if colour.shape[0] == self.h else colour
            colour = colour[:, c0:c1] if colour.shape[1] == self.w else colour
        region = self.img[r0:r1, c0:c1]
        region += (colour - region) * mask[r0:r1, c0:c1, None]

    def poly_mask(self, polygons: list[np.ndarray], blur: float = 0.0) -> np.ndarray:
        """An anti-aliased float mask of filled polygons (lists of (x, y) pixel points)."""
        mask = np.zeros((self.h, self.w), dtype=np.uint8)
        # One call per polygon: a single fillPoly of overlapping shapes would cut holes (even-odd).
        for polygon in polygons:
            cv2.fillPoly(mask, [np.round(polygon).astype(np.int32)], 255, lineType=cv2.LINE_AA)
        out: np.ndarray = mask.astype(np.float32) / 255.0
        if blur > 0:
            out = cv2.GaussianBlur(out, (0, 0), blur)
        return out

    def to_uint8(self) -> np.ndarray:
        return (np.clip(self.img, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def sky(c: Canvas, plan: ScenePlan) -> None:
    """A three-stop vertical gradient, top to horizon, and the horizon colour below it."""
    horizon = plan.horizon * c.h
    t = np.clip(c.ys[:, 0] / horizon, 0.0, 1.0)
    stops = np.array([0.0, 0.55, 1.0])
    top, mid, low = (_rgb(col) for col in plan.sky)
    column = np.stack([np.interp(t, stops, [top[i], mid[i], low[i]]) for i in range(3)], axis=1)
    c.img[:] = column[:, None, :].astype(np.float32)


def stars(c: Canvas, plan: ScenePlan) -> None:
    count = int(c.w * c.h / 1800)
    xs = c.rng.integers(0, c.w, count)
    ys = (c.rng.random(count) ** 1.5 * plan.horizon * c.h).astype(np.int64)
    brightness = c.rng.random(count).astype(np.float32) ** 3
    c.img[ys, xs] = np.maximum(c.img[ys, xs], (0.35 + 0.65 * brightness)[:, None])
    if "space" in plan.elements:
        colours = plan.palette or [(120, 50, 150), (40, 120, 190), (210, 40, 160)]
        for i in range(2):
            cloud = np.clip(c.noise((2, 4, 8, 16)) * 1.6 - 0.55 - 0.1 * i, 0.0, 1.0) ** 2
            c.img += cloud[:, :, None] * _rgb(colours[i % len(colours)]) * 0.6


def light_source(c: Canvas, plan: ScenePlan) -> None:
    """The sun (day, dawn, dusk) or the moon (night), with a wide glow."""
    horizon = plan.horizon * c.h
    x = plan.light_x * c.w
    if plan.time in ("dusk", "dawn"):
        y, radius, colour = horizon - 0.07 * c.h, 0.06 * c.h, (255, 190, 110)
    elif plan.time == "night":
        y, radius, colour = 0.2 * c.h, 0.04 * c.h, (235, 235, 220)
    else:
        y, radius, colour = 0.18 * c.h, 0.05 * c.h, (255, 245, 210)
    if plan.palette and plan.time != "night":
        warm = max(plan.palette, key=lambda col: col[0] - col[2])
        mixed = [int(a * 0.7 + b * 0.3) for a, b in zip(colour, warm, strict=True)]
        colour = (mixed[0], mixed[1], mixed[2])
    c.light, c.light_colour = (x, y), _rgb(colour)
    if "rain" in plan.elements:
        # Behind rain clouds only a faint brightening of the sky shows where the light is.
        colour_glow = c.light_colour * 0.35
        dist = np.sqrt((c.xs - x) ** 2 + (c.ys - y) ** 2)
        c.img += np.exp(-((dist / (radius * 8)) ** 2))[:, :, None] * colour_glow
        return
    dist = np.sqrt((c.xs - x) ** 2 + (c.ys - y) ** 2)
    glow_radius = radius * (6.0 if plan.time != "night" else 4.0)
    glow = np.exp(-((dist / glow_radius) ** 2)) * (0.55 if plan.time != "night" else 0.25)
    c.img += glow[:, :, None] * c.light_colour
    disc = np.clip(radius - dist + 0.5, 0.0, 1.0)
    if plan.time == "night":
        disc_colour = c.light_colour * (0.85 + 0.15 * c.noise((6, 12))[:, :, None])
        c.blend(disc, disc_colour)
    else:
        # Brighter than its own glow, or the disc reads as an eclipse.
        c.blend(disc, np.minimum(1.0, c.light_colour * 0.35 + 0.75))


def clouds(c: Canvas, plan: ScenePlan) -> None:
    field = c.noise((2, 4, 8, 16, 32), stretch=2.5)
    threshold = 0.5 if "rain" in plan.elements else 0.58
    above = np.clip(1.0 - c.ys / (plan.horizon * c.h), 0.0, 1.0) ** 0.4
    mask = np.clip((field - threshold) / 0.18, 0.0, 1.0) * above
    if plan.time == "night":
        colour, strength = np.array([0.12, 0.14, 0.22], np.float32), 0.5
    elif plan.time in ("dusk", "dawn"):
        colour, strength = _rgb(plan.sky[2]) * 0.6 + 0.3 * c.light_colour, 0.75
    else:
        colour, strength = np.array([0.96, 0.97, 1.0], np.float32), 0.85
    if "rain" in plan.elements:
        colour, strength = colour * 0.55, 0.95
    shade = (0.75 + 0.35 * c.noise((8, 16)))[:, :, None]
    c.blend(mask * strength, colour * shade)


def ridges(c: Canvas, plan: ScenePlan) -> None:
    """Two or three mountain (or dune) ridges, hazier with distance."""
    horizon = plan.horizon * c.h
    smooth = "desert" in plan.elements
    mountains = "mountain" in plan.elements
    layers = 3 if mountains else 2
    haze_colour = _rgb(plan.sky[2])
    land = _rgb(plan.land)
    for i in range(layers):
        depth = (layers - i) / layers  # 1 = farthest
        height = (0.26 if mountains else 0.1) * c.h * (0.6 + 0.4 * depth)
        line = horizon - height * (
            0.55 + 0.45 * c.ridge(3 if smooth else 5, 1.0, 0.3 if smooth else 0.55)
        )
        line += (1.0 - depth) * 0.05 * c.h
        mask = np.clip(c.ys - line[None, :] + 0.5, 0.0, 1.0)
        haze = 0.65 * depth if plan.time != "night" else 0.3 * depth
        colour = land * (1 - haze) + haze_colour * haze
        shading = 1.0 - 0.25 * np.clip((c.ys - line[None, :]) / (0.3 * c.h), 0, 1)
        c.blend(mask, colour[None, None, :] * shading[:, :, None])
        if mountains and "snow" in plan.elements and depth > 0.5:
            cap = mask * np.clip((line[None, :] + 0.04 * c.h - c.ys) / (0.02 * c.h), 0, 1)
            c.blend(cap * 0.8, (235, 240, 250))


def ground(c: Canvas, plan: ScenePlan) -> None:
    """A gently rolling foreground from the horizon down, darker towards the viewer."""
    horizon = plan.horizon * c.h
    line = horizon + 0.02 * c.h + c.ridge(3, 0.02 * c.h, 0.4)
    c.ground_line = line.astype(np.float32)
    mask = np.clip(c.ys - line[None, :] + 0.5, 0.0, 1.0)
    land = _rgb(plan.land)
    depth = np.clip((c.ys - horizon) / (c.h - horizon), 0.0, 1.0)
    texture = 0.85 + 0.3 * c.noise((8, 16, 32, 64), stretch=3.0)
    colour = land[None, None, :] * ((1.1 - 0.45 * depth) * texture)[:, :, None]
    c.blend(mask, colour)


def sea(c: Canvas, plan: ScenePlan) -> None:
    """Water below the horizon: sky reflection, perspective waves and a glittering light path."""
    horizon = plan.horizon * c.h
    c.ground_line = np.full(c.w, horizon, dtype=np.float32)
    v = np.clip((c.ys - horizon) / (c.h - horizon), 0.0, 1.0)  # 0 at the horizon
    near = _rgb(plan.water)
    far = _rgb(plan.sky[2]) * 0.7 + near * 0.3
    base = far[None, None, :] * (1 - v[:, :, None] ** 0.6) + near * v[:, :, None] ** 0.6
    phase = np.log(v + 0.015) * 9.0
    wobble = c.noise((6, 12, 24, 48), stretch=4.0) * 16.0
    # Patches of calmer and rougher water, so the waves break up instead of forming stripes.
    rough = np.clip(c.noise((3, 6, 12), stretch=3.0) * 2.2 - 0.6, 0.0, 1.0)
    waves = np.sin(phase * 6.0 + wobble) * rough
    base = base * (0.94 + 0.06 * waves[:, :, None])
    path_width = (0.03 + 0.25 * v) * c.w
    path = np.exp(-(((c.xs - c.light[0]) / path_width) ** 2))
    glitter = np.clip(waves, 0.0, 1.0) ** 6 * path * (0.9 if plan.time != "night" else 0.6)
    base += glitter[:, :, None] * c.light_colour
    c.blend((c.ys >= horizon).astype(np.float32) * np.ones((1, c.w), np.float32), base)
    c.img[int(horizon) : int(horizon) + max(1, int(2 * c.scale))] *= 0.9


def city(c: Canvas, plan: ScenePlan) -> None:
    """A skyline along the ground line, with lit windows at dusk and night."""
    lit = plan.time in ("dusk", "night")
    silhouette = _rgb(plan.land) * 0.5 + _rgb(plan.sky[2]) * (0.35 if not lit else 0.1)
    window = np.array([1.0, 0.82, 0.45], np.float32)
    x = float(c.rng.uniform(-0.02, 0.0) * c.w)
    polygons, windows = [], []
    while x < c.w:
        bw = float(c.rng.uniform(0.04, 0.09) * c.w)
        bh = float(c.rng.uniform(0.06, 0.28) * c.h)
        base = float(c.ground_line[min(c.w - 1, max(0, int(x + bw / 2)))]) + 2
        top = base - bh
        polygons.append(np.array([[x, base], [x, top], [x + bw, top], [x + bw, base]]))
        step = max(4.0, 0.012 * c.w)
        for wy in np.arange(top + step, base - step, step * 1.6):
            for wx in np.arange(x + step * 0.6, x + bw - step, step):
                if c.rng.random() < (0.35 if lit else 0.15):
                    windows.append((int(wx), int(wy), int(wx + step * 0.5), int(wy + step * 0.7)))
        x += bw + float(c.rng.uniform(0.0, 0.01) * c.w)
    c.blend(c.poly_mask(polygons), _rgb255(silhouette))
    colour = window if lit else np.array([0.55, 0.65, 0.75], np.float32)
    for x0, y0, x1, y1 in windows:
        cv2.rectangle(c.img, (x0, y0), (x1, y1), colour.tolist(), thickness=-1)


def trees(c: Canvas, plan: ScenePlan) -> None:
    """Rows of conifers standing on the ground line: a far row, then larger nearer ones."""
    dark = _rgb(plan.land) * 0.55
    for row, (size, count, drop) in enumerate(((0.06, 70, 0.0), (0.13, 22, 0.08))):
        polygons = []
        for _ in range(int(count * c.w / max(c.w, c.h))):
            x = float(c.rng.uniform(0, c.w))
            base = float(c.ground_line[min(c.w - 1, int(x))]) + drop * c.h * c.rng.random()
            height = size * c.h * float(c.rng.uniform(0.6, 1.3))
            half = height * 0.28
            for tier in range(3):
                top = base - height * (0.45 + 0.28 * tier)
                bottom = base - height * 0.3 * tier
                width = half * (1.0 - 0.25 * tier)
                polygons.append(np.array([[x - width, bottom], [x, top], [x + width, bottom]]))
        shade = dark * (1.0 - 0.3 * row)
        c.blend(c.poly_mask(polygons), _rgb255(shade))


def cliff(c: Canvas, plan: ScenePlan, *, lighthouse: bool) -> None:
    """A rocky headland on the side away from the light, optionally crowned by a lighthouse."""
    left = plan.light_x > 0.5
    horizon = plan.horizon * c.h
    top_y = horizon - 0.1 * c.h
    reach = 0.38 * c.w
    edge = c.ridge(6, 0.015 * c.h, 0.6)
    points = [(0.0, c.h)]
    steps = 24
    for i in range(steps + 1):
        f = i / steps
        x = f * reach
        y = top_y + edge[min(c.w - 1, int(x))] + (max(0.0, f - 0.75) / 0.25) ** 1.5 * 0.45 * c.h
        points.append((x, y))
    points.append((reach * 1.15, c.h))
    polygon = np.array(points, dtype=np.float32)
    if not left:
        polygon[:, 0] = c.w - polygon[:, 0]
    rock = _rgb(plan.land) * 0.6 + 0.04
    texture = (0.7 + 0.5 * c.noise((8, 16, 32, 64)))[:, :, None]
    c.blend(c.poly_mask([polygon]), rock[None, None, :] * texture)
    if not lighthouse:
        return
    lx = (0.22 if left else 0.78) * c.w
    base_y = top_y + float(edge[min(c.w - 1, int(0.22 * c.w))]) + 2
    height, bw, tw = 0.22 * c.h, 0.045 * c.w, 0.03 * c.w
    top = base_y - height
    tower = np.array(
        [[lx - bw / 2, base_y], [lx - tw / 2, top], [lx + tw / 2, top], [lx + bw / 2, base_y]]
    )
    tower_mask = c.poly_mask([tower])
    dusky = plan.time in ("dusk", "night")
    white = np.array([0.92, 0.9, 0.86], np.float32) * (0.55 if dusky else 1.0)
    red = np.array([0.72, 0.12, 0.1], np.float32) * (0.6 if dusky else 1.0)
    stripes = ((c.ys - top) / (height / 5.0)).astype(np.int32) % 2 == 1
    side = 0.8 + 0.2 * np.clip((c.xs - (lx - bw / 2)) / bw, 0, 1)
    colour = np.where(stripes[:, :, None], red, white) * side[:, :, None]
    c.blend(tower_mask, colour)
    lamp_y = top - 0.025 * c.h
    lamp = np.array(
        [
            [lx - tw * 0.45, top],
            [lx - tw * 0.45, lamp_y],
            [lx + tw * 0.45, lamp_y],
            [lx + tw * 0.45, top],
        ]
    )
    c.blend(c.poly_mask([lamp]), (255, 225, 140))
    roof = np.array(
        [[lx - tw * 0.65, lamp_y], [lx, lamp_y - 0.025 * c.h], [lx + tw * 0.65, lamp_y]]
    )
    c.blend(c.poly_mask([roof]), (60, 20, 20))
    cy = (top + lamp_y) / 2
    dist = np.sqrt((c.xs - lx) ** 2 + (c.ys - cy) ** 2)
    glow = np.exp(-((dist / (0.05 * c.h)) ** 2)) * (0.9 if dusky else 0.3)
    c.img += glow[:, :, None] * np.array([1.0, 0.85, 0.5], np.float32)
    if dusky:
        direction = 1.0 if left else -1.0
        far_x = lx + direction * 0.9 * c.w
        beam = np.array(
            [[lx, cy - 2], [far_x, cy - 0.09 * c.h], [far_x, cy + 0.05 * c.h], [lx, cy + 2]]
        )
        fade = np.clip(1.0 - np.abs(c.xs - lx) / (0.9 * c.w), 0.0, 1.0)
        beam_mask = c.poly_mask([beam], blur=6.0 * c.scale) * fade * 0.35
        c.img += beam_mask[:, :, None] * np.array([1.0, 0.9, 0.65], np.float32)


def fire(c: Canvas, plan: ScenePlan) -> None:
    """A campfire: crossed logs, flickering tongues of flame, a warm glow and rising embers."""
    cx = (0.35 + 0.3 * float(c.rng.random())) * c.w
    cy = 0.86 * c.h
    dist = np.sqrt((c.xs - cx) ** 2 + (c.ys - cy) ** 2)
    glow = np.exp(-((dist / (0.35 * c.h)) ** 2))
    c.img += glow[:, :, None] * np.array([0.45, 0.18, 0.02], np.float32)
    log_w, log_h = 0.13 * c.w, 0.018 * c.h
    logs = []
    for angle in (-0.18, 0.18):
        dx, dy = np.cos(angle) * log_w, np.sin(angle) * log_w
        nx, ny = -np.sin(angle) * log_h, np.cos(angle) * log_h
        logs.append(
            np.array(
                [
                    [cx - dx - nx, cy + 0.02 * c.h - dy - ny],
                    [cx + dx - nx, cy + 0.02 * c.h + dy - ny],
                    [cx + dx + nx, cy + 0.02 * c.h + dy + ny],
                    [cx - dx + nx, cy + 0.02 * c.h - dy + ny],
                ]
            )
        )
    c.blend(c.poly_mask(logs), (60, 35, 20))
    streaks = c.noise((3, 6, 12, 24), stretch=0.25)
    heat = np.zeros((c.h, c.w), dtype=np.float32)
    for _ in range(5):
        offset = float(c.rng.normal(0, 0.025)) * c.w
        height = float(c.rng.uniform(0.16, 0.3)) * c.h
        width = float(c.rng.uniform(0.03, 0.06)) * c.w
        sway = float(c.rng.uniform(5, 12))
        t = np.clip((cy - c.ys) / height, 0.0, 1.0)  # 0 at the base, 1 at the tip
        centre = cx + offset + np.sin(t * sway + streaks * 6.0) * 0.02 * c.w * t
        profile = width * (1.0 - t) ** 0.7
        tongue = np.clip(1.0 - np.abs(c.xs - centre) / (profile + 1e-3), 0.0, 1.0)
        tongue *= (c.ys <= cy) * (1.0 - t) ** 0.4
        heat = np.maximum(heat, tongue * (0.7 + 0.5 * streaks))
    heat = np.clip(heat, 0.0, 1.0)
    ramp = np.stack(
        [
            np.clip(heat * 2.4, 0, 1),
            np.clip(heat * 1.8 - 0.35, 0, 1),
            np.clip(heat * 2.0 - 1.3, 0, 1),
        ],
        axis=2,
    )
    c.blend(np.clip(heat * 3.0, 0, 1), ramp)
    for _ in range(int(60 * c.scale) + 10):
        ex = int(cx + c.rng.normal(0, 0.06 * c.w))
        ey = int(cy - c.rng.uniform(0.1, 0.5) * c.h)
        cv2.circle(c.img, (ex, ey), max(1, int(2 * c.scale)), (1.0, 0.6, 0.2), -1)


def rain(c: Canvas, plan: ScenePlan) -> None:
    layer = np.zeros((c.h, c.w), dtype=np.float32)
    length = 0.03 * c.h
    for _ in range(int(c.w * c.h / 900)):
        x, y = float(c.rng.uniform(0, c.w)), float(c.rng.uniform(0, c.h))
        cv2.line(layer, (int(x), int(y)), (int(x - length * 0.25), int(y + length)), 1.0, 1)
    c.img *= 0.85
    c.blend(layer * 0.3, (200, 205, 215))


def snow(c: Canvas, plan: ScenePlan) -> None:
    layer = np.zeros((c.h, c.w), dtype=np.float32)
    for _ in range(int(c.w * c.h / 2500)):
        x, y = int(c.rng.uniform(0, c.w)), int(c.rng.uniform(0, c.h))
        cv2.circle(layer, (x, y), int(c.rng.integers(1, 4) * c.scale) or 1, 1.0, -1)
    c.blend(cv2.GaussianBlur(layer, (0, 0), 0.8) * 0.85, (245, 248, 255))


def grade(c: Canvas, plan: ScenePlan) -> None:
    """The mood's contrast, saturation and brightness, and a few style looks."""
    contrast, saturation, brightness = plan.grade
    style = plan.style
    if style & {"noir", "monochrome", "grayscale", "greyscale"}:
        saturation = 0.0
    if style & {"neon", "cyberpunk", "vibrant", "pop"}:
        saturation *= 1.35
    img = c.img
    luma = (img @ np.array([0.299, 0.587, 0.114], np.float32))[:, :, None]
    img = luma + (img - luma) * saturation
    mean = float(luma.mean())
    img = mean + (img - mean) * contrast
    img *= brightness
    if style & {"sepia", "vintage", "retro"}:
        img = img * 0.75 + luma * np.array([0.3, 0.22, 0.12], np.float32)
    if "cinematic" in style:
        # Teal shadows, warm highlights: the common film grade.
        weight = np.clip(luma * 1.4, 0, 1)
        img += (1 - weight) * np.array([-0.02, 0.01, 0.03], np.float32)
        img += weight * np.array([0.03, 0.01, -0.02], np.float32)
    if style & {"watercolor", "watercolour", "painterly", "painting", "impressionist"}:
        img = cv2.GaussianBlur(img, (0, 0), 1.6 * c.scale)
    c.img = img


def texture_and_vignette(c: Canvas, plan: ScenePlan) -> None:
    """Film grain, a faint paper-like texture, and darkened corners (stronger when tense/dark)."""
    grain = c.rng.standard_normal((c.h, c.w), dtype=np.float32) * 0.012
    paper = (c.noise((16, 32, 64)) - 0.5) * 0.05
    c.img += (grain + paper)[:, :, None]
    nx = (c.xs / c.w - 0.5) * 2.0
    ny = (c.ys / c.h - 0.5) * 2.0
    radius = (nx**2 + ny**2) / 2.0
    strength = 0.3 + 0.25 * max(0.0, plan.grade[0] - 1.0)
    c.img *= (1.0 - strength * radius**1.3)[:, :, None]
