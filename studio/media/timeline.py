"""The compositor: ordered clips + narration + music + captions -> one MP4, streamed.

Every frame is made, captioned and handed to the encoder before the next is made, so memory stays
flat for any length. Frames are I420 (h*3/2, w) arrays throughout: Ken Burns warps the planes,
video clips decode straight to yuv420p, crossfades blend the planes and captions blend into the
planes; no per-frame RGB conversion anywhere.

Reframing: with `reframe` set (follow, center, blur_fill, anchor:X,Y; see media.reframe), every
clip whose aspect differs from the output's is cropped by a window that follows its subject
(or as the mode says) instead of the plain centred `fit`; `clip_reframe` overrides it clip by
clip. Captions sit inside the safe area of the output's shape (media.captions.safe_area_for).

Layout: clip i occupies frames [start_i, start_i + length_i); with crossfades the next clip starts
`overlap` frames before the previous one ends, and the two are blended across those frames.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studio.media.errors import MediaError, stop_check

if TYPE_CHECKING:
    import numpy as np

    from studio.media.captions import Cue
    from studio.media.segments import Parts

RESOLUTION_PRESETS: dict[str, tuple[int, int]] = {
    "1920x1080": (1920, 1080),
    "1080x1920": (1080, 1920),
    "1080x1080": (1080, 1080),
    "1280x720": (1280, 720),
}
FPS_CHOICES = (24, 25, 30, 60)
TRANSITIONS = ("cut", "crossfade")
IMAGE_MOTIONS = ("ken_burns", "still")
# Images get these motions in turn, so consecutive stills do not all move the same way.
MOTION_CYCLE = ("zoom_in", "pan_right", "zoom_out", "pan_left")
NARRATION_TAIL = 0.5  # seconds held after the last word, so it is not cut off

Progress = Callable[[float | None, str], Any]


@dataclass(frozen=True)
class Clip:
    """One visual clip: a still picture or a video file."""

    path: Path
    kind: str  # "image" or "video"
    digest: str = ""  # sha256 of the file when the caller knows it (an artifact's digest)


@dataclass(frozen=True)
class TimelineSettings:
    width: int = 1920
    height: int = 1080
    fps: int = 30
    clip_duration: float = 5.0  # seconds per clip, unless fitted to the narration
    fit_to_narration: bool = False
    fit: str = "cover"  # cover (crop to fill) or contain (black bars)
    transition: str = "crossfade"
    transition_seconds: float = 0.75
    image_motion: str = "ken_burns"
    motion_strength: float = 0.4
    music_volume_db: float = -8.0
    music_fade_in: float = 1.0
    music_fade_out: float = 2.0
    duck_db: float = -12.0
    burn_captions: bool = True
    quality: str = "standard"
    loudness: str = "online_video"  # a delivery in media.loudness.DELIVERY_TARGETS
    # How clips of another aspect are fitted: "off" (the plain `fit`), "follow" (a window that
    # follows faces or the salient region), "center", "blur_fill" or "anchor:X,Y".
    reframe: str = "off"
    clip_reframe: tuple[str, ...] = ()  # per clip (clip 1 first): a mode, or "" for `reframe`
    # What a version's picture track and soundtrack are made in (media.containers): "mp4"
    # (H.264, AAC) or "webm" (VP9, Opus), so joining them into the version copies packets.
    container: str = "mp4"

    def reframe_of(self, index: int) -> str:
        """The reframing of clip `index` (0-based): its own override, else the format's."""
        if index < len(self.clip_reframe) and self.clip_reframe[index].strip():
            return self.clip_reframe[index]
        return self.reframe


@dataclass
class TimelineResult:
    path: Path
    width: int
    height: int
    fps: int
    frames: int
    duration: float
    cues: list[Cue] = field(default_factory=list)
    srt: str = ""
    notes: list[str] = field(default_factory=list)  # adjustments the user should hear about
    warnings: list[str] = field(default_factory=list)  # degraded-but-usable: for ctx.warn
    loudness_lufs: float | None = None  # the soundtrack's integrated loudness, as measured
    target_lufs: float | None = None
    delivered: dict[str, Any] | None = None  # the encoded sound, as measured (with true peak)
    sound_kept: bool = False  # the sound was taken from the part store, not made again
    segments: int = 0  # the picture's segments (smart render) ...
    segments_encoded: int = 0  # ... and how many were encoded now, not reused


@dataclass(frozen=True)
class Slot:
    start: int  # first frame
    length: int  # frames


# -- planning --------------------------------------------------------------------------------------
def plan_slots(
    count: int, settings: TimelineSettings, narration_seconds: float | None
) -> tuple[list[Slot], int, list[str]]:
    """Where each clip sits in frames, the total frame count, and notes about adjustments."""
    notes: list[str] = []
    if count == 0:
        raise MediaError("the timeline has no clips: connect at least one image or video")
    fps = settings.fps
    overlap = 0
    if settings.transition == "crossfade" and count > 1:
        overlap = max(0, round(settings.transition_seconds * fps))
    if settings.fit_to_narration and narration_seconds is not None and narration_seconds > 0:
        total = max(1, math.ceil((narration_seconds + NARRATION_TAIL) * fps))
        # Clips share the narration's length; crossfades overlap, so clips get that much extra.
        lengths = _split_evenly(total + (count - 1) * overlap, count)
        if overlap and overlap > min(lengths) // 2:
            overlap = min(lengths) // 2
            notes.append(f"crossfades shortened to {overlap / fps:.2f} s to fit the clips")
            lengths = _split_evenly(total + (count - 1) * overlap, count)
    else:
        if settings.fit_to_narration and narration_seconds is None:
            notes.append("no narration connected: each clip lasts clip_duration")
        elif settings.fit_to_narration:
            notes.append("the narration is 0 seconds long: each clip lasts clip_duration")
        if not settings.clip_duration > 0:
            raise MediaError(
                f"clip duration must be more than 0 seconds, got {settings.clip_duration}"
            )
        length = max(1, round(settings.clip_duration * fps))
        if overlap > length // 2:
            overlap = length // 2
            notes.append(f"crossfades shortened to {overlap / fps:.2f} s to fit the clips")
        lengths = [length] * count
    slots, start = [], 0
    for length in lengths:
        slots.append(Slot(start, length))
        start += length - overlap
    total = slots[-1].start + slots[-1].length
    return slots, total, notes


def _split_evenly(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


# -- clip frames -----------------------------------------------------------------------------------
def clip_frames(
    clip: Clip,
    index: int,
    length: int,
    settings: TimelineSettings,
    width: int,
    height: int,
    warnings: list[str] | None = None,
    offset: int = 0,
) -> Generator[np.ndarray, None, None]:
    """Exactly `length - offset` fresh I420 frames of one clip at the output size and rate:
    its frames offset..length-1 (`offset` > 0 when an export re-makes a segment inside it).

    A video shorter than its slot holds its last frame; a longer one is cut. Damaged frames of
    a video (skipped, the one before holds) are told in `warnings`.
    """
    mode = settings.reframe_of(index)
    if clip.kind == "image":
        from studio.media.kenburns import ken_burns_frames, load_rgb

        rgb = load_rgb(clip.path)
        if mode != "off":
            from studio.media.reframe import reframe_still

            rgb = reframe_still(rgb, width / height, mode)
        if settings.image_motion == "still":
            frames = ken_burns_frames(
                rgb, width=width, height=height, frames=1, strength=0.0, fit=settings.fit
            )
            still = next(frames)
            for _ in range(offset, length):
                yield still.copy()
            return
        yield from ken_burns_frames(
            rgb,
            width=width,
            height=height,
            frames=length,
            motion=clip_motion(index),
            strength=settings.motion_strength,
            easing="ease_in_out",
            fit=settings.fit,
            first=offset,
        )
        return
    if clip.kind != "video":
        raise MediaError(f"a timeline clip must be an image or a video, not {clip.kind!r}")

    def decoded(skip: int) -> Generator[np.ndarray, None, None]:
        return _video_frames(clip, length, settings, mode, width, height, warnings, skip)

    last = None
    produced = offset
    frames = decoded(offset)
    try:
        for frame in frames:
            if produced == length:
                break
            last = frame
            produced += 1
            yield frame
    finally:
        frames.close()
    if last is None and offset:  # the segment lies in the held end of a short video
        frames = decoded(0)
        try:
            for last in frames:  # noqa: B007 - the last frame decoded is the one that holds
                pass
        finally:
            frames.close()
    if last is None:
        raise MediaError(f"{clip.path.name} has no frames to show")
    while produced < length:
        produced += 1
        yield last.copy()


def _video_frames(
    clip: Clip,
    length: int,
    settings: TimelineSettings,
    mode: str,
    width: int,
    height: int,
    warnings: list[str] | None,
    skip: int = 0,
) -> Generator[np.ndarray, None, None]:
    """A video clip's frames at the output size: reframed when its aspect differs and a
    reframing is set, else fitted as `settings.fit` says; the first `skip` left out."""
    from studio.media.video_io import iter_frames

    if mode != "off":
        from studio.media.reframe import reframe_plan, reframed_frames, same_aspect, source_size

        src_w, src_h = source_size(clip.path)
        if not same_aspect(src_w, src_h, width / height):
            plan = reframe_plan(
                clip.path, width / height, mode, fps=settings.fps, max_frames=length
            )
            if warnings is not None:
                warnings.extend(plan.warnings)
            return reframed_frames(
                clip.path, plan, width, height, fps=settings.fps, warnings=warnings, skip=skip
            )
    return iter_frames(
        clip.path,
        width=width,
        height=height,
        fps=settings.fps,
        fit=settings.fit,
        pixel_format="yuv420p",
        warnings=warnings,
        skip=skip,
    )


def clip_motion(index: int) -> str:
    """The Ken Burns move of the still at place `index`."""
    return MOTION_CYCLE[index % len(MOTION_CYCLE)]


def timeline_frames(
    clips: Sequence[Clip],
    slots: Sequence[Slot],
    total: int,
    settings: TimelineSettings,
    cues: Sequence[Cue] = (),
    width: int | None = None,
    height: int | None = None,
    warnings: list[str] | None = None,
    start: int = 0,
    stop: int | None = None,
) -> Iterator[np.ndarray]:
    """The timeline's I420 frames start..stop-1 in order: clips, crossfades, burned captions."""
    import cv2

    width = width or settings.width
    height = height or settings.height
    stop = total if stop is None else min(stop, total)
    burner = None
    if cues and settings.burn_captions:
        from studio.media.captions import CaptionBurner

        burner = CaptionBurner(width, height)
    from studio.media.captions import cue_at

    open_sources: dict[int, Generator[np.ndarray, None, None]] = {}
    # Clips that ended before `start` are never opened; one under way is opened part-way in.
    next_clip = 0
    while next_clip < len(slots) and slots[next_clip].start + slots[next_clip].length <= start:
        next_clip += 1
    cue_hint = 0
    try:
        for g in range(start, stop):
            while next_clip < len(slots) and slots[next_clip].start <= g:
                slot = slots[next_clip]
                open_sources[next_clip] = clip_frames(
                    clips[next_clip],
                    next_clip,
                    slot.length,
                    settings,
                    width,
                    height,
                    warnings,
                    offset=g - slot.start,
                )
                next_clip += 1
            active = sorted(open_sources)
            frames = [next(open_sources[i]) for i in active]
            if len(frames) == 1:
                frame = frames[0]
            else:  # a crossfade: the later clip fades in over the earlier one
                a, b = active[-2], active[-1]
                frame = cv2.addWeighted(
                    frames[-2],
                    1.0 - crossfade_alpha(slots, a, b, g),
                    frames[-1],
                    crossfade_alpha(slots, a, b, g),
                    0.0,
                )
            for i in active:
                if g + 1 >= slots[i].start + slots[i].length:
                    open_sources.pop(i).close()
            if burner is not None:
                cue, cue_hint = cue_at(cues, g / settings.fps, cue_hint)
                if cue is not None:
                    burner.burn(frame, cue.text)
            yield frame
    finally:
        for source in open_sources.values():
            source.close()


def crossfade_alpha(slots: Sequence[Slot], a: int, b: int, g: int) -> float:
    """How far clip `b` has faded in over clip `a` at frame `g`."""
    overlap = slots[a].start + slots[a].length - slots[b].start
    return (g - slots[b].start + 1) / (overlap + 1)


# -- rendering -------------------------------------------------------------------------------------
def render_timeline(
    clips: Sequence[Clip],
    out: Path,
    *,
    settings: TimelineSettings,
    narration: Path | None = None,
    music: Path | None = None,
    captions_text: str | None = None,
    narration_sentences: Sequence[Sequence[Any]] | None = None,
    scratch: Path | None = None,
    parts: Parts | None = None,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> TimelineResult:
    """Render the timeline to an MP4 (H.264 + AAC) at `out`, atomically.

    `narration_sentences`, [(start, end, text), ...] as the speech engine measured them, time the
    captions exactly; without them, or for a caption text that is not the narration's, captions
    follow the narration's loudness.

    The picture is made in segments (`media.picture`): with `parts` (the engine's part store),
    a segment whose content is already there is reused and only changed ones are encoded; the
    file is assembled by stream copy with the soundtrack encoded whole.

    Raises MediaError for bad input (no clips, a broken file, a bad duration) and Cancelled when
    `should_stop()` turns true; no file is left at `out` in either case.
    """
    from studio.media.captions import to_srt
    from studio.media.encode import even_size
    from studio.media.loudness import delivery_target
    from studio.media.picture import picture_segments, render_picture
    from studio.media.segments import assemble
    from studio.media.sound import mix_and_time

    check_settings(settings)
    target = delivery_target(settings.loudness)
    width, height, size_note = even_size(settings.width, settings.height)
    notes = [size_note] if size_note else []
    out = Path(out)
    scratch = Path(scratch) if scratch is not None else out.parent

    check = stop_check(should_stop)

    def report(fraction: float | None, message: str) -> None:
        if progress is not None:
            progress(fraction, message)

    narration_seconds = None
    if narration is not None:
        from studio.media.audio_io import audio_duration

        narration_seconds = audio_duration(Path(narration))
    slots, total, plan_notes = plan_slots(len(clips), settings, narration_seconds)
    notes += plan_notes
    duration = total / settings.fps
    report(0.0, "mixing the soundtrack")
    from studio.media.audio_feed import samples_at

    made_here: list[Path] = []
    try:
        sound = mix_and_time(
            scratch,
            duration=duration,
            samples=samples_at(total, Fraction(settings.fps)),
            settings=settings,
            narration=narration,
            music=music,
            captions_text=captions_text,
            narration_sentences=narration_sentences,
            parts=parts,
            progress=lambda f: report(0.1 * f, "mixing the soundtrack"),
            check=check,
        )
        made_here += sound.made_here
        notes += sound.notes
        warnings = list(sound.warnings)
        cues = sound.cues
        segments = picture_segments(
            clips, slots, total, settings, cues, width, height, keyed=parts is not None
        )
        pictures = render_picture(
            segments,
            clips,
            slots,
            total,
            settings,
            cues,
            width,
            height,
            scratch=scratch,
            parts=parts,
            warnings=warnings,
            check=check,
            progress=lambda f, m: report(None if f is None else 0.1 + 0.85 * f, m),
        )
        made_here += pictures.made_here
        report(0.95, "joining the segments")
        assemble(
            segments,
            pictures.paths,
            out,
            fps=settings.fps,
            encoded_audio=sound.path,
            quality=settings.quality,
            check=check,
            format=settings.container,
        )
    finally:
        for path in made_here:
            path.unlink(missing_ok=True)
    report(1.0, "done")
    return TimelineResult(
        path=out,
        width=width,
        height=height,
        fps=settings.fps,
        frames=total,
        duration=duration,
        cues=list(cues),
        srt=to_srt(cues),
        notes=notes,
        warnings=warnings,
        loudness_lufs=sound.loudness_lufs,
        target_lufs=target.lufs,
        delivered=sound.delivered,
        sound_kept=sound.kept,
        segments=len(segments),
        segments_encoded=pictures.encoded,
    )


def check_settings(settings: TimelineSettings) -> None:
    if settings.fps <= 0 or settings.fps > 120:
        raise MediaError(f"frame rate must be between 1 and 120, got {settings.fps}")
    if settings.transition not in TRANSITIONS:
        raise MediaError(
            f"unknown transition {settings.transition!r} (known: {', '.join(TRANSITIONS)})"
        )
    if settings.image_motion not in IMAGE_MOTIONS:
        raise MediaError(
            f"unknown image motion {settings.image_motion!r} (known: {', '.join(IMAGE_MOTIONS)})"
        )
    if settings.fit not in ("cover", "contain"):
        raise MediaError(f"unknown fit {settings.fit!r} (known: cover, contain)")
    from studio.media.containers import TRACK_CONTAINERS

    if settings.container not in TRACK_CONTAINERS:
        raise MediaError(
            f"unknown track container {settings.container!r} (known: {', '.join(TRACK_CONTAINERS)})"
        )
    from studio.media.reframe import ReframeMode

    for index, mode in enumerate((settings.reframe, *settings.clip_reframe)):
        try:
            ReframeMode.parse(mode or "off")
        except MediaError as exc:
            where = f"clip {index}" if index else "the timeline"
            raise MediaError(f"{where}: {exc}") from None
    if settings.transition_seconds < 0:
        raise MediaError("transition seconds cannot be negative")
    if settings.width > 7680 or settings.height > 7680:
        raise MediaError(f"{settings.width}x{settings.height} is larger than the 7680-pixel limit")
