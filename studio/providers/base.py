"""The provider interface: what a node asks of an image, video, speech, music or text engine.

A node picks a provider by id (its `provider` param) and calls one capability method with a request
dataclass. The provider writes its result into the run's scratch folder and returns a `MediaResult`
(or `TextResult`) with provenance; the node turns that into an artifact. Providers never see graph
files and never put a secret in what they return.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from studio.api import RunContext


class Capability(str, Enum):
    TEXT = "text"  # LLM text generation (prompt enhancement)
    VISION = "vision"  # image -> text
    IMAGE = "image"  # text -> image
    VIDEO = "video"  # image -> video
    SPEECH = "speech"  # text -> speech
    MUSIC = "music"  # text (+ image mood) -> music


class Need(str, Enum):
    NOTHING = "nothing"
    SERVER = "server"
    KEY = "key"


@dataclass(frozen=True)
class Readiness:
    """Whether a provider can be used now, in words a user can act on."""

    ready: bool
    state: str  # "offline", "server reachable", "server unreachable", "key present", "key missing"
    detail: str = ""


@dataclass(frozen=True)
class ImageRequest:
    prompt: str
    width: int = 1024
    height: int = 1024
    seed: int = 0
    model: str | None = None
    mood: str = ""
    palette: str = ""
    style: str = ""
    negative_prompt: str = ""


@dataclass(frozen=True)
class VideoRequest:
    image: Path
    prompt: str = ""
    duration: float = 5.0
    width: int = 1280
    height: int = 720
    fps: int = 30
    seed: int = 0
    model: str | None = None
    motion: str = (
        "zoom_in"  # offline Ken Burns: zoom_in, zoom_out, pan_left, pan_right, pan_up, pan_down
    )
    strength: float = 0.5
    easing: str = "ease_in_out"


@dataclass(frozen=True)
class SpeechRequest:
    text: str
    voice: str = "en"
    rate: float = 1.0  # 1.0 = the voice's normal speed
    pitch: float = 0.5  # 0..1, 0.5 = the voice's normal pitch
    model: str | None = None


@dataclass(frozen=True)
class MusicRequest:
    prompt: str
    duration: float = 30.0
    tempo: int | None = None  # beats per minute; None lets the engine choose from the mood
    seed: int = 0
    model: str | None = None
    image: Path | None = None  # "what would this image sound like"


@dataclass(frozen=True)
class TextRequest:
    prompt: str
    system: str = ""
    images: tuple[Path, ...] = ()
    model: str | None = None
    max_tokens: int = 400
    temperature: float = 0.7


@dataclass
class MediaResult:
    """A media file a provider wrote, plus where it came from."""

    path: Path
    kind: str  # "image", "video", "audio"
    provenance: dict[str, Any] = field(
        default_factory=dict
    )  # provider, model, seed, job_id, cost_usd
    # Facts about the media a node keeps in the artifact's metadata (not in the run history), e.g.
    # when each sentence of a speech sounds.
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class TextResult:
    text: str
    provenance: dict[str, Any] = field(default_factory=dict)


class Provider:
    """Base class of every provider. Subclasses override the capability methods they offer."""

    id: str = ""
    title: str = ""
    capabilities: frozenset[Capability] = frozenset()
    need: Need = Need.NOTHING
    default_concurrency: int = 4
    help: str = ""
    # Bump when the same request would now give a different result (a new engine, a fixed bug):
    # it is part of every cache key of this provider's nodes, so old results are not reused.
    version: str = "1"

    def models(self, capability: Capability) -> list[str]:
        """Model ids this provider offers for a capability (the first is the default)."""
        return []

    async def readiness(self) -> Readiness:
        return Readiness(True, "offline")

    def key_files(self, capability: Capability, model: str | None) -> list[str]:
        """Files whose content decides this provider's result for `model` (e.g. a workflow).

        The executor hashes them into the node's cache key, so editing such a file re-runs the
        node. Paths are absolute or relative to the graph's folder.
        """
        return []

    def cache_identity(self, capability: Capability, model: str | None) -> dict[str, Any]:
        """What decides this provider's result besides the node's params and inputs.

        The executor puts it into the node's cache key: the provider's version, the model that
        will really be used when the param is empty (a default chosen in Settings), the server of
        a self-hosted provider. Never a secret.
        """
        if not model:
            defaults = self.models(capability)
            model = defaults[0] if defaults else ""
        return {"provider": self.id, "version": self.version, "model": model}

    def estimate_cost(self, capability: Capability, request: Any) -> float | None:
        """Estimated price of one call in US dollars: 0.0 when free, None when unknown."""
        return None

    def _unsupported(self, capability: Capability) -> Exception:
        from studio.errors import ProviderError

        return ProviderError(f"does not offer {capability.value}", provider=self.id)

    async def generate_image(self, request: ImageRequest, ctx: RunContext) -> MediaResult:
        raise self._unsupported(Capability.IMAGE)

    async def image_to_video(self, request: VideoRequest, ctx: RunContext) -> MediaResult:
        raise self._unsupported(Capability.VIDEO)

    async def speech(self, request: SpeechRequest, ctx: RunContext) -> MediaResult:
        raise self._unsupported(Capability.SPEECH)

    async def music(self, request: MusicRequest, ctx: RunContext) -> MediaResult:
        raise self._unsupported(Capability.MUSIC)

    async def complete_text(self, request: TextRequest, ctx: RunContext) -> TextResult:
        raise self._unsupported(Capability.TEXT)

    async def describe_image(self, request: TextRequest, ctx: RunContext) -> TextResult:
        raise self._unsupported(Capability.VISION)
