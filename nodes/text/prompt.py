"""text.prompt — a text template whose {variables} come from the brief and connected texts."""

from __future__ import annotations

from studio.api import Input, NodeSpec, Output, Param, PortType, format_template, parse_brief


async def run(ctx, inputs, params):
    variables = dict(parse_brief(inputs.get("brief")))
    for name in ("a", "b", "c"):
        if inputs.get(name) is not None:
            variables[name] = inputs[name]
    if inputs.get("brief") is not None:
        variables["brief"] = inputs["brief"]
    text = format_template(params["template"], variables).strip()
    ctx.preview(text)
    return {"text": text}


SPEC = NodeSpec(
    id="text.prompt",
    title="Prompt",
    category="Text",
    version=1,
    run=run,
    help="Writes a text from a template. {subject}, {mood}, {style} and {palette} come from a "
    "connected brief; {a}, {b}, {c} from the connected texts. Use {{ and }} for literal braces.",
    inputs=(
        Input("brief", PortType.TEXT, optional=True, help="A creative brief."),
        Input("a", PortType.TEXT, optional=True, help="Any text, used as {a}."),
        Input("b", PortType.TEXT, optional=True, help="Any text, used as {b}."),
        Input("c", PortType.TEXT, optional=True, help="Any text, used as {c}."),
    ),
    outputs=(Output("text", PortType.TEXT, "The filled-in text."),),
    params=(
        Param.text(
            "template",
            "{subject}, {style}, {mood}, colours of {palette}",
            help="The text to write; {names} are replaced by their values.",
        ),
    ),
)
