"""audio.load — a sound file from disk, checked by decoding it all."""

from __future__ import annotations

from studio.api import NodeError, NodeSpec, Output, Param, PortType, media


async def run(ctx, inputs, params):
    if not params["file"].strip():
        raise NodeError("choose a sound file")
    source = ctx.resolve_path(params["file"].strip())
    ctx.progress(None, f"checking {source.name}")
    try:
        loaded = await ctx.run_cpu(
            media.load_audio, source, ctx.scratch, should_stop=lambda: ctx.cancelled
        )
    except media.MediaError as exc:
        raise NodeError(str(exc)) from None
    ctx.check_cancelled()
    for warning in loaded.warnings:
        ctx.warn(warning)
    meta = dict(loaded.meta, source=source.name)
    audio = await ctx.store(loaded.path, "audio", meta)
    ctx.preview(audio)
    return {"audio": audio}


SPEC = NodeSpec(
    id="audio.load",
    title="Load Audio",
    category="Audio",
    version=2,
    run=run,
    help="Reads a sound file (MP3, WAV, OGG, Opus, FLAC, M4A/AAC), or the sound of a video. The "
    "whole file is decoded once to check it; its true length is measured, not read from the "
    "header. A plain audio file is kept as it is (no quality loss); a video's sound is "
    "converted to WAV. Any channel layout works: surround is mixed down where it is used. "
    "Damaged stretches play as silence (so what follows keeps its time) and are reported.",
    outputs=(
        Output("audio", PortType.AUDIO, "The sound, with its duration, sample rate and channels."),
    ),
    params=(
        Param.file("file", kinds=("audio",), help="The sound file, relative to the graph file."),
    ),
)
