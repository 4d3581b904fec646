"""ComfyUI (local or on GPU machines): run a user's API-format workflow for a node.

The node's `model` param names the workflow file (relative to the graph; or set a default per
capability under `options.comfyui.workflows` in the settings file). Its inputs are bound to the
request (see `_comfy_workflow`). Several servers (`STUDIO_COMFYUI_URL=http://a:8188,http://b:8188`)
form a pool: each job goes to the least busy one (its remote queue, or the jobs this studio
already sent there, whichever is larger).

Contract (shared/provider-contracts.md §7): open `ws://host/ws?clientId=<id>`, then
`POST /prompt {"prompt", "client_id"}` → `prompt_id`; the websocket reports `executing`,
`progress`, `executed`, `execution_success` / `execution_error` / `execution_interrupted`; then
`GET /history/{prompt_id}` lists the outputs and `GET /view` serves each file. Without a
websocket the history is polled. Cancel: `POST /interrupt` when our prompt is running,
`POST /queue {"delete": [id]}` when it waits. Unverified: binary preview framing (4-byte event
type 1 = preview, 4-byte format 1 JPEG / 2 PNG, then the image), the `status` block of a history
entry, queue entries being `[number, prompt_id, ...]`, and `/interrupt` honouring a
`prompt_id` body on versions that support targeted interrupts (older ones stop whatever runs).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import struct
import time
import uuid
from pathlib import Path
from typing import Any

from studio.errors import Cancelled, ProviderError
from studio.providers import settings
from studio.providers.base import (
    Capability,
    ImageRequest,
    MediaResult,
    MusicRequest,
    Readiness,
    VideoRequest,
)
from studio.providers.http import HttpTuning, JobState, ProviderClient, RemoteCancel, poll_job
from studio.providers.remote._base import LocalServerProvider
from studio.providers.remote._comfy_workflow import apply_bindings, load_workflow, output_files
from studio.providers.remote._media import dig, finish_media, mime_type, scratch_file

KIND_OF = {Capability.IMAGE: "image", Capability.VIDEO: "video", Capability.MUSIC: "audio"}
PREVIEW_EVERY = 0.5  # seconds between preview frames shown on the node


class ComfyUIProvider(LocalServerProvider):
    id = "comfyui"
    title = "ComfyUI"
    capabilities = frozenset({Capability.IMAGE, Capability.VIDEO, Capability.MUSIC})
    probe_path = "/queue"
    help = (
        "ComfyUI servers (a pool of GPU machines if you list several): runs the API-format "
        "workflow named in the node's model param, with its inputs bound to the node."
    )

    def __init__(self) -> None:
        self.in_flight: dict[str, int] = {}  # jobs this studio has on each server

    # -- settings and readiness -------------------------------------------------------------------
    def models(self, capability: Capability) -> list[str]:
        workflows = settings.option(self.id, "workflows", {}) or {}
        chosen = workflows.get(capability.value) if isinstance(workflows, dict) else None
        return [str(chosen)] if chosen else []

    def key_files(self, capability: Capability, model: str | None) -> list[str]:
        # The workflow (and its bindings) decide the picture, not just its file name.
        named = model or next(iter(self.models(capability)), None)
        if not named:
            return []
        path = Path(named)
        return [named, str(path.with_name(f"{path.stem}.bindings.json"))]

    def _server(self, url: str, tuning: HttpTuning | None = None) -> ProviderClient:
        return self.client(base_url=url, **({"tuning": tuning} if tuning else {}))

    async def readiness(self) -> Readiness:
        urls = settings.base_urls(self.id)
        sizes = await asyncio.gather(*(self._queue_size(u) for u in urls))
        up = [u for u, size in zip(urls, sizes, strict=True) if size is not None]
        if not up:
            return Readiness(False, "server unreachable", f"start ComfyUI at {', '.join(urls)}")
        if len(urls) == 1:
            return Readiness(True, "server reachable", urls[0])
        return Readiness(
            True, "server reachable", f"{len(up)} of {len(urls)} pool servers up: " + ", ".join(up)
        )

    async def _queue_size(self, url: str) -> int | None:
        quick = HttpTuning(connect_timeout=2.0, read_timeout=2.0, retries=0)
        try:
            queue = await self._server(url, quick).request_json("GET", "/queue")
        except ProviderError:
            return None
        return len(queue.get("queue_running") or []) + len(queue.get("queue_pending") or [])

    async def pick_server(self) -> str:
        """The least busy reachable server of the pool; counted as busier at once."""
        urls = settings.base_urls(self.id)
        sizes = await asyncio.gather(*(self._queue_size(u) for u in urls))
        # No await between choosing and counting: concurrent jobs see each other's choice.
        scored = [
            (max(size, self.in_flight.get(url, 0)), self.in_flight.get(url, 0), index, url)
            for index, (url, size) in enumerate(zip(urls, sizes, strict=True))
            if size is not None
        ]
        if not scored:
            raise ProviderError(
                f"cannot reach ComfyUI at {', '.join(urls)}: start ComfyUI at "
                f"{urls[0]} (or point STUDIO_COMFYUI_URL at it)",
                provider=self.id,
            )
        url = min(scored)[3]
        self.in_flight[url] = self.in_flight.get(url, 0) + 1
        return url

    # -- capabilities -----------------------------------------------------------------------------
    async def generate_image(self, request: ImageRequest, ctx: Any) -> MediaResult:
        return await self._run(Capability.IMAGE, request, ctx)

    async def image_to_video(self, request: VideoRequest, ctx: Any) -> MediaResult:
        return await self._run(Capability.VIDEO, request, ctx)

    async def music(self, request: MusicRequest, ctx: Any) -> MediaResult:
        return await self._run(Capability.MUSIC, request, ctx)

    def _workflow_path(self, capability: Capability, request: Any, ctx: Any) -> Path:
        named = request.model or next(iter(self.models(capability)), None)
        if not named:
            raise ProviderError(
                "pick an API-format workflow file in the node's model param "
                "(ComfyUI: Workflow → Export (API))",
                provider=self.id,
            )
        path = Path(named).expanduser()
        return path if path.is_absolute() else ctx.resolve_path(named)

    async def _run(self, capability: Capability, request: Any, ctx: Any) -> MediaResult:
        path = self._workflow_path(capability, request, ctx)
        workflow, bindings, digest = await ctx.run_cpu(load_workflow, path)
        self.begin(ctx, capability, path.name, workflow_sha256=digest)
        url = await self.pick_server()
        try:
            client = self._server(url)
            ctx.provenance["server"] = url
            values = {
                name: getattr(request, name, None)
                for name in (
                    "prompt",
                    "negative_prompt",
                    "seed",
                    "width",
                    "height",
                    "duration",
                    "text",
                    "fps",
                    "tempo",
                )
            }
            if "image" in bindings.values():
                values["image"] = await self._upload(client, getattr(request, "image", None), ctx)
            prompt = apply_bindings(workflow, bindings, values)
            history = await self._execute(client, prompt, ctx)
            return await self._fetch_output(client, history, capability, ctx)
        finally:
            self.in_flight[url] -= 1

    async def _upload(self, client: ProviderClient, image: Any, ctx: Any) -> str:
        if image is None or not Path(image).is_file():
            raise ProviderError("this workflow loads an image; connect one", provider=self.id)
        data = await ctx.run_cpu(Path(image).read_bytes)
        name = f"studio-{uuid.uuid4().hex[:10]}{Path(image).suffix or '.png'}"
        answer = await client.request_json(
            "POST",
            "/upload/image",
            files={"image": (name, data, mime_type(Path(image)))},
            data={"type": "input", "overwrite": "true"},
            retry_unsafe=lambda r: True,
        )
        name = dig(answer, "name", provider=self.id, what="the uploaded image's name")
        sub = answer.get("subfolder") or ""
        return f"{sub}/{name}" if sub else str(name)

    # -- running a prompt -------------------------------------------------------------------------
    async def _execute(
        self, client: ProviderClient, prompt: dict[str, Any], ctx: Any
    ) -> dict[str, Any]:
        client_id = uuid.uuid4().hex
        socket = await self._open_socket(client, client_id, ctx)
        try:
            response = await client.send(
                "POST", "/prompt", accept=(400,), json={"prompt": prompt, "client_id": client_id}
            )
            answer = client.parse_json(response)
            if response.status_code == 400 or answer.get("node_errors"):
                raise ProviderError(_prompt_errors(answer, prompt), provider=self.id, status=400)
            prompt_id = str(dig(answer, "prompt_id", provider=self.id, what="a prompt id"))
            ctx.provenance["job_id"] = prompt_id
            remote = RemoteCancel(ctx, lambda: self._cancel(client, prompt_id), self.id)
            try:
                if socket is not None:
                    await self._follow_socket(socket, prompt_id, prompt, ctx, client)
                history = await self._history(client, prompt_id, ctx)
            except (asyncio.CancelledError, Cancelled):
                await remote.fire()
                raise
            remote.finished()
            return history
        finally:
            if socket is not None:
                with contextlib.suppress(Exception):
                    await socket.close()

    async def _open_socket(self, client: ProviderClient, client_id: str, ctx: Any) -> Any:
        from websockets.asyncio.client import connect

        ws_url = client.base_url.replace("http", "ws", 1) + f"/ws?clientId={client_id}"
        try:
            return await connect(
                ws_url, proxy=None, max_size=2**26, open_timeout=client.tuning.connect_timeout
            )
        except Exception as exc:  # no websocket (an old server, a proxy): poll instead
            ctx.log(f"no ComfyUI websocket ({type(exc).__name__}); following /history")
            return None

    async def _follow_socket(
        self, socket: Any, prompt_id: str, prompt: dict[str, Any], ctx: Any, client: ProviderClient
    ) -> None:
        deadline = time.monotonic() + client.tuning.job_timeout
        last_preview = 0.0
        previews = 0
        while True:
            # asyncio.wait_for on Python 3.11 can swallow a cancellation that lands as a message
            # arrives; the run's own flag is the dependable signal, so look at it every turn.
            ctx.check_cancelled()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ProviderError(f"prompt {prompt_id} did not finish in time", provider=self.id)
            try:
                message = await asyncio.wait_for(socket.recv(), timeout=min(remaining, 1.0))
            except TimeoutError:
                continue  # a quiet second: look at the cancel flag and the deadline again
            except Exception as exc:  # closed or silent: the history still has the answer
                ctx.log(f"ComfyUI websocket closed ({type(exc).__name__}); following /history")
                return
            if isinstance(message, bytes):
                if time.monotonic() - last_preview >= PREVIEW_EVERY:
                    shown = await self._preview(message, ctx, previews)
                    if shown:
                        last_preview, previews = time.monotonic(), previews + 1
                continue
            event = json.loads(message)
            kind, data = event.get("type"), event.get("data") or {}
            if data.get("prompt_id") not in (None, prompt_id):
                continue  # another client's prompt on a shared server
            if kind == "execution_error" and data.get("prompt_id") == prompt_id:
                raise ProviderError(
                    f"{data.get('node_type', 'a node')} (node "
                    f"{data.get('node_id')}) failed: "
                    f"{data.get('exception_message', '').strip()}",
                    provider=self.id,
                )
            if kind == "execution_interrupted" and data.get("prompt_id") == prompt_id:
                raise Cancelled(f"ComfyUI prompt {prompt_id} was interrupted")
            if kind == "execution_success" or (
                kind == "executing"
                and data.get("node") is None
                and data.get("prompt_id") == prompt_id
            ):
                ctx.progress(1.0, "finished")
                return
            if kind == "executing":
                node = str(data.get("node"))
                ctx.progress(None, f"running {prompt.get(node, {}).get('class_type', node)}")
            elif kind == "progress":
                node = str(data.get("node"))
                name = prompt.get(node, {}).get("class_type", "step")
                value, total = data.get("value", 0), data.get("max") or 1
                ctx.progress(value / total, f"{name} {value}/{total}")
            elif kind == "execution_cached" and data.get("nodes"):
                ctx.log(f"ComfyUI reused {len(data['nodes'])} cached nodes")

    async def _preview(self, frame: bytes, ctx: Any, count: int) -> bool:
        """Show a binary preview frame (event 1 = image; format 1 JPEG, 2 PNG) on the node."""
        if len(frame) < 9 or struct.unpack(">I", frame[:4])[0] != 1:
            return False
        from studio.api import Artifact

        suffix = ".png" if struct.unpack(">I", frame[4:8])[0] == 2 else ".jpg"
        path = ctx.scratch / f"comfyui-preview-{count % 2}{suffix}"
        image = frame[8:]
        await ctx.run_cpu(path.write_bytes, image)
        import hashlib

        ctx.preview(
            Artifact(
                "image",
                path,
                hashlib.sha256(image).hexdigest(),
                {"preview": True, "provider": self.id},
            )
        )
        return True

    async def _history(self, client: ProviderClient, prompt_id: str, ctx: Any) -> dict[str, Any]:
        async def check() -> JobState:
            answer = await client.request_json("GET", f"/history/{prompt_id}")
            entry = answer.get(prompt_id) if isinstance(answer, dict) else None
            if not entry:
                return JobState("running", "waiting for ComfyUI")
            status = entry.get("status") or {}
            if status.get("status_str") == "error":
                return JobState("failed", _history_error(status), None, (), entry)
            if status.get("completed") is False:
                return JobState("running", "running", None, (), entry)
            return JobState("done", "finished", 1.0, (), entry)

        state = await poll_job(client, check, ctx, label=prompt_id)
        if state.phase == "failed":
            raise ProviderError(f"prompt {prompt_id} failed: {state.message}", provider=self.id)
        return state.data

    async def _fetch_output(
        self, client: ProviderClient, history: dict[str, Any], capability: Capability, ctx: Any
    ) -> MediaResult:
        kind = KIND_OF[capability]
        files = output_files(history, kind)
        if not files:
            raise ProviderError(
                f"the workflow produced no {kind}; does it end in a Save node?", provider=self.id
            )
        item = files[0]
        params = {
            "filename": item["filename"],
            "subfolder": item.get("subfolder", ""),
            "type": item.get("type", "output"),
        }
        done = await client.download("/view", scratch_file(ctx.scratch, self.id), params=params)
        path = finish_media(done.path, kind, self.id, done.content_type)
        return MediaResult(path, kind, dict(ctx.provenance))

    async def _cancel(self, client: ProviderClient, prompt_id: str) -> None:
        queue = await client.request_json("GET", "/queue")
        running = any(_queue_id(item) == prompt_id for item in queue.get("queue_running") or [])
        if running:
            await client.send("POST", "/interrupt", json={"prompt_id": prompt_id})
        else:
            await client.send("POST", "/queue", json={"delete": [prompt_id]})


def _queue_id(item: Any) -> str | None:
    if isinstance(item, list) and len(item) > 1:
        return str(item[1])
    if isinstance(item, dict):
        return str(item.get("prompt_id"))
    return None


def _prompt_errors(answer: dict[str, Any], prompt: dict[str, Any]) -> str:
    errors = answer.get("node_errors")
    parts = []
    for node_id, info in errors.items() if isinstance(errors, dict) else []:
        kind = (info or {}).get("class_type") or prompt.get(node_id, {}).get("class_type", "")
        reasons = "; ".join(str(e.get("message", e)) for e in (info or {}).get("errors", []))
        parts.append(f"node {node_id} ({kind}): {reasons or 'invalid'}")
    if not parts:
        error = answer.get("error")
        parts.append(str(error.get("message", error)) if isinstance(error, dict) else str(error))
    return "ComfyUI refused the workflow: " + " | ".join(parts)


def _history_error(status: dict[str, Any]) -> str:
    for message in status.get("messages") or []:
        if isinstance(message, list) and len(message) == 2 and message[0] == "execution_error":
            data = message[1] or {}
            return f"{data.get('node_type', 'a node')}: {data.get('exception_message', '')}"
    return "error"
