"""fal.ai through its queue API: FLUX images, Kling image-to-video, text-to-music.

Contract (shared/provider-contracts.md §1): submit `POST /{model_id}` → `request_id` and URLs;
status `GET /{owner}/{alias}/requests/{id}/status?logs=1` (IN_QUEUE with `queue_position`,
IN_PROGRESS with `logs`, COMPLETED), followed live on `.../status/stream` (server-sent events)
and polled when that fails; result `GET …/requests/{id}` (a failed run still ends
COMPLETED: the failure is a non-2xx here); cancel `PUT …/requests/{id}/cancel`. Auth
`Authorization: Key <FAL_KEY>`. Output files live on fal's CDN and are fetched without auth.
Input images are uploaded through fal's storage API (token, then raw bytes to the CDN), on
`STUDIO_FAL_REST_URL`, or on `STUDIO_FAL_URL` when only that is set.

Unverified in the contract, handled defensively: `Retry-After` from fal (honoured if present),
status values other than the three above (treated as failed/cancelled), cancel status codes
other than 202/404 (read from the body), the input schema of `fal-ai/flux/schnell` (assumed to
be FLUX pro's `prompt`/`image_size`/`seed`/`num_images`), the status stream's event framing
(read as standard server-sent events whose `data` is a status object; any trouble falls back to
polling).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator
from typing import Any

import httpx

from studio.errors import ProviderError
from studio.providers import settings
from studio.providers.base import (
    Capability,
    ImageRequest,
    MediaResult,
    MusicRequest,
    VideoRequest,
)
from studio.providers.costs import Usage
from studio.providers.http import JobState, ProviderClient, download_progress, watch_job
from studio.providers.remote._base import RemoteProvider
from studio.providers.remote._media import (
    decode_base64,
    dig,
    finish_media,
    mime_type,
    scratch_file,
    write_media,
)

FLUX_PRO = "fal-ai/flux-pro/v1.1"
KLING_25 = "fal-ai/kling-video/v2.5-turbo/pro/image-to-video"
KLING_26 = "fal-ai/kling-video/v2.6/pro/image-to-video"
KLING_3 = "fal-ai/kling-video/v3/pro/image-to-video"
STABLE_AUDIO = "fal-ai/stable-audio"
LYRIA2 = "fal-ai/lyria2"
STABLE_AUDIO_MAX_SECONDS = 47  # stable-audio's longest clip (reported by fal's model page)


def _submit_is_safe_to_retry(response: httpx.Response) -> bool:
    """fal's own client re-submits on 408/409/429 and on ingress 502-504 (no request id: the
    request never reached a runner), never on a 504 carrying a request timeout type."""
    status = response.status_code
    if status in (408, 409):
        return True
    return (
        status in (502, 503, 504)
        and "x-fal-request-id" not in response.headers
        and "x-fal-request-timeout-type" not in response.headers
    )


class FalProvider(RemoteProvider):
    id = "fal"
    title = "fal"
    capabilities = frozenset({Capability.IMAGE, Capability.VIDEO, Capability.MUSIC})
    help = "fal.ai queue API: FLUX 1.1 pro and schnell images, Kling image-to-video, music."
    default_models = {
        Capability.IMAGE: (FLUX_PRO, "fal-ai/flux/schnell"),
        Capability.VIDEO: (KLING_25, KLING_26, KLING_3),
        Capability.MUSIC: (STABLE_AUDIO, LYRIA2),
    }

    def auth_headers(self, key: str) -> dict[str, str]:
        return {"Authorization": f"Key {key}"}

    # -- capabilities -----------------------------------------------------------------------------
    async def generate_image(self, request: ImageRequest, ctx: Any) -> MediaResult:
        model = self.model_for(Capability.IMAGE, request.model)
        body: dict[str, Any] = {
            "prompt": request.prompt,
            "image_size": {"width": request.width, "height": request.height},
            "num_images": 1,
            "seed": request.seed,
            "output_format": "png",
        }
        if "flux-pro" in model:
            body["safety_tolerance"] = "2"  # a string in fal's schema
        output = await self._run(model, body, ctx, Capability.IMAGE, request)
        image = dig(output, "images", 0, provider=self.id, what="an image")
        path = await self._fetch(image, ctx, "image")
        return MediaResult(
            path, "image", dict(ctx.provenance, seed=output.get("seed", request.seed))
        )

    async def image_to_video(self, request: VideoRequest, ctx: Any) -> MediaResult:
        model = self.model_for(Capability.VIDEO, request.model)
        image_url = await self.upload(request.image, ctx)
        seconds = self._kling_duration(model, request.duration)
        body: dict[str, Any] = {
            "prompt": request.prompt or "smooth cinematic camera motion",
            "duration": str(seconds),
        }
        if model == KLING_25 or "v2.1" in model or "v2.5" in model:
            body["image_url"] = image_url
        else:  # v2.6 and v3 name it start_image_url and add sound unless told not to
            body["start_image_url"] = image_url
            body["generate_audio"] = False
        output = await self._run(model, body, ctx, Capability.VIDEO, request)
        video = dig(output, "video", provider=self.id, what="a video")
        path = await self._fetch(video, ctx, "video")
        return MediaResult(path, "video", dict(ctx.provenance, duration=seconds))

    async def music(self, request: MusicRequest, ctx: Any) -> MediaResult:
        model = self.model_for(Capability.MUSIC, request.model)
        prompt = request.prompt + (f", {request.tempo} BPM" if request.tempo else "")
        if model == STABLE_AUDIO:
            body: dict[str, Any] = {
                "prompt": prompt,
                "seconds_total": max(1, min(STABLE_AUDIO_MAX_SECONDS, round(request.duration))),
            }
        else:
            body = {"prompt": prompt, "seed": request.seed}
        output = await self._run(model, body, ctx, Capability.MUSIC, request)
        audio = output.get("audio_file") or output.get("audio")
        if not isinstance(audio, dict):
            raise ProviderError("answered without an audio file", provider=self.id)
        path = await self._fetch(audio, ctx, "audio")
        return MediaResult(path, "audio", dict(ctx.provenance))

    @staticmethod
    def _kling_duration(model: str, seconds: float) -> int:
        if "/v3/" in model:
            return max(3, min(15, round(seconds)))
        return 10 if seconds > 7.5 else 5

    def usage(self, capability: Capability, request: Any) -> Usage:
        usage = super().usage(capability, request)
        if capability is Capability.VIDEO:
            model = self.model_for(capability, request.model)
            from dataclasses import replace

            return replace(usage, seconds=self._kling_duration(model, request.duration))
        return usage

    # -- the queue --------------------------------------------------------------------------------
    async def _run(
        self, model: str, body: dict[str, Any], ctx: Any, capability: Capability, request: Any
    ) -> dict[str, Any]:
        client = await self.aclient()
        self.begin(ctx, capability, model)
        submitted = await client.request_json(
            "POST",
            f"/{model}",
            json=body,
            retry_unsafe=_submit_is_safe_to_retry,
            not_found=f"model {model!r} not found on fal",
            accepted=self.on_accept(ctx, capability, request, model),  # fal bills the run
        )
        request_id = dig(submitted, "request_id", provider=self.id, what="a request id")
        ctx.provenance["job_id"] = request_id
        app = "/".join(model.split("/")[:2])  # status/result/cancel use owner/alias only
        status_url = self._own_url(
            client, submitted.get("status_url"), f"/{app}/requests/{request_id}/status"
        )
        result_url = self._own_url(
            client, submitted.get("response_url"), f"/{app}/requests/{request_id}"
        )
        cancel_url = self._own_url(
            client, submitted.get("cancel_url"), f"/{app}/requests/{request_id}/cancel"
        )
        seen_logs = 0

        def state_of(data: Any) -> JobState:
            nonlocal seen_logs
            if not isinstance(data, dict):
                raise ProviderError("sent a status that is not an object", provider=self.id)
            status = str(data.get("status", ""))
            logs = [
                str(item.get("message", ""))
                for item in (data.get("logs") or [])
                if isinstance(item, dict)
            ]
            fresh, seen_logs = logs[seen_logs:], max(seen_logs, len(logs))
            if status == "IN_QUEUE":
                position = data.get("queue_position")
                where = f", position {position}" if position is not None else ""
                return JobState("queued", f"IN_QUEUE{where}", None, (), data)
            if status == "IN_PROGRESS":
                last = f": {logs[-1]}" if logs else ""
                return JobState("running", f"IN_PROGRESS{last}", None, fresh, data)
            if status == "COMPLETED":
                return JobState("done", "COMPLETED", 1.0, fresh, data)
            if status.upper() in ("CANCELED", "CANCELLED"):
                return JobState("cancelled", status, None, fresh, data)
            return JobState("failed", status or "unknown status", None, fresh, data)

        async def check() -> JobState:
            return state_of(await client.request_json("GET", status_url, params={"logs": "1"}))

        async def stream() -> AsyncGenerator[JobState, None]:
            # fal pushes each status change on `.../status/stream` (contracts §1): completion
            # is seen at once instead of at the next poll. Polling takes over if it fails.
            # Closed here, not left to the collector: the HTTP stream is released at once.
            events = client.stream_events("GET", f"{status_url}/stream", params={"logs": "1"})
            async with contextlib.aclosing(events):
                async for data in events:
                    yield state_of(data)

        async def cancel() -> None:
            answer = await client.request_json("PUT", cancel_url)
            ctx.log(f"fal cancel: {answer.get('status', 'sent')}")

        state = await watch_job(client, check, ctx, label=request_id, cancel=cancel, stream=stream)
        if state.phase == "failed":
            raise ProviderError(f"job {request_id} ended {state.message}", provider=self.id)
        # A failed run shows here, as a non-2xx answer with the reason (contracts §1).
        return await client.request_json("GET", result_url)

    @staticmethod
    def _own_url(client: ProviderClient, returned: Any, path: str) -> str:
        # Prefer the URLs fal returns (contracts §1), but only on the host we talk to: a
        # proxy or gateway in STUDIO_FAL_URL must see the follow-up calls too.
        if isinstance(returned, str) and client.sends_auth_to(returned):
            return returned
        return client.url(path)

    async def _fetch(self, file: dict[str, Any], ctx: Any, kind: str):
        url = dig(file, "url", provider=self.id, what=f"a URL for the {kind}")
        if url.startswith("data:"):  # sync_mode answers inline
            return await ctx.run_cpu(
                write_media, decode_base64(url, self.id), ctx.scratch, self.id, kind
            )
        size = file.get("file_size")
        client = await self.aclient()
        done = await client.download(
            url,
            scratch_file(ctx.scratch, self.id),
            expected_size=size if isinstance(size, int) else None,
            progress=download_progress(ctx),
        )
        return finish_media(done.path, kind, self.id, done.content_type)

    # -- input upload -----------------------------------------------------------------------------
    @staticmethod
    def rest_url() -> str:
        """fal's storage API (uploads): `STUDIO_FAL_REST_URL` (or `urls.fal_rest`) when set;
        else the queue's URL when that is overridden (a proxy or a gateway must see the upload,
        and with it the key, too); else fal's own REST host."""
        if not settings.is_overridden("fal_rest") and settings.is_overridden("fal"):
            return settings.base_url("fal")
        return settings.base_url("fal_rest")

    async def upload(self, path: Any, ctx: Any) -> str:
        """Upload a local file to fal's storage; returns its URL for the model input."""
        from pathlib import Path

        path = Path(path)
        if not path.is_file():
            raise ProviderError(f"input image {path.name!r} is missing", provider=self.id)
        rest = await self.aclient(base_url=self.rest_url())
        token = await rest.request_json(
            "POST",
            "/storage/auth/token",
            params={"storage_type": "fal-cdn-v3"},
            json={},
            retry_unsafe=lambda response: True,
        )  # a token request creates nothing to duplicate
        upload_base = dig(token, "base_url", provider=self.id, what="an upload URL")
        header = f"{token.get('token_type', 'Bearer')} {dig(token, 'token', provider=self.id)}"
        data = await ctx.run_cpu(path.read_bytes)
        cdn = ProviderClient(self.id, self.title, upload_base, tuning=rest.tuning)
        answer = await cdn.request_json(
            "POST",
            "/files/upload",
            content=data,
            auth=False,
            headers={
                "Authorization": header,
                "Content-Type": mime_type(path),
                "X-Fal-File-Name": path.name,
            },
            retry_unsafe=lambda response: True,
        )  # re-uploading the same bytes is harmless
        return str(dig(answer, "access_url", provider=self.id, what="the uploaded file's URL"))
