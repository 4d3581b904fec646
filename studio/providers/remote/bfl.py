"""Black Forest Labs' own API: FLUX 1.1 [pro] text-to-image (submit, then poll).

Contract (shared/provider-contracts.md §2): `POST /v1/flux-pro-1.1` with `x-key`, answering
`{"id", "polling_url"}`; poll the returned `polling_url` (same key) until `status` is `Ready`
(`result.sample` = a signed URL that expires in ~10 min: downloaded at once, without the key) or
an end state (`Error`, `Failed`, `Request Moderated`, `Content Moderated`, `Task not found`).
Unknown statuses count as still pending.

Unverified: the `progress` field of a poll answer (read when present, as 0..1 or 0..100), the
429 "too many active tasks" limit, 402 for no credits; BFL offers no cancel endpoint, so a
cancelled node just stops polling (the job runs out on BFL's side).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from studio.errors import ProviderError
from studio.providers.base import Capability, ImageRequest, MediaResult
from studio.providers.http import JobState, download_progress, watch_job
from studio.providers.remote._base import RemoteProvider
from studio.providers.remote._media import dig, finish_media, scratch_file

FAILED_STATES = {"Error", "Failed", "Request Moderated", "Content Moderated", "Task not found"}


def snap(value: int) -> int:
    """BFL wants 256..1440 in steps of 32."""
    return max(256, min(1440, round(value / 32) * 32))


class BflProvider(RemoteProvider):
    id = "bfl"
    title = "Black Forest Labs"
    capabilities = frozenset({Capability.IMAGE})
    help = "Black Forest Labs' API: FLUX 1.1 [pro] images."
    default_models = {Capability.IMAGE: ("flux-pro-1.1",)}

    def auth_headers(self, key: str) -> dict[str, str]:
        return {"x-key": key}

    async def generate_image(self, request: ImageRequest, ctx: Any) -> MediaResult:
        model = self.model_for(Capability.IMAGE, request.model)
        client = await self.aclient()
        body = {
            "prompt": request.prompt,
            "width": snap(request.width),
            "height": snap(request.height),
            "seed": request.seed,
            "output_format": "png",
            "safety_tolerance": 2,
            "prompt_upsampling": False,
        }
        self.begin(ctx, Capability.IMAGE, model)
        submitted = await client.request_json(
            "POST",
            f"/v1/{model}",
            json=body,
            not_found=f"model {model!r} not found at BFL",
            accepted=self.on_accept(ctx, Capability.IMAGE, request, model),
        )
        job_id = str(dig(submitted, "id", provider=self.id, what="a job id"))
        ctx.provenance["job_id"] = job_id
        polling_url = self._polling_url(client, submitted.get("polling_url"), job_id)

        async def check() -> JobState:
            data = await client.request_json("GET", polling_url)
            status = str(data.get("status", ""))
            fraction = _fraction(data.get("progress"))
            if status == "Ready":
                return JobState("done", "Ready", 1.0, (), data)
            if status in FAILED_STATES:
                return JobState("failed", status, None, (), data)
            return JobState("running", status or "Pending", fraction, (), data)

        state = await watch_job(client, check, ctx, label=job_id, cancel=None)
        if state.phase == "failed":
            details = state.data.get("details") if isinstance(state.data, dict) else None
            extra = f": {details}" if details else ""
            raise ProviderError(f"job {job_id} ended {state.message}{extra}", provider=self.id)
        url = dig(state.data, "result", "sample", provider=self.id, what="an image URL")
        done = await client.download(
            url, scratch_file(ctx.scratch, self.id), progress=download_progress(ctx)
        )
        path = finish_media(done.path, "image", self.id, done.content_type)
        return MediaResult(path, "image", dict(ctx.provenance, seed=request.seed))

    @staticmethod
    def _polling_url(client: Any, returned: Any, job_id: str) -> str:
        """The returned polling URL (regional hosts included), on our host or a bfl.ai host."""
        if isinstance(returned, str) and returned.startswith(("http://", "https://")):
            parts = urlsplit(returned)
            if client.sends_auth_to(returned):
                return returned
            if parts.scheme == "https" and (parts.hostname or "").endswith(".bfl.ai"):
                client.auth_origins = (*client.auth_origins, f"https://{parts.netloc}")
                return returned
        return client.url(f"/v1/get_result?id={job_id}")


def _fraction(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return max(0.0, min(1.0, value / 100 if value > 1 else float(value)))
    return None
