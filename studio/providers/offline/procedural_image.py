"""The offline sketch engine: a procedural picture from a prompt, a mood, a palette and a seed.

It is not an AI model and does not pretend to be one. It reads keywords from the prompt (sea,
forest, night, city, fire, mountain, lighthouse, a person, a boat, a car, birds, a house, trees, a
dog, a cat, a horse, a bridge, a road, flowers...; see scene_words.py) and paints fitting elements
with layered gradients, silhouettes, noise texture and vignette lighting; the mood sets contrast,
saturation and brightness; colour words (the prompt's and the palette's) tint the sky and the land,
and one just before a subject ("a red boat") colours it. Words naming something it cannot paint
are reported (`unpainted_report`), never silently replaced. The same inputs give the same bytes of
PNG, so a graph re-renders identically.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from studio.providers.offline import object_painters as objects
from studio.providers.offline import scene_painters as paint
from studio.providers.offline import subject_painters as subjects
from studio.providers.offline.colours import RGB, parse_palette
from studio.providers.offline.scene_words import MOODS, PromptReading, read_prompt, report

MAX_SIDE = 4096

# Mood → (contrast, saturation, brightness).
MOOD_GRADE: dict[str, tuple[float, float, float]] = {
    "calm": (0.85, 0.85, 1.02),
    "tense": (1.35, 0.7, 0.9),
    "joyful": (1.1, 1.3, 1.08),
    "dark": (1.25, 0.8, 0.68),
}
SKIES: dict[str, tuple[RGB, RGB, RGB]] = {  # top, middle, horizon
    "day": ((60, 115, 195), (120, 170, 225), (200, 220, 235)),
    "dusk": ((35, 45, 105), (140, 80, 125), (250, 165, 85)),
    "night": ((4, 7, 22), (14, 22, 52), (36, 48, 90)),
    "dawn": ((85, 115, 175), (190, 160, 185), (250, 200, 160)),
}


@dataclass
class ScenePlan:
    """What to paint, decided from the words and the seed before a single pixel is drawn."""

    elements: set[str]
    time: str
    grade: tuple[float, float, float]
    palette: list[RGB]
    sky: tuple[RGB, RGB, RGB]
    horizon: float  # 0 top .. 1 bottom
    light_x: float
    style: set[str] = field(default_factory=set)
    land: RGB = (40, 60, 45)
    water: RGB = (20, 60, 100)
    reading: PromptReading = field(default_factory=PromptReading)
    fallback: str | None = None  # the landscape painted when the prompt named nothing known


def _words(text: str) -> set[str]:
    words = set(re.findall(r"[a-z]+", text.lower()))
    return words | {w[:-1] for w in words if w.endswith("s") and len(w) > 3}


def _matches(words: set[str], text: str, vocabulary: tuple[str, ...]) -> int:
    return sum(1 for v in vocabulary if (v in words if " " not in v else v in text.lower()))


def seed_from(*parts: object) -> int:
    """A stable 64-bit seed from any parts (Python's hash() is salted per process)."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "little")


# Subjects that need water under them, or land to stand on.
ON_WATER = {"boat"}
ON_LAND = {"person", "car", "dog", "cat", "horse", "house", "tree", "road", "field", "flowers"}
LANDSCAPES = {"sea", "mountain", "forest", "city", "desert", "space", "field", "road", "house"}


def plan_scene(
    prompt: str, *, mood: str = "", palette: str = "", style: str = "", seed: int = 0
) -> ScenePlan:
    """Read the prompt's keywords, mood and palette into a ScenePlan (composition from the hash)."""
    text = f"{prompt} {style}"
    words = _words(text)
    rng = np.random.default_rng(seed_from("plan", sorted(words), seed))
    reading = read_prompt(prompt, style)
    elements = set(reading.elements)
    time = reading.time
    mood_words = _words(mood) | (words & {w for v in MOODS.values() for w in v})
    weights = {name: _matches(mood_words, mood, vocab) for name, vocab in MOODS.items()}
    grade = _blend_grade(weights)
    # The prompt's own colour words come first: "a red boat at dusk" is a red picture.
    colours = reading.colours + (parse_palette(palette) if palette.strip() else [])
    if elements & ON_WATER:
        elements.add("sea")  # a boat floats on something
    if "car" in elements and not elements & {"city", "road"}:
        elements.add("road")
    fallback = None
    if not elements & (LANDSCAPES | ON_LAND | {"cliff", "lighthouse", "bridge"}):
        # Nothing to stand on: a landscape (chosen by the words' hash), and the report says so.
        fallback = ("mountain", "sea", "forest")[int(rng.integers(0, 3))]
        elements.add(fallback)
    sky = SKIES[time]
    if colours:
        sky = _tint_sky(sky, colours, time)
    plan = ScenePlan(
        elements=elements,
        time=time,
        grade=grade,
        palette=colours,
        sky=sky,
        horizon=float(rng.uniform(0.52, 0.68)),
        light_x=float(rng.uniform(0.2, 0.8)),
        style=_words(style) | words,
        reading=reading,
        fallback=fallback,
    )
    plan.land = _land_colour(plan, rng)
    plan.water = _mix(plan.sky[0], (10, 40, 70), 0.5) if time != "night" else (8, 14, 30)
    return plan


def unpainted_report(prompt: str, *, style: str = "", seed: int = 0) -> str | None:
    """The warning for a prompt naming things the painter cannot paint, or None: "no painter
    for: dragon; painted sea, night"."""
    plan = plan_scene(prompt, style=style, seed=seed)
    return report(plan.reading, plan.fallback)


def _blend_grade(weights: dict[str, int]) -> tuple[float, float, float]:
    total = sum(weights.values())
    if total == 0:
        return (1.0, 1.0, 1.0)
    contrast = saturation = brightness = 0.0
    for name, weight in weights.items():
        c, s, b = MOOD_GRADE[name]
        contrast += c * weight / total
        saturation += s * weight / total
        brightness += b * weight / total
    return (contrast, saturation, brightness)


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=True))  # type: ignore[return-value]


def _tint_sky(sky: tuple[RGB, RGB, RGB], colours: list[RGB], time: str) -> tuple[RGB, RGB, RGB]:
    top_colour = min(colours, key=sum)
    warm = max(colours, key=lambda c: c[0] - c[2])
    strength = 0.55 if time != "night" else 0.3
    top = _mix(sky[0], top_colour, strength)
    horizon = _mix(sky[2], warm if len(colours) > 1 else colours[0], strength)
    middle = _mix(_mix(top, horizon, 0.5), sky[1], 0.5)
    return (top, middle, horizon)


def _land_colour(plan: ScenePlan, rng: np.random.Generator) -> RGB:
    if "desert" in plan.elements:
        base: RGB = (200, 160, 105)
    elif "snow" in plan.elements:
        base = (200, 210, 225)
    elif "forest" in plan.elements:
        base = (35, 75, 45)
    else:
        base = (60, 75, 70)
    if plan.palette:
        darkest = min(plan.palette, key=sum)
        base = _mix(base, darkest, 0.4)
    if plan.time == "night":
        base = _mix(base, (5, 8, 20), 0.7)
    elif plan.time == "dusk":
        base = _mix(base, (40, 25, 50), 0.45)
    jitter = rng.integers(-8, 9, size=3)
    return tuple(int(np.clip(c + j, 0, 255)) for c, j in zip(base, jitter, strict=True))  # type: ignore[return-value]


def render(
    prompt: str,
    *,
    width: int = 1024,
    height: int = 1024,
    seed: int = 0,
    mood: str = "",
    palette: str = "",
    style: str = "",
) -> np.ndarray:
    """Paint the picture: an (height, width, 3) uint8 RGB array, the same for the same inputs."""
    if not (16 <= width <= MAX_SIDE and 16 <= height <= MAX_SIDE):
        raise ValueError(f"image size must be 16..{MAX_SIDE} pixels a side, got {width}×{height}")
    plan = plan_scene(prompt, mood=mood, palette=palette, style=style, seed=seed)
    canvas = paint.Canvas(width, height, np.random.default_rng(0))
    elements = plan.elements

    def step(painter: Any, *args: Any, **kwargs: Any) -> Any:
        # Each painter draws from its own random stream, so adding a subject to a prompt does
        # not reshuffle everything painted after it (the same sea with or without a boat).
        name = f"{painter.__module__}.{painter.__name__}"
        canvas.rng = np.random.default_rng(
            seed_from("paint", name, prompt, mood, palette, style, seed)
        )
        return painter(canvas, plan, *args, **kwargs)

    step(paint.sky)
    if plan.time == "night" or "space" in elements:
        step(paint.stars)
    step(paint.light_source)
    step(paint.clouds)
    if "bird" in elements:
        step(subjects.birds)
    if elements & {"mountain", "desert", "forest"}:
        step(paint.ridges)
    if "sea" in elements:
        step(paint.sea)
        if elements & ON_LAND:  # people, animals, houses and cars need a shore to stand on
            elements.add("shore")
            step(objects.shore)
    else:
        step(paint.ground)
    if elements & {"field", "flowers"} and "sea" not in elements:
        step(objects.field)
    if "road" in elements and "sea" not in elements:
        step(objects.road)
    if "city" in elements:
        step(paint.city)
    if "bridge" in elements:
        step(objects.bridge)
    if "house" in elements:
        step(objects.houses)
    if "forest" in elements:
        step(paint.trees)
    if "tree" in elements:
        step(objects.trees)
    if "lighthouse" in elements or "cliff" in elements:
        step(paint.cliff, lighthouse="lighthouse" in elements)
    if "boat" in elements:
        step(objects.boats)
    if "car" in elements:
        step(objects.car)
    standing = step(subjects.people) if "person" in elements else None
    if elements & {"dog", "cat", "horse"}:
        step(subjects.animals, standing)
    if "flowers" in elements:
        step(objects.flowers)
    if "fire" in elements:
        step(paint.fire)
    if "rain" in elements:
        step(paint.rain)
    if "snow" in elements:
        step(paint.snow)
    step(paint.grade)
    step(paint.texture_and_vignette)
    return canvas.to_uint8()


def write_png(image: np.ndarray, path: Path) -> Path:
    """Write an RGB uint8 array as PNG (deterministic bytes: no timestamps, fixed compression)."""
    ok, data = cv2.imencode(
        ".png", np.ascontiguousarray(image[:, :, ::-1]), [cv2.IMWRITE_PNG_COMPRESSION, 1]
    )
    if not ok:
        raise OSError(f"could not encode {path.name} as PNG")
    from studio.atomic import write_bytes_atomic

    write_bytes_atomic(Path(path), data.tobytes())
    return Path(path)


def render_png(path: Path, prompt: str, **options: object) -> Path:
    """Render and write the picture to `path`; options as for `render`."""
    return write_png(render(prompt, **options), path)  # type: ignore[arg-type]
