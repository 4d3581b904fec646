"""export.video — write the finished video to a file the user chooses (MP4, WebM or GIF)."""

from __future__ import annotations

from pathlib import Path

from studio.api import Artifact, Input, NodeError, NodeSpec, Output, Param, PortType, media


def _target(ctx, path_text, fmt):
    path = Path(path_text.strip()).expanduser()
    if not path_text.strip():
        raise NodeError("choose where to save the video (the path param is empty)")
    if not path.is_absolute():
        path = (ctx.graph_dir or Path.cwd()) / path
    if not path.suffix:
        path = path.with_suffix(f".{fmt}")
    elif path.suffix.lower() != f".{fmt}":
        # Also keeps a shared graph from overwriting anything but a video file.
        raise NodeError(
            f"{path.name} does not end in .{fmt}, the chosen format: rename it or change the format"
        )
    if path.is_dir():
        raise NodeError(f"{path} is a folder, not a file name")
    return path


async def run(ctx, inputs, params):
    video = inputs["video"]
    fmt = params["format"]
    target = _target(ctx, params["path"], fmt)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise NodeError(f"cannot create the folder {target.parent}: {exc.strerror}") from None
    ctx.progress(0.0, f"writing {target.name}")
    try:
        result = await ctx.run_cpu(
            media.export_video,
            video.path,
            target,
            format=fmt,
            quality=params["quality"],
            source_quality=video.meta.get("quality"),
            delivered_loudness=video.meta.get("delivered_loudness"),
            progress=ctx.progress,
            should_stop=lambda: ctx.cancelled,
        )
    except media.MediaError as exc:
        raise NodeError(str(exc)) from None
    except OSError as exc:
        raise NodeError(f"cannot write {target}: {exc.strerror or exc}") from None
    ctx.check_cancelled()
    if result.get("note"):
        ctx.log(result["note"])
    made_in = video.meta.get("container")
    if not result["reencoded"]:
        ctx.log("copied without encoding: the video is already in this format and quality")
    elif made_in and fmt in media.TRACK_CONTAINERS and made_in != fmt:
        ctx.log(
            f"encoded the whole {fmt.upper()} from the timeline's {made_in.upper()}: set the "
            f"Timeline's container to {fmt} and its edits re-export in seconds (copied)"
        )
    else:
        ctx.log(f"encoded the whole {fmt.upper()} at {params['quality']} quality")
    ctx.log(f"wrote {target}")
    subtitles = await write_subtitles(ctx, target, video.meta.get("cues"))
    loudness = result.get("loudness")
    if loudness is not None:
        _report_loudness(ctx, loudness, video.meta)
    meta = {
        "path": str(target),
        "format": fmt,
        "quality": params["quality"],
        "width": result["width"],
        "height": result["height"],
        "duration": round(result["duration"], 3),
        "reencoded": result["reencoded"],
    }
    if subtitles:
        meta["subtitles"] = [str(path) for path in subtitles]
    if loudness is not None:
        meta["loudness_lufs"] = loudness["integrated_lufs"]
        meta["true_peak_dbtp"] = loudness["true_peak_dbtp"]
    if result.get("copied"):
        # The export holds the very bytes of the input, which the cache already keeps.
        exported = Artifact(kind="video", path=video.path, digest=video.digest, meta=meta)
    else:
        # The exported file as the cache's own copy (a reflink where the file system offers
        # one): a hard link would let an edit of the export change the cache.
        stored = ctx.scratch / f"export{target.suffix}"
        try:
            await ctx.run_cpu(media.clone_file, target, stored)
        except OSError as exc:
            raise NodeError(
                f"cannot copy {target.name} into the cache: {exc.strerror or exc}"
            ) from None
        exported = await ctx.store(stored, "video", meta)
    ctx.preview(exported)
    return {"video": exported}


async def write_subtitles(ctx, target, cues):
    """The timeline's captions as .srt and .vtt beside the exported file (none without cues)."""
    if not cues:
        return []
    try:
        written = await ctx.run_cpu(media.write_subtitles, target, cues)
    except OSError as exc:
        raise NodeError(
            f"cannot write the subtitles beside {target.name}: {exc.strerror or exc}"
        ) from None
    ctx.log("subtitles: " + ", ".join(path.name for path in written))
    return written


def _report_loudness(ctx, loudness, source_meta):
    """Log what the delivered file measures; warn when it misses its delivery's target."""
    ctx.provenance["loudness"] = {k: v for k, v in loudness.items() if k != "summary"}
    ctx.log(f"{_target_note(source_meta)}{loudness['summary']}")
    measured, peak = loudness["integrated_lufs"], loudness["true_peak_dbtp"]
    wanted = source_meta.get("loudness_target_lufs")
    if measured is not None and wanted is not None and abs(measured - wanted) > 1.0:
        ctx.warn(
            f"the exported sound measures {measured:.1f} LUFS, not the {wanted:.0f} LUFS of its "
            f"{source_meta.get('loudness_target', 'loudness')} target"
        )
    if peak is not None and peak > -1.0:
        ctx.warn(
            f"the exported sound peaks at {peak:.1f} dBTP, above the -1 dBTP that streaming "
            "services and EBU R 128 allow: some players may distort it"
        )


def _target_note(source_meta):
    name = source_meta.get("loudness_target")
    return f"target {name} ({source_meta['loudness_target_lufs']:.0f} LUFS): " if name else ""


SPEC = NodeSpec(
    id="export.video",
    title="Export Video",
    category="Export",
    version=4,
    run=run,
    always_run=True,
    help="Saves the video where you choose: MP4 (H.264 + AAC, plays everywhere), WebM (VP9 + "
    "Opus, for the web) or an animated GIF (small, no sound). The file appears only when it "
    "is complete: a failed or cancelled export leaves nothing half-written behind. When the "
    "video has captions, they are written beside it as subtitle files (.srt and .vtt, same "
    "name). The saved file's sound is measured (integrated loudness in LUFS and true peak, ITU-R "
    "BS.1770) and reported.",
    inputs=(Input("video", PortType.VIDEO, help="The video to save."),),
    outputs=(Output("video", PortType.VIDEO, "The exported file."),),
    params=(
        Param.output(
            "path",
            "output.mp4",
            help="File to write, relative to the graph file's folder; its extension must match "
            "the format. A place outside the folder must be chosen by you (Export dialog, or -o "
            "on the command line): a graph file can never name one.",
        ),
        Param.choice(
            "format",
            "mp4",
            media.VIDEO_FORMATS,
            help="mp4 (H.264 + AAC), webm (VP9 + Opus) or gif (no sound).",
        ),
        Param.choice(
            "quality",
            "standard",
            media.QUALITY_PRESETS,
            help="draft: small and fast; standard: good for sharing; high: large.",
        ),
    ),
)
