"""A timeline's soundtrack and the captions timed to it, made together.

The mixer finds where the narration speaks (silence detection) while it mixes; captions without
spoken-sentence timings are laid over exactly that speech, so both come out of one pass.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from studio.media.captions import Cue
    from studio.media.timeline import TimelineSettings


@dataclass
class Sound:
    """A mixed soundtrack and the captions timed to it."""

    path: Path
    cues: list[Cue]
    notes: list[str]
    warnings: list[str]
    loudness_lufs: float | None


def mix_and_time(
    path: Path,
    *,
    duration: float,
    settings: TimelineSettings,
    narration: Path | None,
    music: Path | None,
    captions_text: str | None,
    narration_sentences: Sequence[Sequence[Any]] | None,
    progress: Callable[[float], Any] | None = None,
    check: Callable[[], None] | None = None,
) -> Sound:
    """Mix narration and music to `duration` at the settings' loudness into `path` (WAV), and time
    the captions: by the spoken sentences when given, else by the narration's loudness."""
    from studio.media.captions import cues_from_sentences, time_captions
    from studio.media.loudness import delivery_target
    from studio.media.mixing import build_soundtrack

    soundtrack = build_soundtrack(
        path,
        duration=duration,
        narration=narration,
        music=music,
        music_volume_db=settings.music_volume_db,
        fade_in=settings.music_fade_in,
        fade_out=settings.music_fade_out,
        duck_db=settings.duck_db,
        target_lufs=delivery_target(settings.loudness).lufs,
        progress=progress,
        check=check,
    )
    notes: list[str] = []
    warnings = list(soundtrack.warnings)
    cues: list[Cue] | None = None
    if captions_text and captions_text.strip():
        if narration is not None and narration_sentences:
            cues = cues_from_sentences(captions_text, narration_sentences, duration)
            if cues is None:
                notes.append(
                    "the captions are not the narration's text, so they follow the "
                    "narration's loudness rather than its spoken sentences"
                )
        if cues is None:
            segments = soundtrack.speech_segments if narration is not None else None
            cues = time_captions(captions_text, duration, segments)
    cues = cues or []
    if cues and settings.burn_captions:
        from studio.media.captions import caption_font_warning, missing_glyphs_warning

        font_warning = caption_font_warning()
        if font_warning:
            warnings.append(font_warning)
        glyphs_warning = missing_glyphs_warning([cue.text for cue in cues])
        if glyphs_warning:
            warnings.append(glyphs_warning)
    return Sound(
        path=soundtrack.path,
        cues=cues,
        notes=notes,
        warnings=warnings,
        loudness_lufs=soundtrack.loudness.integrated if soundtrack.loudness else None,
    )
