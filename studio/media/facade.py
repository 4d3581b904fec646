"""The media functions nodes may call, reached as `studio.api.media` (nodes import only studio.api).

Each function is a small, blocking wrapper: a node runs it off the event loop with
`await ctx.run_cpu(media.render_timeline, ...)`. Heavy libraries (av, cv2, numpy, PIL) are
imported inside the functions, so importing `studio.api` stays cheap. Errors are `MediaError`s
(a `StudioError`), which the executor reports on the node in the message's own words; a cancel
raises `Cancelled`.

Two helpers share this module: keep each group under its heading.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from studio.media.containers import TRACK_CONTAINERS, VIDEO_FORMATS
from studio.media.errors import Loaded, MediaError

__all__ = ["TRACK_CONTAINERS", "VIDEO_FORMATS", "Loaded", "MediaError"]

Progress = Callable[[float | None, str], Any] | None
ShouldStop = Callable[[], bool] | None

# -- video -----------------------------------------------------------------------------------------
MOTIONS = ("zoom_in", "zoom_out", "pan_left", "pan_right", "pan_up", "pan_down")
EASINGS = ("linear", "ease_in", "ease_out", "ease_in_out")
RESOLUTION_PRESETS = ("1920x1080", "1080x1920", "1080x1080", "1280x720")
FPS_CHOICES = ("24", "25", "30", "60")
QUALITY_PRESETS = ("draft", "standard", "high")
# How clips of another aspect are fitted (media.reframe); "anchor:X,Y" is also accepted.
REFRAME_MODES = ("follow", "center", "blur_fill", "off")
# Named loudness deliveries (media.loudness.DELIVERY_TARGETS): -14, -16 and -23 LUFS.
LOUDNESS_TARGETS = ("online_video", "podcast", "broadcast")


def preset_size(preset: str) -> tuple[int, int]:
    """Width and height of a resolution preset such as '1920x1080'."""
    from studio.media.timeline import RESOLUTION_PRESETS as sizes

    if preset not in sizes:
        raise MediaError(f"unknown resolution {preset!r} (known: {', '.join(sizes)})")
    return sizes[preset]


def render_ken_burns(
    image: Path,
    out: Path,
    *,
    duration: float,
    width: int,
    height: int,
    fps: int,
    motion: str = "zoom_in",
    strength: float = 0.5,
    easing: str = "ease_in_out",
    progress: Progress = None,
    should_stop: ShouldStop = None,
) -> Path:
    """Ken Burns pan/zoom over a still picture, written as an MP4 (see media.kenburns)."""
    from studio.media.kenburns import render_ken_burns as render

    return render(
        image,
        out,
        duration=duration,
        width=width,
        height=height,
        fps=fps,
        motion=motion,
        strength=strength,
        easing=easing,
        progress=progress,
        should_stop=should_stop,
    )


WAVEFORM_STYLES = ("spectrum", "wave")


def render_waveform(
    audio: Path,
    out: Path,
    *,
    width: int,
    height: int,
    fps: int,
    style: str = "spectrum",
    colour: str = "#4fd1c5",
    background_colour: str = "#101820",
    background: Path | None = None,
    dim: float = 0.35,
    bars: int = 48,
    progress: Progress = None,
    should_stop: ShouldStop = None,
) -> dict[str, Any]:
    """The sound drawn as a spectrum or a wave, as an MP4 with the sound (see media.waveform).
    Returns a dict: path, width, height, fps, frames, duration, warnings (damage in the sound)."""
    from dataclasses import asdict

    from studio.media.waveform import render_waveform as render

    result = render(
        Path(audio),
        Path(out),
        width=width,
        height=height,
        fps=fps,
        style=style,
        colour=colour,
        background_colour=background_colour,
        background=Path(background) if background else None,
        dim=dim,
        bars=bars,
        progress=progress,
        should_stop=should_stop,
    )
    return asdict(result)


def probe_video(path: Path) -> dict[str, Any]:
    """Validate a video and describe it as artifact metadata (display size, fps, duration...)."""
    from studio.media.video_io import probe_video as probe

    return probe(Path(path)).as_meta()


def load_video(
    source: Path, scratch: Path, *, progress: Progress = None, should_stop: ShouldStop = None
) -> Loaded:
    """Check a user's video; return a `Loaded`: the file to store, its metadata, and warnings
    for the user (a file cut short, damaged frames or sound). Copies a file that is already a
    plain H.264 MP4, transcodes anything else (see media.video_load.normalize_video)."""
    from studio.media.video_load import normalize_video

    return normalize_video(Path(source), Path(scratch), progress=progress, should_stop=should_stop)


def render_timeline(
    clips: Sequence[tuple[Path, str] | tuple[Path, str, str]],
    out: Path,
    *,
    scratch: Path,
    parts: Any = None,
    narration: Path | None = None,
    music: Path | None = None,
    captions_text: str | None = None,
    narration_sentences: Sequence[Sequence[Any]] | None = None,
    preset: str = "1920x1080",
    fps: int = 30,
    progress: Progress = None,
    should_stop: ShouldStop = None,
    **settings: Any,
) -> dict[str, Any]:
    """Render clips [(path, 'image'|'video'[, digest]), ...] + sound + captions into an MP4.

    `settings` are the fields of `media.timeline.TimelineSettings` (clip_duration,
    fit_to_narration, fit, transition, transition_seconds, music_volume_db, music_fade_in,
    music_fade_out, duck_db, burn_captions, image_motion, quality, loudness, reframe,
    clip_reframe); `clip_reframe` may be the text "2: center; 3: anchor:0.2,0.5".
    `narration_sentences` (the speech artifact's meta "sentences") time the captions exactly.
    Returns a dict: path,
    width, height, fps, frames, duration, srt (the subtitles text), notes (adjustments to tell the
    user), warnings (damage in a clip, a replaced font, a soundtrack off its target: for
    `ctx.warn`), loudness_lufs, target_lufs, cues ([[start, end, text], ...] for subtitle files),
    segments and segments_encoded, delivered_loudness (the encoded sound as measured, which an
    MP4 export copying this file delivers) and sound_kept. With `parts` (`ctx.parts`), the
    picture's segments and the encoded sound are kept there and reused when unchanged, not made
    again (smart render).
    """
    from studio.media.timeline import Clip, TimelineSettings
    from studio.media.timeline import render_timeline as render

    width, height = preset_size(preset)
    if isinstance(settings.get("clip_reframe"), str):
        from studio.media.reframe import parse_clip_reframe

        settings["clip_reframe"] = parse_clip_reframe(settings["clip_reframe"], len(clips))
    config = TimelineSettings(width=width, height=height, fps=int(fps), **settings)
    from studio.media.subtitles import cues_to_meta

    result = render(
        [Clip(Path(clip[0]), clip[1], clip[2] if len(clip) > 2 else "") for clip in clips],
        out,
        settings=config,
        parts=parts,
        narration=narration,
        music=music,
        captions_text=captions_text,
        narration_sentences=narration_sentences,
        scratch=scratch,
        progress=progress,
        should_stop=should_stop,
    )
    return {
        "path": result.path,
        "width": result.width,
        "height": result.height,
        "fps": result.fps,
        "frames": result.frames,
        "duration": result.duration,
        "srt": result.srt,
        "notes": result.notes,
        "warnings": result.warnings,
        "captions": len(result.cues),
        "cues": cues_to_meta(result.cues),
        "loudness_lufs": result.loudness_lufs,
        "target_lufs": result.target_lufs,
        "segments": result.segments,
        "segments_encoded": result.segments_encoded,
        "delivered_loudness": result.delivered,
        "sound_kept": result.sound_kept,
    }


def export_video(
    source: Path,
    target: Path,
    *,
    format: str = "mp4",
    quality: str = "standard",
    source_quality: str | None = None,
    delivered_loudness: dict[str, Any] | None = None,
    progress: Progress = None,
    should_stop: ShouldStop = None,
) -> dict[str, Any]:
    """Write `source` to the user's `target` path as MP4, WebM or GIF, atomically; the result
    says what was written (`copied`: the very bytes of `source`), with the loudness and true
    peak of the file (`delivered_loudness`, the source's as measured, for a byte copy)."""
    from studio.media.export import export_video as export

    return export(
        Path(source),
        Path(target),
        format=format,
        quality=quality,
        source_quality=source_quality,
        delivered_loudness=delivered_loudness,
        progress=progress,
        should_stop=should_stop,
    )


def write_subtitles(target: Path, cues: Any) -> list[Path]:
    """Write `target`.srt and `target`.vtt from cues [[start, end, text], ...] (a timeline's
    `cues` meta), atomically; returns the files written ([] when there are no cues)."""
    from studio.media.subtitles import cues_from_meta
    from studio.media.subtitles import write_subtitles as write

    return write(Path(target), cues_from_meta(cues))


def clone_file(source: Path, target: Path) -> Path:
    """An independent copy (a reflink where the file system offers one, never a hard link)."""
    from studio.media.export import clone_file as clone

    return clone(Path(source), Path(target))


# -- audio and stills ------------------------------------------------------------------------------
def load_image(source: Path, scratch: Path, *, max_pixels: int = 100_000_000) -> Loaded:
    """Check a user's still; return a `Loaded`: a normalised PNG to store, its metadata (width,
    height, has_alpha, source_format) and warnings (a colour profile that did not convert).
    Upright (EXIF), sRGB, RGB or RGBA; bombs, truncated and junk files raise MediaError (see
    media.images)."""
    from studio.media.images import import_image

    return import_image(Path(source), Path(scratch), max_pixels=max_pixels)


def probe_image(path: Path) -> dict[str, Any]:
    """Format, upright width and height, colour mode of a still, read from its header only."""
    from studio.media.images import probe_image as probe

    return probe(Path(path))


def load_audio(source: Path, scratch: Path, *, should_stop: ShouldStop = None) -> Loaded:
    """Check a user's audio file by decoding it; return a `Loaded`: the file to store, its
    metadata (duration, sample_rate, channels, codec, converted) and warnings (damaged packets
    replaced by silence, a file cut short). Plain audio files are kept as they are; the sound
    of a video is converted to WAV (see media.audio_io.import_audio)."""
    from studio.media.audio_io import import_audio

    return import_audio(Path(source), Path(scratch), check=_stopper(should_stop))


def audio_info(path: Path) -> dict[str, Any]:
    """Codec, sample rate, channels and the true duration (decoded, not read from a header)."""
    from studio.media.audio_io import audio_info as info

    return info(Path(path))


def _stopper(should_stop: ShouldStop) -> Callable[[], None] | None:
    """Turn a `should_stop()` flag into a check that raises Cancelled (None: nothing to check)."""
    from studio.media.errors import stop_check

    return stop_check(should_stop) if should_stop is not None else None


# -- versions (a deliverables node's pieces; see media.deliver) ----------------------------------
VERSION_CONTAINERS = VIDEO_FORMATS  # a version is written in any container Export writes


def _timeline_settings(width: int, height: int, fps: int, settings: dict[str, Any], clips: int):
    from studio.media.timeline import TimelineSettings

    settings = dict(settings)
    if isinstance(settings.get("clip_reframe"), str):
        from studio.media.reframe import parse_clip_reframe

        settings["clip_reframe"] = parse_clip_reframe(settings["clip_reframe"], clips)
    return TimelineSettings(width=int(width), height=int(height), fps=int(fps), **settings)


def render_picture_track(
    clips: Sequence[tuple[Path, str, str]],
    out: Path,
    *,
    width: int,
    height: int,
    fps: int,
    scratch: Path,
    parts: Any = None,
    narration: Path | None = None,
    voice: Path | None = None,
    subtitles: str | None = None,
    progress: Progress = None,
    should_stop: ShouldStop = None,
    **settings: Any,
) -> dict[str, Any]:
    """A timeline's picture alone (no sound) at width x height, made in segments kept in
    `parts`; `settings` as for render_timeline (the picture's: clip_duration, fit_to_narration,
    fit, transition, transition_seconds, image_motion, burn_captions, quality, reframe,
    clip_reframe) and `container` (mp4: H.264 in an MP4; webm: VP9 in a WebM). See
    media.deliver.render_picture_track."""
    from studio.media.deliver import render_picture_track as render
    from studio.media.timeline import Clip

    config = _timeline_settings(width, height, fps, settings, len(clips))
    return render(
        [Clip(Path(p), kind, digest) for p, kind, digest in clips],
        Path(out),
        settings=config,
        narration=narration,
        voice=voice,
        subtitles=subtitles,
        scratch=Path(scratch),
        parts=parts,
        progress=progress,
        should_stop=should_stop,
    )


def make_soundtrack(
    out: Path,
    *,
    clip_count: int,
    fps: int,
    scratch: Path,
    parts: Any = None,
    narration: Path | None = None,
    voice: Path | None = None,
    music: Path | None = None,
    captions_text: str | None = None,
    voice_sentences: Sequence[Sequence[Any]] | None = None,
    progress: Progress = None,
    should_stop: ShouldStop = None,
    **settings: Any,
) -> dict[str, Any]:
    """A version's soundtrack at `out` (AAC in an audio-only MP4; Opus in an audio-only WebM
    for `container="webm"`) and its captions; see media.deliver.make_soundtrack."""
    from studio.media.deliver import make_soundtrack as make

    config = _timeline_settings(16, 16, fps, settings, clip_count)
    return make(
        Path(out),
        clip_count=clip_count,
        settings=config,
        scratch=Path(scratch),
        parts=parts,
        narration=narration,
        voice=voice,
        music=music,
        captions_text=captions_text,
        voice_sentences=voice_sentences,
        progress=progress,
        should_stop=should_stop,
    )


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
    should_stop: ShouldStop = None,
) -> dict[str, Any]:
    """A picture and a soundtrack joined into a version's file, with subtitle files beside it;
    see media.deliver.deliver_version."""
    from studio.media.deliver import deliver_version as deliver

    return deliver(
        Path(picture),
        Path(target),
        sound=sound,
        sound_frames=sound_frames,
        sound_loudness=sound_loudness,
        subtitles=subtitles,
        container=container,
        quality=quality,
        scratch=Path(scratch),
        parts=parts,
        progress=progress,
        should_stop=should_stop,
    )


def parse_versions(text: str, language: str = "en") -> list[dict[str, Any]]:
    """The versions of a versions list (media.versions): name, format, width, height, language,
    container, loudness each. Raises MediaError naming the line that cannot be read."""
    from studio.media.versions import VersionError
    from studio.media.versions import parse_versions as parse

    try:
        versions = parse(text, language)
    except VersionError as exc:
        raise MediaError(str(exc)) from None
    return [
        {
            "name": v.name,
            "format": v.format,
            "width": v.width,
            "height": v.height,
            "language": v.language,
            "container": v.container,
            "loudness": v.loudness,
        }
        for v in versions
    ]


# -- analysis --------------------------------------------------------------------------------------
def check_coherence(**inputs: Any) -> dict[str, Any]:
    """Picture, music and narration moods segment by segment, and where they clash: the report
    as a JSON-ready dict (see `studio.media.analysis.coherence.check_coherence`)."""
    from studio.media.analysis.coherence import check_coherence as check

    return check(**inputs)


def coherence_text(report: dict[str, Any]) -> str:
    """The coherence report in words, for people."""
    from studio.media.analysis.coherence import report_text

    return report_text(report)
