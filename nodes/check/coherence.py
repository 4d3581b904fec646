"""check.coherence — do picture, music and narration tell the same story, segment by segment?"""

from __future__ import annotations

import json

from studio.api import (
    Capability,
    Input,
    NodeError,
    NodeSpec,
    Output,
    Param,
    PortType,
    TextRequest,
    media,
)

PICTURE_QUESTION = (
    "In one line, the mood of this picture: valence from -1 (sad) to 1 (happy), energy from "
    "-1 (calm) to 1 (lively), and three mood words."
)
WORDS_QUESTION = (
    "In one line, the feeling of these narration words: valence from -1 (sad) to 1 (happy), "
    "energy from -1 (calm) to 1 (lively), and three mood words.\n\nWords: "
)


async def run(ctx, inputs, params):
    clips = [(a.path, a.kind) for a in inputs.get("clips") or []]
    timeline, narration, music = (
        inputs.get("timeline"),
        inputs.get("narration"),
        inputs.get("music"),
    )
    if not clips and timeline is None:
        raise NodeError("nothing to check: connect the clips (or a finished timeline)")
    use_model = params["provider"] != "offline"
    frames = ctx.scratch / "frames" if use_model else None
    try:
        report = await ctx.run_cpu(
            media.check_coherence,
            clips=clips,
            timeline=timeline.path if timeline is not None else None,
            narration=narration.path if narration is not None else None,
            narration_sentences=narration.meta.get("sentences") if narration else None,
            music=music.path if music is not None else None,
            captions=inputs.get("captions"),
            clip_duration=params["clip_duration"],
            fit_to_narration=params["fit_to_narration"],
            transition=params["transition"],
            transition_seconds=params["transition_seconds"],
            still_motion=params["image_motion"] == "ken_burns",
            frames_dir=frames,
            progress=ctx.sub_progress(0.0, 0.7 if use_model else 1.0).progress,
            check=ctx.check_cancelled,
        )
    except media.MediaError as exc:
        raise NodeError(str(exc)) from None
    except ValueError as exc:
        raise NodeError(str(exc)) from None
    if use_model:
        await _model_reading(ctx, report, params)
    for segment in report["segments"]:
        if segment.get("picture"):
            segment["picture"].pop("frame", None)  # a work file: not part of the report
    for warning in report["warnings"]:
        ctx.warn(warning)
    if report["mismatches"]:
        ctx.log(
            f"{report['mismatches']} mismatch(es) in segment(s) "
            + ", ".join(str(i) for i in report["flagged_segments"])
        )
    text = media.coherence_text(report)
    ctx.preview(text)
    return {"report": text, "data": json.dumps(report, indent=1, sort_keys=True)}


async def _model_reading(ctx, report, params):
    """A vision model's reading of each segment's picture, a text model's of its words: told
    beside the measured moods (the clashes stay the measured ones)."""
    provider = ctx.providers.get(params["provider"], Capability.VISION)
    model = params["model"].strip() or None
    reads_text = Capability.TEXT in provider.capabilities
    segments = report["segments"]
    for number, segment in enumerate(segments):
        ctx.check_cancelled()
        ctx.progress(0.7 + 0.3 * number / len(segments), f"asking {provider.title}")
        picture = segment.get("picture")
        if picture and picture.get("frame"):
            request = TextRequest(prompt=PICTURE_QUESTION, images=(picture["frame"],), model=model)
            picture["model"] = (await provider.describe_image(request, ctx)).text.strip()
        narration = segment.get("narration")
        if reads_text and narration and narration.get("spoken"):
            request = TextRequest(prompt=WORDS_QUESTION + narration["spoken"], model=model)
            narration["model"] = (await provider.complete_text(request, ctx)).text.strip()
    report["method"] += f" With {provider.title}'s reading of each picture and the words."


SPEC = NodeSpec(
    id="check.coherence",
    title="Coherence Check",
    category="Check",
    version=1,
    run=run,
    help="Reports, segment by segment, whether picture, music and narration tell the same "
    "story: the picture's mood (brightness, warmth, saturation, contrast, motion), the "
    "music's (key mode, tempo, loudness, brightness) and the narration's (the words' "
    "feeling, speaking rate, pitch range), as numbers and words, each mapped to valence "
    "(sad..happy) and energy (calm..lively). Clashes are flagged with the segment and a "
    "suggestion; it changes nothing by itself. Connect what the timeline gets (clips, "
    "narration, music, captions) and give it the timeline's settings, or a finished "
    "timeline video and its caption text. Offline, this is signal processing, not a model; "
    "a vision provider adds its own reading (one call per segment and picture).",
    inputs=(
        Input("clips", PortType.VISUAL_LIST, optional=True, help="The timeline's clips, in order."),
        Input("narration", PortType.AUDIO, optional=True, help="The voice track."),
        Input("music", PortType.AUDIO, optional=True, help="The background music."),
        Input(
            "captions",
            PortType.TEXT,
            optional=True,
            help="The narration's words: plain text, or the timeline's timed caption text.",
        ),
        Input(
            "timeline",
            PortType.VIDEO,
            optional=True,
            help="A finished timeline video: used when the clips are not connected (its "
            "segments are found where the picture changes; its soundtrack stands in for "
            "missing music).",
        ),
    ),
    outputs=(
        Output("report", PortType.TEXT, "The report in words, segment by segment."),
        Output("data", PortType.TEXT, "The same report as JSON (for the strip and for tools)."),
    ),
    params=(
        Param.float(
            "clip_duration",
            5.0,
            minimum=0.1,
            maximum=3600.0,
            help="As the timeline's: seconds each clip is on screen.",
        ),
        Param.bool(
            "fit_to_narration",
            True,
            help="As the timeline's: the clips share the narration's length.",
        ),
        Param.choice(
            "transition",
            "crossfade",
            ("cut", "crossfade"),
            help="As the timeline's: how one clip gives way to the next.",
        ),
        Param.float(
            "transition_seconds",
            0.75,
            minimum=0.0,
            maximum=10.0,
            help="As the timeline's: the length of each crossfade.",
        ),
        Param.choice(
            "image_motion",
            "ken_burns",
            ("ken_burns", "still"),
            help="As the timeline's: whether still pictures move gently (counted as slow "
            "motion) or stay still.",
        ),
        Param.provider(
            Capability.VISION,
            help="offline: signal analysis only. A vision provider adds its own reading of "
            "each segment's picture (and of the words, if it also writes text).",
        ),
        Param.string("model", "", help="Model of the chosen provider; empty uses its default."),
    ),
)
