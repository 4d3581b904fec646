"""export.versions — the deliverables of one timeline: every format and language as a version."""

from __future__ import annotations

from studio.api import Capability, Input, NodeError, NodeSpec, Output, Param, PortType, media


async def run(ctx, inputs, params):
    videos = inputs.get("timeline") or []
    if not videos or any("version" not in video.meta for video in videos):
        # The engine expands this node into its versions before a run (studio.engine.versions):
        # reaching here with the timeline's own video means a runner that does not.
        raise NodeError(
            "the versions were not expanded: run the graph with the studio (window or "
            "`studio render`), which makes each version from the timeline"
        )
    lines = []
    for video in videos:
        meta = video.meta
        loudness = meta.get("loudness_lufs")
        sound = f"{loudness:.1f} LUFS" if loudness is not None else "no sound"
        lines.append(
            f"{meta['version']}: {meta['width']}x{meta['height']}, {meta['duration']:.1f} s, "
            f"{sound}, {meta['path']}"
        )
    report = "\n".join(lines)
    ctx.log(f"{len(videos)} versions written:\n{report}")
    ctx.preview(report)
    return {"videos": list(videos), "report": report}


SPEC = NodeSpec(
    id="export.versions",
    title="Versions",
    category="Export",
    version=1,
    run=run,
    always_run=True,
    help="Delivers one timeline everywhere: each line of `versions` is a version, a format "
    "(16x9, 9x16, 1x1, 4x5 or WxH), a language (fr, de, ja...), a container (mp4, webm, gif) "
    "and a loudness (online -14, podcast -16, broadcast -23 LUFS), e.g. '9x16 fr'. Each is "
    "written as PATH.FORMAT.LANGUAGE.EXT (piece.9x16.fr.mp4) with .srt and .vtt subtitles "
    "beside it. Work is shared: the picture is made once per format (reframed to follow the "
    "subject), the narration translated and spoken once per language, the music once. Another "
    "language needs a text provider that can translate (Ollama, OpenAI, Anthropic, Gemini). "
    "`studio render GRAPH --versions 9x16.fr,16x9.en` makes some of them.",
    inputs=(
        Input(
            "timeline",
            PortType.VIDEO_LIST,
            help="The Timeline whose versions these are (connect its video).",
        ),
    ),
    outputs=(
        Output("videos", PortType.VIDEO_LIST, "The versions' files, in the list's order."),
        Output("report", PortType.TEXT, "One line per version: size, length, loudness, file."),
    ),
    params=(
        Param.output(
            "path",
            "piece",
            help="The versions' base name, relative to the graph file's folder: 'out/piece' "
            "writes out/piece.9x16.fr.mp4 and so on. A place outside the folder must be chosen "
            "by you (-o on the command line).",
        ),
        Param.text(
            "versions",
            "16x9\n9x16\n1x1",
            help="One version a line: a format (16x9, 9x16, 1x1, 4x5 or WxH), then any of a "
            "language (fr; the piece's own when left out), a container (mp4, webm, gif) and a "
            "loudness (online, podcast, broadcast). '#' starts a comment.",
        ),
        Param.string(
            "language",
            "en",
            help="The language the timeline's narration and captions are written in.",
        ),
        Param.provider(
            Capability.TEXT,
            default="ollama",
            name="translator",
            help="The language model that translates for versions in other languages.",
        ),
        Param.string(
            "translator_model", "", help="The translator's model; empty uses its default."
        ),
        Param.choice(
            "quality",
            "standard",
            media.QUALITY_PRESETS,
            help="Encoding quality of every version.",
        ),
    ),
)
