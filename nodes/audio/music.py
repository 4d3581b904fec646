"""audio.music — a piece of music from mood words, a brief, or a picture's look."""

from __future__ import annotations

from studio.api import (
    Capability,
    Input,
    MusicRequest,
    NodeSpec,
    Output,
    Param,
    PortType,
    parse_brief,
)


async def run(ctx, inputs, params):
    brief = parse_brief(inputs.get("brief"))
    words = [inputs.get("prompt") or "", brief["mood"], brief["style"]]
    prompt = ", ".join(w.strip() for w in words if w and w.strip())
    image = inputs.get("image")
    provider = ctx.providers.get(params["provider"], Capability.MUSIC)
    request = MusicRequest(
        prompt=prompt,
        duration=params["duration"],
        tempo=params["tempo"] or None,
        seed=params["seed"],
        model=params["model"].strip() or None,
        image=image.path if image is not None else None,
    )
    ctx.progress(0.0, f"composing with {provider.title}")
    result = await provider.music(request, ctx)
    ctx.check_cancelled()
    meta = {
        "duration": request.duration,
        "provider": provider.id,
        "seed": request.seed,
        "prompt": prompt,
    }
    audio = await ctx.store(result.path, "audio", meta)
    ctx.preview(audio)
    return {"audio": audio}


SPEC = NodeSpec(
    id="audio.music",
    title="Music",
    category="Audio",
    version=2,
    run=run,
    help='Composes music from mood words ("calm, hopeful", "tense", "joyful"), a brief\'s '
    "mood and style, and optionally a picture: bright, warm pictures sound happier, saturated "
    "and contrasty ones livelier. The offline engine is a rule-based composer and synthesiser "
    "(pad, bass, melody, arpeggio, drums), not an AI model; the same seed gives the same music.",
    inputs=(
        Input("prompt", PortType.TEXT, optional=True, help="Mood and style words."),
        Input("brief", PortType.TEXT, optional=True, help="A creative brief: mood and style."),
        Input(
            "image",
            PortType.IMAGE,
            optional=True,
            help="A picture whose colour, brightness and contrast set the mood.",
        ),
    ),
    outputs=(Output("audio", PortType.AUDIO, "The music (48 kHz stereo WAV offline)."),),
    params=(
        Param.float("duration", 30.0, minimum=1.0, maximum=600.0, help="Length in seconds."),
        Param.int(
            "tempo",
            0,
            minimum=0,
            maximum=200,
            help="Beats per minute; 0 lets the mood choose (calm is slow, lively fast).",
        ),
        Param.seed(help="Same seed, same music; change it for another tune in the same mood."),
        Param.provider(Capability.MUSIC, help="Which engine composes the music."),
        Param.string(
            "model",
            "",
            help="Model of the chosen provider; empty uses its default (offline: procedural-v1).",
        ),
    ),
)
