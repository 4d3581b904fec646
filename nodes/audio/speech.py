"""audio.speech — a text spoken aloud."""

from __future__ import annotations

from studio.api import (
    OFFLINE_VOICES,
    Capability,
    Input,
    NodeError,
    NodeSpec,
    Output,
    Param,
    PortType,
    SpeechRequest,
)


async def run(ctx, inputs, params):
    text = (inputs.get("text") or "").strip()
    if not text:
        raise NodeError("the text is empty: connect a text with something to say")
    provider = ctx.providers.get(params["provider"], Capability.SPEECH)
    request = SpeechRequest(
        text=text,
        voice=params["voice"],
        rate=params["rate"],
        pitch=params["pitch"],
        model=params["model"].strip() or None,
    )
    ctx.progress(0.0, f"speaking with {provider.title}")
    result = await provider.speech(request, ctx)
    ctx.check_cancelled()
    meta = {"voice": request.voice, "provider": provider.id, "text": text[:2000]}
    audio = await ctx.store(result.path, "audio", meta)
    ctx.preview(audio)
    return {"audio": audio}


SPEC = NodeSpec(
    id="audio.speech",
    title="Speech",
    category="Audio",
    version=1,
    run=run,
    help="Speaks a text aloud. The offline engine is eSpeak NG: a clear, robotic voice in many "
    "languages, far faster than real time. Long texts (up to 200,000 characters, about three "
    "hours) are spoken in parts, with progress; choose another provider for natural voices.",
    inputs=(Input("text", PortType.TEXT, help="What to say."),),
    outputs=(Output("audio", PortType.AUDIO, "The spoken text (WAV from the offline engine)."),),
    params=(
        Param.string(
            "voice",
            "en-us",
            suggestions=OFFLINE_VOICES,
            help="The voice. Offline (eSpeak NG): a language and accent such as en-us, en-gb "
            "or fr-fr; +f3 is a female variant. ElevenLabs: a voice name or id from your "
            "account. OpenAI: alloy, ash, coral, echo, fable, nova, onyx, sage or shimmer.",
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
            help="How high the voice is: 0.5 is the voice's normal pitch.",
        ),
        Param.provider(Capability.SPEECH, help="Which engine speaks the text."),
        Param.string(
            "model",
            "",
            help="Model of the chosen provider; empty uses its default (offline: espeak-ng).",
        ),
    ),
)
