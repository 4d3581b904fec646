"""Colour words both ways: palette words → RGB (for the sketch engine), RGB → words (for describe).

The table is small on purpose: common words a brief uses ("deep blue, amber"), with modifiers
("deep", "pale", "bright", "muted"). A word the table does not know still gets a stable colour from
its hash, so "palette: zorblax" is deterministic rather than an error.
"""

from __future__ import annotations

import colorsys
import hashlib
import re

RGB = tuple[int, int, int]

NAMED_COLOURS: dict[str, RGB] = {
    "red": (200, 30, 35),
    "crimson": (170, 20, 50),
    "scarlet": (230, 40, 20),
    "burgundy": (110, 20, 40),
    "maroon": (120, 25, 30),
    "rust": (170, 75, 35),
    "coral": (245, 120, 95),
    "salmon": (240, 140, 115),
    "peach": (250, 190, 150),
    "orange": (240, 130, 30),
    "amber": (250, 175, 40),
    "gold": (230, 185, 60),
    "golden": (230, 185, 60),
    "ochre": (200, 140, 50),
    "yellow": (245, 220, 60),
    "lemon": (250, 240, 110),
    "cream": (245, 235, 205),
    "ivory": (250, 245, 230),
    "beige": (220, 200, 165),
    "sand": (215, 190, 140),
    "tan": (200, 165, 120),
    "brown": (120, 75, 40),
    "sepia": (140, 100, 60),
    "copper": (185, 105, 60),
    "bronze": (170, 120, 55),
    "khaki": (190, 180, 120),
    "olive": (120, 125, 45),
    "lime": (170, 220, 60),
    "green": (50, 150, 70),
    "forest green": (35, 90, 45),
    "emerald": (30, 150, 95),
    "mint": (160, 230, 190),
    "sage": (150, 170, 130),
    "teal": (30, 125, 125),
    "turquoise": (60, 200, 190),
    "aqua": (80, 210, 220),
    "cyan": (40, 200, 230),
    "sky blue": (120, 180, 235),
    "azure": (60, 140, 230),
    "cerulean": (40, 120, 190),
    "blue": (40, 90, 200),
    "cobalt": (30, 70, 170),
    "navy": (20, 30, 90),
    "midnight": (15, 20, 55),
    "indigo": (60, 40, 130),
    "slate": (95, 110, 130),
    "violet": (140, 80, 200),
    "purple": (120, 50, 150),
    "plum": (120, 60, 110),
    "lavender": (190, 170, 230),
    "mauve": (180, 130, 170),
    "magenta": (210, 40, 160),
    "pink": (240, 150, 180),
    "rose": (220, 100, 130),
    "white": (245, 245, 245),
    "silver": (190, 195, 200),
    "grey": (128, 128, 128),
    "gray": (128, 128, 128),
    "charcoal": (55, 58, 62),
    "black": (15, 15, 18),
}

# Modifier → (value factor, saturation factor, mix with white).
MODIFIERS: dict[str, tuple[float, float, float]] = {
    "deep": (0.62, 1.1, 0.0),
    "dark": (0.5, 1.0, 0.0),
    "light": (1.1, 0.75, 0.3),
    "pale": (1.1, 0.5, 0.45),
    "pastel": (1.1, 0.55, 0.4),
    "soft": (1.05, 0.75, 0.2),
    "bright": (1.15, 1.25, 0.0),
    "vivid": (1.1, 1.35, 0.0),
    "neon": (1.2, 1.5, 0.0),
    "muted": (0.9, 0.55, 0.0),
    "dusty": (0.9, 0.5, 0.1),
    "warm": (1.0, 1.05, 0.0),
    "cool": (1.0, 0.95, 0.0),
}

_MULTI_WORD = sorted((n for n in NAMED_COLOURS if " " in n), key=len, reverse=True)


def hash_colour(word: str) -> RGB:
    """A stable, pleasant colour for a word the table does not know."""
    digest = hashlib.sha256(word.encode("utf-8")).digest()
    hue = digest[0] / 255.0
    sat = 0.45 + digest[1] / 255.0 * 0.35
    val = 0.55 + digest[2] / 255.0 * 0.35
    r, g, b = colorsys.hsv_to_rgb(hue, sat, val)
    return (round(r * 255), round(g * 255), round(b * 255))


def _apply_modifiers(rgb: RGB, modifiers: list[str]) -> RGB:
    r, g, b = (c / 255.0 for c in rgb)
    h, s, v = colorsys.rgb_to_hsv(r, g, b)
    white = 0.0
    for word in modifiers:
        fv, fs, fw = MODIFIERS[word]
        v, s, white = min(1.0, v * fv), min(1.0, s * fs), max(white, fw)
        if word == "warm":
            h = (h + (0.08 - h) * 0.15) % 1.0
        elif word == "cool":
            h = (h + (0.6 - h) * 0.15) % 1.0
    r, g, b = colorsys.hsv_to_rgb(h, s, v)
    return tuple(round(255 * (c * (1 - white) + white)) for c in (r, g, b))  # type: ignore[return-value]


def colour_from_phrase(phrase: str) -> RGB | None:
    """One palette phrase ("deep blue", "sky blue", "amber") → RGB, or None if it has no words."""
    text = phrase.lower().strip()
    words = re.findall(r"[a-z]+", text)
    if not words:
        return None
    base: RGB | None = None
    for name in _MULTI_WORD:
        if name in text:
            base = NAMED_COLOURS[name]
            text = text.replace(name, " ")
            break
    rest = re.findall(r"[a-z]+", text)
    modifiers = [w for w in rest if w in MODIFIERS]
    if base is None:
        names = [w for w in rest if w in NAMED_COLOURS or w.removesuffix("ish") in NAMED_COLOURS]
        if names:
            base = NAMED_COLOURS[
                names[-1] if names[-1] in NAMED_COLOURS else names[-1].removesuffix("ish")
            ]
        else:
            unknown = [w for w in rest if w not in MODIFIERS]
            if not unknown:
                return None
            base = hash_colour(" ".join(unknown))
    return _apply_modifiers(base, modifiers)


def parse_palette(text: str) -> list[RGB]:
    """A palette text ("deep blue, amber and cream") → its colours, in order."""
    phrases = re.split(r",|;|/|\band\b|\bwith\b|\+", text.lower())
    colours = []
    for phrase in phrases:
        rgb = colour_from_phrase(phrase)
        if rgb is not None:
            colours.append(rgb)
    return colours


def name_colour(rgb: tuple[float, float, float]) -> str:
    """Words for a colour, as a person would say them: "dark blue", "pale orange", "near-black"."""
    r, g, b = (min(1.0, max(0.0, c / 255.0)) for c in rgb)
    h, s, v = colorsys.rgb_to_hsv(r, g, b)
    hue = h * 360.0
    if v < 0.12:
        return "black"
    if s < 0.15 or (v < 0.3 and s < 0.3):
        if v < 0.3:
            return "near-black"
        if v < 0.55:
            return "dark grey"
        if v < 0.8:
            return "grey"
        return "light grey" if v < 0.93 else "white"
    if hue < 15 or hue >= 345:
        base = "red"
    elif hue < 40:
        base = "orange"
    elif hue < 65:
        base = "yellow"
    elif hue < 80:
        base = "yellow-green"
    elif hue < 160:
        base = "green"
    elif hue < 195:
        base = "teal" if v < 0.6 else "cyan"
    elif hue < 250:
        base = "blue"
    elif hue < 290:
        base = "purple"
    else:
        base = "magenta" if s > 0.6 else "pink"
    if base in ("orange", "red", "yellow") and v < 0.6 and s > 0.3:
        if base != "red" or v < 0.35:
            return "dark brown" if v < 0.35 else "brown"
    if base in ("red", "magenta") and s < 0.5 and v > 0.7:
        base = "pink"
    if base == "orange" and s < 0.45 and v > 0.75:
        return "beige" if s < 0.3 else "peach"
    if v < 0.35:
        return f"very dark {base}"
    if v < 0.6:
        return f"dark {base}"
    if s < 0.4 and v > 0.75:
        return f"pale {base}"
    if v > 0.85 and s < 0.6:
        return f"light {base}"
    return base


def hue_temperature(rgb: tuple[float, float, float]) -> float:
    """Warm (> 0) or cool (< 0) in -1..1, weighted by saturation: red/orange warm, blue cool."""
    r, g, b = (c / 255.0 for c in rgb)
    h, s, v = colorsys.rgb_to_hsv(r, g, b)
    hue = h * 360.0
    # Distance on the hue circle from the warmest hue (30°) mapped to +1..-1 at 210°.
    distance = min(abs(hue - 30.0), 360.0 - abs(hue - 30.0))
    return (1.0 - distance / 90.0) * s * min(1.0, v * 2)
