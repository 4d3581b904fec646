"""compose.soundtrack — a timeline's sound alone: narration over music at a loudness target."""

from __future__ import annotations

from nodes.compose.picture import CONTAINER
from nodes.compose.timeline import SPEC as TIMELINE
from studio.api import Input, NodeError, NodeSpec, Output, Param, PortType, media

SETTINGS = (
    "clip_duration",
    "fit_to_narration",
    "transition",
    "transition_seconds",
    "music_volume_db",
    "music_fade_in",
    "music_fade_out",
    "duck_db",
    "loudness",
    "quality",
)


async def run(ctx, inputs, params):
    narration, voice, music = inputs.get("narration"), inputs.get("voice"), inputs.get("music")
    spoken = voice or narration
    settings = {name: params[name] for name in SETTINGS}
    settings["container"] = params["container"]
    out = ctx.scratch / ("soundtrack.webm" if params["container"] == "webm" else "soundtrack.m4a")
    try:
        result = await ctx.run_cpu(
            media.make_soundtrack,
            out,
            clip_count=params["clip_count"],
            fps=int(params["fps"]),
            scratch=ctx.scratch,
            parts=ctx.parts,
            narration=narration.path if narration else None,
            voice=voice.path if voice else None,
            music=music.path if music else None,
            captions_text=inputs.get("captions"),
            voice_sentences=spoken.meta.get("sentences") if spoken else None,
            progress=ctx.progress,
            should_stop=lambda: ctx.cancelled,
            burn_captions=False,
            **settings,
        )
    except media.MediaError as exc:
        raise NodeError(str(exc)) from None
    ctx.check_cancelled()
    for note in result["notes"]:
        ctx.log(note)
    for warning in result["warnings"]:
        ctx.warn(warning)
    meta = {
        "frames": result["frames"],
        "fps": int(params["fps"]),
        "duration": round(result["duration"], 3),
        "loudness_target": params["loudness"],
        "loudness_target_lufs": result["target_lufs"],
        "loudness_lufs": result["loudness_lufs"],
        "delivered": result["delivered"],  # the encoded sound, as a version will deliver it
        "quality": params["quality"],
        "cues": result["cues"],
    }
    sound = await ctx.store(out, "audio", meta)
    ctx.preview(sound)
    return {"audio": sound, "captions": result["srt"]}


SPEC = NodeSpec(
    id="compose.soundtrack",
    title="Soundtrack",
    category="Compose",
    version=1,
    run=run,
    help="The sound of a timeline alone: the narration over music that fades in and out and "
    "dips under speech, brought to a loudness target, as long as the edit (or as the "
    "narration, when a version's narration runs longer), encoded whole (AAC) and measured "
    "as delivered, with the captions timed to the voice as SubRip text. Versions of a piece "
    "use it: one soundtrack per language and loudness, shared by every format.",
    inputs=(
        Input(
            "narration",
            PortType.AUDIO,
            optional=True,
            help="The piece's narration: it times the edit (with fit_to_narration).",
        ),
        Input(
            "voice",
            PortType.AUDIO,
            optional=True,
            help="This version's narration (another language); the piece's when not connected.",
        ),
        Input("music", PortType.AUDIO, optional=True, help="Background music."),
        Input(
            "captions",
            PortType.TEXT,
            optional=True,
            help="The text of the captions, timed to the voice.",
        ),
    ),
    outputs=(
        Output(
            "audio",
            PortType.AUDIO,
            "The soundtrack, encoded: AAC 48 kHz stereo in an MP4 (Opus in a WebM for webm).",
        ),
        Output("captions", PortType.TEXT, "The captions, timed, as SubRip (.srt) text."),
    ),
    params=(
        Param.int(
            "clip_count",
            1,
            minimum=1,
            maximum=100000,
            help="How many clips the edit has (its length follows from them and the settings).",
        ),
        *(p for p in TIMELINE.params if p.name in (*SETTINGS, "fps")),
        CONTAINER,
    ),
)
