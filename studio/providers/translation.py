"""Languages and translation: the names a model is asked in, the voice a language is spoken
with, and the check that refuses a version in another language before a run when no text
provider can translate.

Translation needs a language model: a remote API (OpenAI, Anthropic, Gemini) with its key, or a
local server (Ollama, any OpenAI-compatible server such as LM Studio) that answers. The offline
text engine fills templates and cannot translate, so it never counts.

For the versions helper (a deliverables node, `studio render --versions`):

    problem = await translation_problem(registry, "fr", provider_id=None)
    if problem:                      # refuse the version before the run, in these words
        raise ...(problem)

`translation_problem` returns None when a provider can translate now (the `provider_id` one
when given, else any), else a sentence saying what to set up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from studio.providers.base import Capability, Need, Provider

OFFLINE_ID = "offline"

# Code -> English name: what a model is told, and what messages say. Codes are ISO 639-1 (or -3
# where there is none), optionally with a region ("pt-br"), which is kept in the name.
LANGUAGES: dict[str, str] = {
    "ar": "Arabic",
    "bn": "Bengali",
    "ca": "Catalan",
    "cs": "Czech",
    "da": "Danish",
    "de": "German",
    "el": "Greek",
    "en": "English",
    "es": "Spanish",
    "fa": "Persian",
    "fi": "Finnish",
    "fr": "French",
    "he": "Hebrew",
    "hi": "Hindi",
    "hu": "Hungarian",
    "id": "Indonesian",
    "it": "Italian",
    "ja": "Japanese",
    "ko": "Korean",
    "ms": "Malay",
    "nb": "Norwegian Bokmål",
    "nl": "Dutch",
    "pl": "Polish",
    "pt": "Portuguese",
    "ro": "Romanian",
    "ru": "Russian",
    "sv": "Swedish",
    "sw": "Swahili",
    "ta": "Tamil",
    "th": "Thai",
    "tr": "Turkish",
    "uk": "Ukrainian",
    "ur": "Urdu",
    "vi": "Vietnamese",
    "zh": "Chinese (Simplified)",
    "zh-tw": "Chinese (Traditional)",
}
REGIONS = {"br": "Brazil", "pt": "Portugal", "us": "US", "gb": "UK", "mx": "Mexico", "ca": "Canada"}
# eSpeak NG names a few languages its own way.
ESPEAK_NAMES = {"zh": "cmn", "zh-tw": "cmn", "no": "nb"}
_CODE = re.compile(r"^([a-z]{2,3})(?:[-_]([a-z]{2,4}))?$")


class LanguageError(ValueError):
    """A language a user typed that is neither a known code nor a known name."""


def normalise_language(text: str) -> str:
    """A language code from what a user typed: "fr", "FR", "fr_FR", "French" -> "fr"/"fr-fr"."""
    raw = " ".join((text or "").split()).lower().replace("_", "-")
    if not raw:
        raise LanguageError("no language given: name one, such as fr, de, ja or French")
    if raw in LANGUAGES:
        return raw
    by_name = {name.lower(): code for code, name in LANGUAGES.items()}
    if raw in by_name:
        return by_name[raw]
    match = _CODE.match(raw)
    if match and match.group(1) in LANGUAGES:
        return raw
    known = ", ".join(sorted(LANGUAGES))
    raise LanguageError(f"unknown language {text!r} (known codes: {known}; or an English name)")


def language_name(code: str) -> str:
    """ "fr" -> "French", "pt-br" -> "Portuguese (Brazil)"."""
    code = normalise_language(code)
    if code in LANGUAGES:
        return LANGUAGES[code]
    base, _, region = code.partition("-")
    return f"{LANGUAGES[base]} ({REGIONS.get(region, region.upper())})"


def base_language(code: str) -> str:
    """ "fr-ca" -> "fr" (what a voice or a font needs)."""
    code = normalise_language(code)
    return code if code in LANGUAGES else code.split("-")[0]


def speech_language(code: str) -> str:
    """The language a speech engine is asked for: "fr" -> "fr", "zh" -> "cmn" (eSpeak's name).

    The offline engine's `choose` then takes a Piper voice for it when one is installed and
    eSpeak NG otherwise, and says which (`studio.providers.offline.speech`).
    """
    code = normalise_language(code)
    return ESPEAK_NAMES.get(code, ESPEAK_NAMES.get(base_language(code), code))


def translation_instructions(code: str) -> str:
    """The system prompt that asks a model for a faithful translation into `code`."""
    name = language_name(code)
    return (
        f"You are a professional translator. Translate the user's text into {name}. Keep its "
        "meaning, tone and register; keep every line break and the sentence boundaries (each "
        "sentence becomes one sentence, so captions stay in step with the voice); keep names, "
        "numbers and brand names as they are. Answer with the translation only: no notes, no "
        "quotes, no transliteration."
    )


# -- the check before a run ----------------------------------------------------------------------
@dataclass(frozen=True)
class Translator:
    """Which provider would translate, or why none can."""

    provider_id: str | None
    problem: str | None


def can_translate(provider: Provider) -> bool:
    """A provider that offers text generation and is a language model (not the offline engine)."""
    return Capability.TEXT in provider.capabilities and provider.id != OFFLINE_ID


async def find_translator(
    registry: object, language: str, provider_id: str | None = None
) -> Translator:
    """The provider that would translate into `language` now, or a problem in user words.

    `registry` is a `ProviderRegistry`. With `provider_id`, that provider must be a language
    model and ready (its key set, or its server answering); without, the first ready one of
    the registry's text providers is taken.
    """
    name = language_name(language)
    providers = registry.all()  # type: ignore[attr-defined]
    if provider_id:
        chosen = next((p for p in providers if p.id == provider_id), None)
        if chosen is None or not can_translate(chosen):
            return Translator(None, _setup_message(name, providers, asked=provider_id))
        ready = await chosen.readiness()
        if ready.ready:
            return Translator(chosen.id, None)
        detail = f" ({ready.detail})" if ready.detail else ""
        return Translator(
            None,
            f"a {name} version needs a translation, and {chosen.title} cannot translate now: "
            f"{ready.state}{detail}. " + _how_to_set_up(chosen),
        )
    for provider in providers:
        if can_translate(provider) and (await provider.readiness()).ready:
            return Translator(provider.id, None)
    return Translator(None, _setup_message(name, providers))


async def translation_problem(
    registry: object, language: str, provider_id: str | None = None
) -> str | None:
    """None when a version in `language` can be translated now, else what to set up."""
    return (await find_translator(registry, language, provider_id)).problem


def _how_to_set_up(provider: Provider) -> str:
    if provider.need is Need.KEY:
        from studio.providers import keys

        return f"Set its key: {keys.how_to_set(provider.id)}."
    if provider.need is Need.SERVER:
        return (
            f"Start the {provider.title} server, or set its address in Settings ▸ Providers "
            "(studio providers shows what answers)."
        )
    return ""


def _setup_message(name: str, providers: list[Provider], asked: str | None = None) -> str:
    text = [p for p in providers if can_translate(p)]
    titles = ", ".join(p.title for p in text) or "none installed"
    start = f"a {name} version needs a translation, and "
    if asked == OFFLINE_ID:
        start += "the offline text engine cannot translate (it fills templates). "
    elif asked:
        start += f"{asked!r} is not a language model provider. "
    else:
        start += "no text provider that can translate is set up. "
    return start + (
        f"Set one up: a key for OpenAI, Anthropic or Gemini (Settings ▸ Providers, or the "
        f"OPENAI_API_KEY / ANTHROPIC_API_KEY / GEMINI_API_KEY variable), or a local Ollama or "
        f"OpenAI-compatible server (LM Studio, vLLM) running. Text providers: {titles}."
    )
