"""A fake Black Forest Labs API (shared/provider-contracts.md §2): submit, poll, signed URL."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from fakes.media import png_bytes
from fakes.server import FakeServer, Recorded, Reply


@dataclass
class FakeBfl:
    api: FakeServer
    cdn: FakeServer
    pending_polls: int = 2
    end_status: str = "Ready"  # or "Error", "Content Moderated", ...
    image: bytes = field(default_factory=lambda: png_bytes(64, 64))
    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._ids = (f"bfl-{n}" for n in itertools.count(1))
        self.api.route("POST", r"/v1/(?P<model>[\w.-]+)", self.submit)
        self.api.route("GET", "/v1/get_result", self.poll)
        self.cdn.route("GET", "/signed/sample.png", lambda r: Reply(body=self.image))

    def submit(self, request: Recorded) -> Reply:
        if request.match.get("model") not in ("flux-pro-1.1", None):
            return Reply(404, json={"detail": "Not Found"})
        job_id = next(self._ids)
        self.jobs[job_id] = {"input": request.json, "polls": 0}
        return Reply(
            json={
                "id": job_id,
                "polling_url": f"{self.api.url}/v1/get_result?id={job_id}",
                "cost": 4.0,
            }
        )

    def poll(self, request: Recorded) -> Reply:
        job = self.jobs.get(request.query.get("id", ""))
        if job is None:
            return Reply(json={"id": request.query.get("id"), "status": "Task not found"})
        job["polls"] += 1
        if job["polls"] <= self.pending_polls:
            status = "Pending"
            return Reply(
                json={
                    "id": request.query["id"],
                    "status": status,
                    "result": None,
                    "progress": 0.5 * job["polls"] / self.pending_polls,
                }
            )
        if self.end_status != "Ready":
            return Reply(
                json={
                    "id": request.query["id"],
                    "status": self.end_status,
                    "result": None,
                    "details": {"reason": "flagged"},
                }
            )
        return Reply(
            json={
                "id": request.query["id"],
                "status": "Ready",
                "result": {
                    "sample": f"{self.cdn.url}/signed/sample.png",
                    "prompt": job["input"]["prompt"],
                },
            }
        )
