"""ComfyUI (local or on GPU machines): run a user's API-format workflow for a node.

The node's `model` param names the workflow file (relative to the graph; or set a default per
capability under `options.comfyui.workflows` in the settings file). Its inputs are bound to the
request (see `_comfy_workflow`). Several servers (`STUDIO_COMFYUI_URL=http://a:8188,http://b:8188`)
form a pool: each job goes to the least busy one (its remote queue, or the jobs this studio
already sent there, whichever is larger), and moves to another one if its server dies mid-job.

Contract (shared/provider-contracts.md §7, checked against a real ComfyUI 0.3.64 whose answers are
recorded in tests/providers/fixtures/comfyui/): open `ws://host/ws?clientId=<id>`, then
`POST /prompt {"prompt", "client_id", "prompt_id"}` with a prompt id of our own, so a cancel can
take the prompt back even while ComfyUI is still validating it; the websocket reports
`executing`, `progress`, `executed`, `execution_success` / `execution_error` /
`execution_interrupted` (binary frames: 4-byte event 1 = preview, 4-byte format 1 JPEG / 2 PNG,
then the image); `GET /history/{prompt_id}` lists the outputs and `GET /view` serves each file.
Without a websocket the history is polled. Cancel: `POST /queue {"delete": [id]}`, then
`POST /interrupt {"prompt_id"}` if it runs.
"""

from __future__ import annotations

import asyncio
import contextlib
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
    Provider,
    Readiness,
    VideoRequest,
)
from studio.providers.http import HttpTuning, ProviderClient, RemoteCancel
from studio.providers.http.download import BodyError
from studio.providers.remote._base import READINESS_TIMEOUT, LocalServerProvider
from studio.providers.remote._comfy_follow import PromptWatch
from studio.providers.remote._comfy_server import (
    ComfyServer,
    not_comfyui,
    prompt_errors,
    raw_setting,
    server_urls,
)
from studio.providers.remote._comfy_workflow import (
    FIELDS,
    apply_bindings,
    load_workflow,
    output_files,
)
from studio.providers.remote._media import finish_media, scratch_file

KIND_OF = {Capability.IMAGE: "image", Capability.VIDEO: "video", Capability.MUSIC: "audio"}


class ServerLost(ProviderError):
    """A server stopped answering in the middle of a job: another server of the pool may run it."""

    def __init__(self, original: ProviderError) -> None:
        super().__init__(original.message, provider=original.provider, retryable=True)
        self.original = original


def _server_lost(exc: ProviderError) -> bool:
    # No HTTP status and worth retrying: the connection failed, broke off or went silent. A
    # download cut short (BodyError) is the download's problem, not a dead server.
    return exc.status is None and exc.retryable and not isinstance(exc, BodyError)


class ComfyUIProvider(LocalServerProvider):
    id = "comfyui"
    title = "ComfyUI"
    capabilities = frozenset({Capability.IMAGE, Capability.VIDEO, Capability.MUSIC})
    probe_path = "/system_stats"
    help = (
        "ComfyUI servers (a pool of GPU machines if you list several): runs the API-format "
        "workflow named in the node's model param, with its inputs bound to the node."
    )

    def __init__(self) -> None:
        self.in_flight: dict[str, int] = {}  # jobs this studio has on each server

    # -- settings ---------------------------------------------------------------------------------
    @property
    def default_concurrency(self) -> int:  # type: ignore[override]
        try:
            return settings.limit(self.id)
        except settings.SettingsError:
            return 1  # an unusable URL: the node itself says what is wrong with it

    def base_url(self) -> str:
        return server_urls()[0]

    def cache_identity(self, capability: Capability, model: str | None) -> dict[str, Any]:
        try:
            return super().cache_identity(capability, model)
        except settings.SettingsError:  # the run will name the setting; the key must not fail
            identity = Provider.cache_identity(self, capability, model)
            identity["server"] = raw_setting()
            return identity

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

    def _server(self, url: str, tuning: HttpTuning | None = None) -> ComfyServer:
        client: ProviderClient = self.client(base_url=url, **({"tuning": tuning} if tuning else {}))
        return ComfyServer(client)

    # -- readiness --------------------------------------------------------------------------------
    async def readiness(self) -> Readiness:
        """Ready when a server answers GET /system_stats like ComfyUI does; a closed port, a
        login in front of it (401) or another program is "not ready", with the reason."""
        try:
            urls = server_urls()
        except ProviderError as exc:
            return Readiness(False, "settings error", exc.message)
        looks = await asyncio.gather(*(self._look(url) for url in urls))
        if len(urls) == 1:
            return looks[0]
        up = [url for url, look in zip(urls, looks, strict=True) if look.ready]
        down = "; ".join(look.detail for look in looks if not look.ready)
        if not up:
            return Readiness(False, looks[0].state, down)
        detail = f"{len(up)} of {len(urls)} pool servers up: {', '.join(up)}"
        return Readiness(True, "server reachable", detail + (f"; {down}" if down else ""))

    async def _look(self, url: str) -> Readiness:
        quick = HttpTuning(
            connect_timeout=READINESS_TIMEOUT, read_timeout=READINESS_TIMEOUT, retries=0
        )
        try:
            stats = await self._server(url, quick).client.request_json("GET", "/system_stats")
        except ProviderError as exc:
            if exc.status is None:
                return Readiness(False, "server unreachable", f"start ComfyUI at {url}")
            if exc.status in (401, 403):
                return Readiness(False, "server refused", not_comfyui(url, exc).message)
            if exc.status >= 500:
                return Readiness(False, "server error", f"{url}: {exc.message}")
            words = not_comfyui(url, exc, "GET /system_stats").message
            return Readiness(False, "not ComfyUI", words)
        system = stats.get("system") if isinstance(stats, dict) else None
        if not isinstance(system, dict) or not isinstance(stats.get("devices"), list):
            return Readiness(
                False,
                "not ComfyUI",
                f"{url} answers, but not like ComfyUI (GET /system_stats has no system and "
                "devices)",
            )
        devices = ", ".join(
            str(d.get("name")) for d in stats["devices"] if isinstance(d, dict) and d.get("name")
        )
        version = system.get("comfyui_version") or "(version unknown)"
        detail = f"ComfyUI {version} at {url}" + (f" on {devices}" if devices else "")
        return Readiness(True, "server reachable", detail)

    # -- the pool ---------------------------------------------------------------------------------
    async def _queue_size(self, url: str) -> int | ProviderError:
        # The first status check of a job: retried on 429/5xx (Retry-After) like any request.
        try:
            return await self._server(url).queue_size()
        except ProviderError as exc:
            return exc

    async def pick_server(self, exclude: tuple[str, ...] | list[str] = ()) -> str:
        """The least busy usable server of the pool; counted as busier at once."""
        urls = [url for url in server_urls() if url not in exclude]
        looks = await asyncio.gather(*(self._queue_size(u) for u in urls))
        # No await between choosing and counting: concurrent jobs see each other's choice.
        scored = [
            (max(size, self.in_flight.get(url, 0)), self.in_flight.get(url, 0), index, url)
            for index, (url, size) in enumerate(zip(urls, looks, strict=True))
            if isinstance(size, int)
        ]
        if not scored:
            errors = [look for look in looks if isinstance(look, ProviderError)]
            if len(errors) == 1:
                raise errors[0]
            reasons = (f"{url}: {error.message}" for url, error in zip(urls, errors, strict=True))
            raise ProviderError(
                "no ComfyUI server can take the job: " + "; ".join(reasons), provider=self.id
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
        server_urls()  # an unusable URL setting is the first thing to say
        path = self._workflow_path(capability, request, ctx)
        workflow, bindings, digest = await ctx.run_cpu(load_workflow, path)
        self.begin(ctx, capability, path.name, workflow_sha256=digest)
        lost: list[str] = []
        while True:
            try:
                url = await self.pick_server(exclude=lost)
            except ProviderError as exc:
                if not lost:
                    raise
                raise ProviderError(
                    f"ComfyUI at {lost[-1]} stopped answering during the job, and no other "
                    f"server can take it: {exc.message}",
                    provider=self.id,
                ) from None
            try:
                return await self._run_on(url, capability, request, workflow, bindings, ctx)
            except ServerLost as exc:
                lost.append(url)
                if len(lost) >= len(server_urls()):
                    raise exc.original from None
                ctx.log(
                    f"ComfyUI at {url} stopped answering during the job ({exc.message}); "
                    "running it again on another server of the pool"
                )
            finally:
                self.in_flight[url] -= 1

    async def _run_on(
        self,
        url: str,
        capability: Capability,
        request: Any,
        workflow: dict[str, Any],
        bindings: dict[str, str],
        ctx: Any,
    ) -> MediaResult:
        server = self._server(url)
        ctx.provenance["server"] = url
        try:
            values = {name: getattr(request, name, None) for name in FIELDS if name != "image"}
            if "image" in bindings.values():
                image = getattr(request, "image", None)
                if image is None or not Path(image).is_file():
                    raise ProviderError(
                        "this workflow loads an image; connect one", provider=self.id
                    )
                values["image"] = await server.upload(Path(image), ctx)
            prompt = apply_bindings(workflow, bindings, values)
            history = await self._execute(server, prompt, ctx)
            return await self._fetch_output(server, history, capability, request, ctx)
        except ProviderError as exc:
            if _server_lost(exc) and not ctx.cancelled:
                raise ServerLost(exc) from None
            raise

    # -- running a prompt -------------------------------------------------------------------------
    async def _execute(
        self, server: ComfyServer, prompt: dict[str, Any], ctx: Any
    ) -> dict[str, Any]:
        client_id = uuid.uuid4().hex
        ids = {"prompt": str(uuid.uuid4())}
        ctx.provenance["job_id"] = ids["prompt"]
        socket = await self._open_socket(server.client, client_id, ctx)
        body = {"prompt": prompt, "client_id": client_id, "prompt_id": ids["prompt"]}
        # Its own task: a cancel while ComfyUI validates must not cut the request off unseen.
        post = asyncio.ensure_future(
            server.client.send("POST", "/prompt", accept=(400,), json=body)
        )

        async def take_back() -> None:
            with contextlib.suppress(Exception):  # ComfyUI queues the prompt when it answers
                await asyncio.shield(post)
            await server.take_back(ids["prompt"])

        # Registered before the prompt goes out: a cancel at any moment takes it back.
        remote = RemoteCancel(ctx, take_back, self.id)
        try:
            try:
                response = await asyncio.shield(post)
                answer = server.client.parse_json(response)
                if response.status_code == 400:
                    raise ProviderError(
                        "ComfyUI refused the workflow: " + prompt_errors(answer, prompt),
                        provider=self.id,
                        status=400,
                    )
                if not isinstance(answer, dict):
                    raise ProviderError(
                        "POST /prompt answered without a prompt id", provider=self.id
                    )
                # A server that ignores our prompt id (older than 2024) names its own.
                ids["prompt"] = str(answer.get("prompt_id") or ids["prompt"])
                ctx.provenance["job_id"] = ids["prompt"]
                if answer.get("node_errors"):
                    # ComfyUI queued the valid outputs anyway: take them back, then say why.
                    await remote.fire()
                    raise ProviderError(
                        "ComfyUI refused part of the workflow (the rest was taken back): "
                        + prompt_errors(answer, prompt),
                        provider=self.id,
                    )
                watch = PromptWatch(server, ids["prompt"], prompt, ctx)
                if socket is not None:
                    await watch.follow_socket(socket)
                return await watch.read_history()
            except (asyncio.CancelledError, Cancelled):
                await remote.fire()
                raise
        finally:
            remote.finished()
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

    async def _fetch_output(
        self,
        server: ComfyServer,
        history: dict[str, Any],
        capability: Capability,
        request: Any,
        ctx: Any,
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
        target = scratch_file(ctx.scratch, self.id)
        done = await server.client.download("/view", target, params=params)
        path = finish_media(done.path, kind, self.id, done.content_type)
        if kind in ("image", "video"):
            await self._record_size(path, kind, request, ctx)
        return MediaResult(path, kind, dict(ctx.provenance))

    async def _record_size(self, path: Path, kind: str, request: Any, ctx: Any) -> None:
        """The size of the file that came back (the workflow decides it, not the request)."""
        from studio.media import facade

        probe = facade.probe_image if kind == "image" else facade.probe_video
        info = await ctx.run_cpu(probe, path)
        width, height = int(info["width"]), int(info["height"])
        ctx.provenance["width"], ctx.provenance["height"] = width, height
        asked = (getattr(request, "width", None), getattr(request, "height", None))
        if None not in asked and asked != (width, height):
            ctx.warn(
                f"ComfyUI made a {width}×{height} {kind}, not the {asked[0]}×{asked[1]} asked "
                "for: the workflow decides the size (bind width and height to change it)"
            )
