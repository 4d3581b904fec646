"""Remote APIs and local model servers. `PROVIDERS` is loaded by `studio.providers.setup`.

Each provider reads its base URL (settings, `STUDIO_<NAME>_URL`) and key (keyring, then env) at
call time, so readiness and calls always reflect the machine as it is now.
"""

from __future__ import annotations

from studio.providers.base import Provider
from studio.providers.remote.anthropic import AnthropicProvider
from studio.providers.remote.bfl import BflProvider
from studio.providers.remote.comfyui import ComfyUIProvider
from studio.providers.remote.elevenlabs import ElevenLabsProvider
from studio.providers.remote.fal import FalProvider
from studio.providers.remote.gemini import GeminiProvider
from studio.providers.remote.ollama import OllamaProvider
from studio.providers.remote.openai import OpenAIProvider
from studio.providers.remote.openai_compat import OpenAICompatProvider
from studio.providers.remote.replicate import ReplicateProvider

PROVIDERS: list[Provider] = [
    FalProvider(),
    BflProvider(),
    OpenAIProvider(),
    ElevenLabsProvider(),
    ReplicateProvider(),
    GeminiProvider(),
    AnthropicProvider(),
    OllamaProvider(),
    ComfyUIProvider(),
    OpenAICompatProvider(),
]
