"""A fake Replicate API (shared/provider-contracts.md §5): predictions, polling, cancel, files."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from fakes.media import mp4_bytes, png_bytes, wav_bytes
from fakes.server import FakeServer, Recorded, Reply

OFFICIAL = {
    "black-forest-labs/flux-schnell",
    "black-forest-labs/flux-1.1-pro",
    "google/lyria-2",
    "kwaivgi/kling-v2.1",
}


@dataclass
class FakeReplicate:
    api: FakeServer
    files: FakeServer
    starting_polls: int = 1
    processing_polls: int = 2
    never_finish: bool = False
    fail_with: str | None = None  # an error message: the prediction ends "failed"
    predictions: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._ids = (f"pred{n}" for n in itertools.count(1))
        self.api.route(
            "POST", r"/models/(?P<owner>[\w.-]+)/(?P<name>[\w.-]+)/predictions", self.create
        )
        self.api.route("POST", "/predictions", self.create)
        self.api.route("GET", r"/predictions/(?P<id>\w+)", self.get)
        self.api.route("POST", r"/predictions/(?P<id>\w+)/cancel", self.cancel)
        self.files.route("GET", "/out/image.png", Reply(body=png_bytes(40, 30)))
        self.files.route("GET", "/out/video.mp4", Reply(body=mp4_bytes()))
        self.files.route("GET", "/out/music.wav", Reply(body=wav_bytes(0.5)))

    def create(self, request: Recorded) -> Reply:
        if "owner" in request.match:
            model = f"{request.match['owner']}/{request.match['name']}"
            if model not in OFFICIAL:
                return Reply(
                    404,
                    json={
                        "title": "Not found",
                        "status": 404,
                        "detail": "The requested resource could not be found.",
                    },
                )
        else:
            model = "version:" + request.json["version"]
        pid = next(self._ids)
        base = f"{self.api.url}/predictions/{pid}"
        prediction = {
            "id": pid,
            "model": model,
            "input": request.json["input"],
            "logs": "",
            "output": None,
            "error": None,
            "status": "starting",
            "polls": 0,
            "urls": {"get": base, "cancel": f"{base}/cancel"},
        }
        self.predictions[pid] = prediction
        return Reply(201, json=self._public(prediction))

    @staticmethod
    def _public(prediction: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in prediction.items() if k != "polls"}

    def get(self, request: Recorded) -> Reply:
        p = self.predictions[request.match["id"]]
        if p["status"] in ("succeeded", "failed", "canceled"):
            return Reply(json=self._public(p))
        p["polls"] += 1
        if self.never_finish or p["polls"] <= self.starting_polls:
            p["status"] = "starting"
        elif p["polls"] <= self.starting_polls + self.processing_polls:
            p["status"] = "processing"
            step = p["polls"] - self.starting_polls
            p["logs"] += f"generating {step * 50}%|#####\n"
        elif self.fail_with:
            p["status"], p["error"] = "failed", self.fail_with
        else:
            p["status"] = "succeeded"
            p["metrics"] = {"predict_time": 2.5}
            f = self.files.url
            model = p["model"]
            if "kling" in model:
                p["output"] = f"{f}/out/video.mp4"
            elif "lyria" in model or model.startswith("version:"):
                p["output"] = f"{f}/out/music.wav"
            else:
                p["output"] = [f"{f}/out/image.png"]
        return Reply(json=self._public(p))

    def cancel(self, request: Recorded) -> Reply:
        p = self.predictions[request.match["id"]]
        p["status"] = "canceled"
        return Reply(json=self._public(p))
