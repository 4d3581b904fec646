"""Fake text/vision services: Gemini (§8), Anthropic (§11) and Ollama (§6) of the contracts."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field

from fakes.media import png_bytes
from fakes.server import FakeServer, Recorded, Reply


@dataclass
class FakeGemini:
    server: FakeServer
    answer: str = "Golden light over a calm sea."
    image: bytes = field(default_factory=lambda: png_bytes(32, 18))
    models: tuple[str, ...] = ("gemini-2.5-flash", "gemini-2.5-pro", "gemini-2.5-flash-image")

    def __post_init__(self) -> None:
        self.server.route("POST", r"/models/(?P<model>[\w.-]+):generateContent", self.generate)

    def generate(self, request: Recorded) -> Reply:
        model = request.match["model"]
        if model not in self.models:
            return Reply(
                404,
                json={
                    "error": {
                        "code": 404,
                        "status": "NOT_FOUND",
                        "message": f"models/{model} is not found",
                    }
                },
            )
        parts: list[dict] = [{"text": self.answer}]
        if "IMAGE" in request.json.get("generationConfig", {}).get("responseModalities", []):
            parts = [
                {"text": "Here it is."},
                {
                    "inlineData": {
                        "mimeType": "image/png",
                        "data": base64.b64encode(self.image).decode(),
                    }
                },
            ]
        return Reply(
            json={
                "candidates": [
                    {"content": {"role": "model", "parts": parts}, "finishReason": "STOP"}
                ],
                "usageMetadata": {
                    "promptTokenCount": 2000,
                    "candidatesTokenCount": 100,
                    "totalTokenCount": 2100,
                },
                "modelVersion": model,
                "responseId": "gem-resp-1",
            }
        )


@dataclass
class FakeAnthropic:
    server: FakeServer
    answer: str = "A weathered lighthouse, storm clouds, cinematic."

    def __post_init__(self) -> None:
        self.server.route("POST", "/v1/messages", self.message)

    def message(self, request: Recorded) -> Reply:
        if not request.json["model"].startswith("claude-"):
            return Reply(
                404,
                json={
                    "type": "error",
                    "error": {
                        "type": "not_found_error",
                        "message": f"model: {request.json['model']}",
                    },
                },
            )
        return Reply(
            json={
                "id": "msg_01",
                "type": "message",
                "role": "assistant",
                "model": request.json["model"],
                "content": [{"type": "text", "text": self.answer}],
                "stop_reason": "end_turn",
                "usage": {"input_tokens": 1500, "output_tokens": 120},
            }
        )


@dataclass
class FakeOllama:
    server: FakeServer
    words: tuple[str, ...] = ("A ", "lighthouse ", "at ", "dusk, ", "amber ", "light.")
    chunk_delay: float = 0.0
    installed: tuple[str, ...] = ("llama3.2:latest", "llama3.2-vision:latest")

    def __post_init__(self) -> None:
        self.server.route(
            "GET",
            "/api/tags",
            lambda r: {
                "models": [
                    {"name": n, "model": n, "size": 1, "digest": "x", "details": {}}
                    for n in self.installed
                ]
            },
        )
        self.server.route("POST", "/api/chat", self.chat)

    def known(self, model: str) -> bool:
        return any(n == model or n.split(":")[0] == model for n in self.installed)

    def chat(self, request: Recorded) -> Reply:
        model = request.json["model"]
        if not self.known(model):
            return Reply(404, json={"error": f"model '{model}' not found, try pulling it first"})
        lines = [
            json.dumps(
                {
                    "model": model,
                    "created_at": "2026-01-01T00:00:00Z",
                    "message": {"role": "assistant", "content": w},
                    "done": False,
                }
            )
            for w in self.words
        ]
        lines.append(
            json.dumps(
                {
                    "model": model,
                    "message": {"role": "assistant", "content": ""},
                    "done": True,
                    "done_reason": "stop",
                    "prompt_eval_count": 30,
                    "eval_count": len(self.words),
                }
            )
        )
        return Reply(
            chunks=[(line + "\n").encode() for line in lines],
            chunk_delay=self.chunk_delay,
            headers={"Content-Type": "application/x-ndjson"},
        )
