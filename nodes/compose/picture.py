"""compose.picture — a timeline's picture alone, at one size: the picture track of its versions."""

from __future__ import annotations

from nodes.compose.timeline import SPEC as TIMELINE
from studio.api import Input, NodeError, NodeSpec, Output, Param, PortType, media

SETTINGS = (
    "clip_duration",
    "fit_to_narration",
    "fit",
    "reframe",
    "transition",
    "transition_seconds",
    "image_motion",
    "burn_captions",
    "quality",
)

# Shared with compose.soundtrack: the two tracks of a version are made for its container.
CONTAINER = Param.choice(
    "container",
    "mp4",
    media.TRACK_CONTAINERS,
    help="What the versions using it are written in: mp4 (H.264 and AAC, also for GIF "
    "versions) or webm (VP9 and Opus). Made in the version's own codecs, the tracks are joined "
    "into it without encoding again, so a re-export after an edit encodes only what it touched.",
)


async def run(ctx, inputs, params):
    clips = [(a.path, a.kind, a.digest) for a in inputs.get("clips") or []]
    if not clips:
        raise NodeError("the picture has no clips: connect at least one image or video")
    narration, voice = inputs.get("narration"), inputs.get("voice")
    settings = {name: params[name] for name in SETTINGS}
    settings["clip_reframe"] = params["reframe_clips"]
    settings["container"] = params["container"]
    out = ctx.scratch / f"picture.{params['container']}"
    try:
        result = await ctx.run_cpu(
            media.render_picture_track,
            clips,
            out,
            width=params["width"],
            height=params["height"],
            fps=int(params["fps"]),
            scratch=ctx.scratch,
            parts=ctx.parts,
            narration=narration.path if narration else None,
            voice=voice.path if voice else None,
            subtitles=inputs.get("burn_in"),
            progress=ctx.progress,
            should_stop=lambda: ctx.cancelled,
            **settings,
        )
    except media.MediaError as exc:
        raise NodeError(str(exc)) from None
    ctx.check_cancelled()
    for note in result["notes"]:
        ctx.log(note)
    for warning in result["warnings"]:
        ctx.warn(warning)
    reused = result["segments"] - result["segments_encoded"]
    ctx.log(
        f"picture: {result['segments']} segments, {result['segments_encoded']} encoded, "
        f"{reused} reused from the cache"
    )
    meta = {key: result[key] for key in ("width", "height", "fps", "frames", "duration")}
    meta["quality"] = params["quality"]
    meta["edit_frames"] = result["edit_frames"]
    meta["segments"], meta["segments_encoded"] = result["segments"], result["segments_encoded"]
    picture = await ctx.store(out, "video", meta)
    ctx.preview(picture)
    return {"video": picture}


def _timeline_params(*names):
    return tuple(p for p in TIMELINE.params if p.name in names)


SPEC = NodeSpec(
    id="compose.picture",
    title="Picture Track",
    category="Compose",
    version=1,
    run=run,
    help="The picture of a timeline alone (no sound) at one frame size: clips in order with "
    "their motion, transitions, reframing for the frame's shape and, when asked, the captions "
    "burned in. Versions of a piece use it: each format's picture is made once and shared by "
    "every language. Made in segments kept in the cache, so an edit encodes only what it "
    "touches.",
    inputs=(
        Input("clips", PortType.VISUAL_LIST, help="Images and videos, in the order they play."),
        Input(
            "narration",
            PortType.AUDIO,
            optional=True,
            help="The piece's narration: with fit_to_narration, the clips share its length.",
        ),
        Input(
            "burn_in",
            PortType.TEXT,
            optional=True,
            help="Captions as SubRip text, drawn into the picture when burn_captions is on.",
        ),
        Input(
            "voice",
            PortType.AUDIO,
            optional=True,
            help="A version's own narration: when it runs past the edit, the last picture "
            "holds until it ends.",
        ),
    ),
    outputs=(
        Output("video", PortType.VIDEO, "The picture, no sound (H.264 in MP4, or VP9 in WebM)."),
    ),
    params=(
        Param.int("width", 1920, minimum=16, maximum=7680, help="Frame width in pixels."),
        Param.int("height", 1080, minimum=16, maximum=7680, help="Frame height in pixels."),
        *_timeline_params(*SETTINGS, "reframe_clips", "fps"),
        CONTAINER,
    ),
)
