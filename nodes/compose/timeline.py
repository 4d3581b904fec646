"""compose.timeline — clips, narration, music and captions into one video with sound."""

from __future__ import annotations

from studio.api import Input, NodeError, NodeSpec, Output, Param, PortType, media


async def run(ctx, inputs, params):
    clips = [
        (artifact.path, artifact.kind, artifact.digest) for artifact in inputs.get("clips") or []
    ]
    if not clips:
        raise NodeError("the timeline has no clips: connect at least one image or video")
    narration, music = inputs.get("narration"), inputs.get("music")
    settings = {
        name: params[name]
        for name in (
            "clip_duration",
            "fit_to_narration",
            "fit",
            "transition",
            "transition_seconds",
            "music_volume_db",
            "music_fade_in",
            "music_fade_out",
            "duck_db",
            "burn_captions",
            "image_motion",
            "quality",
            "loudness",
            "reframe",
            "container",
        )
    }
    settings["clip_reframe"] = params["reframe_clips"]
    out = ctx.scratch / f"timeline.{params['container']}"
    try:
        result = await ctx.run_cpu(
            media.render_timeline,
            clips,
            out,
            scratch=ctx.scratch,
            # Segments of the picture are kept in the cache: after an edit, only the segments it
            # touches are encoded again (smart render).
            parts=ctx.parts,
            narration=narration.path if narration else None,
            music=music.path if music else None,
            captions_text=inputs.get("captions"),
            # The offline voices record when each sentence sounds: captions follow them exactly.
            narration_sentences=narration.meta.get("sentences") if narration else None,
            preset=params["preset"],
            fps=int(params["fps"]),
            progress=ctx.progress,
            should_stop=lambda: ctx.cancelled,
            **settings,
        )
    except media.MediaError as exc:
        raise NodeError(str(exc)) from None
    ctx.check_cancelled()
    for note in result["notes"]:
        ctx.log(note)
    reused = result["segments"] - result["segments_encoded"]
    ctx.log(
        f"picture: {result['segments']} segments, {result['segments_encoded']} encoded, "
        f"{reused} reused from the cache"
        + ("; sound reused from the cache" if result["sound_kept"] else "")
    )
    for warning in result.get("warnings", ()):  # a damaged clip mended, sound dropped
        # The media layer names the cache file; the user knows the clip by its place.
        names = {clip[0].name: f"clip {n}" for n, clip in enumerate(clips, start=1)}
        names.update(
            {a.path.name: label for label, a in (("narration", narration), ("music", music)) if a}
        )
        for file_name, label in names.items():
            warning = warning.replace(file_name, label)
        ctx.warn(warning)
    meta = {
        key: result[key] for key in ("width", "height", "fps", "frames", "duration", "captions")
    }
    meta["quality"] = params["quality"]
    meta["container"] = params["container"]  # an export in the same one copies this file
    meta["cues"] = result["cues"]  # the export writes them as .srt and .vtt beside the video
    # The sound as delivered (measured from its encoding): an export copying this file carries
    # these very packets, so it reports this instead of decoding them again.
    meta["delivered_loudness"] = result["delivered_loudness"]
    # The export measures the delivered file against this target.
    meta["loudness_target"] = params["loudness"]
    meta["loudness_target_lufs"] = result["target_lufs"]
    meta["loudness_lufs"] = result["loudness_lufs"]
    video = await ctx.store(out, "video", meta)
    ctx.preview(video)
    return {"video": video, "subtitles": result["srt"]}


SPEC = NodeSpec(
    id="compose.timeline",
    title="Timeline",
    category="Compose",
    version=5,
    run=run,
    help="Puts clips in order (images move with a gentle Ken Burns pan or zoom, videos play) "
    "with cuts or crossfades, lays the narration over music that fades in and out and dips "
    "under speech, and can burn in captions timed to the speech (to each spoken sentence when "
    "the narration records them, as the offline voices do). A clip of another shape than the "
    "frame (a 16:9 clip in a 9:16 video) is cropped by a window that follows its faces or "
    "its most salient region and glides without jitter (or as `reframe` says); captions keep "
    "inside the platform's safe area. Writes an MP4 (H.264 + AAC), or a WebM (VP9 + Opus) "
    "with container webm, and the captions as SubRip (.srt) text; an export writes them "
    "beside the video as .srt and .vtt files. The picture is made in segments kept in the "
    "cache, so after an edit only the seconds it touches are encoded again.",
    inputs=(
        Input("clips", PortType.VISUAL_LIST, help="Images and videos, in the order they play."),
        Input("narration", PortType.AUDIO, optional=True, help="The voice track."),
        Input(
            "music",
            PortType.AUDIO,
            optional=True,
            help="Background music: looped or trimmed to length.",
        ),
        Input(
            "captions",
            PortType.TEXT,
            optional=True,
            help="The narration's text, shown as captions timed to the speech.",
        ),
    ),
    outputs=(
        Output("video", PortType.VIDEO, "The finished video (MP4 with sound)."),
        Output("subtitles", PortType.TEXT, "The captions as SubRip (.srt) text."),
    ),
    params=(
        Param.float(
            "clip_duration",
            5.0,
            minimum=0.1,
            maximum=3600.0,
            help="Seconds each clip is on screen (a shorter video holds its last "
            "frame, a longer one is cut).",
        ),
        Param.bool(
            "fit_to_narration",
            True,
            help="Share the narration's length between the clips instead of using clip_duration.",
        ),
        Param.choice(
            "fit",
            "cover",
            ("cover", "contain"),
            help="cover fills the frame and crops the overflow; contain shows the "
            "whole clip with black bars.",
        ),
        Param.choice(
            "reframe",
            "follow",
            media.REFRAME_MODES,
            help="How a clip of another shape than the frame is cropped: follow (a window "
            "that follows faces, else what stands out, gliding smoothly), center, blur_fill "
            "(the whole clip over a blurred copy of itself) or off (as `fit` says).",
        ),
        Param.string(
            "reframe_clips",
            "",
            help="Per-clip reframing, by clip number: e.g. '2: center; 3: blur_fill; "
            "4: anchor:0.2,0.5' (anchor X,Y from 0 to 1: 0 is the left or top edge).",
        ),
        Param.choice(
            "transition",
            "crossfade",
            ("cut", "crossfade"),
            help="How one clip gives way to the next.",
        ),
        Param.float(
            "transition_seconds",
            0.75,
            minimum=0.0,
            maximum=10.0,
            help="Length of each crossfade in seconds.",
        ),
        Param.choice(
            "image_motion",
            "ken_burns",
            ("ken_burns", "still"),
            help="Whether still pictures move (a slow pan or zoom) or stay still.",
        ),
        Param.choice(
            "loudness",
            "online_video",
            media.LOUDNESS_TARGETS,
            help="Loudness of the finished soundtrack, by where the video goes: online_video "
            "-14 LUFS (YouTube, social), podcast -16 LUFS, broadcast -23 LUFS (EBU R 128). "
            "Measured as the standard says (ITU-R BS.1770); peaks stay under -1.5 dBFS.",
        ),
        Param.float(
            "music_volume_db",
            -8.0,
            minimum=-40.0,
            maximum=6.0,
            help="Music level relative to the narration, in dB (negative is quieter).",
        ),
        Param.float(
            "music_fade_in",
            1.0,
            minimum=0.0,
            maximum=30.0,
            help="Seconds the music takes to fade in.",
        ),
        Param.float(
            "music_fade_out",
            2.0,
            minimum=0.0,
            maximum=30.0,
            help="Seconds the music takes to fade out at the end.",
        ),
        Param.float(
            "duck_db",
            -12.0,
            minimum=-40.0,
            maximum=0.0,
            help="How much the music dips while someone speaks, in dB.",
        ),
        Param.bool(
            "burn_captions",
            True,
            help="Draw the captions into the picture (the .srt is written either way).",
        ),
        Param.choice(
            "preset",
            "1920x1080",
            media.RESOLUTION_PRESETS,
            help="Frame size: landscape 1080p, vertical 1080x1920, square, or 720p.",
        ),
        Param.choice("fps", "30", media.FPS_CHOICES, help="Frames per second."),
        Param.choice(
            "quality",
            "standard",
            media.QUALITY_PRESETS,
            help="Encoding quality: draft is small and fast, high is large and slow. "
            "Exporting MP4 at the same quality copies this file without re-encoding.",
        ),
        Param.choice(
            "container",
            "mp4",
            media.TRACK_CONTAINERS,
            help="What the timeline is made in: mp4 (H.264 and AAC) or webm (VP9 and Opus). An "
            "Export Video node in the same format and quality copies it, so after an edit only "
            "the segments it touched are encoded again; exporting another format encodes the "
            "whole file.",
        ),
    ),
)
