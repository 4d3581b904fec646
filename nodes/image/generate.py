"""image.generate — a picture from a prompt (and a brief's mood, style and palette)."""

from __future__ import annotations

from studio.api import (
    Capability,
    ImageRequest,
    Input,
    NodeError,
    NodeSpec,
    Output,
    Param,
    PortType,
    media,
    parse_brief,
)


async def run(ctx, inputs, params):
    prompt = " ".join((inputs.get("prompt") or "").split())
    brief = parse_brief(inputs.get("brief"))
    if not prompt:
        prompt = brief["subject"]
    if not prompt:
        raise NodeError("the prompt is empty: connect a text that says what to picture")
    provider = ctx.providers.get(params["provider"], Capability.IMAGE)
    request = ImageRequest(
        prompt=prompt,
        width=params["width"],
        height=params["height"],
        seed=params["seed"],
        model=params["model"].strip() or None,
        mood=brief["mood"],
        palette=brief["palette"],
        style=brief["style"],
    )
    ctx.progress(None, f"asking {provider.title} for a picture")
    result = await provider.generate_image(request, ctx)
    ctx.check_cancelled()
    # The size is read from the file: services snap sizes to their own (OpenAI's three, FLUX's
    # multiples of 32), so the request says what was asked, not what came back.
    found = await ctx.run_cpu(media.probe_image, result.path)
    width, height = found["width"], found["height"]
    ctx.provenance.update(width=width, height=height)
    meta = {
        "width": width,
        "height": height,
        "prompt": prompt,
        "provider": provider.id,
        "seed": request.seed,
    }
    if (width, height) != (request.width, request.height):
        meta["requested_size"] = f"{request.width}x{request.height}"
        ctx.warn(
            f"{provider.title} returned {width}x{height}, not the "
            f"{request.width}x{request.height} asked for"
        )
    image = await ctx.store(result.path, "image", meta)
    ctx.preview(image)
    return {"image": image}


SPEC = NodeSpec(
    id="image.generate",
    title="Generate Image",
    category="Image",
    version=2,
    run=run,
    help="Makes a picture from a prompt. Connect a brief to steer mood, style and palette. The "
    "offline engine paints a procedural sketch from the prompt's keywords (sea, sky, forest, "
    "night, city, fire, mountain, lighthouse...): not an AI model, but instant, free and the "
    "same for the same seed. Choose another provider for AI pictures.",
    inputs=(
        Input("prompt", PortType.TEXT, help="What to picture."),
        Input(
            "brief",
            PortType.TEXT,
            optional=True,
            help="A creative brief: its mood, style and palette steer the picture.",
        ),
    ),
    outputs=(
        Output(
            "image",
            PortType.IMAGE,
            "The picture (PNG from the offline engine); its metadata holds the size that came "
            "back, which a service may have snapped to its own sizes.",
        ),
    ),
    params=(
        Param.int("width", 1024, minimum=64, maximum=4096, help="Width in pixels."),
        Param.int("height", 1024, minimum=64, maximum=4096, help="Height in pixels."),
        Param.seed(help="Same seed, same picture; change it for a variation."),
        Param.provider(Capability.IMAGE, help="Which engine paints the picture."),
        Param.string(
            "model",
            "",
            help="Model of the chosen provider; empty uses its default (offline: procedural-v1).",
        ),
    ),
)
