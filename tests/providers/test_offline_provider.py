"""The offline provider as the studio sees it: always ready, every capability, honest provenance."""

from __future__ import annotations

import asyncio
import wave
from pathlib import Path

import pytest
from PIL import Image

from studio.errors import ProviderError
from studio.providers.base import (
    Capability,
    ImageRequest,
    MusicRequest,
    Need,
    SpeechRequest,
    TextRequest,
    VideoRequest,
)
from studio.providers.offline import PROVIDERS, OfflineProvider
from studio.providers.offline.template_text import detect_target, rewrite


class _Context:
    """The slice of RunContext a provider uses, running CPU work in a thread like the executor."""

    def __init__(self, scratch: Path) -> None:
        self.scratch = scratch
        self.provenance: dict = {}
        self.progress_seen: list = []
        self.warnings: list = []
        self.logs: list = []
        self.cancelled = False

    def warn(self, message):
        self.warnings.append(message)

    def log(self, message):
        self.logs.append(message)

    def progress(self, fraction, message=""):
        self.progress_seen.append((fraction, message))

    async def run_cpu(self, function, *args, **kwargs):
        return await asyncio.to_thread(function, *args, **kwargs)


@pytest.fixture
def offline(tmp_path):
    return OfflineProvider(), _Context(tmp_path)


def test_registered_ready_and_offering_everything():
    from studio.providers.setup import default_providers

    provider = default_providers().get("offline")
    assert isinstance(provider, OfflineProvider) and PROVIDERS[0].id == "offline"
    assert provider.capabilities == frozenset(Capability)
    assert provider.need is Need.NOTHING
    readiness = asyncio.run(provider.readiness())
    assert readiness.ready and readiness.state == "offline"
    assert provider.models(Capability.SPEECH) == ["piper", "espeak-ng"]
    assert provider.default_concurrency >= 1
    assert "not an AI model" in provider.help or "no language model" in provider.help


def test_image_speech_and_music_write_files_with_provenance(offline):
    provider, ctx = offline
    image = asyncio.run(provider.generate_image(ImageRequest("a calm sea", 128, 96, seed=4), ctx))
    assert image.kind == "image" and image.path.parent == ctx.scratch
    assert Image.open(image.path).size == (128, 96)
    assert image.provenance == {
        "provider": "offline",
        "model": "procedural-v1",
        "seed": 4,
        "cost_usd": 0.0,
    }
    spoken = asyncio.run(provider.speech(SpeechRequest("Hello from the offline voice."), ctx))
    with wave.open(str(spoken.path), "rb") as wav:
        assert wav.getnframes() > 22050
    assert ctx.provenance["model"] == ctx.provenance["engine"] == "piper"
    assert ctx.provenance["voice"] == spoken.meta["voice"] == "en_US-joe-medium"
    assert [s[2] for s in spoken.meta["sentences"]] == ["Hello from the offline voice."]
    assert ctx.warnings == [] and ctx.logs == ["spoken by piper with the voice en_US-joe-medium"]
    french = asyncio.run(provider.speech(SpeechRequest("Bonjour.", voice="fr-fr"), ctx))
    assert french.meta["engine"] == ctx.provenance["engine"] == "espeak-ng"
    assert "no Piper voice for 'fr-fr'" in ctx.warnings[0]
    song = asyncio.run(
        provider.music(MusicRequest("calm", duration=3.0, seed=2, image=image.path), ctx)
    )
    with wave.open(str(song.path), "rb") as wav:
        assert wav.getnframes() == 3 * 48000
    assert "bpm" in song.provenance["music"]


def test_unknown_model_and_bad_requests_are_provider_errors(offline):
    provider, ctx = offline
    with pytest.raises(ProviderError, match="no image model 'flux'"):
        asyncio.run(provider.generate_image(ImageRequest("x", model="flux"), ctx))
    with pytest.raises(ProviderError, match=r"16\.\.4096"):
        asyncio.run(provider.generate_image(ImageRequest("x", width=5000), ctx))
    with pytest.raises(ProviderError, match="at most 600"):
        asyncio.run(provider.music(MusicRequest("x", duration=900), ctx))
    with pytest.raises(ProviderError, match="needs a picture"):
        asyncio.run(provider.describe_image(TextRequest("describe"), ctx))
    broken = ctx.scratch / "broken.png"
    broken.write_bytes(b"\x89PNG not really")
    with pytest.raises(ProviderError, match="could not read the picture"):
        asyncio.run(provider.describe_image(TextRequest("", images=(broken,)), ctx))


def test_describe_through_the_provider(offline):
    provider, ctx = offline
    path = ctx.scratch / "blue.png"
    Image.new("RGB", (50, 80), (30, 60, 200)).save(path)
    result = asyncio.run(provider.describe_image(TextRequest("", images=(path,)), ctx))
    assert "mostly blue" in result.text and result.provenance["model"] == "analysis-v1"


def test_ken_burns_video(offline):
    pytest.importorskip("studio.media.kenburns")
    import av

    provider, ctx = offline
    still = ctx.scratch / "still.png"
    Image.new("RGB", (320, 240), (90, 120, 200)).save(still)
    request = VideoRequest(still, duration=1.0, width=160, height=90, fps=10)
    video = asyncio.run(provider.image_to_video(request, ctx))
    with av.open(str(video.path)) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.width, stream.codec_context.height) == (160, 90)
        assert sum(1 for _ in container.decode(stream)) == 10
    assert video.provenance["model"] == "kenburns"


def test_template_text_rewrites_a_brief_per_modality(offline):
    provider, ctx = offline
    brief = "subject: a lighthouse at dusk\nmood: calm\nstyle: cinematic\npalette: amber"
    image = asyncio.run(provider.complete_text(TextRequest(brief, system="image prompt"), ctx))
    assert image.text.startswith("a lighthouse at dusk") and "palette of amber" in image.text
    assert "calm instrumental music" in rewrite(brief, "Write a music prompt")
    narration = rewrite(brief, "a narration script")
    assert narration.startswith("A lighthouse at dusk.") and "calm" in narration
    assert detect_target("animate the camera") == "video"
    assert rewrite("a fox in snow") == "a fox in snow, detailed, balanced composition"
