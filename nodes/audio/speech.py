"""audio.speech — a text spoken aloud."""

from __future__ import annotations

from studio.api import (
    Capability,
    Input,
    NodeError,
    NodeSpec,
    Output,
    Param,
    PortType,
    SpeechRequest,
    languages,
    offline_voices,
)


async def run(ctx, inputs, params):
    text = (inputs.get("text") or "").strip()
    if not text:
        raise NodeError("the text is empty: connect a text with something to say")
    provider = ctx.providers.get(params["provider"], Capability.SPEECH)
    voice = params["voice"]
    if params["language"].strip():
        try:
            code = languages.normalise_language(params["language"])
        except languages.LanguageError as exc:
            raise NodeError(str(exc)) from None
        if provider.id == "offline":
            # The offline engine takes a language for a voice: a Piper voice for it when one
            # is installed, else eSpeak NG; it says which (and warns about eSpeak).
            voice = languages.speech_language(code)
        ctx.log(f"speaking {languages.language_name(code)}")
    request = SpeechRequest(
        text=text,
        voice=voice,
        rate=params["rate"],
        pitch=params["pitch"],
        model=params["model"].strip() or None,
    )
    ctx.progress(0.0, f"speaking with {provider.title}")
    result = await provider.speech(request, ctx)
    ctx.check_cancelled()
    # The provider's facts (engine, the voice that spoke, sentence timings) first; then the node's.
    meta = {**result.meta, "provider": provider.id, "text": text[:2000]}
    meta.setdefault("voice", request.voice)
    audio = await ctx.store(result.path, "audio", meta)
    ctx.preview(audio)
    return {"audio": audio}


SPEC = NodeSpec(
    id="audio.speech",
    title="Speech",
    category="Audio",
    version=2,
    run=run,
    help="Speaks a text aloud. Offline, a Piper neural voice speaks (US English 'joe' comes "
    "with the studio; `studio voices` adds more); languages without a Piper voice are spoken "
    "by eSpeak NG, a clear but robotic voice, and the node warns. Long texts (up to 200,000 "
    "characters, about three hours) are spoken sentence by sentence, with progress; the "
    "audio records when each sentence sounds, so the timeline's captions follow the voice.",
    inputs=(Input("text", PortType.TEXT, help="What to say."),),
    outputs=(Output("audio", PortType.AUDIO, "The spoken text (WAV from the offline engine)."),),
    params=(
        Param.string(
            "voice",
            "en-us",
            suggestions=offline_voices(),
            help="The voice. Offline: a Piper voice by name (joe) or key (en_US-joe-medium), "
            "or a language such as en-us, en-gb or fr-fr (Piper's voice for it if one is "
            "installed, else eSpeak NG; +f3 is a female eSpeak variant). ElevenLabs: a voice "
            "name or id from your account. OpenAI: alloy, ash, coral, echo, fable, nova, onyx, "
            "sage or shimmer.",
        ),
        Param.string(
            "language",
            "",
            suggestions=tuple(languages.LANGUAGES),
            help="The language the text is in (fr, de, ja...); empty keeps the voice above. "
            "Offline, it picks the voice: a Piper voice for that language when one is "
            "installed, else eSpeak NG; the run log says which. ElevenLabs and OpenAI voices "
            "speak many languages and keep the chosen voice.",
        ),
        Param.float(
            "rate",
            1.0,
            minimum=0.5,
            maximum=2.5,
            help="Speaking speed: 1 is normal, 0.5 half as fast, 2 twice as fast.",
        ),
        Param.float(
            "pitch",
            0.5,
            minimum=0.0,
            maximum=1.0,
            help="How high the voice is: 0.5 is the voice's normal pitch (eSpeak NG only; "
            "Piper voices keep their own pitch).",
        ),
        Param.provider(Capability.SPEECH, help="Which engine speaks the text."),
        Param.string(
            "model",
            "",
            help="Model of the chosen provider; empty uses its default. Offline: piper (the "
            "default, falls back to eSpeak NG where it cannot speak) or espeak-ng.",
        ),
    ),
)
