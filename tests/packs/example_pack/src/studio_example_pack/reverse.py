"""example.reverse — a text node: the connected text, reversed by characters or by words."""

from __future__ import annotations

from studio.api import Input, NodeSpec, Output, Param, PortType


async def run(ctx, inputs, params):
    text = inputs["text"]
    result = " ".join(reversed(text.split())) if params["by"] == "words" else text[::-1]
    ctx.preview(result)
    return {"text": result}


SPEC = NodeSpec(
    id="example.reverse",
    title="Reverse Text",
    category="Example",
    version=1,
    run=run,
    help="Reverses a text: 'characters' mirrors it letter by letter, 'words' keeps each word "
    "but reverses their order.",
    inputs=(Input("text", PortType.TEXT, help="The text to reverse."),),
    outputs=(Output("text", PortType.TEXT, "The reversed text."),),
    params=(
        Param.choice(
            "by",
            "characters",
            ("characters", "words"),
            help="Reverse letter by letter, or the order of the words.",
        ),
    ),
)
