"""A fake OpenAI API (shared/provider-contracts.md §4), also serving as an OpenAI-compatible
server (LM Studio style, with `GET /models`)."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

from fakes.media import mp3_bytes, png_bytes
from fakes.server import FakeServer, Recorded, Reply


@dataclass
class FakeOpenAI:
    server: FakeServer
    prefix: str = "/v1"
    answer: str = "A lighthouse on a cliff, warm dusk light, cinematic wide shot."
    image: bytes = field(default_factory=lambda: png_bytes(48, 32))
    served_models: tuple[str, ...] = ("local-llava-7b",)

    def __post_init__(self) -> None:
        p = self.prefix
        self.server.route("POST", f"{p}/images/generations", self.images)
        self.server.route(
            "POST",
            f"{p}/audio/speech",
            lambda r: Reply(body=mp3_bytes(0.5), headers={"Content-Type": "audio/mpeg"}),
        )
        self.server.route("POST", f"{p}/chat/completions", self.chat)
        self.server.route(
            "GET",
            f"{p}/models",
            lambda r: {
                "object": "list",
                "data": [{"id": m, "object": "model"} for m in self.served_models],
            },
        )

    @property
    def base_url(self) -> str:
        return self.server.url + self.prefix

    def images(self, request: Recorded) -> Reply:
        if request.json.get("model") != "gpt-image-1":
            return Reply(
                404,
                json={
                    "error": {
                        "message": "The model does not exist",
                        "type": "invalid_request_error",
                        "code": "model_not_found",
                    }
                },
            )
        return Reply(
            json={
                "created": 1,
                "data": [{"b64_json": base64.b64encode(self.image).decode()}],
                "usage": {"input_tokens": 10, "output_tokens": 4160, "total_tokens": 4170},
            }
        )

    def chat(self, request: Recorded) -> Reply:
        return Reply(
            json={
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "created": 1,
                "model": request.json["model"],
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": self.answer},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 1000, "completion_tokens": 200, "total_tokens": 1200},
            }
        )
