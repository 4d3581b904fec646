"""Offline image description: what can be measured, said plainly enough to follow by ear.

No vision model: the picture's size and shape, its main colours (k-means over a thumbnail, named in
words), how bright and contrasty it is, where the light sits, whether it feels warm or cool, and
the mood those usually suggest. It never guesses at objects it cannot see.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from studio.providers.offline.colours import hue_temperature, name_colour

CLUSTERS = 6
MIN_SHARE = 0.06  # colours covering less than this are not worth a listener's attention


@dataclass(frozen=True)
class ImageFacts:
    width: int
    height: int
    colours: list[tuple[str, float]]  # (name, share), largest first
    brightness: float  # 0..1
    contrast: float  # std of luminance, 0..0.5
    saturation: float  # 0..1
    warmth: float  # -1 cool .. 1 warm
    brightest: str  # "upper left" ... "centre" ... "lower right"
    top_vs_bottom: float  # brightness of the top third minus the bottom third


def _kmeans(pixels: np.ndarray, k: int, iterations: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Plain k-means with a fixed, spread-out start (k-means++ from a fixed seed): deterministic."""
    rng = np.random.default_rng(0)
    centres = [pixels[rng.integers(0, len(pixels))]]
    for _ in range(1, k):
        distance = np.min([np.sum((pixels - c) ** 2, axis=1) for c in centres], axis=0)
        if distance.sum() == 0:
            break
        centres.append(pixels[rng.choice(len(pixels), p=distance / distance.sum())])
    centre_array = np.array(centres, dtype=np.float32)
    labels = np.zeros(len(pixels), dtype=np.int64)
    for _ in range(iterations):
        distances = ((pixels[:, None, :] - centre_array[None, :, :]) ** 2).sum(axis=2)
        labels = distances.argmin(axis=1)
        for i in range(len(centre_array)):
            members = pixels[labels == i]
            if len(members):
                centre_array[i] = members.mean(axis=0)
    return centre_array, labels


def analyse(path: Path) -> ImageFacts:
    """Measure the picture (reads at most a small thumbnail's worth of pixels)."""
    from PIL import Image, ImageOps

    try:
        image = Image.open(path)
    except Image.DecompressionBombError:
        raise ValueError("the picture is too large to read safely") from None
    with image:
        width, height = image.size
        if image.getexif().get(0x0112) in (5, 6, 7, 8):  # EXIF says: shown turned a quarter
            width, height = height, width
        image.draft("RGB", (256, 256))
        picture = ImageOps.exif_transpose(image).convert("RGB")
        picture.thumbnail((96, 96))
    rgb = np.asarray(picture, dtype=np.float32)
    pixels = rgb.reshape(-1, 3)
    centres, labels = _kmeans(pixels, min(CLUSTERS, len(pixels)))
    shares: dict[str, float] = {}
    for i, centre in enumerate(centres):
        share = float(np.mean(labels == i))
        name = name_colour(tuple(centre))
        shares[name] = shares.get(name, 0.0) + share
    colours = sorted(shares.items(), key=lambda item: -item[1])
    luma = rgb @ np.array([0.299, 0.587, 0.114], np.float32) / 255.0
    top_, low_ = rgb.max(axis=2), rgb.min(axis=2)
    # Chroma rather than HSV saturation: near-black pixels would otherwise count as "vivid".
    saturation = float(np.mean(top_ - low_) / 255.0)
    # Luma alone calls pure red "dark"; half of it is the brightest channel, closer to the eye.
    lightness = 0.5 * luma + 0.5 * top_ / 255.0
    warmth = float(
        sum(hue_temperature(tuple(c)) * float(np.mean(labels == i)) for i, c in enumerate(centres))
    )
    h, w = luma.shape
    grid = [
        [
            luma[r * h // 3 : (r + 1) * h // 3, c * w // 3 : (c + 1) * w // 3].mean()
            for c in range(3)
        ]
        for r in range(3)
    ]
    row, col = np.unravel_index(int(np.argmax(grid)), (3, 3))
    brightest = (
        ("top left", "top", "top right"),
        ("left", "centre", "right"),
        ("bottom left", "bottom", "bottom right"),
    )[row][col]
    return ImageFacts(
        width=width,
        height=height,
        colours=colours,
        brightness=float(lightness.mean()),
        contrast=float(luma.std()),
        saturation=saturation,
        warmth=warmth,
        brightest=brightest,
        top_vs_bottom=float(np.mean(grid[0]) - np.mean(grid[2])),
    )


def _shape(width: int, height: int) -> str:
    ratio = width / height
    if abs(ratio - 1.0) < 0.03:
        return "square"
    known = {
        16 / 9: "16:9",
        9 / 16: "9:16",
        4 / 3: "4:3",
        3 / 4: "3:4",
        3 / 2: "3:2",
        2 / 3: "2:3",
        21 / 9: "21:9",
    }
    label = next((name for value, name in known.items() if abs(ratio - value) < 0.02), "")
    kind = "landscape (wider than tall)" if ratio > 1 else "portrait (taller than wide)"
    return f"{kind}, {label}" if label else kind


def _level(value: float, words: tuple[str, ...], bounds: tuple[float, ...]) -> str:
    for word, bound in zip(words, bounds, strict=False):
        if value < bound:
            return word
    return words[-1]


def mood_words(facts: ImageFacts) -> list[str]:
    """Words for the feeling that light and colour usually carry."""
    words = []
    if facts.brightness < 0.3:
        words.append("mysterious" if facts.contrast < 0.18 else "dramatic")
    elif facts.brightness > 0.62:
        words.append("airy" if facts.contrast < 0.15 else "lively")
    else:
        words.append("balanced")
    if facts.warmth > 0.15:
        words.append("warm" if facts.saturation < 0.35 else "energetic")
    elif facts.warmth < -0.15:
        words.append("calm" if facts.brightness > 0.3 else "cold")
    if facts.saturation < 0.08:
        words.append("subdued")
    elif facts.saturation > 0.45:
        words.append("vivid")
    if facts.contrast > 0.28:
        words.append("tense")
    return words


def describe(path: Path) -> str:
    """A few plain sentences about the picture at `path`."""
    facts = analyse(path)
    main = [(name, share) for name, share in facts.colours if share >= MIN_SHARE][:4]
    sentences = [
        f"A {_shape(facts.width, facts.height)} picture, {facts.width} by {facts.height} pixels."
    ]
    if main:
        first, share = main[0]
        text = f"It is mostly {first} (about {round(share * 100)} percent)"
        rest = [f"{name} ({round(s * 100)} percent)" for name, s in main[1:]]
        if rest:
            text += ", with " + (
                ", ".join(rest[:-1]) + " and " + rest[-1] if len(rest) > 1 else rest[0]
            )
        sentences.append(text + ".")
    brightness = _level(
        facts.brightness,
        ("very dark", "dark", "medium bright", "bright", "very bright"),
        (0.18, 0.35, 0.6, 0.8),
    )
    contrast = _level(facts.contrast, ("low", "moderate", "high"), (0.12, 0.25))
    colour = _level(
        facts.saturation, ("muted, almost grey", "soft", "rich", "vivid"), (0.06, 0.18, 0.35)
    )
    temperature = (
        "warm"
        if facts.warmth > 0.15
        else "cool"
        if facts.warmth < -0.15
        else "neither warm nor cool"
    )
    sentences.append(
        f"Overall it is {brightness}, with {contrast} contrast and {colour} "
        f"colours that feel {temperature}."
    )
    if abs(facts.top_vs_bottom) > 0.12:
        lighter = "top" if facts.top_vs_bottom > 0 else "bottom"
        darker = "bottom" if lighter == "top" else "top"
        sentences.append(
            f"The {lighter} is lighter than the {darker}"
            f"{', like a sky above land' if lighter == 'top' else ''}; "
            f"the brightest area is at the {facts.brightest}."
        )
    elif facts.contrast > 0.05:
        sentences.append(f"The brightest area is at the {facts.brightest}.")
    sentences.append(f"Mood: {', '.join(mood_words(facts))}.")
    return " ".join(sentences)
