"""The pieces of a piece's versions, each made once and shared: picture, soundtrack, delivery.

A deliverables node expands into ordinary nodes (studio.engine.versions): one picture track per
format (and per language when captions are burned in), one soundtrack per language and loudness,
and one delivery per version that joins them. These are their media functions:

- `render_picture_track`: the timeline's picture alone, at one size, made in segments
  (media.picture), so formats and languages share every segment that shows the same thing.
- `make_soundtrack`: narration over music at a loudness target, and the captions timed to it.
- `deliver_version`: a picture and a soundtrack joined by stream copy into the version's file
  (MP4; WebM and GIF are encoded from it), the picture held on its last frame when a narration
  runs longer, with .srt and .vtt subtitles beside it.

Every edit is timed by the piece's own narration (the timeline's), so the picture of a format is
the same in every language; a translation that runs longer holds the last picture until it ends.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

from studio.media.errors import MediaError, stop_check
from studio.media.timeline import NARRATION_TAIL, Clip, TimelineSettings, plan_slots

Progress = Callable[[float | None, str], Any] | None


def _seconds(path: Path | None) -> float | None:
    if path is None:
        return None
    from studio.media.audio_io import audio_duration

    return audio_duration(Path(path))


def version_frames(
    clip_count: int, settings: TimelineSettings, narration: Path | None, voice: Path | None
) -> tuple[int, int]:
    """(the edit's frames, the version's frames): a version's narration (`voice`) that runs
    past the edit lengthens the version, when the edit is fitted to the narration."""
    _, total, _ = plan_slots(clip_count, settings, _seconds(narration))
    if voice is None or not settings.fit_to_narration:
        return total, total
    voice_seconds = _seconds(voice) or 0.0
    needed = math.ceil((voice_seconds + NARRATION_TAIL) * settings.fps)
    return total, max(total, needed)


def render_picture_track(
    clips: Sequence[Clip],
    out: Path,
    *,
    settings: TimelineSettings,
    narration: Path | None = None,
    voice: Path | None = None,
    subtitles: str | None = None,
    scratch: Path,
    parts: Any = None,
    progress: Progress = None,
    should_stop: Callable[[], bool] | None = None,
) -> dict[str, Any]:
    """The timeline's picture (no sound) at the settings' size at `out`: H.264 in an MP4, or
    VP9 in a WebM for `settings.container == "webm"`.

    `narration` times the edit; with `voice` (a version's narration) the picture holds its last
    frame until that narration ends; `subtitles` (SubRip text) are burned in when the settings
    say so. Returns frames, edit_frames, duration, width, height, fps, segments,
    segments_encoded, notes and warnings.
    """
    from studio.media.encode import even_size
    from studio.media.picture import picture_segments, render_picture
    from studio.media.segments import assemble
    from studio.media.subtitles import parse_srt
    from studio.media.timeline import check_settings

    check_settings(settings)
    check = stop_check(should_stop)
    width, height, size_note = even_size(settings.width, settings.height)
    slots, total, notes = plan_slots(len(clips), settings, _seconds(narration))
    _, frames = version_frames(len(clips), settings, narration, voice)
    if size_note:
        notes.insert(0, size_note)
    cues = parse_srt(subtitles) if subtitles and settings.burn_captions else []
    warnings: list[str] = []
    if cues:
        from studio.media.captions import caption_font_warning

        font_warning = caption_font_warning()
        if font_warning:
            warnings.append(font_warning)
    segments = picture_segments(
        clips,
        slots,
        total,
        settings,
        cues,
        width,
        height,
        keyed=parts is not None,
        hold=frames - total,
    )
    made = render_picture(
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
        progress=None if progress is None else lambda f, m: progress(f and 0.95 * f, m),
    )
    try:
        assemble(
            segments,
            made.paths,
            out,
            fps=settings.fps,
            quality=settings.quality,
            check=check,
            format=settings.container,
        )
    finally:
        for path in made.made_here:
            path.unlink(missing_ok=True)
    if frames > total:
        notes.append(
            f"the narration runs {(frames - total) / settings.fps:.1f} s past the edit: the last "
            "picture holds until it ends"
        )
    return {
        "frames": frames,
        "edit_frames": total,
        "duration": frames / settings.fps,
        "width": width,
        "height": height,
        "fps": settings.fps,
        "segments": len(segments),
        "segments_encoded": made.encoded,
        "notes": notes,
        "warnings": warnings,
    }


def make_soundtrack(
    out: Path,
    *,
    clip_count: int,
    settings: TimelineSettings,
    scratch: Path,
    parts: Any = None,
    narration: Path | None = None,
    voice: Path | None = None,
    music: Path | None = None,
    captions_text: str | None = None,
    voice_sentences: Sequence[Sequence[Any]] | None = None,
    progress: Progress = None,
    should_stop: Callable[[], bool] | None = None,
) -> dict[str, Any]:
    """A version's soundtrack, encoded whole (AAC in an audio-only MP4, or Opus in an audio-only
    WebM for `settings.container == "webm"`, copied to `out`), and its captions.

    `narration` (the timeline's) times the edit; `voice` is the version's narration (the same
    when None), laid from the start and timing the captions by its `voice_sentences`. Returns
    frames, duration, srt, cues, notes, warnings, loudness_lufs (the mix), delivered (the
    encoded sound as measured, true peak included) and target_lufs.
    """
    import shutil

    from studio.media.audio_feed import samples_at
    from studio.media.captions import to_srt
    from studio.media.loudness import delivery_target
    from studio.media.sound import mix_and_time
    from studio.media.subtitles import cues_to_meta
    from studio.media.timeline import check_settings

    check_settings(settings)
    if clip_count < 1:
        raise MediaError("the timeline has no clips: its soundtrack has no length")
    spoken = voice if voice is not None else narration
    _, frames = version_frames(clip_count, settings, narration, spoken)
    duration = frames / settings.fps
    sound = mix_and_time(
        Path(scratch),
        duration=duration,
        samples=samples_at(frames, Fraction(settings.fps)),
        settings=settings,
        narration=spoken,
        music=music,
        captions_text=captions_text,
        narration_sentences=voice_sentences,
        parts=parts,
        progress=None if progress is None else lambda f: progress(f, "mixing the soundtrack"),
        check=stop_check(should_stop),
    )
    try:
        shutil.copyfile(sound.path, out)
    finally:
        for path in sound.made_here:
            path.unlink(missing_ok=True)
    return {
        "frames": frames,
        "duration": duration,
        "srt": to_srt(sound.cues),
        "cues": cues_to_meta(sound.cues),
        "notes": sound.notes,
        "warnings": sound.warnings,
        "loudness_lufs": sound.loudness_lufs,
        "delivered": sound.delivered,
        "target_lufs": delivery_target(settings.loudness).lufs,
    }


def deliver_version(
    picture: Path,
    target: Path,
    *,
    sound: Path | None,
    sound_frames: int | None = None,
    sound_loudness: dict[str, Any] | None = None,
    subtitles: str | None = None,
    container: str = "mp4",
    quality: str = "standard",
    scratch: Path,
    parts: Any = None,
    progress: Progress = None,
    should_stop: Callable[[], bool] | None = None,
) -> dict[str, Any]:
    """Join a picture track and a soundtrack into the version's file at `target`, atomically.

    When the tracks are in the version's codecs (an H.264 picture and AAC sound for MP4, VP9
    and Opus for WebM: made with that `container`), their packets are copied: nothing is
    encoded, and the sound is the very one measured as `sound_loudness`. Otherwise (a GIF, or
    tracks made for another container) the joined tracks are encoded into the container. When
    the sound is longer (`sound_frames`), the picture holds its last frame to the end.
    Subtitles (SubRip text) are written beside the file as .srt and .vtt. Returns path, width,
    height, frames, duration, held, reencoded, subtitles (the files), loudness (as measured
    from the file) and notes.
    """
    from studio.media.export import _write, measure_delivered
    from studio.media.segments import Segment, assemble
    from studio.media.subtitles import parse_srt, write_subtitles
    from studio.media.video_io import probe_video

    check = stop_check(should_stop)
    picture, target, scratch = Path(picture), Path(target), Path(scratch)
    info = probe_video(picture)
    tracks = _track_container(info.codec, sound)
    copied = tracks == container
    fps = info.fps
    frames = info.frames or round(info.duration * float(fps))
    held = max(0, (sound_frames or 0) - frames)
    segments = [Segment(0, frames)]
    paths = [picture]
    made_here: list[Path] = []
    try:
        if held:
            tail, made_here = _held_tail(
                picture, frames, held, info, quality, scratch, parts, tracks
            )
            segments.append(Segment(frames, frames + held))
            paths.append(tail)
        joined = target if copied else scratch / f".{target.stem}.joined.{tracks}"
        if progress is not None:
            progress(0.1, f"joining {target.name}")
        assemble(
            segments,
            paths,
            joined,
            fps=fps,
            encoded_audio=sound,
            quality=quality,
            check=check,
            format=tracks,
        )
        reencoded = False
        if not copied:
            try:
                _write(
                    joined,
                    target,
                    format=container,
                    quality=quality,
                    source_quality=None,
                    progress=progress,
                    should_stop=should_stop,
                )
            finally:
                joined.unlink(missing_ok=True)
            reencoded = True
    finally:
        for path in made_here:
            path.unlink(missing_ok=True)
    written = write_subtitles(target, parse_srt(subtitles)) if subtitles else []
    final = probe_video(target)
    notes = []
    if held:
        notes.append(
            f"the narration runs {held / float(fps):.1f} s past the picture: its last frame "
            "holds until the sound ends"
        )
    return {
        "path": target,
        "width": final.width,
        "height": final.height,
        "frames": final.frames,
        "duration": final.duration,
        "held": held,
        "reencoded": reencoded,
        "subtitles": written,
        # Copied packets are the very ones that were measured; anything re-encoded is measured.
        "loudness": (
            sound_loudness
            if copied and sound_loudness is not None
            else measure_delivered(target, progress, should_stop)
        ),
        "notes": notes,
    }


def _track_container(video_codec: str, sound: Path | None) -> str:
    """The container a picture (by its codec) and a soundtrack were made for: "webm" for VP9
    (with Opus sound), else "mp4". A sound of the other kind is a MediaError."""
    tracks = "webm" if video_codec == "vp9" else "mp4"
    if sound is not None:
        from studio.media.audio_io import audio_codec

        wanted = {"mp4": "aac", "webm": "opus"}[tracks]
        found = audio_codec(Path(sound))
        if found != wanted:
            raise MediaError(
                f"the soundtrack is {found} but the picture is {video_codec}: both must be made "
                f"for the same container ({wanted} sound with a {video_codec} picture)"
            )
    return tracks


def _held_tail(
    picture: Path,
    frames: int,
    held: int,
    info: Any,
    quality: str,
    scratch: Path,
    parts: Any,
    tracks: str,
) -> tuple[Path, list[Path]]:
    """A segment of `held` frames showing the picture's last frame, encoded like the picture
    (`tracks`: its container); kept in `parts` by key."""
    from itertools import repeat

    from studio.digest import file_sha256
    from studio.media.segments import Segment, encode_segments, encoder_identity, segment_key
    from studio.media.video_io import iter_frames

    from_picture = file_sha256(picture) if parts is not None else ""
    key = ""
    if parts is not None:
        key = segment_key(
            {"held_from": from_picture, "frames": held, "size": [info.width, info.height]},
            encoder_identity(tracks, quality),
        )
    last = None
    for last in iter_frames(picture, pixel_format="yuv420p", skip=max(0, frames - 1)):  # noqa: B007
        pass
    if last is None:
        raise MediaError(f"{picture.name} has no frame to hold")
    still = last
    report = encode_segments(
        [Segment(frames, frames + held, key)],
        lambda start, stop: (still.copy() for _ in repeat(None, stop - start)),
        width=info.width,
        height=info.height,
        fps=info.fps,
        quality=quality,
        scratch=scratch,
        parts=parts,
        format=tracks,
    )
    return report.paths[0], report.made_here
