"""export.version — one version of a piece: its picture and soundtrack joined into its file."""

from __future__ import annotations

from nodes.export.video import _report_loudness, _target
from studio.api import Input, NodeError, NodeSpec, Output, Param, PortType, media


async def run(ctx, inputs, params):
    picture, sound = inputs["picture"], inputs.get("sound")
    container = params["container"]
    target = _target(ctx, params["path"], container)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise NodeError(f"cannot create the folder {target.parent}: {exc.strerror}") from None
    name = params["name"] or target.stem
    ctx.progress(0.0, f"writing {target.name}")
    try:
        result = await ctx.run_cpu(
            media.deliver_version,
            picture.path,
            target,
            sound=sound.path if sound else None,
            sound_frames=sound.meta.get("frames") if sound else None,
            sound_loudness=sound.meta.get("delivered") if sound else None,
            subtitles=inputs.get("subtitles"),
            container=container,
            quality=params["quality"],
            scratch=ctx.scratch,
            parts=ctx.parts,
            progress=ctx.progress,
            should_stop=lambda: ctx.cancelled,
        )
    except media.MediaError as exc:
        raise NodeError(f"version {name}: {exc}") from None
    except OSError as exc:
        raise NodeError(f"cannot write {target}: {exc.strerror or exc}") from None
    ctx.check_cancelled()
    for note in result["notes"]:
        ctx.log(note)
    if result["reencoded"]:
        ctx.log(f"encoded into {container.upper()} from the picture and sound tracks")
    else:
        ctx.log("joined from its picture and sound tracks without encoding (packets copied)")
    ctx.log(f"wrote {target}")
    if result["subtitles"]:
        ctx.log("subtitles: " + ", ".join(path.name for path in result["subtitles"]))
    if result["loudness"] is not None and sound is not None:
        _report_loudness(ctx, result["loudness"], sound.meta)
    stored = ctx.scratch / f"version{target.suffix}"
    try:
        await ctx.run_cpu(media.clone_file, target, stored)
    except OSError as exc:
        raise NodeError(
            f"cannot copy {target.name} into the cache: {exc.strerror or exc}"
        ) from None
    meta = {
        "version": name,
        "path": str(target),
        "format": container,
        "quality": params["quality"],
        "width": result["width"],
        "height": result["height"],
        "frames": result["frames"],
        "duration": round(result["duration"], 3),
        "held_frames": result["held"],
        "reencoded": result["reencoded"],
        "subtitles": [str(path) for path in result["subtitles"]],
    }
    if result["loudness"] is not None:
        meta["loudness_lufs"] = result["loudness"]["integrated_lufs"]
        meta["true_peak_dbtp"] = result["loudness"]["true_peak_dbtp"]
    exported = await ctx.store(stored, "video", meta)
    ctx.preview(exported)
    return {"video": exported}


SPEC = NodeSpec(
    id="export.version",
    title="Export Version",
    category="Export",
    version=1,
    run=run,
    always_run=True,
    help="Writes one version of a piece: its picture track and its soundtrack joined into "
    "an MP4 without re-encoding the picture (WebM and GIF are encoded from it), the picture "
    "held on its last frame when the narration runs longer, and the captions beside it as "
    ".srt and .vtt. The file appears only when complete; its loudness is measured from it.",
    inputs=(
        Input("picture", PortType.VIDEO, help="The picture track (compose.picture)."),
        Input("sound", PortType.AUDIO, optional=True, help="The soundtrack (compose.soundtrack)."),
        Input(
            "subtitles",
            PortType.TEXT,
            optional=True,
            help="The captions as SubRip text, written beside the file as .srt and .vtt.",
        ),
    ),
    outputs=(Output("video", PortType.VIDEO, "The version's file."),),
    params=(
        Param.output(
            "path",
            "piece.16x9.en.mp4",
            help="File to write, relative to the graph file's folder; its extension must match "
            "the container.",
        ),
        Param.choice(
            "container",
            "mp4",
            media.VERSION_CONTAINERS,
            help="mp4 (H.264 + AAC), webm (VP9 + Opus) or gif (no sound).",
        ),
        Param.choice(
            "quality",
            "standard",
            media.QUALITY_PRESETS,
            help="Must match the picture's quality for an MP4 to be joined without re-encoding.",
        ),
        Param.string("name", "", help="The version's name (9x16.fr), for the run log."),
    ),
)
