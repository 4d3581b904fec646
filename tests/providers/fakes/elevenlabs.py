"""A fake ElevenLabs API (shared/provider-contracts.md §3): voices, speech, music."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fakes.media import mp3_bytes
from fakes.server import FakeServer, Recorded, Reply

VOICES = [
    {"voice_id": "21m00Tcm4TlvDq8ikWAM", "name": "Rachel", "category": "premade", "labels": {}},
    {"voice_id": "pNInz6obpgDQGcFmaJgB", "name": "Adam", "category": "premade", "labels": {}},
]


@dataclass
class FakeElevenLabs:
    server: FakeServer
    voices: list[dict[str, Any]] = field(default_factory=lambda: list(VOICES))
    audio: bytes = field(default_factory=lambda: mp3_bytes(0.6))
    delay: float = 0.0  # seconds before answering (a synchronous generation takes a while)

    def __post_init__(self) -> None:
        self.server.route("GET", "/v1/voices", lambda r: {"voices": self.voices})
        self.server.route("POST", r"/v1/text-to-speech/(?P<voice>[\w-]+)", self.speak)
        self.server.route("POST", "/v1/music", self.compose)

    def speak(self, request: Recorded) -> Reply:
        if request.match["voice"] not in {v["voice_id"] for v in self.voices}:
            return Reply(
                404,
                json={
                    "detail": {
                        "status": "voice_not_found",
                        "message": "A voice with that ID was not found",
                    }
                },
            )
        return Reply(
            body=self.audio,
            delay=self.delay,
            headers={"Content-Type": "audio/mpeg", "request-id": "el-req-1"},
        )

    def compose(self, request: Recorded) -> Reply:
        if "prompt" in request.json and "composition_plan" in request.json:
            return Reply(422, json={"detail": [{"loc": ["body"], "msg": "choose one"}]})
        return Reply(body=self.audio, delay=self.delay, headers={"Content-Type": "audio/mpeg"})
