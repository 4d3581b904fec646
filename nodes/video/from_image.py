"""video.from_image — motion from a still picture (offline: a Ken Burns pan or zoom)."""

from __future__ import annotations

from studio.api import (
    Capability,
    Input,
    NodeSpec,
    Output,
    Param,
    PortType,
    VideoRequest,
    media,
)


async def run(ctx, inputs, params):
    image = inputs["image"]
    if params["preset"] == "custom":
        width, height = params["width"], params["height"]
    else:
        width, height = media.preset_size(params["preset"])
    if width % 2 or height % 2:
        ctx.log(
            f"size {width}x{height} adjusted to {width - width % 2}x{height - height % 2} "
            "(video needs even sides)"
        )
        width, height = width - width % 2, height - height % 2
    provider = ctx.providers.get(params["provider"], Capability.VIDEO)
    request = VideoRequest(
        image=image.path,
        prompt=" ".join((inputs.get("prompt") or "").split()),
        duration=params["duration"],
        width=width,
        height=height,
        fps=int(params["fps"]),
        seed=params["seed"],
        model=params["model"].strip() or None,
        motion=params["motion"],
        strength=params["strength"],
        easing=params["easing"],
    )
    ctx.progress(None, f"asking {provider.title} for motion")
    result = await provider.image_to_video(request, ctx)
    ctx.check_cancelled()
    ctx.provenance.update(result.provenance)
    # Size and length are read from the file: a service makes its own (Kling: 5 or 10 s, the
    # input picture's shape), so the request says what was asked, not what came back.
    meta = await ctx.run_cpu(media.probe_video, result.path)
    meta.update(provider=provider.id, motion=request.motion, source_image=image.digest)
    ctx.provenance.update(width=meta.get("width"), height=meta.get("height"))
    if (meta.get("width"), meta.get("height")) != (width, height):
        meta["requested_size"] = f"{width}x{height}"
        ctx.warn(
            f"{provider.title} returned {meta.get('width')}x{meta.get('height')}, not the "
            f"{width}x{height} asked for"
        )
    duration = meta.get("duration")
    if isinstance(duration, (int, float)) and abs(duration - request.duration) > 0.5:
        ctx.warn(
            f"{provider.title} returned {duration:.1f} s, not the {request.duration:g} s asked for"
        )
    video = await ctx.store(result.path, "video", meta)
    ctx.preview(video)
    return {"video": video}


SPEC = NodeSpec(
    id="video.from_image",
    title="Image to Video",
    category="Video",
    version=2,
    run=run,
    help="Turns a still picture into a short video clip. The offline engine is a Ken Burns "
    "effect: a slow, eased pan or zoom across the picture (no new content is invented). AI "
    "providers animate the picture from the optional prompt.",
    inputs=(
        Input("image", PortType.IMAGE, help="The picture to set in motion."),
        Input(
            "prompt",
            PortType.TEXT,
            optional=True,
            help="What should happen (used by AI providers; the offline engine ignores it).",
        ),
    ),
    outputs=(Output("video", PortType.VIDEO, "The clip (MP4, H.264, no sound)."),),
    params=(
        Param.float(
            "duration", 5.0, minimum=0.1, maximum=600.0, help="Length of the clip in seconds."
        ),
        Param.choice(
            "motion",
            "zoom_in",
            media.MOTIONS,
            help="What the camera does: zoom in or out, or pan left, right, up, down "
            "(a pan moves the camera, so the picture slides the other way).",
        ),
        Param.float(
            "strength",
            0.5,
            minimum=0.0,
            maximum=1.0,
            help="How far the camera travels: 0 is a still, 1 is a 40 % zoom or pan.",
        ),
        Param.choice(
            "easing",
            "ease_in_out",
            media.EASINGS,
            help="How the motion starts and stops: linear is constant speed, "
            "ease_in_out starts and ends gently.",
        ),
        Param.choice(
            "preset",
            "1920x1080",
            (*media.RESOLUTION_PRESETS, "custom"),
            help="Frame size; 'custom' uses width and height below.",
        ),
        Param.int(
            "width",
            1280,
            minimum=16,
            maximum=7680,
            help="Width in pixels when preset is custom (rounded down to even).",
        ),
        Param.int(
            "height",
            720,
            minimum=16,
            maximum=7680,
            help="Height in pixels when preset is custom (rounded down to even).",
        ),
        Param.choice("fps", "30", media.FPS_CHOICES, help="Frames per second."),
        Param.seed(help="Same seed, same clip (for AI providers; Ken Burns is always the same)."),
        Param.provider(Capability.VIDEO, help="Which engine makes the motion."),
        Param.string(
            "model",
            "",
            help="Model of the chosen provider; empty uses its default (offline: ken-burns).",
        ),
    ),
)
