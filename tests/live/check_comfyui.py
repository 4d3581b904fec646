"""The live check: the studio's ComfyUI provider against a real ComfyUI server (not CI).

    python tests/live/check_comfyui.py [--url http://127.0.0.1:8188]
        [--second-url http://127.0.0.1:8189 --second-pid PID] [CASE ...]

Needs the server of docs/comfyui-live-check.md (with tests/live/comfyui_nodes/ installed). Each
case runs the provider as a node would and checks what a user would: the file, its size, the
progress, the words of a failure, what is left on the server. `--second-url/--second-pid` name a
second ComfyUI that the pool case kills mid-job (SIGKILL) to see the job move to the first.
Prints one line per case and exits 1 if any failed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import socket
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent / "providers"), str(HERE)]

from fakes.context import FakeContext  # noqa: E402
from record_comfyui import pipeline, png_bytes, still_to_video  # noqa: E402

from studio.errors import Cancelled, ProviderError  # noqa: E402
from studio.providers.base import ImageRequest, VideoRequest  # noqa: E402
from studio.providers.remote.comfyui import ComfyUIProvider  # noqa: E402

INTERRUPTED = "StudioLiveSteps (node 2) was interrupted on the server"


class CheckFailed(AssertionError):
    pass


def expect(condition: Any, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


class NoSocket(ComfyUIProvider):
    """The provider as it runs where no websocket gets through (a proxy): history polling."""

    async def _open_socket(self, client: Any, client_id: str, ctx: Any) -> Any:
        return None


class Live:
    def __init__(self, url: str, folder: Path) -> None:
        self.url = url
        self.folder = folder
        self.http = httpx.AsyncClient(base_url=url, timeout=30)

    def ctx(self) -> FakeContext:
        return FakeContext(self.folder / f"scratch-{uuid.uuid4().hex[:8]}", graph_dir=self.folder)

    def workflow(self, graph: dict[str, Any]) -> str:
        name = f"wf-{uuid.uuid4().hex[:8]}_api.json"
        (self.folder / name).write_text(json.dumps(graph))
        return name

    async def idle(self) -> None:
        for _ in range(600):
            queue = (await self.http.get("/queue")).json()
            if not queue["queue_running"] and not queue["queue_pending"]:
                return
            await asyncio.sleep(0.1)
        raise CheckFailed("the server's queue never emptied")

    async def history(self, prompt_id: str) -> dict[str, Any]:
        return (await self.http.get(f"/history/{prompt_id}")).json().get(prompt_id) or {}

    async def left_nothing_running(self, prompt_id: str) -> str:
        """After a take-back: the prompt is neither queued nor finished well."""
        await asyncio.sleep(1.0)
        queue = (await self.http.get("/queue")).json()
        ids = [item[1] for item in queue["queue_running"] + queue["queue_pending"]]
        expect(prompt_id not in ids, f"{prompt_id} is still in the queue")
        status = (await self.history(prompt_id)).get("status") or {}
        expect(status.get("status_str") != "success", f"{prompt_id} ran to the end")
        return status.get("status_str") or "no history (deleted before it ran)"


def image(name: str, **changes: Any) -> ImageRequest:
    return ImageRequest(**{"prompt": "live", "width": 64, "height": 48, "model": name, **changes})


async def run_job(provider: ComfyUIProvider, request: ImageRequest, ctx: FakeContext) -> Any:
    return await provider.generate_image(request, ctx)


# -- cases -----------------------------------------------------------------------------------------
async def case_readiness(live: Live) -> str:
    ready = await ComfyUIProvider().readiness()
    expect(ready.ready and ready.detail.startswith("ComfyUI "), f"not ready: {ready}")
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{free.getsockname()[1]}"
    os.environ["STUDIO_COMFYUI_URL"] = closed
    try:
        down = await ComfyUIProvider().readiness()
    finally:
        os.environ["STUDIO_COMFYUI_URL"] = live.url
    expect((down.ready, down.state) == (False, "server unreachable"), f"closed port: {down}")
    return f"{ready.detail}; closed port: {down.state} ({down.detail})"


async def success(live: Live, provider: ComfyUIProvider) -> str:
    ctx = live.ctx()
    result = await run_job(provider, image(live.workflow(pipeline(4, 0.3))), ctx)
    from PIL import Image

    with Image.open(result.path) as picture:
        expect(picture.size == (64, 48), f"the file is {picture.size}")
    expect((ctx.provenance["width"], ctx.provenance["height"]) == (64, 48), "provenance size")
    steps = [m for m in ctx.messages if m.startswith("StudioLiveSteps ")]
    fractions = [f for f, _ in ctx.progress_events if f is not None]
    expect(fractions == sorted(fractions), f"progress stepped back: {ctx.progress_events}")
    expect(ctx.progress_events[-1] == (1.0, "finished"), "the last progress is not finished")
    status = (await live.history(ctx.provenance["job_id"]))["status"]["status_str"]
    expect(status == "success", f"history says {status}")
    return (
        f"64×48 PNG, {len(steps)} step messages, {len(ctx.previews)} previews, "
        f"{len(ctx.progress_events)} progress events, monotonic"
    )


async def case_success(live: Live) -> str:
    return await success(live, ComfyUIProvider())


async def case_success_no_websocket(live: Live) -> str:
    return await success(live, NoSocket())


async def failure(live: Live, provider: ComfyUIProvider, graph: dict, words: str) -> str:
    ctx = live.ctx()
    try:
        await run_job(provider, image(live.workflow(graph)), ctx)
    except ProviderError as exc:
        expect(words in exc.message, f"said {exc.message!r}")
        return exc.message
    raise CheckFailed("the job did not fail")


async def case_execution_error(live: Live) -> str:
    words = "StudioLiveSteps (node 2) failed: studio live check: failing at step 2 as asked"
    graph = pipeline(4, 0.2, fail_at=2)
    first = await failure(live, ComfyUIProvider(), graph, words)
    second = await failure(live, NoSocket(), pipeline(4, 0.2, fail_at=2), words)
    expect(first == second, "the words differ without a websocket")
    return first


def bad_scale(graph: dict[str, Any], source: str = "1") -> dict[str, Any]:
    return {
        "class_type": "ImageScale",
        "inputs": {
            "image": [source, 0],
            "upscale_method": "supersample",
            "width": 32,
            "height": 24,
            "crop": "disabled",
        },
    }


async def case_node_errors_400(live: Live) -> str:
    graph = pipeline(1, 0.0)
    graph["5"] = bad_scale(graph)
    graph["4"]["inputs"]["images"] = ["5", 0]
    del graph["2"], graph["3"]
    words = "ComfyUI refused the workflow: ImageScale (node 5): upscale_method: 'supersample' not"
    return await failure(live, ComfyUIProvider(), graph, words)


async def case_node_errors_200(live: Live) -> str:
    graph = pipeline(30, 0.2)
    graph["5"] = bad_scale(graph)
    graph["6"] = {"class_type": "SaveImage", "inputs": {"images": ["5", 0]}}
    graph["6"]["inputs"]["filename_prefix"] = "studio-live-scaled"
    ctx = live.ctx()
    try:
        await run_job(ComfyUIProvider(), image(live.workflow(graph)), ctx)
    except ProviderError as exc:
        expect("refused part of the workflow" in exc.message, f"said {exc.message!r}")
        expect("ImageScale (node 5): upscale_method" in exc.message, "no details")
        left = await live.left_nothing_running(ctx.provenance["job_id"])
        return f"{exc.message[:90]}…; on the server: {left}"
    raise CheckFailed("the job did not fail")


async def interrupted(live: Live, provider: ComfyUIProvider) -> str:
    ctx = live.ctx()
    job = asyncio.ensure_future(run_job(provider, image(live.workflow(pipeline(40, 0.25))), ctx))
    started = time.monotonic()
    while not job.done():
        running = (await live.http.get("/queue")).json()["queue_running"]
        if running and time.monotonic() - started > 1.0:
            break
        await asyncio.sleep(0.1)
    await live.http.post("/interrupt")  # another client: no prompt id, whatever runs
    try:
        await job
    except ProviderError as exc:
        expect(exc.message.startswith(INTERRUPTED), f"said {exc.message!r}")
        return exc.message
    except Cancelled:
        raise CheckFailed("told as a cancel by the user, not as a failure") from None
    raise CheckFailed("the job succeeded")


async def case_interrupted_by_other(live: Live) -> str:
    first = await interrupted(live, ComfyUIProvider())
    await live.idle()
    second = await interrupted(live, NoSocket())
    expect(first == second, "the words differ without a websocket")
    return first


async def case_cancel_by_us(live: Live) -> str:
    ctx = live.ctx()
    job = asyncio.ensure_future(
        run_job(ComfyUIProvider(), image(live.workflow(pipeline(40, 0.25))), ctx)
    )
    while "StudioLiveSteps 2/40" not in ctx.messages:
        expect(not job.done(), "the job ended before the cancel")
        await asyncio.sleep(0.05)
    ctx.cancel(job)
    with contextlib.suppress(asyncio.CancelledError, Cancelled):
        await job
    await ctx.settle()
    left = await live.left_nothing_running(ctx.provenance["job_id"])
    return f"cancelled at step 2; on the server: {left}"


async def case_cancel_while_validating(live: Live) -> str:
    # The earliest cancel there is: the moment the prompt goes out (its take-back is registered
    # before), while ComfyUI validates it.
    ctx = live.ctx()
    job = asyncio.ensure_future(
        run_job(ComfyUIProvider(), image(live.workflow(pipeline(40, 0.25))), ctx)
    )
    while not ctx.cancel_callbacks:
        await asyncio.sleep(0)
    ctx.cancel(job)
    with contextlib.suppress(asyncio.CancelledError, Cancelled):
        await job
    await ctx.settle()
    left = await live.left_nothing_running(ctx.provenance["job_id"])
    return f"on the server: {left}"


async def cleared(live: Live, provider: ComfyUIProvider) -> str:
    blocker = str(uuid.uuid4())
    await live.http.post(
        "/prompt", json={"prompt": pipeline(40, 0.25), "client_id": "other", "prompt_id": blocker}
    )
    ctx = live.ctx()
    job = asyncio.ensure_future(run_job(provider, image(live.workflow(pipeline(2, 0.1))), ctx))
    while not (await live.http.get("/queue")).json()["queue_pending"]:
        await asyncio.sleep(0.1)
    await live.http.post("/queue", json={"clear": True})
    when = time.monotonic()
    try:
        await job
    except ProviderError as exc:
        took = time.monotonic() - when
        expect("vanished from the queue" in exc.message, f"said {exc.message!r}")
        expect(took < 10, f"took {took:.1f} s")
        return f"failed {took:.1f} s after the clear: {exc.message[:60]}…"
    finally:
        await live.http.post("/interrupt", json={"prompt_id": blocker})
    raise CheckFailed("the job succeeded")


async def case_queue_cleared(live: Live) -> str:
    first = await cleared(live, ComfyUIProvider())
    await live.idle()
    second = await cleared(live, NoSocket())
    return f"websocket: {first} | history: {second}"


async def case_upload(live: Live) -> str:
    import av

    still = live.folder / "still.png"
    still.write_bytes(png_bytes(80, 60))
    graph = still_to_video("x.png")
    name = live.workflow(graph)
    provider = ComfyUIProvider()
    logs = []
    for _ in range(2):
        ctx = live.ctx()
        request = VideoRequest(still, model=name, width=64, height=48)
        result = await provider.image_to_video(request, ctx)
        with av.open(str(result.path)) as container:
            stream = container.streams.video[0]
            size = (stream.codec_context.width, stream.codec_context.height)
            expect(stream.codec_context.name == "h264" and size == (64, 48), f"{size}")
            expect(stream.frames == 8, f"{stream.frames} frames")
        logs += ctx.logs
    expect(any("already has" in line for line in logs), "the second run uploaded again")
    return "h264 64×48, 8 frames, twice; the second run reused the uploaded still"


async def case_url_without_scheme(live: Live) -> str:
    name = live.workflow(pipeline(1, 0.0))
    os.environ["STUDIO_COMFYUI_URL"] = live.url.split("://", 1)[1]
    try:
        await run_job(ComfyUIProvider(), image(name), live.ctx())
    except ProviderError as exc:
        expect("STUDIO_COMFYUI_URL" in exc.message, f"the setting is not named: {exc.message}")
        expect("is not a base URL" in exc.message, f"said {exc.message!r}")
        return exc.message
    finally:
        os.environ["STUDIO_COMFYUI_URL"] = live.url
    raise CheckFailed("the job ran")


async def case_pool_failover(live: Live, second_url: str, second_pid: int) -> str:
    os.environ["STUDIO_COMFYUI_URL"] = f"{second_url},{live.url}"
    try:
        ctx = live.ctx()
        job = asyncio.ensure_future(
            run_job(ComfyUIProvider(), image(live.workflow(pipeline(20, 0.25))), ctx)
        )
        while "StudioLiveSteps 2/20" not in ctx.messages:
            expect(not job.done(), "the job ended early")
            await asyncio.sleep(0.05)
        expect(ctx.provenance["server"] == second_url, "the job did not start on the second")
        os.kill(second_pid, signal.SIGKILL)
        killed = time.monotonic()
        result = await job
        took = time.monotonic() - killed
        expect(ctx.provenance["server"] == live.url and result.path.is_file(), "no failover")
        moved = [line for line in ctx.logs if "stopped answering" in line]
        return (
            f"{second_url} killed at step 2; finished on {live.url} {took:.1f} s later: {moved[0]}"
        )
    finally:
        os.environ["STUDIO_COMFYUI_URL"] = live.url


CASES: dict[str, Callable[[Live], Awaitable[str]]] = {
    "readiness": case_readiness,
    "success": case_success,
    "success_no_websocket": case_success_no_websocket,
    "execution_error": case_execution_error,
    "node_errors_400": case_node_errors_400,
    "node_errors_200": case_node_errors_200,
    "interrupted_by_other": case_interrupted_by_other,
    "cancel_by_us": case_cancel_by_us,
    "cancel_while_validating": case_cancel_while_validating,
    "queue_cleared": case_queue_cleared,
    "upload": case_upload,
    "url_without_scheme": case_url_without_scheme,
}


async def check(args: argparse.Namespace) -> int:
    os.environ["STUDIO_COMFYUI_URL"] = args.url
    failed = 0
    with tempfile.TemporaryDirectory() as folder:
        live = Live(args.url, Path(folder))
        cases: dict[str, Callable[[Live], Awaitable[str]]] = {
            name: CASES[name] for name in args.cases or CASES
        }
        if args.second_url:
            cases["pool_failover"] = lambda live: case_pool_failover(
                live, args.second_url, args.second_pid
            )
        for name, case in cases.items():
            await live.idle()
            started = time.monotonic()
            try:
                detail = await case(live)
            except Exception as exc:  # report every case, whatever happens
                failed += 1
                print(f"FAIL {name} ({time.monotonic() - started:.1f} s): {exc!r}", flush=True)
            else:
                print(f"PASS {name} ({time.monotonic() - started:.1f} s): {detail}", flush=True)
        await live.http.aclose()
    print(f"{len(cases) - failed} of {len(cases)} live checks passed")
    return 1 if failed else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8188")
    parser.add_argument("--second-url", help="a second ComfyUI, killed by the pool case")
    parser.add_argument("--second-pid", type=int, help="its process id")
    parser.add_argument("cases", nargs="*", help=f"some of: {', '.join(CASES)} (default: all)")
    args = parser.parse_args()
    if bool(args.second_url) != bool(args.second_pid):
        parser.error("--second-url and --second-pid go together")
    random.seed()
    sys.exit(asyncio.run(check(args)))


if __name__ == "__main__":
    main()
