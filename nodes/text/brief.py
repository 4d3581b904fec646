"""text.brief — one creative brief (subject, mood, style, palette) every prompt can reference."""

from __future__ import annotations

from studio.api import NodeSpec, Output, Param, PortType


async def run(ctx, inputs, params):
    fields = {name: params[name].strip() for name in ("subject", "mood", "style", "palette")}
    brief = "\n".join(f"{name}: {value}" for name, value in fields.items())
    ctx.preview(brief)
    return {"brief": brief, **fields}


SPEC = NodeSpec(
    id="text.brief",
    title="Creative Brief",
    category="Text",
    version=1,
    run=run,
    help="The idea in four fields. Connect `brief` to prompts and generators: edit it once and "
    "every modality follows.",
    outputs=(
        Output("brief", PortType.TEXT, 'All four fields, one per line ("mood: ...").'),
        Output("subject", PortType.TEXT, "The subject alone."),
        Output("mood", PortType.TEXT, "The mood alone."),
        Output("style", PortType.TEXT, "The style alone."),
        Output("palette", PortType.TEXT, "The palette alone."),
    ),
    params=(
        Param.text("subject", "a lighthouse on a cliff at dusk", help="What the piece is about."),
        Param.string("mood", "calm, hopeful", help="Mood words, e.g. 'calm, hopeful' or 'tense'."),
        Param.string("style", "cinematic", help="Visual and musical style, e.g. 'cinematic'."),
        Param.string("palette", "deep blue, amber", help="Colour words, e.g. 'deep blue, amber'."),
    ),
)
