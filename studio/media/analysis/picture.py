"""The mood of pictures, measured: brightness, warmth, saturation, contrast, motion.

Mapped to valence (sad .. happy, -1..1) and energy (calm .. lively, -1..1) by a stated rule in
the spirit of Valdez & Mehrabian (1994): brighter, warmer and more saturated colours read as
more pleasant; saturation, contrast and motion as more arousing. Frames are small RGB arrays
(`sources.still_frame`, `sources.clip_frames`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

# Mean absolute change between frames (0..1 of full scale) that counts as "fast": a hard cut
# changes about a quarter of the range; a slow Ken Burns move a hundredth.
FAST_MOTION = 0.08
# A still picture in a timeline moves with a gentle Ken Burns pan or zoom.
KEN_BURNS_MOTION = 0.006


@dataclass(frozen=True)
class PictureMood:
    brightness: float  # mean luma, 0..1 (Rec. 709 weights)
    warmth: float  # red against blue, -1 (cold blue) .. 1 (warm red-orange)
    saturation: float  # mean HSV saturation, 0..1
    contrast: float  # RMS contrast: the standard deviation of luma, 0..0.5
    motion: float  # mean absolute change between frames a quarter second apart, 0..1
    valence: float
    energy: float
    words: list[str] = field(default_factory=list)
    still: bool = False  # a still picture (its motion is the timeline's gentle pan or zoom)

    def numbers(self) -> dict[str, Any]:
        return {
            "brightness": round(self.brightness, 3),
            "warmth": round(self.warmth, 3),
            "saturation": round(self.saturation, 3),
            "contrast": round(self.contrast, 3),
            "motion": round(self.motion, 4),
            "valence": round(self.valence, 2),
            "energy": round(self.energy, 2),
        }

    def describe(self) -> str:
        """One line of numbers and words: "bright (0.62), warm (+0.21), ... → valence +0.4"."""
        return (
            f"{', '.join(self.words)} — brightness {self.brightness:.2f}, warmth "
            f"{self.warmth:+.2f}, saturation {self.saturation:.2f}, contrast {self.contrast:.2f}, "
            f"motion {self.motion:.3f}{' (still)' if self.still else ''}"
        )


def analyse_frames(frames: Sequence[np.ndarray], *, still: bool = False) -> PictureMood:
    """The mood of a picture (one frame) or a clip (frames in order, a quarter second apart)."""
    import numpy as np

    if not frames:
        raise ValueError("no frames to analyse")
    stack = np.stack([np.asarray(f, dtype=np.float32) / 255.0 for f in frames])
    r, g, b = stack[..., 0], stack[..., 1], stack[..., 2]
    luma = 0.2126 * r + 0.7152 * g + 0.0722 * b
    brightness = float(luma.mean())
    top = stack.max(axis=-1)
    saturation = float(
        np.where(top > 1e-3, (top - stack.min(axis=-1)) / np.maximum(top, 1e-3), 0.0).mean()
    )
    # Warmth weighs each pixel's red-blue balance by how coloured it is: grey has no warmth.
    warmth = float(np.clip((r - b).mean() * 2.0, -1.0, 1.0))
    contrast = float(np.mean([frame.std() for frame in luma]))
    if still or len(frames) < 2:
        motion = KEN_BURNS_MOTION if still else 0.0
    else:
        motion = float(np.abs(np.diff(luma, axis=0)).mean())
    valence, energy = picture_valence_energy(brightness, warmth, saturation, contrast, motion)
    words = picture_words(brightness, warmth, saturation, contrast, motion, still)
    return PictureMood(
        brightness, warmth, saturation, contrast, motion, valence, energy, words, still
    )


def picture_valence_energy(
    brightness: float, warmth: float, saturation: float, contrast: float, motion: float
) -> tuple[float, float]:
    """Valence and energy (-1..1) from the five measures.

    valence = 1.8 (brightness - 0.42) + 1.0 warmth + 0.6 (saturation - 0.3)
    energy  = 1.2 (saturation - 0.35) + 1.6 (contrast - 0.2) + 2.0 (motion / FAST - 0.3)
    """
    valence = 1.8 * (brightness - 0.42) + 1.0 * warmth + 0.6 * (saturation - 0.3)
    energy = (
        1.2 * (saturation - 0.35)
        + 1.6 * (contrast - 0.2)
        + 2.0 * (min(1.0, motion / FAST_MOTION) - 0.3)
    )
    return _clip(valence), _clip(energy)


def picture_words(
    brightness: float,
    warmth: float,
    saturation: float,
    contrast: float,
    motion: float,
    still: bool,
) -> list[str]:
    words = []
    words.append(
        "dark"
        if brightness < 0.25
        else "dim"
        if brightness < 0.4
        else "bright"
        if brightness > 0.6
        else "mid-bright"
    )
    if warmth > 0.08:
        words.append("warm")
    elif warmth < -0.08:
        words.append("cool")
    words.append("muted" if saturation < 0.2 else "vivid" if saturation > 0.5 else "coloured")
    words.append("soft" if contrast < 0.12 else "contrasty" if contrast > 0.25 else "")
    if still:
        words.append("still (gentle pan)")
    else:
        words.append(
            "still"
            if motion < 0.004
            else "slow"
            if motion < 0.03
            else "fast-cut"
            if motion > FAST_MOTION
            else "moving"
        )
    return [w for w in words if w]


def _clip(value: float) -> float:
    return max(-1.0, min(1.0, float(value)))
