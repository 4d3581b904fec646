"""Things and places for the offline painter: a shore to stand on, fields and flowers, a road or
a path, houses, a bridge, deciduous trees, boats and a car.

Each is placed by the seed on the ground (or the water) at a depth that sets its size, and takes
its colour from the word before it ("a red boat"), else from a plausible default; dusk and night
darken everything into silhouettes, and lit windows and headlights glow.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import cv2
import numpy as np

from studio.providers.offline.shapes import Mask, ground_y, silhouette_colour, size_at

if TYPE_CHECKING:
    from studio.providers.offline.procedural_image import ScenePlan
    from studio.providers.offline.scene_painters import Canvas

RGB = tuple[int, int, int]
WINDOW_LIT: RGB = (255, 210, 120)
HULLS: tuple[RGB, ...] = ((150, 40, 35), (235, 232, 225), (40, 70, 120), (60, 110, 80))
CARS: tuple[RGB, ...] = ((180, 30, 35), (35, 80, 160), (230, 230, 225), (40, 40, 45))
WALLS: tuple[RGB, ...] = ((235, 228, 210), (200, 170, 130), (170, 90, 70), (215, 205, 180))
FLOWERS: tuple[RGB, ...] = ((220, 40, 50), (250, 210, 50), (245, 245, 240), (150, 80, 200))


def _dark(colour: RGB, factor: float) -> RGB:
    return tuple(int(v * factor) for v in colour)  # type: ignore[return-value]


def shore(c: Canvas, plan: ScenePlan) -> None:
    """A beach across the foreground of a sea, for people, animals and houses to stand on."""
    top = c.h * float(c.rng.uniform(0.8, 0.86))
    line = top + c.ridge(4, 0.015 * c.h, 0.5)
    sand = silhouette_colour(plan, None, (200, 180, 140))
    mask = np.clip(c.ys - line[None, :] + 0.5, 0.0, 1.0)
    texture = 0.88 + 0.2 * c.noise((8, 16, 32), stretch=3.0)
    c.blend(mask, np.asarray(sand, np.float32)[None, None, :] / 255.0 * texture[:, :, None])
    foam = np.clip(1.0 - np.abs(c.ys - line[None, :] + 2) / (0.006 * c.h), 0.0, 1.0) * 0.6
    c.blend(foam, (235, 240, 240) if plan.time == "day" else (120, 125, 135))
    c.ground_line = line.astype(np.float32)


def field(c: Canvas, plan: ScenePlan) -> None:
    """A meadow or crop field over the ground, with rows running to the horizon."""
    horizon = float(np.median(c.ground_line))
    own = plan.reading.subject_colours.get("field")
    base = silhouette_colour(plan, own, (95, 140, 55))
    below = np.clip((c.ys - c.ground_line[None, :]) / 2.0, 0.0, 1.0)
    texture = 0.8 + 0.35 * c.noise((6, 12, 24, 48), stretch=2.5)
    depth = np.clip((c.ys - horizon) / max(1.0, c.h - horizon), 0.0, 1.0)
    colour = np.asarray(base, np.float32) / 255.0 * ((0.75 + 0.4 * depth) * texture)[:, :, None]
    c.blend(below * 0.85, colour)
    rows = Mask(c)
    vanish = c.w * float(c.rng.uniform(0.35, 0.65))
    for k in range(-12, 13):
        rows.line((vanish, horizon), (vanish + k * c.w * 0.12, c.h), max(1.0, 2.0 * c.scale))
    rows.pixels = (rows.pixels * below).astype(np.uint8)
    rows.paint(_dark(base, 0.7), opacity=0.45)


def flowers(c: Canvas, plan: ScenePlan) -> None:
    """Dots of flowers over the foreground, larger and denser towards the viewer."""
    horizon = float(np.median(c.ground_line))
    own = plan.reading.subject_colours.get("flowers")
    colours = [own] if own else [*(plan.palette[:2]), *FLOWERS]
    count = int(c.w * c.h / 900)
    for _ in range(count):
        t = float(c.rng.random()) ** 0.6  # more near the viewer
        y = horizon + 4 + t * (c.h - horizon - 4)
        x = float(c.rng.uniform(0, c.w))
        if y < c.ground_line[min(c.w - 1, int(x))] + 2:
            continue
        radius = max(1, round((0.6 + 5.0 * t) * c.scale))
        rgb = silhouette_colour(plan, None, colours[int(c.rng.integers(0, len(colours)))])
        centre = (round(x), round(y))
        cv2.circle(c.img, centre, radius, [v / 255.0 for v in rgb], -1, cv2.LINE_AA)


def road(c: Canvas, plan: ScenePlan) -> None:
    """A road (asphalt, dashed centre line) or a path (earth, winding) to the horizon."""
    horizon = float(np.median(c.ground_line))
    is_path = bool({"path", "trail", "pathway", "track"} & set(plan.reading.painted))
    vanish = c.w * float(c.rng.uniform(0.4, 0.6))
    bottom = c.w * float(c.rng.uniform(0.35, 0.65))
    width = c.w * (0.22 if is_path else 0.6)
    wiggle = c.w * (0.08 if is_path else 0.0)
    ts = np.linspace(0.0, 1.0, 48)
    centre = vanish + (bottom - vanish) * ts + np.sin(ts * np.pi * 2.2) * wiggle * ts
    ys = horizon + (c.h - horizon) * ts
    left = np.stack([centre - width / 2 * ts, ys], axis=1)
    right = np.stack([centre + width / 2 * ts, ys], axis=1)
    surface = Mask(c)
    surface.polygon(np.concatenate([left, right[::-1]]))
    colour = (120, 95, 70) if is_path else (75, 75, 80)
    surface.paint(silhouette_colour(plan, None, colour))
    c.road = (ts, centre, ys)
    if not is_path:
        dashes = Mask(c)
        for i in range(0, 47, 4):
            dashes.line(
                (centre[i], ys[i]), (centre[i + 2], ys[i + 2]), max(1.0, 8 * ts[i] * c.scale)
            )
        dashes.paint(silhouette_colour(plan, None, (235, 225, 170)))


def houses(c: Canvas, plan: ScenePlan) -> None:
    """A house, or a row of them for a plural or a village, in the middle distance."""
    count = plan.reading.count("house", 3, 5, c.rng)
    lit = plan.time in ("dusk", "night")
    own = plan.reading.subject_colours.get("house")
    depth = float(c.rng.uniform(0.12, 0.25)) if count > 1 else float(c.rng.uniform(0.2, 0.35))
    person = size_at(c, plan, depth)
    x = c.w * float(c.rng.uniform(0.15, 0.5))
    for _ in range(count):
        height = person * float(c.rng.uniform(2.4, 3.4))
        width = height * float(c.rng.uniform(1.1, 1.6))
        base = ground_y(c, plan, depth) + float(c.rng.uniform(-0.02, 0.02)) * c.h * (count > 1)
        wall = own or WALLS[int(c.rng.integers(0, len(WALLS)))]
        body = Mask(c)
        body.rectangle(x, base - height * 0.62, x + width, base)
        body.paint(silhouette_colour(plan, None, wall))
        roof = Mask(c)
        roof.polygon(
            [
                (x - width * 0.06, base - height * 0.6),
                (x + width * 0.5, base - height),
                (x + width * 1.06, base - height * 0.6),
            ]
        )
        roof.rectangle(x + width * 0.7, base - height * 0.98, x + width * 0.8, base - height * 0.7)
        roof.paint(silhouette_colour(plan, None, (120, 50, 40)))
        openings = Mask(c)
        openings.rectangle(x + width * 0.42, base - height * 0.32, x + width * 0.58, base)
        windows = Mask(c)
        for wx in (0.12, 0.7):
            windows.rectangle(
                x + width * wx, base - height * 0.5, x + width * (wx + 0.17), base - height * 0.33
            )
        openings.paint(silhouette_colour(plan, None, (70, 50, 40)))
        windows.paint(WINDOW_LIT if lit else silhouette_colour(plan, None, (90, 110, 130)))
        x += width * float(c.rng.uniform(1.15, 1.5))
        if x > c.w * 0.95:  # out of room: the rest of the row starts again further back
            x = c.w * float(c.rng.uniform(0.05, 0.3))
            depth *= 0.7
            person = size_at(c, plan, depth)


def bridge(c: Canvas, plan: ScenePlan) -> None:
    """A stone arch bridge across the frame, over the water when there is some."""
    horizon = plan.horizon * c.h
    deck = horizon + (c.h - horizon) * float(c.rng.uniform(0.12, 0.22))
    depth_below = (c.h - horizon) * 0.28
    spans = int(c.rng.integers(3, 6))
    span = c.w / spans
    body = Mask(c)
    body.rectangle(-2, deck, c.w + 2, deck + depth_below)
    for k in range(spans):
        centre = (k + 0.5) * span
        ellipse_axes = (span * 0.36, depth_below * 0.75)
        cv2.ellipse(
            body.pixels,
            (round(centre), round(deck + depth_below)),
            (round(ellipse_axes[0]), round(ellipse_axes[1])),
            0,
            0,
            360,
            0,
            -1,
            cv2.LINE_AA,
        )
    stone = silhouette_colour(plan, plan.reading.subject_colours.get("bridge"), (150, 138, 120))
    body.paint(stone)
    rail = Mask(c)
    rail.rectangle(-2, deck - 0.018 * c.h, c.w + 2, deck)
    rail.paint(_dark(stone, 0.75))


def trees(c: Canvas, plan: ScenePlan) -> None:
    """One broad-leaved tree, or a few for a plural, at the sides of the frame."""
    count = plan.reading.count("tree", 3, 5, c.rng)
    own = plan.reading.subject_colours.get("tree")
    # Colour words of the prompt that belong to nothing else ("trees in autumn, orange and
    # golden") colour the leaves.
    choices = [own] if own else (plan.reading.colours or [(55, 115, 50)])
    bark = silhouette_colour(plan, None, (75, 55, 40))
    for index in range(count):
        leaves = silhouette_colour(plan, None, choices[index % len(choices)])
        depth = float(c.rng.uniform(0.25, 0.85))
        side = (0.12 + 0.2 * c.rng.random()) if index % 2 == 0 else (0.7 + 0.2 * c.rng.random())
        x, y = c.w * float(side), ground_y(c, plan, depth)
        height = min(size_at(c, plan, depth) * 2.8, y * 0.7)
        trunk = Mask(c)
        trunk.polygon(
            [
                (x - 0.05 * height, y),
                (x - 0.025 * height, y - 0.55 * height),
                (x + 0.025 * height, y - 0.55 * height),
                (x + 0.05 * height, y),
            ]
        )
        trunk.paint(bark)
        crown_y, radius = y - 0.68 * height, 0.3 * height
        for shade, lift in ((0.7, 0.0), (1.0, 0.06), (1.2, 0.12)):
            crown = Mask(c)
            for _ in range(7):
                crown.ellipse(
                    (
                        x + float(c.rng.normal(0, 0.45)) * radius,
                        crown_y - lift * height + float(c.rng.normal(0, 0.3)) * radius,
                    ),
                    (radius * float(c.rng.uniform(0.45, 0.7)),) * 2,
                )
            crown.paint(tuple(min(255, int(v * shade)) for v in leaves))  # type: ignore[arg-type]


def boats(c: Canvas, plan: ScenePlan) -> None:
    """A boat on the water (a ship when the prompt says so), or two or three for a plural."""
    horizon = plan.horizon * c.h
    water_bottom = float(np.min(c.ground_line)) if "shore" in plan.elements else c.h
    count = plan.reading.count("boat", 2, 3, c.rng)
    words = set(plan.reading.painted)
    is_ship = bool({"ship", "ferry", "vessel", "trawler"} & words)
    sails = bool({"sail", "sailboat", "sailing", "yacht"} & words) or (
        not is_ship and c.rng.random() < 0.5
    )
    own = plan.reading.subject_colours.get("boat")
    for index in range(count):
        t = float(c.rng.uniform(0.3, 0.75)) if index == 0 else float(c.rng.uniform(0.1, 0.4))
        y = horizon + (water_bottom - horizon) * t
        length = c.w * (0.08 + 0.3 * t) * (1.8 if is_ship else 1.0)
        x = c.w * float(c.rng.uniform(0.3, 0.7))
        hull_colour = own or HULLS[int(c.rng.integers(0, len(HULLS)))]
        boat(c, plan, x, y, length, hull_colour, sails=sails, ship=is_ship)


def boat(
    c: Canvas,
    plan: ScenePlan,
    x: float,
    y: float,
    length: float,
    hull: RGB,
    *,
    sails: bool,
    ship: bool,
) -> None:
    """One hull with its waterline at y, a cabin (or a ship's superstructure) and a sail."""
    lean = 0.04 if "rain" in plan.elements else 0.0  # a rough sea rocks the boat
    half = length / 2
    deck = y - length * 0.12

    def tilt(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
        return [(px, py + (px - x) * lean) for px, py in points]

    body = Mask(c)
    body.polygon(
        tilt(
            [
                (x - half, deck),
                (x + half * 1.05, deck - length * 0.04),
                (x + half * 0.78, y + length * 0.02),
                (x - half * 0.85, y + length * 0.02),
            ]
        )
    )
    body.paint(silhouette_colour(plan, None, hull))
    reflection = Mask(c)
    reflection.polygon(
        tilt(
            [
                (x - half * 0.85, y),
                (x + half * 0.78, y),
                (x + half * 0.6, y + length * 0.1),
                (x - half * 0.7, y + length * 0.1),
            ]
        )
    )
    reflection.paint(_dark(silhouette_colour(plan, None, hull), 0.6), opacity=0.35)
    cabin = Mask(c)
    if ship:
        cabin.polygon(
            tilt(
                [
                    (x - half * 0.45, deck),
                    (x - half * 0.4, deck - length * 0.14),
                    (x + half * 0.3, deck - length * 0.14),
                    (x + half * 0.35, deck),
                ]
            )
        )
        cabin.polygon(
            tilt(
                [
                    (x - half * 0.1, deck - length * 0.14),
                    (x - half * 0.08, deck - length * 0.26),
                    (x + half * 0.06, deck - length * 0.26),
                    (x + half * 0.08, deck - length * 0.14),
                ]
            )
        )
    else:
        cabin.polygon(
            tilt(
                [
                    (x - half * 0.5, deck),
                    (x - half * 0.5, deck - length * 0.12),
                    (x - half * 0.05, deck - length * 0.12),
                    (x, deck),
                ]
            )
        )
    cabin.paint(silhouette_colour(plan, None, (225, 222, 215)))
    if sails and not ship:
        mast_top = deck - length * 0.85
        rig = Mask(c)
        rig.line((x + half * 0.1, deck), (x + half * 0.1, mast_top), max(1.0, length * 0.012))
        rig.paint(silhouette_colour(plan, None, (60, 50, 40)))
        sail = Mask(c)
        sail.polygon(
            tilt(
                [
                    (x + half * 0.14, mast_top + length * 0.04),
                    (x + half * 0.14, deck - length * 0.06),
                    (x + half * 0.75, deck - length * 0.08),
                ]
            )
        )
        sail.paint(silhouette_colour(plan, None, (240, 236, 222)))


def car(c: Canvas, plan: ScenePlan) -> None:
    """A car side on, on the road when there is one, with headlights lit at dusk and night."""
    road = c.road
    depth = float(c.rng.uniform(0.3, 0.45))
    if road is not None:
        ts, centre, ys = road
        x, y = float(np.interp(depth, ts, centre)), float(np.interp(depth, ts, ys))
    else:
        x, y = c.w * float(c.rng.uniform(0.3, 0.7)), ground_y(c, plan, depth)
    length = size_at(c, plan, depth) * 2.4
    own = plan.reading.subject_colours.get("car")
    paint = silhouette_colour(plan, own, CARS[int(c.rng.integers(0, len(CARS)))])
    half = length / 2
    body = Mask(c)
    body.polygon(
        [
            (x - half, y - length * 0.1),
            (x - half * 0.98, y - length * 0.26),
            (x - half * 0.5, y - length * 0.3),
            (x - half * 0.32, y - length * 0.46),
            (x + half * 0.35, y - length * 0.46),
            (x + half * 0.6, y - length * 0.3),
            (x + half, y - length * 0.24),
            (x + half, y - length * 0.1),
        ]
    )
    body.paint(paint)
    glass = Mask(c)
    glass.polygon(
        [
            (x - half * 0.4, y - length * 0.31),
            (x - half * 0.27, y - length * 0.42),
            (x + half * 0.3, y - length * 0.42),
            (x + half * 0.5, y - length * 0.31),
        ]
    )
    glass.paint(silhouette_colour(plan, None, (150, 180, 200)))
    wheels = Mask(c)
    for wx in (-0.55, 0.6):
        wheels.ellipse((x + half * wx, y - length * 0.09), (length * 0.095, length * 0.095))
    wheels.paint((25, 25, 28))
    if plan.time in ("dusk", "night"):
        lamp = Mask(c)
        lamp.ellipse((x + half * 0.97, y - length * 0.2), (length * 0.03, length * 0.025))
        lamp.paint((255, 240, 190))
        distance = np.sqrt((c.xs - (x + half)) ** 2 + (c.ys - (y - length * 0.2)) ** 2)
        glow = np.exp(-((distance / (length * 0.35)) ** 2)) * 0.6
        c.img += glow[:, :, None] * np.array([1.0, 0.9, 0.7], np.float32)
