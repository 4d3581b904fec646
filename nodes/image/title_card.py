"""image.title_card — text over a colour, a gradient or a picture."""

from __future__ import annotations

from studio.api import Input, NodeError, NodeSpec, Output, Param, PortType


async def run(ctx, inputs, params):
    text = inputs.get("text")
    text = params["title"] if text is None else text
    picture = inputs.get("image")
    background = params["background"]
    if background == "image" and picture is None:
        raise NodeError("the background is 'image': connect a picture to the image input")
    font = ctx.resolve_path(params["font"]) if params["font"].strip() else None
    if font is not None and not font.is_file():
        raise NodeError(f"the font file {params['font']} is missing")
    provider = ctx.providers.get("offline")
    result = await provider.title_card(
        ctx,
        text=text.strip(),
        width=params["width"],
        height=params["height"],
        background=background,
        colour=params["colour"],
        colour2=params["colour2"],
        image=picture.path if picture is not None and background == "image" else None,
        dim=params["dim"],
        font=font,
        font_size=params["font_size"],
        vertical=params["vertical"],
        horizontal=params["horizontal"],
        text_colour=params["text_colour"],
        shadow=params["shadow"],
        outline=params["outline"],
    )
    card = await ctx.store(
        result.path, "image", {"width": params["width"], "height": params["height"], "text": text}
    )
    ctx.preview(card)
    return {"image": card}


SPEC = NodeSpec(
    id="image.title_card",
    title="Title Card",
    category="Image",
    version=1,
    run=run,
    help="Text over a colour, a gradient or a picture. Long text wraps and shrinks to fit; a "
    "shadow and an outline keep it readable over any background. The font is DejaVu Sans Bold "
    "(shipped with the studio) unless you choose a font file.",
    inputs=(
        Input("text", PortType.TEXT, optional=True, help="The text; replaces the title param."),
        Input(
            "image",
            PortType.IMAGE,
            optional=True,
            help="A background picture (used when background is 'image').",
        ),
    ),
    outputs=(Output("image", PortType.IMAGE, "The title card (PNG)."),),
    params=(
        Param.text("title", "Title", help="The text, used when no text is connected."),
        Param.int("width", 1920, minimum=16, maximum=8192, help="Width in pixels."),
        Param.int("height", 1080, minimum=16, maximum=8192, help="Height in pixels."),
        Param.choice(
            "background",
            "gradient",
            ("colour", "gradient", "image"),
            help="A plain colour, a top-to-bottom gradient, or the connected picture.",
        ),
        Param.color("colour", "#0f1c2e", help="Background colour (the gradient's top)."),
        Param.color("colour2", "#3a5a80", help="The gradient's bottom colour."),
        Param.float(
            "dim",
            0.35,
            minimum=0.0,
            maximum=1.0,
            help="How much to darken a picture background so the text reads.",
        ),
        Param.int(
            "font_size",
            0,
            minimum=0,
            maximum=1000,
            help="Text height in pixels; 0 makes it as large as fits.",
        ),
        Param.choice(
            "vertical",
            "centre",
            ("top", "centre", "bottom"),
            help="Where the text sits, top to bottom.",
        ),
        Param.choice(
            "horizontal",
            "centre",
            ("left", "centre", "right"),
            help="How the lines align, left to right.",
        ),
        Param.color("text_colour", "#ffffff", help="Colour of the letters."),
        Param.bool("shadow", True, help="A soft drop shadow behind the letters."),
        Param.int(
            "outline",
            0,
            minimum=0,
            maximum=40,
            help="Outline width in pixels (black around light text, white around dark).",
        ),
        Param.file(
            "font",
            kinds=("font",),
            optional=True,
            help="A .ttf or .otf font file; empty uses DejaVu Sans Bold.",
        ),
    ),
)
