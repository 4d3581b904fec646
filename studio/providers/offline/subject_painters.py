"""Living things for the offline painter: people (standing, walking, seated), dogs, cats, horses
and birds, as simple readable silhouettes standing on the ground at a depth chosen by the seed.

Sizes follow the ground's perspective (`shapes.size_at`): a person near the horizon is small, one
in the foreground is large; an animal is sized against the person who would stand there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from studio.providers.offline.shapes import Mask, ground_y, silhouette_colour, size_at

if TYPE_CHECKING:
    from studio.providers.offline.procedural_image import ScenePlan
    from studio.providers.offline.scene_painters import Canvas

RGB = tuple[int, int, int]
CLOTHES: tuple[RGB, ...] = ((60, 70, 95), (110, 45, 40), (70, 85, 60), (85, 70, 60), (40, 40, 48))
SKIN: tuple[RGB, ...] = ((225, 185, 150), (190, 140, 105), (140, 95, 65), (95, 65, 45))
COATS: dict[str, RGB] = {"dog": (150, 105, 60), "cat": (70, 65, 62), "horse": (110, 70, 40)}


def _spot(c: Canvas, plan: ScenePlan, depth: float, side: float | None = None) -> float:
    """An x for a subject: the seed picks the side of the frame away from the cliff, if any."""
    if side is None:
        side = float(c.rng.uniform(0.3, 0.7))
    if {"cliff", "lighthouse"} & plan.elements:
        cliff_left = plan.light_x > 0.5
        side = max(side, 0.5) if cliff_left else min(side, 0.5)
    return side * c.w


def people(c: Canvas, plan: ScenePlan) -> tuple[float, float]:
    """One person, or two or three for a plural; returns where the first stands (x, y)."""
    count = plan.reading.count("person", 2, 3, c.rng)
    close = bool({"portrait", "closeup", "close"} & plan.style)
    depth = float(c.rng.uniform(0.8, 0.9)) if close else float(c.rng.uniform(0.45, 0.7))
    x = _spot(c, plan, depth)
    first = (x, ground_y(c, plan, depth))
    for index in range(count):
        offset = (index - (count - 1) / 2) * size_at(c, plan, depth) * 0.45
        scale = 1.0 if index == 0 else float(c.rng.uniform(0.7, 1.0))
        person(c, plan, x + offset, ground_y(c, plan, depth), size_at(c, plan, depth) * scale)
    return first


def person(c: Canvas, plan: ScenePlan, x: float, y: float, height: float) -> None:
    """A person whose feet are at (x, y): standing, walking or seated (on a rock)."""
    pose = plan.reading.pose
    own = plan.reading.subject_colours.get("person")
    clothes = silhouette_colour(plan, own, CLOTHES[int(c.rng.integers(0, len(CLOTHES)))])
    legs = silhouette_colour(plan, None, (45, 45, 55))
    skin = silhouette_colour(plan, None, SKIN[int(c.rng.integers(0, len(SKIN)))])
    h = height
    facing = 1.0 if c.rng.random() < 0.5 else -1.0
    if pose == "seated":
        seat = Mask(c)
        seat.ellipse((x, y - 0.15 * h), (0.22 * h, 0.16 * h))  # a rock to sit on
        seat.paint(silhouette_colour(plan, None, (78, 72, 66)))
        hip_y, shoulder_y = y - 0.36 * h, y - 0.7 * h
        lower = Mask(c)
        knee = (x + facing * 0.22 * h, hip_y - 0.02 * h)
        lower.line((x, hip_y), knee, 0.075 * h)
        lower.line(knee, (x + facing * 0.25 * h, y), 0.065 * h)
        lower.paint(legs)
    else:
        hip_y, shoulder_y = y - 0.5 * h, y - 0.82 * h
        stride = 0.16 * h if pose == "walking" else 0.03 * h
        lower = Mask(c)
        lower.line((x - 0.03 * h, hip_y), (x - stride, y - 0.02 * h), 0.075 * h)
        lower.line((x + 0.03 * h, hip_y), (x + stride, y - 0.02 * h), 0.075 * h)
        lower.paint(legs)
    body = Mask(c)
    body.polygon(
        [
            (x - 0.12 * h, shoulder_y),
            (x + 0.12 * h, shoulder_y),
            (x + 0.1 * h, hip_y + 0.03 * h),
            (x - 0.1 * h, hip_y + 0.03 * h),
        ]
    )
    swing = 0.12 * h if pose == "walking" else 0.02 * h
    reach = facing * 0.2 * h if pose == "seated" else 0.0
    arm_end_y = hip_y - (0.08 * h if pose == "seated" else 0.02 * h)
    body.line((x - 0.11 * h, shoulder_y + 0.03 * h), (x - swing + reach, arm_end_y), 0.06 * h)
    body.line((x + 0.11 * h, shoulder_y + 0.03 * h), (x + swing + reach, arm_end_y), 0.06 * h)
    body.paint(clothes)
    head = Mask(c)
    head.ellipse((x, shoulder_y - 0.1 * h), (0.065 * h, 0.075 * h))
    head.paint(skin)


def animals(c: Canvas, plan: ScenePlan, near: tuple[float, float] | None) -> None:
    """Every dog, cat and horse the prompt names, beside the person when there is one."""
    kinds = [k for k in ("horse", "dog", "cat") if k in plan.elements]
    for index, kind in enumerate(kinds):
        depth = float(c.rng.uniform(0.6, 0.8))
        if near is not None:
            person_size = size_at(c, plan, depth)
            x = near[0] + (1 + index) * person_size * (0.6 if kind != "horse" else 0.9)
            y = near[1] + (index + 1) * 0.02 * c.h
        else:
            x = _spot(c, plan, depth)
            y = ground_y(c, plan, depth)
        x = min(c.w * 0.92, x)
        count = plan.reading.count(kind, 2, 2, c.rng)
        for n in range(count):
            size = size_at(c, plan, depth) * (1.0 - 0.15 * n)
            x_n = x + n * size * (1.2 if kind == "horse" else 0.6)
            {"dog": dog, "cat": cat, "horse": horse}[kind](c, plan, x_n, y, size)


def _coat(c: Canvas, plan: ScenePlan, kind: str) -> RGB:
    return silhouette_colour(plan, plan.reading.subject_colours.get(kind), COATS[kind])


def dog(c: Canvas, plan: ScenePlan, x: float, y: float, person: float) -> None:
    """A dog standing, nose to the right; `person` is a person's height at that depth."""
    s = person * 0.7  # the shapes below are drawn for a large dog
    m = Mask(c)
    m.ellipse((x, y - 0.27 * s), (0.2 * s, 0.085 * s))  # body
    for dx in (-0.15, -0.1, 0.12, 0.17):
        m.line((x + dx * s, y - 0.25 * s), (x + dx * s, y), 0.045 * s)
    m.line((x + 0.15 * s, y - 0.3 * s), (x + 0.23 * s, y - 0.42 * s), 0.08 * s)  # neck
    m.ellipse((x + 0.25 * s, y - 0.44 * s), (0.065 * s, 0.055 * s))  # head
    m.ellipse((x + 0.32 * s, y - 0.42 * s), (0.045 * s, 0.028 * s))  # snout
    m.polygon(
        [(x + 0.2 * s, y - 0.47 * s), (x + 0.23 * s, y - 0.55 * s), (x + 0.26 * s, y - 0.47 * s)]
    )
    m.line((x - 0.19 * s, y - 0.3 * s), (x - 0.3 * s, y - 0.42 * s), 0.03 * s)  # tail
    m.paint(_coat(c, plan, "dog"))


def cat(c: Canvas, plan: ScenePlan, x: float, y: float, person: float) -> None:
    """A cat sitting upright, its tail curled on the ground."""
    s = person
    m = Mask(c)
    m.ellipse((x, y - 0.1 * s), (0.07 * s, 0.1 * s))  # body
    m.ellipse((x + 0.01 * s, y - 0.22 * s), (0.045 * s, 0.04 * s))  # head
    for side in (-1, 1):
        ear_x = x + 0.01 * s + side * 0.03 * s
        m.polygon(
            [
                (ear_x - 0.018 * s, y - 0.24 * s),
                (ear_x, y - 0.29 * s),
                (ear_x + 0.018 * s, y - 0.24 * s),
            ]
        )
    m.line((x - 0.05 * s, y - 0.01 * s), (x - 0.15 * s, y - 0.02 * s), 0.025 * s)
    m.line((x - 0.15 * s, y - 0.02 * s), (x - 0.18 * s, y - 0.07 * s), 0.025 * s)
    m.paint(_coat(c, plan, "cat"))


def horse(c: Canvas, plan: ScenePlan, x: float, y: float, person: float) -> None:
    """A horse standing side on, head up to the right."""
    s = person
    m = Mask(c)
    m.ellipse((x, y - 0.62 * s), (0.36 * s, 0.15 * s))  # barrel
    for dx, lift in ((-0.27, 0.0), (-0.2, 0.02), (0.2, 0.0), (0.27, 0.03)):
        m.line((x + dx * s, y - 0.58 * s), (x + dx * s, y - lift * s), 0.065 * s)
    m.polygon(
        [
            (x + 0.2 * s, y - 0.7 * s),
            (x + 0.38 * s, y - 1.05 * s),
            (x + 0.47 * s, y - 1.0 * s),
            (x + 0.36 * s, y - 0.58 * s),
        ]
    )  # neck
    m.ellipse((x + 0.5 * s, y - 0.98 * s), (0.13 * s, 0.055 * s), angle=35)  # head
    m.polygon(
        [(x + 0.38 * s, y - 1.06 * s), (x + 0.4 * s, y - 1.14 * s), (x + 0.43 * s, y - 1.05 * s)]
    )
    m.line((x - 0.35 * s, y - 0.68 * s), (x - 0.45 * s, y - 0.35 * s), 0.06 * s)  # tail
    m.paint(_coat(c, plan, "horse"))


def birds(c: Canvas, plan: ScenePlan) -> None:
    """A bird, or a loose flock, gliding in the sky: curved V strokes, nearer ones larger."""
    count = plan.reading.count("bird", 5, 9, c.rng)
    horizon = plan.horizon * c.h
    centre_x = float(c.rng.uniform(0.3, 0.7)) * c.w
    centre_y = float(c.rng.uniform(0.15, 0.35)) * horizon + 0.05 * c.h
    colour = silhouette_colour(plan, plan.reading.subject_colours.get("bird"), (40, 40, 48))
    m = Mask(c)
    for _ in range(count):
        span = float(c.rng.uniform(0.018, 0.04)) * c.w * (1.6 if count == 1 else 1.0)
        x = centre_x + float(c.rng.normal(0, 0.12)) * c.w * (count > 1)
        y = centre_y + float(c.rng.normal(0, 0.06)) * c.h * (count > 1)
        flap = float(c.rng.uniform(0.15, 0.45))
        thick = max(1.0, span * 0.09)
        for side in (-1, 1):
            tip = (x + side * span, y - flap * span)
            elbow = (x + side * span * 0.45, y - flap * span * 1.1)
            m.line((x, y), elbow, thick)
            m.line(elbow, tip, thick * 0.8)
    m.paint(colour)
