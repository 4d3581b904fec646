"""image.load — a still from disk, checked and stored as an upright sRGB PNG."""

from __future__ import annotations

from studio.api import NodeError, NodeSpec, Output, Param, PortType, media


async def run(ctx, inputs, params):
    if not params["file"].strip():
        raise NodeError("choose a picture file")
    source = ctx.resolve_path(params["file"].strip())
    ctx.progress(None, f"reading {source.name}")
    try:
        loaded = await ctx.run_cpu(media.load_image, source, ctx.scratch)
    except media.MediaError as exc:
        raise NodeError(str(exc)) from None
    ctx.check_cancelled()
    for warning in loaded.warnings:
        ctx.warn(warning)
    meta = dict(loaded.meta, source=source.name)
    image = await ctx.store(loaded.path, "image", meta)
    ctx.preview(image)
    return {"image": image}


SPEC = NodeSpec(
    id="image.load",
    title="Load Image",
    category="Image",
    version=1,
    run=run,
    help="Reads a picture file (PNG, JPEG, WebP, AVIF, GIF, BMP, TIFF, TGA...). Phone photos "
    "are turned upright from their EXIF orientation; 16-bit, palette, grey and CMYK pictures "
    "are converted to ordinary colour with their tones kept. Damaged, cut-short and oversized "
    "files (over 100 megapixels) are refused with the reason; a colour profile that cannot be "
    "applied is reported.",
    outputs=(
        Output(
            "image",
            PortType.IMAGE,
            "The picture as an upright sRGB PNG (with alpha if it had transparency).",
        ),
    ),
    params=(
        Param.file("file", kinds=("image",), help="The picture file, relative to the graph file."),
    ),
)
