"""A timeline's picture track as segments (smart render), named by what each one shows.

`picture_segments` cuts the timeline where clips and crossfades begin and end (and every few
seconds, see `media.segments`) and gives every segment a key made of exactly what its frames
depend on: the clips on screen (by content digest, never by file name), where the segment sits
inside each of them, the look settings, the frame size and rate, and the captions burned into it
frame by frame. An edit changes the keys of the segments it touches and no others, so
`render_picture` encodes only those again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studio.media.segments import Parts, Segment, SegmentReport, cut_points, segment_key

if TYPE_CHECKING:
    import numpy as np

    from studio.media.captions import Cue
    from studio.media.timeline import Clip, Slot, TimelineSettings

# Bump when captions or clips would look different for the same inputs (layout, font, motion,
# the reframing camera): kept segments made by the older code are then made again.
PICTURE_LOOK = 1


def clip_digest(clip: Clip) -> str:
    """The clip's content digest: given by the caller (the artifact's), else read from the file."""
    if clip.digest:
        return clip.digest
    import hashlib

    digest = hashlib.sha256()
    with open(clip.path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def picture_segments(
    clips: Sequence[Clip],
    slots: Sequence[Slot],
    total: int,
    settings: TimelineSettings,
    cues: Sequence[Cue],
    width: int,
    height: int,
    *,
    keyed: bool = True,
    hold: int = 0,
) -> list[Segment]:
    """The picture's segments in order, each with its content key (empty when not `keyed`).

    With `hold`, the picture goes on for that many frames after the edit's end, holding its
    last frame (a narration longer than the edit, in a version's language); captions go on.
    """
    boundaries = [b for slot in slots for b in (slot.start, slot.start + slot.length)]
    ranges = cut_points(total + hold, boundaries, settings.fps)
    if not keyed:
        return [Segment(a, b) for a, b in ranges]
    from studio.media.segments import encoder_identity

    identity = encoder_identity(settings.container, settings.quality)
    digests = [clip_digest(clip) for clip in clips]
    look = {
        "look": PICTURE_LOOK,
        "size": [width, height],
        "fps": settings.fps,
        "fit": settings.fit,
        "image_motion": settings.image_motion,
        "motion_strength": settings.motion_strength,
    }
    captions = _caption_runs(cues, total + hold, settings.fps) if settings.burn_captions else []
    font = _caption_font() if captions else None

    def entry(index: int, start: int) -> dict[str, Any]:
        return {
            "digest": digests[index],
            "kind": clips[index].kind,
            "place": index,  # the Ken Burns move follows the place
            "reframe": settings.reframe_of(index),
            "from": start - slots[index].start,  # where the segment starts inside the clip
            "length": slots[index].length,
        }

    segments = []
    for a, b in ranges:
        on_screen = [
            entry(index, a)
            for index, slot in enumerate(slots)
            if slot.start < b and slot.start + slot.length > a
        ]
        if a >= total:  # the held end: the edit's last frame, still
            last = max(range(len(slots)), key=lambda i: slots[i].start + slots[i].length)
            on_screen = [{**entry(last, total - 1), "held": True}]
        shown = [[max(s, a) - a, min(e, b) - a, text] for s, e, text in captions if s < b and e > a]
        payload = {
            **look,
            "frames": b - a,
            "clips": on_screen,
            "captions": shown,
            "font": font if shown else None,
        }
        segments.append(Segment(a, b, segment_key(payload, identity)))
    return segments


def _caption_runs(cues: Sequence[Cue], total: int, fps: int) -> list[tuple[int, int, str]]:
    """[first frame, end frame, text] of each caption as the burner shows it (frame-exact)."""
    from studio.media.captions import cue_at

    runs: list[tuple[int, int, str]] = []
    hint = 0
    current: Cue | None = None
    begun = 0
    for g in range(total):
        cue, hint = cue_at(cues, g / fps, hint)
        if cue is not current:
            if current is not None:
                runs.append((begun, g, current.text))
            current, begun = cue, g
    if current is not None:
        runs.append((begun, total, current.text))
    return runs


def _caption_font() -> str:
    from studio.media.captions import find_font

    font = find_font()
    return font.name if font is not None else "pillow-default"


def render_picture(
    segments: Sequence[Segment],
    clips: Sequence[Clip],
    slots: Sequence[Slot],
    total: int,
    settings: TimelineSettings,
    cues: Sequence[Cue],
    width: int,
    height: int,
    *,
    scratch: Path,
    parts: Parts | None,
    warnings: list[str] | None,
    check: Callable[[], None] | None = None,
    progress: Callable[[float | None, str], Any] | None = None,
) -> SegmentReport:
    """Encode the segments that `parts` does not hold yet; returns every segment's file.

    Segments past `total` (see `picture_segments`'s hold) show the edit's last frame, still,
    with the captions of their time burned in.
    """
    from studio.media.segments import encode_segments
    from studio.media.timeline import timeline_frames

    def frames_for(start: int, stop: int) -> Iterator[np.ndarray]:
        if start < total:
            yield from timeline_frames(
                clips,
                slots,
                total,
                settings,
                cues,
                width,
                height,
                warnings,
                start=start,
                stop=min(stop, total),
            )
        if stop <= total:
            return
        last = next(
            timeline_frames(clips, slots, total, settings, (), width, height, start=total - 1)
        )
        burner = None
        if cues and settings.burn_captions:
            from studio.media.captions import CaptionBurner

            burner = CaptionBurner(width, height)
        from studio.media.captions import cue_at

        hint = 0
        for g in range(max(start, total), stop):
            frame = last.copy()
            cue, hint = cue_at(cues, g / settings.fps, hint)
            if burner is not None and cue is not None:
                burner.burn(frame, cue.text)
            yield frame

    return encode_segments(
        segments,
        frames_for,
        width=width,
        height=height,
        fps=settings.fps,
        quality=settings.quality,
        scratch=scratch,
        parts=parts,
        check=check,
        progress=progress,
        format=settings.container,
    )
