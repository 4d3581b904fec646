"""video.waveform — a sound drawn as a moving spectrum or wave, as a video with that sound."""

from __future__ import annotations

from studio.api import Input, NodeError, NodeSpec, Output, Param, PortType, media


async def run(ctx, inputs, params):
    audio, picture = inputs["audio"], inputs.get("image")
    width, height = media.preset_size(params["preset"])
    ctx.progress(0.0, "drawing the sound")
    try:
        result = await ctx.run_cpu(
            media.render_waveform,
            audio.path,
            ctx.scratch / "waveform.mp4",
            width=width,
            height=height,
            fps=int(params["fps"]),
            style=params["style"],
            colour=params["colour"],
            background_colour=params["background"],
            background=picture.path if picture is not None else None,
            dim=params["dim"],
            bars=params["bars"],
            progress=ctx.progress,
            should_stop=lambda: ctx.cancelled,
        )
    except media.MediaError as exc:
        raise NodeError(str(exc)) from None
    ctx.check_cancelled()
    for warning in result["warnings"]:  # damage in the sound, drawn as silence
        ctx.warn(f"the sound: {warning}")
    meta = {
        "width": result["width"],
        "height": result["height"],
        "fps": result["fps"],
        "frames": result["frames"],
        "duration": round(result["duration"], 3),
        "style": params["style"],
        "source_audio": audio.digest,
    }
    video = await ctx.store(result["path"], "video", meta)
    ctx.preview(video)
    return {"video": video}


SPEC = NodeSpec(
    id="video.waveform",
    title="Sound to Video",
    category="Video",
    version=1,
    run=run,
    help="Draws a sound as it plays — a spectrum of bars or a waveform line — over a colour or "
    "a picture, for podcast audiograms and music visualisers. The video is as long as the sound "
    "and carries it. Offline: measured from the sound itself (FFT), nothing is invented.",
    inputs=(
        Input("audio", PortType.AUDIO, help="The sound to draw (and to hear in the video)."),
        Input(
            "image",
            PortType.IMAGE,
            optional=True,
            help="A picture behind the drawing (cropped to fill the frame, dimmed).",
        ),
    ),
    outputs=(Output("video", PortType.VIDEO, "The clip (MP4, H.264 + AAC, with the sound)."),),
    params=(
        Param.choice(
            "style",
            "spectrum",
            media.WAVEFORM_STYLES,
            help="spectrum: bars for low to high pitches; wave: the sound's waveform as a line.",
        ),
        Param.choice(
            "preset",
            "1080x1080",
            media.RESOLUTION_PRESETS,
            help="Frame size: square for social feeds, 1080x1920 for vertical video.",
        ),
        Param.choice("fps", "30", media.FPS_CHOICES, help="Frames per second."),
        Param.color("colour", "#4fd1c5", help="Colour of the bars or the line."),
        Param.color("background", "#101820", help="Colour behind the drawing (without a picture)."),
        Param.float(
            "dim",
            0.35,
            minimum=0.0,
            maximum=0.9,
            help="How much a background picture is darkened so the drawing stands out.",
        ),
        Param.int(
            "bars", 48, minimum=4, maximum=256, help="How many bars the spectrum style draws."
        ),
    ),
)
