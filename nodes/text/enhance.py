"""text.enhance — an LLM rewrites a prompt for one target (image, video, speech, music), keeping
the brief."""

from __future__ import annotations

from studio.api import (
    Capability,
    Input,
    NodeError,
    NodeSpec,
    Output,
    Param,
    PortType,
    TextRequest,
    parse_brief,
)

# Each instruction names only its own modality: the offline engine picks its template from the
# words it sees, and a language model is steered the same way.
INSTRUCTIONS = {
    "image": (
        "You write prompts for a text-to-image model. Rewrite the idea below into one vivid "
        "prompt for a single still picture: subject, setting, composition, lighting, lens and "
        "materials. Keep the subject, mood, style and palette given. Answer with the prompt "
        "only, in one paragraph, no quotes."
    ),
    "video": (
        "You write prompts for an image-to-video model. Rewrite the idea below into one prompt "
        "for a short video clip: what moves, how the camera moves, pace and atmosphere. Keep "
        "the subject, mood, style and palette given. Answer with the prompt only, in one "
        "paragraph, no quotes."
    ),
    "speech": (
        "You write narration to be spoken by a text-to-speech voice. Turn the idea below into "
        "two to four short, natural sentences of narration, easy to say aloud, with the mood "
        "given. Keep the subject. Answer with the narration only, no stage directions."
    ),
    "music": (
        "You write prompts for a text-to-music model. Rewrite the idea below into one prompt "
        "for instrumental music: genre, instruments, tempo in BPM, mood and how it develops. "
        "Keep the mood and style given. Answer with the prompt only, no lyrics, no quotes."
    ),
}


def request_text(prompt: str, brief: str | None) -> str:
    """The idea and the brief as `field: value` lines (what both LLMs and the offline engine
    read)."""
    fields = parse_brief(brief)
    subject = prompt or fields["subject"]
    lines = [f"subject: {subject}"]
    lines += [f"{name}: {fields[name]}" for name in ("mood", "style", "palette") if fields[name]]
    if prompt and fields["subject"] and fields["subject"] not in prompt:
        lines.append(f"context: the brief is about {fields['subject']}")
    return "\n".join(lines)


def tidy(text: str) -> str:
    """The answer without wrapping quotes or a leading label a model may add."""
    text = text.strip()
    for label in ("Prompt:", "Narration:", "Music prompt:", "Video prompt:", "Image prompt:"):
        if text.lower().startswith(label.lower()):
            text = text[len(label) :].strip()
    pairs = {'"': '"', "'": "'", "“": "”"}
    if len(text) > 1 and pairs.get(text[0]) == text[-1]:
        text = text[1:-1].strip()
    return text


async def run(ctx, inputs, params):
    prompt = " ".join((inputs.get("prompt") or "").split())
    brief = inputs.get("brief")
    if not prompt and not parse_brief(brief)["subject"]:
        raise NodeError("nothing to enhance: connect a prompt or a brief with a subject")
    system = INSTRUCTIONS[params["target"]]
    if params["instructions"].strip():
        system += " " + params["instructions"].strip()
    provider = ctx.providers.get(params["provider"], Capability.TEXT)
    request = TextRequest(
        prompt=request_text(prompt, brief),
        system=system,
        model=params["model"].strip() or None,
        max_tokens=params["max_tokens"],
        temperature=params["temperature"],
    )
    ctx.progress(None, f"asking {provider.title} for a {params['target']} prompt")
    result = await provider.complete_text(request, ctx)
    text = tidy(result.text)
    if not text:
        raise NodeError(f"{provider.title} answered with an empty text")
    ctx.preview(text)
    return {"text": text}


SPEC = NodeSpec(
    id="text.enhance",
    title="Enhance Prompt",
    category="Text",
    version=1,
    run=run,
    help="Rewrites a prompt for one target (a picture, a video clip, spoken narration or "
    "music), keeping the brief's subject, mood, style and palette. With an LLM provider (Ollama, "
    "OpenAI, Claude, Gemini...) it writes a richer prompt; the offline engine fills a fixed "
    "template with the brief's words (predictable, free, no model involved).",
    inputs=(
        Input("prompt", PortType.TEXT, optional=True, help="The idea to rewrite."),
        Input(
            "brief",
            PortType.TEXT,
            optional=True,
            help="A creative brief whose mood, style and palette the result keeps.",
        ),
    ),
    outputs=(Output("text", PortType.TEXT, "The rewritten prompt (or narration)."),),
    params=(
        Param.choice(
            "target",
            "image",
            ("image", "video", "speech", "music"),
            help="What the text is for: a picture, a video clip, narration to speak, or music.",
        ),
        Param.string(
            "instructions", "", help="Extra guidance for the LLM, e.g. 'under 40 words' (optional)."
        ),
        Param.provider(Capability.TEXT, help="Which engine rewrites the prompt."),
        Param.string("model", "", help="Model of the chosen provider; empty uses its default."),
        Param.int(
            "max_tokens",
            300,
            minimum=16,
            maximum=4000,
            help="Longest answer, in tokens (about 3/4 of a word each).",
        ),
        Param.float(
            "temperature",
            0.7,
            minimum=0.0,
            maximum=2.0,
            help="Higher is more inventive, lower more literal.",
        ),
    ),
)
