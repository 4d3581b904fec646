"""Reading media for analysis: small RGB frames of pictures and clips, mono samples of sound."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

# Frames are analysed small: mood and motion live in the large shapes, and a 160 px frame
# decodes, converts and compares a hundred times faster than a full HD one.
FRAME_WIDTH = 160
FRAME_HEIGHT = 90
FRAMES_PER_SECOND = 4.0
SAMPLE_RATE = 16_000


def still_frame(path: Path, width: int = FRAME_WIDTH, height: int = FRAME_HEIGHT) -> np.ndarray:
    """A picture as one RGB uint8 array (height, width, 3), fitted by covering."""
    import numpy as np
    from PIL import Image, ImageOps

    with Image.open(path) as opened:
        upright = ImageOps.exif_transpose(opened).convert("RGB")
        fitted = ImageOps.fit(upright, (width, height), Image.Resampling.BILINEAR)
        return np.asarray(fitted, dtype=np.uint8).copy()


def clip_frames(
    path: Path,
    *,
    fps: float = FRAMES_PER_SECOND,
    width: int = FRAME_WIDTH,
    height: int = FRAME_HEIGHT,
    warnings: list[str] | None = None,
) -> list[np.ndarray]:
    """A video's frames at `fps` (RGB uint8, small), in order; damage is told in `warnings`."""
    from studio.media.video_io import iter_frames

    return list(iter_frames(path, width=width, height=height, fps=fps, warnings=warnings))


def mono(path: Path, rate: int = SAMPLE_RATE, warnings: list[str] | None = None) -> np.ndarray:
    """A sound file (or a video's sound) as float32 mono samples at `rate` ([] when silent)."""
    import numpy as np

    from studio.media.audio_io import iter_audio

    chunks = [
        c.reshape(-1) for c in iter_audio(path, sample_rate=rate, channels=1, warnings=warnings)
    ]
    if not chunks:
        return np.zeros(0, dtype=np.float32)
    return np.ascontiguousarray(np.concatenate(chunks), dtype=np.float32)
