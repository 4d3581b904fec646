"""text.translate — a language model turns a text (narration, captions) into another language."""

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
    languages,
)

CHUNK_CHARACTERS = 1500  # a long text is translated a few paragraphs at a time


def chunks(text: str, limit: int = CHUNK_CHARACTERS) -> list[str]:
    """Paragraphs (blank-line separated) grouped into pieces of at most `limit` characters; a
    longer paragraph is cut between its lines, then its sentences."""
    pieces: list[str] = []
    current = ""
    for paragraph in [p.strip() for p in text.split("\n\n") if p.strip()]:
        parts = [paragraph]
        if len(paragraph) > limit:
            parts = [line for line in paragraph.splitlines() if line.strip()]
            parts = [s for line in parts for s in _sentences(line, limit)]
        for number, part in enumerate(parts):
            joiner = "\n" if number else "\n\n"
            if current and len(current) + len(joiner) + len(part) > limit:
                pieces.append(current)
                current = part
            else:
                current = f"{current}{joiner}{part}" if current else part
    if current:
        pieces.append(current)
    return pieces


def _sentences(line: str, limit: int) -> list[str]:
    import re

    if len(line) <= limit:
        return [line]
    out, current = [], ""
    for sentence in re.split(r"(?<=[.!?。！？])\s*", line):
        if current and len(current) + len(sentence) + 1 > limit:
            out.append(current)
            current = sentence
        else:
            current = f"{current} {sentence}".strip()
    return [*out, current] if current else out


async def run(ctx, inputs, params):
    text = (inputs.get("text") or "").strip()
    if not text:
        raise NodeError("nothing to translate: connect a text")
    try:
        code = languages.normalise_language(params["language"])
    except languages.LanguageError as exc:
        raise NodeError(str(exc)) from None
    name = languages.language_name(code)
    found = await languages.find_translator(ctx.providers, code, params["provider"])
    if found.problem:
        raise NodeError(found.problem)
    provider = ctx.providers.get(found.provider_id, Capability.TEXT)
    system = languages.translation_instructions(code)
    if params["instructions"].strip():
        system += " " + params["instructions"].strip()
    pieces = chunks(text)
    done = []
    for index, piece in enumerate(pieces):
        ctx.check_cancelled()
        ctx.progress(index / len(pieces), f"translating into {name} with {provider.title}")
        request = TextRequest(
            prompt=piece,
            system=system,
            model=params["model"].strip() or None,
            # Room for a translation longer than its source (German, or a script with more
            # tokens per word), never below the user's setting.
            max_tokens=max(params["max_tokens"], len(piece)),
            temperature=params["temperature"],
        )
        result = await provider.complete_text(request, ctx)
        answer = result.text.strip()
        if not answer:
            raise NodeError(f"{provider.title} answered with an empty translation")
        done.append(answer)
    translated = "\n\n".join(done)
    ctx.log(f"translated into {name} by {provider.title}")
    ctx.preview(translated)
    return {"text": translated}


SPEC = NodeSpec(
    id="text.translate",
    title="Translate",
    category="Text",
    version=1,
    run=run,
    help="Translates a text (the narration, the captions) into another language with a "
    "language model: Ollama or any OpenAI-compatible server on your machine, or OpenAI, "
    "Claude or Gemini with a key. Keeps the line breaks and one sentence per sentence, so "
    "captions stay in step with the voice. The offline engine cannot translate: the node "
    "says what to set up.",
    inputs=(Input("text", PortType.TEXT, help="The text to translate."),),
    outputs=(Output("text", PortType.TEXT, "The translated text."),),
    params=(
        Param.string(
            "language",
            "fr",
            suggestions=tuple(languages.LANGUAGES),
            help="The language to translate into: a code (fr, de, ja, pt-br, zh) or its "
            "English name (French).",
        ),
        Param.provider(
            Capability.TEXT,
            default="ollama",
            help="Which language model translates (the offline engine cannot).",
        ),
        Param.string("model", "", help="Model of the chosen provider; empty uses its default."),
        Param.string(
            "instructions",
            "",
            help="Extra guidance for the model, e.g. 'informal tone' or a glossary (optional).",
        ),
        Param.int(
            "max_tokens",
            2000,
            minimum=64,
            maximum=16000,
            help="Longest answer per piece of the text, in tokens.",
        ),
        Param.float(
            "temperature",
            0.2,
            minimum=0.0,
            maximum=1.0,
            help="Low keeps the translation literal and repeatable.",
        ),
    ),
)
