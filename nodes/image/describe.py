"""image.describe — a picture put into words."""

from __future__ import annotations

from studio.api import Capability, Input, NodeSpec, Output, Param, PortType, TextRequest

DEFAULT_QUESTION = "Describe this picture for someone who cannot see it."


async def run(ctx, inputs, params):
    image = inputs["image"]
    provider = ctx.providers.get(params["provider"], Capability.VISION)
    request = TextRequest(
        prompt=params["question"].strip(),
        images=(image.path,),
        model=params["model"].strip() or None,
    )
    ctx.progress(None, f"looking with {provider.title}")
    result = await provider.describe_image(request, ctx)
    text = result.text.strip()
    question = request.prompt
    if provider.id == "offline" and question and question != DEFAULT_QUESTION:
        # The offline engine measures colour and light; it cannot answer what was asked.
        ctx.warn(
            f'the offline engine cannot see what is in a picture, so "{question}" was not '
            "answered: it describes colours and light. Choose a vision provider for an answer."
        )
    ctx.preview(text)
    return {"text": text}


SPEC = NodeSpec(
    id="image.describe",
    title="Describe Image",
    category="Image",
    version=1,
    run=run,
    help="Puts a picture into words, e.g. for narration or alt text. The offline engine does "
    "not recognise objects: it reports what it can measure — size and shape, the main colours "
    "by name, brightness, contrast, warmth, where the light is, and the mood these suggest. "
    "Choose a vision provider for descriptions of what is in the picture.",
    inputs=(Input("image", PortType.IMAGE, help="The picture to describe."),),
    outputs=(Output("text", PortType.TEXT, "The description."),),
    params=(
        Param.text(
            "question",
            DEFAULT_QUESTION,
            help="What to ask a vision model; the offline engine always gives its "
            "colour-and-light description.",
        ),
        Param.provider(Capability.VISION, help="Which engine looks at the picture."),
        Param.string(
            "model",
            "",
            help="Model of the chosen provider; empty uses its default (offline: analysis-v1).",
        ),
    ),
)
