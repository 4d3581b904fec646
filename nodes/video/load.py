"""video.load — a video file from disk, checked and made ready for the timeline."""

from __future__ import annotations

from studio.api import NodeError, NodeSpec, Output, Param, PortType, media


async def run(ctx, inputs, params):
    if not params["file"].strip():
        raise NodeError("choose a video file")
    source = ctx.resolve_path(params["file"].strip())
    ctx.progress(None, f"checking {source.name}")
    try:
        loaded = await ctx.run_cpu(
            media.load_video,
            source,
            ctx.scratch,
            progress=ctx.progress,
            should_stop=lambda: ctx.cancelled,
        )
    except media.MediaError as exc:
        raise NodeError(str(exc)) from None
    ctx.check_cancelled()
    for warning in loaded.warnings:
        ctx.warn(warning)
    meta = loaded.meta
    if meta.get("note"):
        ctx.log(meta["note"])
    meta["source"] = source.name
    video = await ctx.store(loaded.path, "video", meta)
    ctx.preview(video)
    return {"video": video}


SPEC = NodeSpec(
    id="video.load",
    title="Load Video",
    category="Video",
    version=2,
    run=run,
    help="Reads a video file (MP4, MOV, MKV, WebM, AVI...). Phone rotation, non-square pixels "
    "and variable frame rates are straightened out: a file that is already a plain H.264 MP4 "
    "is used as it is, anything else is converted once, with all of its sound (the last frame "
    "holds while sound plays on). A file cut short or with damaged frames loads what is there "
    "and says what is missing.",
    outputs=(Output("video", PortType.VIDEO, "The video, upright with square pixels."),),
    params=(
        Param.file("file", kinds=("video",), help="The video file, relative to the graph file."),
    ),
)
