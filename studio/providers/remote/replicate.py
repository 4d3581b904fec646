"""Replicate predictions: any `owner/name` (or `owner/name:version`) model with an input mapping.

Contract (shared/provider-contracts.md §5): `Authorization: Bearer`; create
`POST /models/{owner}/{name}/predictions` (official models) or `POST /predictions` with a
`version`; poll `GET /predictions/{id}` (`starting` → `processing` → `succeeded` | `failed` |
`canceled` | `aborted`); cancel `POST /predictions/{id}/cancel`. Outputs are URLs (a string or
a list) on replicate.delivery, fetched without the token. A create is retried only on 429 (the
request was refused, so nothing was created); Replicate's client never re-POSTs.

A model is usable once its inputs are mapped from the node's request: presets below, or your own
in the settings file under `options.replicate.models`, e.g.
`{"owner/name:version": {"capability": "music", "input": {"prompt": "prompt",
"duration": "duration:int", "output_format": {"value": "mp3"}}}}`. A mapping value names a
request field (`prompt`, `seed`, `width`, `height`, `duration`, `text`, `voice`, `tempo`, `image`
→ a data URI, `aspect` → "16:9"), with `:int` to round or `:flux` to fit FLUX's custom sizes
(256..1440 in steps of 32, shape kept); `{"value": ...}` is a constant.

Unverified: the presets' input names (from the models' pages, not the contract), data URIs for
file inputs (Replicate documents them for small files; large images would need its Files API),
and the 201 status of a create (any 2xx is accepted).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from studio.errors import ProviderError
from studio.providers import settings
from studio.providers.base import (
    Capability,
    ImageRequest,
    MediaResult,
    MusicRequest,
    SpeechRequest,
    VideoRequest,
)
from studio.providers.costs import Usage
from studio.providers.http import JobState, download_progress, watch_job
from studio.providers.remote._base import RemoteProvider
from studio.providers.remote._media import (
    data_uri,
    decode_base64,
    dig,
    finish_media,
    scratch_file,
    write_media,
)

PRESETS: dict[str, dict[str, Any]] = {
    "black-forest-labs/flux-schnell": {
        "capability": "image",
        "input": {
            "prompt": "prompt",
            "seed": "seed",
            "aspect_ratio": "aspect",
            "output_format": {"value": "png"},
            "num_outputs": {"value": 1},
        },
    },
    # width/height are read only with aspect_ratio "custom" (else the model makes 1:1); they
    # run 256..1440 in multiples of 32 (the model's input schema on replicate.com).
    "black-forest-labs/flux-1.1-pro": {
        "capability": "image",
        "input": {
            "prompt": "prompt",
            "aspect_ratio": {"value": "custom"},
            "width": "width:flux",
            "height": "height:flux",
            "seed": "seed",
            "output_format": {"value": "png"},
        },
    },
    # Music preset: Google's Lyria 2 (30 s clips).
    "google/lyria-2": {
        "capability": "music",
        "input": {"prompt": "prompt", "seed": "seed"},
    },
    # Video preset: Kling 2.1 image-to-video (5 or 10 s).
    "kwaivgi/kling-v2.1": {
        "capability": "video",
        "input": {
            "prompt": "prompt",
            "start_image": "image",
            "duration": "duration:kling",
            "mode": {"value": "standard"},
        },
    },
}
ASPECTS = ("1:1", "16:9", "9:16", "4:3", "3:4", "3:2", "2:3", "21:9", "9:21")
KIND_OF = {
    Capability.IMAGE: "image",
    Capability.VIDEO: "video",
    Capability.MUSIC: "audio",
    Capability.SPEECH: "audio",
}


FLUX_MIN, FLUX_MAX, FLUX_STEP = 256, 1440, 32


def flux_size(width: int, height: int) -> tuple[int, int]:
    """The FLUX custom size nearest the asked one: scaled (keeping its shape) to fit 256..1440,
    then to multiples of 32."""
    scale = min(1.0, FLUX_MAX / max(width, height))
    scale = max(scale, FLUX_MIN / min(width, height))

    def snap(side: float) -> int:
        return max(FLUX_MIN, min(FLUX_MAX, round(side * scale / FLUX_STEP) * FLUX_STEP))

    return snap(width), snap(height)


def nearest_aspect(width: int, height: int) -> str:
    ratio = width / height
    return min(ASPECTS, key=lambda a: abs(int(a.split(":")[0]) / int(a.split(":")[1]) - ratio))


class ReplicateProvider(RemoteProvider):
    id = "replicate"
    title = "Replicate"
    capabilities = frozenset(
        {Capability.IMAGE, Capability.VIDEO, Capability.MUSIC, Capability.SPEECH}
    )
    help = (
        "Replicate: any model by owner/name with an input mapping; presets for FLUX "
        "images, Lyria 2 music and Kling video."
    )

    def mappings(self) -> dict[str, dict[str, Any]]:
        """Presets, overridden and extended by the settings file's `options.replicate.models`."""
        declared = settings.option(self.id, "models", {}, kind=dict)
        for name, mapping in declared.items():
            inputs = mapping.get("input", {}) if isinstance(mapping, dict) else None
            if not isinstance(inputs, dict) or not isinstance(mapping.get("capability"), str):
                raise settings.SettingsError(
                    f"{settings.settings_path()}: options.replicate.models.{name} must be an "
                    'object like {"capability": "music", "input": {"prompt": "prompt"}}'
                )
        return {**PRESETS, **declared}

    def models(self, capability: Capability) -> list[str]:
        return [
            name for name, m in self.mappings().items() if m.get("capability") == capability.value
        ]

    def mapping_for(self, capability: Capability, model: str) -> dict[str, Any]:
        mappings = self.mappings()
        mapping = mappings.get(model) or mappings.get(model.split(":", 1)[0])
        if mapping is None:
            raise ProviderError(
                f"no input mapping for {model!r}; add one under options.replicate.models in "
                f"{settings.settings_path()} (presets: {', '.join(sorted(PRESETS))})",
                provider=self.id,
            )
        if mapping.get("capability") != capability.value:
            raise ProviderError(
                f"{model!r} is declared for {mapping.get('capability')}, not {capability.value}",
                provider=self.id,
            )
        return mapping

    # -- capabilities -----------------------------------------------------------------------------
    async def generate_image(self, request: ImageRequest, ctx: Any) -> MediaResult:
        return await self._predict(Capability.IMAGE, request, ctx)

    async def image_to_video(self, request: VideoRequest, ctx: Any) -> MediaResult:
        return await self._predict(Capability.VIDEO, request, ctx)

    async def music(self, request: MusicRequest, ctx: Any) -> MediaResult:
        return await self._predict(Capability.MUSIC, request, ctx)

    async def speech(self, request: SpeechRequest, ctx: Any) -> MediaResult:
        return await self._predict(Capability.SPEECH, request, ctx)

    # -- the prediction ---------------------------------------------------------------------------
    async def build_input(self, mapping: dict[str, Any], request: Any, ctx: Any) -> dict[str, Any]:
        """The model's `input` from the request, following a mapping."""
        values: dict[str, Any] = {}
        for field_name, source in mapping.get("input", {}).items():
            if isinstance(source, dict) and "value" in source:
                values[field_name] = source["value"]
                continue
            name, _, convert = str(source).partition(":")
            if name == "image":
                image = getattr(request, "image", None)
                if image is None or not Path(image).is_file():
                    raise ProviderError("this model needs an input image", provider=self.id)
                values[field_name] = await ctx.run_cpu(data_uri, image)
                continue
            if name == "aspect":
                values[field_name] = nearest_aspect(request.width, request.height)
                continue
            value = getattr(request, name, None)
            if value is None:
                continue
            if convert == "int":
                value = round(value)
            elif convert == "flux":
                value = flux_size(request.width, request.height)[0 if name == "width" else 1]
            elif convert == "kling":
                value = 10 if value > 7.5 else 5
            values[field_name] = value
        return values

    async def _predict(self, capability: Capability, request: Any, ctx: Any) -> MediaResult:
        model = self.model_for(capability, request.model)
        mapping = self.mapping_for(capability, model)
        client = await self.aclient()
        body: dict[str, Any] = {"input": await self.build_input(mapping, request, ctx)}
        owner_name, _, version = model.partition(":")
        if version:
            path, body["version"] = "/predictions", version
        else:
            path = f"/models/{owner_name}/predictions"
        self.begin(ctx, capability, model)
        created = await client.request_json(
            "POST",
            path,
            json=body,
            not_found=f"model {model!r} not found on Replicate",
            accepted=self.on_accept(ctx, capability, request, model),
        )
        prediction_id = str(dig(created, "id", provider=self.id, what="a prediction id"))
        ctx.provenance["job_id"] = prediction_id
        urls = created.get("urls") or {}
        get_url = self._own(client, urls.get("get"), f"/predictions/{prediction_id}")
        cancel_url = self._own(client, urls.get("cancel"), f"/predictions/{prediction_id}/cancel")
        seen = 0

        async def check() -> JobState:
            nonlocal seen
            data = await client.request_json("GET", get_url)
            lines = str(data.get("logs") or "").splitlines()
            fresh, seen = lines[seen:], max(seen, len(lines))
            status = str(data.get("status", ""))
            if status == "succeeded":
                return JobState("done", status, 1.0, fresh, data)
            if status in ("failed", "aborted"):
                return JobState("failed", status, None, fresh, data)
            if status == "canceled":
                return JobState("cancelled", status, None, fresh, data)
            return JobState(
                "queued" if status == "starting" else "running",
                status or "starting",
                _percent(lines),
                fresh,
                data,
            )

        async def cancel() -> None:
            await client.request_json("POST", cancel_url, retry_unsafe=lambda response: True)

        state = await watch_job(client, check, ctx, label=prediction_id, cancel=cancel)
        data = state.data if isinstance(state.data, dict) else {}
        metrics = data.get("metrics") or {}
        if "predict_time" in metrics:
            ctx.provenance["predict_time"] = metrics["predict_time"]
        if state.phase == "failed":
            reason = data.get("error") or state.message
            raise ProviderError(
                f"prediction {prediction_id} {state.message}: {reason}", provider=self.id
            )
        url = _first_url(data.get("output"))
        if url is None:
            raise ProviderError(f"prediction {prediction_id} returned no file", provider=self.id)
        kind = KIND_OF[capability]
        if url.startswith("data:"):
            written = await ctx.run_cpu(
                write_media, decode_base64(url, self.id), ctx.scratch, self.id, kind
            )
            return MediaResult(written, kind, dict(ctx.provenance))
        done = await client.download(
            url, scratch_file(ctx.scratch, self.id), progress=download_progress(ctx)
        )
        media = finish_media(done.path, kind, self.id, done.content_type)
        return MediaResult(media, kind, dict(ctx.provenance))

    def estimate_cost(self, capability: Capability, request: Any) -> float | None:
        if not request.model and not self.models(capability):
            return None
        return super().estimate_cost(capability, request)

    def usage(self, capability: Capability, request: Any) -> Usage:
        usage = super().usage(capability, request)
        if capability is Capability.VIDEO:
            from dataclasses import replace

            return replace(usage, seconds=10 if request.duration > 7.5 else 5)
        return usage

    @staticmethod
    def _own(client: Any, returned: Any, path: str) -> str:
        if isinstance(returned, str) and client.sends_auth_to(returned):
            return returned
        return client.url(path)


def _first_url(output: Any) -> str | None:
    if isinstance(output, str) and output.startswith(("http://", "https://", "data:")):
        return output
    if isinstance(output, list):
        return next((u for u in map(_first_url, output) if u), None)
    if isinstance(output, dict):
        return next((u for u in map(_first_url, output.values()) if u), None)
    return None


_PERCENT = re.compile(r"(\d{1,3})%")


def _percent(lines: list[str]) -> float | None:
    """Progress from the last `NN%` in the logs (tqdm bars), when a model prints one."""
    for line in reversed(lines[-5:]):
        found = _PERCENT.findall(line)
        if found:
            return min(100, int(found[-1])) / 100
    return None
