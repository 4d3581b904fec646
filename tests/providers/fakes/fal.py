"""A fake fal.ai: queue API (submit, status with logs, result, cancel), storage upload, CDN.

Follows shared/provider-contracts.md §1. The CDN is a second server, so tests can prove media
downloads carry no fal key.
"""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from fakes.media import mp3_bytes, mp4_bytes, png_bytes
from fakes.server import FakeServer, Recorded, Reply

KNOWN_MODELS = {
    "fal-ai/flux-pro/v1.1",
    "fal-ai/flux/schnell",
    "fal-ai/stable-audio",
    "fal-ai/lyria2",
    "fal-ai/kling-video/v2.5-turbo/pro/image-to-video",
    "fal-ai/kling-video/v2.6/pro/image-to-video",
    "fal-ai/kling-video/v3/pro/image-to-video",
}


@dataclass
class FalJob:
    id: str
    model: str
    input: dict[str, Any]
    polls: int = 0
    cancelled: bool = False
    submitted: float = 0.0


@dataclass
class FakeFal:
    api: FakeServer
    cdn: FakeServer
    queue_polls: int = 1  # status answers IN_QUEUE this many times...
    progress_polls: int = 2  # ...then IN_PROGRESS this many times, then COMPLETED
    never_finish: bool = False
    fail_with: Reply | None = None  # the result GET's answer for a failed run
    media: dict[str, bytes] = field(default_factory=dict)
    jobs: dict[str, FalJob] = field(default_factory=dict)
    latency: float = 0.0  # seconds a job takes, measured from submit (bench)
    sse: bool = True  # serve the status stream (else only polling works)

    def __post_init__(self) -> None:
        self._ids = (f"req-{n}" for n in itertools.count(1))
        self.media.setdefault("image.png", png_bytes(96, 64))
        self.media.setdefault("video.mp4", mp4_bytes())
        self.media.setdefault("music.mp3", mp3_bytes(1.0))
        api, cdn = self.api, self.cdn
        api.route("POST", r"/(?P<model>fal-ai/.+)", self.submit)
        api.route("GET", r"/(?P<app>[^/]+/[^/]+)/requests/(?P<id>[^/]+)/status", self.status)
        api.route("GET", r"/(?P<app>[^/]+/[^/]+)/requests/(?P<id>[^/]+)/status/stream", self.stream)
        api.route("GET", r"/(?P<app>[^/]+/[^/]+)/requests/(?P<id>[^/]+)", self.result)
        api.route("PUT", r"/(?P<app>[^/]+/[^/]+)/requests/(?P<id>[^/]+)/cancel", self.cancel)
        api.route(
            "POST",
            "/storage/auth/token",
            Reply(
                json={
                    "token": "upload-token-123",
                    "token_type": "Bearer",
                    "base_url": cdn.url,
                    "expires_at": "2099-01-01T00:00:00Z",
                }
            ),
        )
        cdn.route("POST", "/files/upload", lambda r: {"access_url": f"{cdn.url}/files/input.png"})
        cdn.route("GET", r"/files/(?P<name>.+)", self.file)

    # -- queue ------------------------------------------------------------------------------------
    def submit(self, request: Recorded) -> Reply:
        model = request.match.get("model") or request.path.lstrip("/")
        if model not in KNOWN_MODELS:
            return Reply(404, json={"detail": f"Application '{model}' not found"})
        job = FalJob(next(self._ids), model, request.json)
        job.submitted = request.time
        self.jobs[job.id] = job
        app = "/".join(job.model.split("/")[:2])
        base = f"{self.api.url}/{app}/requests/{job.id}"
        return Reply(
            json={
                "request_id": job.id,
                "response_url": base,
                "status_url": f"{base}/status",
                "cancel_url": f"{base}/cancel",
            },
            headers={"x-fal-request-id": job.id},
        )

    def status(self, request: Recorded) -> Reply:
        job = self.jobs.get(request.match["id"])
        if job is None:
            return Reply(404, json={"detail": "Request not found"})
        return Reply(json=self.next_status(job))

    def next_status(self, job: FalJob) -> dict[str, Any]:
        """The job's status at this look (each look moves a counted job on by one step)."""
        job.polls += 1
        logs = [
            {
                "message": f"step {n}",
                "level": "INFO",
                "source": "USER",
                "timestamp": "2026-01-01T00:00:00Z",
            }
            for n in range(1, job.polls - self.queue_polls)
        ]
        if self.latency:
            elapsed = time.monotonic() - job.submitted
            status = "COMPLETED" if elapsed >= self.latency else "IN_PROGRESS"
        elif self.never_finish or job.polls <= self.queue_polls:
            status = "IN_QUEUE"
        elif job.polls <= self.queue_polls + self.progress_polls:
            status = "IN_PROGRESS"
        else:
            status = "COMPLETED"
        body: dict[str, Any] = {"status": status, "request_id": job.id}
        if status == "IN_QUEUE":
            body["queue_position"] = max(0, self.queue_polls - job.polls + 1)
        else:
            body["logs"] = logs
        if status == "COMPLETED":
            body["metrics"] = {"inference_time": 0.5}
        return body

    def stream(self, request: Recorded) -> Reply:
        """`.../status/stream`: the same statuses as server-sent events, as they happen."""
        job = self.jobs.get(request.match["id"])
        if job is None or not self.sse:
            return Reply(404, json={"detail": "Not Found"})
        if self.latency:
            remaining = max(0.0, self.latency - (time.monotonic() - job.submitted))
            events, delays = [self.next_status(job)], [0.0]
            job.submitted -= self.latency  # the next look sees it done
            events.append(self.next_status(job))
            delays.append(remaining)
        elif self.never_finish:
            events, delays = [self.next_status(job)], [0.0]
            events.append(self.next_status(job))
            delays.append(60.0)
        else:
            events, delays = [], []
            while not events or events[-1]["status"] != "COMPLETED":
                events.append(self.next_status(job))
                delays.append(0.005)
        chunks = [f"data: {json.dumps(body)}\n\n".encode() for body in events]
        return Reply(
            chunks=chunks, chunk_delays=delays, headers={"Content-Type": "text/event-stream"}
        )

    def result(self, request: Recorded) -> Reply:
        job = self.jobs[request.match["id"]]
        if self.fail_with is not None:
            return self.fail_with
        cdn = self.cdn.url
        if "kling" in job.model:
            data = self.media["video.mp4"]
            return Reply(
                json={
                    "video": {
                        "url": f"{cdn}/files/video.mp4",
                        "content_type": "video/mp4",
                        "file_size": len(data),
                    }
                }
            )
        if "audio" in job.model or "lyria" in job.model:
            key = "audio_file" if "stable-audio" in job.model else "audio"
            return Reply(
                json={key: {"url": f"{cdn}/files/music.mp3", "content_type": "audio/mpeg"}}
            )
        data = self.media["image.png"]
        return Reply(
            json={
                "images": [
                    {
                        "url": f"{cdn}/files/image.png",
                        "width": 96,
                        "height": 64,
                        "content_type": "image/png",
                        "file_size": len(data),
                    }
                ],
                "seed": job.input.get("seed"),
                "has_nsfw_concepts": [False],
                "prompt": job.input.get("prompt"),
                "timings": {},
            }
        )

    def cancel(self, request: Recorded) -> Reply:
        job = self.jobs.get(request.match["id"])
        if job is None:
            return Reply(404, json={"status": "NOT_FOUND"})
        job.cancelled = True
        return Reply(202, json={"status": "CANCELLATION_REQUESTED"})

    def file(self, request: Recorded) -> Reply:
        name = request.match["name"]
        if name not in self.media:
            return Reply(404, body=b"no such file")
        return Reply(body=self.media[name])
