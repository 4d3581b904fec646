"""The composer's first step: from mood words (and a picture) to key, mode, tempo and band.

Mood words map to valence (sad .. happy) and energy (still .. driving); a picture adds its own
(bright and warm → happier, saturated and contrasty → livelier). The plan is made before any
sound, so it can be shown to the user and tested on its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from studio.providers.offline.procedural_image import seed_from

MODES: dict[str, tuple[int, ...]] = {
    "major": (0, 2, 4, 5, 7, 9, 11),
    "lydian": (0, 2, 4, 6, 7, 9, 11),
    "mixolydian": (0, 2, 4, 5, 7, 9, 10),
    "dorian": (0, 2, 3, 5, 7, 9, 10),
    "minor": (0, 2, 3, 5, 7, 8, 10),
    "phrygian": (0, 1, 3, 5, 7, 8, 10),
}
PROGRESSIONS: dict[str, tuple[tuple[int, ...], ...]] = {  # scale degrees, 0 = tonic
    "major": ((0, 4, 5, 3), (0, 5, 3, 4), (0, 3, 4, 3), (0, 3, 5, 4), (0, 2, 3, 4)),
    "lydian": ((0, 1, 0, 1), (0, 1, 4, 0)),
    "mixolydian": ((0, 6, 3, 0), (0, 3, 6, 3)),
    "dorian": ((0, 3, 0, 3), (0, 6, 3, 0), (0, 2, 3, 6)),
    "minor": ((0, 5, 2, 6), (0, 3, 5, 4), (0, 6, 5, 6), (0, 5, 3, 4), (0, 3, 0, 4)),
    "phrygian": ((0, 1, 0, 6), (0, 1, 5, 1)),
}
# word → (valence, energy), both -1..1.
MOOD_WORDS: dict[str, tuple[float, float]] = {
    "calm": (0.3, -0.7),
    "peaceful": (0.4, -0.7),
    "serene": (0.4, -0.8),
    "quiet": (0.1, -0.8),
    "gentle": (0.4, -0.6),
    "relaxed": (0.4, -0.6),
    "soft": (0.3, -0.6),
    "ambient": (0.1, -0.7),
    "hopeful": (0.7, -0.1),
    "warm": (0.6, -0.2),
    "romantic": (0.5, -0.3),
    "dreamy": (0.4, -0.6),
    "nostalgic": (0.0, -0.4),
    "happy": (0.9, 0.5),
    "joyful": (0.9, 0.6),
    "cheerful": (0.9, 0.5),
    "playful": (0.7, 0.5),
    "bright": (0.7, 0.3),
    "upbeat": (0.8, 0.7),
    "fun": (0.8, 0.6),
    "festive": (0.8, 0.7),
    "triumphant": (0.8, 0.8),
    "epic": (0.3, 0.8),
    "heroic": (0.6, 0.8),
    "energetic": (0.5, 0.9),
    "driving": (0.2, 0.9),
    "exciting": (0.6, 0.8),
    "action": (0.0, 0.9),
    "tense": (-0.5, 0.6),
    "suspense": (-0.5, 0.4),
    "anxious": (-0.6, 0.5),
    "urgent": (-0.3, 0.8),
    "dramatic": (-0.2, 0.6),
    "angry": (-0.7, 0.9),
    "ominous": (-0.8, 0.1),
    "eerie": (-0.6, -0.2),
    "scary": (-0.8, 0.3),
    "dark": (-0.7, -0.1),
    "mysterious": (-0.3, -0.3),
    "sad": (-0.7, -0.5),
    "melancholic": (-0.6, -0.5),
    "melancholy": (-0.6, -0.5),
    "lonely": (-0.6, -0.6),
    "somber": (-0.6, -0.5),
    "sombre": (-0.6, -0.5),
    "gloomy": (-0.7, -0.4),
    "grim": (-0.7, 0.0),
    "cinematic": (0.1, 0.3),
    "mellow": (0.3, -0.5),
    "lofi": (0.2, -0.4),
    "slow": (0.0, -0.6),
    "fast": (0.2, 0.8),
    "night": (-0.2, -0.4),
    "dusk": (0.1, -0.4),
    "sunny": (0.8, 0.3),
    "summer": (0.7, 0.4),
    "winter": (-0.2, -0.5),
    "rain": (-0.3, -0.4),
    "storm": (-0.5, 0.7),
    "sea": (0.2, -0.3),
    "fire": (0.0, 0.6),
    "city": (0.2, 0.5),
    "forest": (0.3, -0.4),
}


@dataclass
class MusicPlan:
    """Every musical decision, made before a sample is rendered (and shown in provenance)."""

    valence: float
    energy: float
    mode: str
    root: int  # MIDI note of the tonic, around C3
    tempo: float
    progression: tuple[int, ...]
    bars_per_chord: int
    instruments: tuple[str, ...]
    lead: str  # "bell", "soft" or "pluck"
    sevenths: bool
    brightness: float
    image_mood: dict[str, float] = field(default_factory=dict)

    @property
    def key_name(self) -> str:
        names = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
        return f"{names[self.root % 12]} {self.mode}"

    def summary(self) -> str:
        return (
            f"{self.key_name}, {round(self.tempo)} bpm, "
            f"{' + '.join(self.instruments)} (lead: {self.lead})"
        )


def mood_from_words(text: str) -> tuple[float, float] | None:
    """Mean (valence, energy) of the mood words in `text`, or None when none is known."""
    words = re.findall(r"[a-z]+", text.lower())
    hits = [MOOD_WORDS[w] for w in words if w in MOOD_WORDS]
    hits += [MOOD_WORDS[w[:-1]] for w in words if w.endswith("s") and w[:-1] in MOOD_WORDS]
    if not hits:
        return None
    return (float(np.mean([h[0] for h in hits])), float(np.mean([h[1] for h in hits])))


def mood_from_image(path: Path) -> dict[str, float]:
    """Brightness, saturation, contrast and warmth of a picture, and the mood they suggest."""
    from PIL import Image

    from studio.providers.offline.colours import hue_temperature

    try:
        image = Image.open(path)
    except Image.DecompressionBombError:
        raise ValueError("the picture is too large to read safely") from None
    with image:
        image.draft("RGB", (128, 128))
        small = image.convert("RGB").resize((48, 48))
    rgb = np.asarray(small, dtype=np.float32) / 255.0
    top, low = rgb.max(axis=2), rgb.min(axis=2)
    brightness = float(top.mean())
    saturation = float(np.mean((top - low) / np.maximum(top, 1e-3)))
    luma = rgb @ np.array([0.299, 0.587, 0.114], np.float32)
    contrast = float(luma.std())
    mean_colour = tuple(float(c) * 255 for c in rgb.reshape(-1, 3).mean(axis=0))
    warmth = hue_temperature(mean_colour)  # type: ignore[arg-type]
    valence = float(np.clip((brightness - 0.45) * 1.6 + warmth * 0.5, -1, 1))
    energy = float(np.clip((saturation - 0.35) * 1.4 + (contrast - 0.18) * 3.0, -1, 1))
    return {
        "brightness": round(brightness, 3),
        "saturation": round(saturation, 3),
        "contrast": round(contrast, 3),
        "warmth": round(warmth, 3),
        "valence": round(valence, 3),
        "energy": round(energy, 3),
    }


def plan_music(
    prompt: str, *, seed: int = 0, tempo: float | None = None, image: Path | None = None
) -> MusicPlan:
    """Choose key, mode, tempo, progression and band from the mood (and the picture)."""
    image_mood = mood_from_image(image) if image is not None else {}
    rng = np.random.default_rng(seed_from("music-plan", prompt, seed, sorted(image_mood.items())))
    words = mood_from_words(prompt)
    if words and image_mood:
        valence = 0.6 * words[0] + 0.4 * image_mood["valence"]
        energy = 0.6 * words[1] + 0.4 * image_mood["energy"]
    elif image_mood:
        valence, energy = image_mood["valence"], image_mood["energy"]
    elif words:
        valence, energy = words
    else:
        valence, energy = 0.3, -0.2
    dreamy = bool(re.search(r"dream|magic|float|wonder", prompt.lower()))
    if valence > 0.35:
        mode = "lydian" if dreamy else "major"
    elif valence > 0.0:
        mode = "mixolydian" if energy > 0.3 else ("lydian" if dreamy else "major")
    elif valence > -0.35:
        mode = "dorian"
    else:
        mode = "phrygian" if valence < -0.7 and energy > 0.2 else "minor"
    progressions = PROGRESSIONS[mode]
    progression = progressions[int(rng.integers(0, len(progressions)))]
    if tempo is None or tempo <= 0:
        tempo = 66.0 + 34.0 * (energy + 1.0) + float(rng.uniform(-4, 4))
    instruments = ["pad", "bass"]
    if energy > -0.75:
        instruments.append("lead")
    if energy > -0.1:
        instruments.append("arp")
    if energy > -0.35:
        instruments.append("drums")
    lead = "bell" if energy < 0.0 else ("pluck" if energy > 0.5 else "soft")
    if valence < -0.4 and energy < 0.3:
        lead = "soft"
    return MusicPlan(
        valence=round(valence, 3),
        energy=round(energy, 3),
        mode=mode,
        root=45 + int(rng.integers(0, 12)),
        tempo=float(min(200.0, max(40.0, tempo))),
        progression=progression,
        bars_per_chord=2 if energy < -0.4 else 1,
        instruments=tuple(instruments),
        lead=lead,
        sevenths=(valence < 0.5 and energy < 0.3) or dreamy,
        brightness=float(np.clip(0.6 + 0.4 * energy + 0.2 * valence, 0.2, 1.2)),
        image_mood=image_mood,
    )
