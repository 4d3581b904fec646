"""The offline provider: every modality on this computer, no network, no account, no key.

Each engine is honest about what it is: a procedural sketch painter (not an image model), Ken Burns
motion over a still (not a video model), Piper neural voices (with eSpeak NG, a formant voice, for
other languages and as fallback), a procedural composer and synthesiser, a template text rewriter
(no language model) and an image-analysis describer.
Engines are imported when first used, so loading the provider list stays cheap.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studio.errors import ProviderError
from studio.providers.base import (
    Capability,
    ImageRequest,
    MediaResult,
    MusicRequest,
    Need,
    Provider,
    Readiness,
    SpeechRequest,
    TextRequest,
    TextResult,
    VideoRequest,
)

if TYPE_CHECKING:
    from studio.api import RunContext

MODELS: dict[Capability, tuple[str, ...]] = {
    Capability.IMAGE: ("procedural-v1",),
    Capability.VIDEO: ("kenburns",),
    Capability.SPEECH: ("piper", "espeak-ng"),
    Capability.MUSIC: ("procedural-v1",),
    Capability.TEXT: ("template-v1",),
    Capability.VISION: ("analysis-v1",),
}


class OfflineProvider(Provider):
    id = "offline"
    title = "Offline engines"
    capabilities = frozenset(MODELS)
    need = Need.NOTHING
    default_concurrency = os.cpu_count() or 2
    help = (
        "Runs on this computer with no network and no account. Pictures are procedural "
        "sketches from the prompt's keywords (not an AI model); video is Ken Burns motion "
        "over a still; speech is Piper (neural voices; eSpeak NG for other languages and "
        "as fallback); music is a procedural composer; text is a "
        "template rewriter (no language model); image descriptions come from colour and "
        "light analysis."
    )

    def models(self, capability: Capability) -> list[str]:
        return list(MODELS.get(capability, ()))

    async def readiness(self) -> Readiness:
        return Readiness(True, "offline", "runs on this computer: no network or account needed")

    def estimate_cost(self, capability: Capability, request: Any) -> float | None:
        return 0.0

    def cache_identity(self, capability: Capability, model: str | None) -> dict[str, Any]:
        identity = super().cache_identity(capability, model)
        identity["model"] = model or MODELS.get(capability, ("",))[0]
        if capability == Capability.SPEECH:
            # Whether Piper can speak here decides the result: installing it must re-run.
            from studio.providers.offline.speech_piper import piper_version
            from studio.providers.offline.voices import bundled_voice

            bundled = bundled_voice()
            identity["piper"] = piper_version()
            identity["bundled_voice"] = bundled.origin if bundled else None
            identity["speech_engine"] = 2
        if capability == Capability.IMAGE:
            identity["painter"] = 2  # people, boats, animals...; colour words; warnings
        return identity

    # -- helpers --------------------------------------------------------------------------------
    def _model(self, capability: Capability, requested: str | None) -> str:
        known = MODELS[capability]
        if requested and requested not in known:
            raise ProviderError(
                f"has no {capability.value} model {requested!r} (it has: {', '.join(known)})",
                provider=self.id,
            )
        return requested or known[0]

    def _provenance(self, ctx: RunContext, **fields: Any) -> dict[str, Any]:
        ctx.provenance.update({"provider": self.id, "cost_usd": 0.0, **fields})
        return dict(ctx.provenance)

    @staticmethod
    def _scratch_file(ctx: RunContext, stem: str, suffix: str) -> Path:
        return Path(ctx.scratch) / f"{stem}-{uuid.uuid4().hex[:8]}{suffix}"

    # -- capabilities ---------------------------------------------------------------------------
    async def generate_image(self, request: ImageRequest, ctx: RunContext) -> MediaResult:
        from studio.providers.offline.procedural_image import render_png, unpainted_report

        model = self._model(Capability.IMAGE, request.model)
        out = self._scratch_file(ctx, "sketch", ".png")
        ctx.progress(None, "painting an offline sketch")
        # Subjects it cannot paint are said, not silently replaced (the picture still comes).
        warning = unpainted_report(request.prompt, style=request.style, seed=request.seed)
        if warning:
            ctx.warn(warning)
        try:
            await ctx.run_cpu(
                render_png,
                out,
                request.prompt,
                width=request.width,
                height=request.height,
                seed=request.seed,
                mood=request.mood,
                palette=request.palette,
                style=request.style,
            )
        except ValueError as exc:
            raise ProviderError(str(exc), provider=self.id) from None
        provenance = self._provenance(ctx, model=model, seed=request.seed)
        return MediaResult(out, "image", provenance)

    async def image_to_video(self, request: VideoRequest, ctx: RunContext) -> MediaResult:
        try:
            from studio.media.kenburns import render_ken_burns
        except ImportError:
            raise ProviderError("the Ken Burns engine is not installed", provider=self.id) from None
        model = self._model(Capability.VIDEO, request.model)
        out = self._scratch_file(ctx, "kenburns", ".mp4")
        await ctx.run_cpu(
            render_ken_burns,
            Path(request.image),
            out,
            duration=request.duration,
            width=request.width,
            height=request.height,
            fps=request.fps,
            motion=request.motion,
            strength=request.strength,
            easing=request.easing,
            progress=ctx.progress,
            should_stop=lambda: ctx.cancelled,
        )
        provenance = self._provenance(ctx, model=model, seed=request.seed)
        return MediaResult(out, "video", provenance)

    async def speech(self, request: SpeechRequest, ctx: RunContext) -> MediaResult:
        from studio.providers.offline.speech import synthesize

        model = self._model(Capability.SPEECH, request.model)
        out = self._scratch_file(ctx, "speech", ".wav")
        result = await ctx.run_cpu(
            synthesize,
            request.text,
            out,
            voice=request.voice,
            engine=model,
            rate=request.rate,
            pitch=request.pitch,
            progress=ctx.progress,
            should_stop=lambda: ctx.cancelled,
        )
        for warning in result.warnings:
            ctx.warn(warning)
        ctx.log(f"spoken by {result.engine} with the voice {result.voice}")
        provenance = self._provenance(
            ctx, model=result.engine, engine=result.engine, voice=result.voice
        )
        meta = {
            "engine": result.engine,
            "voice": result.voice,
            "sample_rate": result.sample_rate,
            "duration": round(result.seconds, 3),
            # [start, end, text] of each sentence, as heard: captions follow them exactly.
            "sentences": [[start, end, text] for start, end, text in result.sentences],
        }
        return MediaResult(out, "audio", provenance, meta)

    async def music(self, request: MusicRequest, ctx: RunContext) -> MediaResult:
        from studio.providers.offline.music import render_music

        model = self._model(Capability.MUSIC, request.model)
        out = self._scratch_file(ctx, "music", ".wav")
        image = Path(request.image) if request.image is not None else None
        try:
            plan = await ctx.run_cpu(
                render_music,
                out,
                request.prompt,
                duration=request.duration,
                tempo=request.tempo,
                seed=request.seed,
                image=image,
                progress=ctx.progress,
                should_stop=lambda: ctx.cancelled,
            )
        except ValueError as exc:
            raise ProviderError(str(exc), provider=self.id) from None
        except OSError as exc:  # the picture could not be read
            raise ProviderError(f"could not read the picture: {exc}", provider=self.id) from None
        provenance = self._provenance(ctx, model=model, seed=request.seed, music=plan.summary())
        return MediaResult(out, "audio", provenance)

    async def describe_image(self, request: TextRequest, ctx: RunContext) -> TextResult:
        from studio.providers.offline.describe import describe

        model = self._model(Capability.VISION, request.model)
        if not request.images:
            raise ProviderError("describing needs a picture", provider=self.id)
        ctx.progress(None, "measuring colours and light")
        try:
            text = await ctx.run_cpu(describe, Path(request.images[0]))
        except (OSError, ValueError) as exc:
            raise ProviderError(f"could not read the picture: {exc}", provider=self.id) from None
        return TextResult(text, self._provenance(ctx, model=model))

    async def title_card(self, ctx: RunContext, **options: Any) -> MediaResult:
        """Draw a title card (offline only, not a provider capability); options as `TitleCard`."""
        from studio.providers.offline.title_card import TitleCard, render_title_card

        try:
            card = TitleCard(**options)
        except TypeError as exc:
            raise ProviderError(f"title card: {exc}", provider=self.id) from None
        out = self._scratch_file(ctx, "title", ".png")
        await ctx.run_cpu(render_title_card, card, out)
        return MediaResult(out, "image", self._provenance(ctx, model="title-card"))

    async def complete_text(self, request: TextRequest, ctx: RunContext) -> TextResult:
        from studio.providers.offline.template_text import rewrite

        model = self._model(Capability.TEXT, request.model)
        text = rewrite(request.prompt, request.system)
        return TextResult(text, self._provenance(ctx, model=model))
