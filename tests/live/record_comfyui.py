"""Record a real ComfyUI server's answers as test fixtures (not collected by pytest; not CI).

    python tests/live/record_comfyui.py [--url http://127.0.0.1:8188] [--out DIR] [CASE ...]

Needs a ComfyUI server with `tests/live/comfyui_nodes/studio_live_nodes.py` in its
`custom_nodes/` folder (see docs/comfyui-live-check.md). Each case drives the server the way the
studio does (the same requests in the same order) and writes what the server said, HTTP answers
and websocket messages alike, to `tests/providers/fixtures/comfyui/<case>.json`; the ComfyUI tests
replay these files (tests/providers/fakes/comfyui.py, `ReplayComfy`).

A file holds: the workflow sent, the prompt and client ids the recording used (the replay swaps
in the test's own), every HTTP exchange (`by`: "client" = what the studio would send, "other" =
another client of the same server), and every websocket message with `after`, the index of the
last POST our client had sent when it arrived (the replay holds the message back until the
client under test has sent that POST too).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import datetime
import hashlib
import io
import json
import random
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import connect

HERE = Path(__file__).resolve().parent
FIXTURES = HERE.parent / "providers" / "fixtures" / "comfyui"
LIVE_NODE = "StudioLiveSteps"


def still_to_video(image_name: str) -> dict[str, Any]:
    """A model-free workflow: an uploaded still, scaled to 64x48, repeated 8 times, an MP4."""
    return {
        "1": {"class_type": "LoadImage", "inputs": {"image": image_name}},
        "2": {
            "class_type": "ImageScale",
            "inputs": {
                "image": ["1", 0],
                "upscale_method": "bilinear",
                "width": 64,
                "height": 48,
                "crop": "disabled",
            },
        },
        "3": {"class_type": "RepeatImageBatch", "inputs": {"image": ["2", 0], "amount": 8}},
        "4": {"class_type": "CreateVideo", "inputs": {"images": ["3", 0], "fps": 8.0}},
        "5": {
            "class_type": "SaveVideo",
            "inputs": {
                "video": ["4", 0],
                "filename_prefix": "video/studio-live-i2v",
                "format": "mp4",
                "codec": "h264",
            },
        },
    }


def pipeline(steps: int, seconds: float, *, fail_at: int = 0, prefix: str = "studio-live") -> dict:
    """EmptyImage (64×48) → StudioLiveSteps → ImageInvert → SaveImage; a fresh colour each time,
    so ComfyUI's own cache never skips the work."""
    return {
        "1": {
            "class_type": "EmptyImage",
            "inputs": {
                "width": 64,
                "height": 48,
                "batch_size": 1,
                "color": random.randrange(1 << 24),
            },
        },
        "2": {
            "class_type": LIVE_NODE,
            "inputs": {
                "images": ["1", 0],
                "steps": steps,
                "seconds_per_step": seconds,
                "fail_at_step": fail_at,
            },
        },
        "3": {"class_type": "ImageInvert", "inputs": {"image": ["2", 0]}},
        "4": {"class_type": "SaveImage", "inputs": {"images": ["3", 0], "filename_prefix": prefix}},
    }


def png_bytes(width: int, height: int) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (random.randrange(256), 90, 160)).save(buffer, "PNG")
    return buffer.getvalue()


class Session:
    """One recorded conversation with the server: our client's and others' requests, and the
    websocket messages our client received."""

    def __init__(self, url: str, case: str, note: str) -> None:
        self.url = url.rstrip("/")
        self.case = case
        self.note = note
        self.client_id = uuid.uuid4().hex
        self.prompt_id = str(uuid.uuid4())
        self.http: list[dict[str, Any]] = []
        self.ws: list[dict[str, Any]] = []
        self.workflow: dict[str, Any] | None = None
        self.ws_opened_after = 0
        self.files: dict[str, str] = {}  # uploaded file name -> its bytes, base64
        self.started = time.monotonic()
        self._last_post = -1
        self._socket: Any = None
        self._reader: asyncio.Task[None] | None = None
        self._client = httpx.AsyncClient(timeout=30)
        self.arrived = asyncio.Event()

    def _t(self) -> float:
        return round(time.monotonic() - self.started, 3)

    async def request(
        self, method: str, path: str, *, by: str = "client", **kwargs: Any
    ) -> httpx.Response:
        entry: dict[str, Any] = {"by": by, "t": self._t(), "method": method, "path": path}
        if kwargs.get("params"):
            entry["query"] = dict(kwargs["params"])
        if "json" in kwargs:
            entry["request_json"] = kwargs["json"]
        if "files" in kwargs:
            for name, content, _ in kwargs["files"].values():
                self.files[name] = base64.b64encode(content).decode("ascii")
            entry["request_form"] = {
                **kwargs.get("data", {}),
                **{k: f"<file {v[0]}, {len(v[1])} bytes>" for k, v in kwargs["files"].items()},
            }
        index = len(self.http)
        self.http.append(entry)
        if method == "POST" and by == "client":
            self._last_post = index
        response = await self._client.request(method, self.url + path, **kwargs)
        entry["status"] = response.status_code
        entry["headers"] = {
            k: v
            for k, v in response.headers.items()
            if k.lower() in ("content-type", "content-length", "www-authenticate", "retry-after")
        }
        body = response.content
        if body and "json" in response.headers.get("content-type", ""):
            entry["json"] = response.json()
        elif body:
            try:
                entry["text"] = body.decode("utf-8")
            except UnicodeDecodeError:
                entry["body_b64"] = base64.b64encode(body).decode("ascii")
        return response

    async def open_socket(self) -> None:
        ws_url = self.url.replace("http", "ws", 1) + f"/ws?clientId={self.client_id}"
        self._socket = await connect(ws_url, max_size=2**26)
        # Gates count only POSTs sent after the socket opened (the replay counts from there).
        self._last_post = -1
        self.ws_opened_after = len(self.http)
        self._reader = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        with contextlib.suppress(Exception):
            async for message in self._socket:
                entry: dict[str, Any] = {"after": self._last_post, "t": self._t()}
                if isinstance(message, bytes):
                    entry["binary_b64"] = base64.b64encode(message).decode("ascii")
                else:
                    entry["text"] = json.loads(message)
                self.ws.append(entry)
                self.arrived.set()

    async def wait_for(self, test: Callable[[dict[str, Any]], bool], timeout: float = 60) -> dict:
        """The first websocket message (JSON) for which `test` is true; waits for it."""
        deadline = time.monotonic() + timeout
        seen = 0
        while time.monotonic() < deadline:
            for entry in self.ws[seen:]:
                seen += 1
                if "text" in entry and test(entry["text"]):
                    return entry["text"]
            self.arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.arrived.wait(), 1)
        raise TimeoutError(f"{self.case}: the awaited websocket message never came")

    def is_end(self, message: dict[str, Any], prompt_id: str | None = None) -> bool:
        data = message.get("data") or {}
        return (
            message.get("type") == "executing"
            and data.get("node") is None
            and data.get("prompt_id") == (prompt_id or self.prompt_id)
        )

    async def post_prompt(self, workflow: dict[str, Any]) -> httpx.Response:
        self.workflow = workflow
        body = {"prompt": workflow, "client_id": self.client_id, "prompt_id": self.prompt_id}
        return await self.request("POST", "/prompt", json=body)

    async def history_until_done(self, prompt_id: str | None = None) -> dict[str, Any]:
        prompt_id = prompt_id or self.prompt_id
        for _ in range(200):
            answer = (await self.request("GET", f"/history/{prompt_id}")).json()
            if answer.get(prompt_id):
                return answer[prompt_id]
            await asyncio.sleep(0.1)
        raise TimeoutError(f"{self.case}: no history for {prompt_id}")

    async def close(self) -> dict[str, Any]:
        await asyncio.sleep(0.3)  # the last status messages
        if self._socket is not None:
            await self._socket.close()
        if self._reader is not None:
            await self._reader
        await self._client.aclose()
        return {
            "case": self.case,
            "note": self.note,
            "recorded_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "server": self.url,
            "prompt_id": self.prompt_id,
            "client_id": self.client_id,
            "workflow": self.workflow,
            "http": self.http,
            "websocket": self.ws,
            "ws_opened_after": self.ws_opened_after,
            "uploaded_files_b64": self.files,
        }


async def idle(url: str) -> None:
    """Wait until the server's queue is empty (the previous case's leftovers)."""
    async with httpx.AsyncClient(timeout=10) as client:
        for _ in range(600):
            queue = (await client.get(url + "/queue")).json()
            if not queue["queue_running"] and not queue["queue_pending"]:
                return
            await asyncio.sleep(0.1)
    raise TimeoutError("the ComfyUI queue never emptied")


# -- the cases -------------------------------------------------------------------------------------
async def case_success(s: Session) -> None:
    await s.request("GET", "/system_stats")
    await s.request("GET", "/queue")
    await s.open_socket()
    await s.wait_for(lambda m: m["type"] == "status")
    await s.post_prompt(pipeline(steps=4, seconds=0.3))
    await s.wait_for(lambda m: m["type"] == "progress" and m["data"]["value"] == 1)
    await s.request("GET", "/queue")  # our prompt, running
    await s.request("GET", f"/history/{s.prompt_id}")  # not there yet: {}
    await s.wait_for(s.is_end)
    entry = await s.history_until_done()
    image = entry["outputs"]["4"]["images"][0]
    await s.request("GET", "/view", params={**image, "type": image["type"]})


async def case_execution_error(s: Session) -> None:
    await s.request("GET", "/queue")
    await s.open_socket()
    await s.wait_for(lambda m: m["type"] == "status")
    await s.post_prompt(pipeline(steps=4, seconds=0.2, fail_at=2))
    await s.wait_for(lambda m: m["type"] == "execution_error")
    await s.history_until_done()


async def case_node_errors_400(s: Session) -> None:
    workflow = pipeline(steps=1, seconds=0.0)
    workflow["5"] = {
        "class_type": "ImageScale",
        "inputs": {
            "image": ["1", 0],
            "upscale_method": "supersample",
            "width": 32,
            "height": 24,
            "crop": "disabled",
        },
    }
    workflow["4"]["inputs"]["images"] = ["5", 0]
    del workflow["2"], workflow["3"]
    await s.request("GET", "/queue")
    await s.open_socket()
    await s.wait_for(lambda m: m["type"] == "status")
    await s.post_prompt(workflow)


async def case_node_errors_200(s: Session) -> None:
    workflow = pipeline(steps=30, seconds=0.2)  # the valid branch: slow enough to be stopped
    workflow["5"] = {
        "class_type": "ImageScale",
        "inputs": {
            "image": ["1", 0],
            "upscale_method": "supersample",
            "width": 32,
            "height": 24,
            "crop": "disabled",
        },
    }
    workflow["6"] = {
        "class_type": "SaveImage",
        "inputs": {"images": ["5", 0], "filename_prefix": "studio-live-scaled"},
    }
    await s.request("GET", "/queue")
    await s.open_socket()
    await s.wait_for(lambda m: m["type"] == "status")
    await s.post_prompt(workflow)
    # What the studio does with a partly valid prompt: take it back, then say what was wrong.
    await s.request("POST", "/queue", json={"delete": [s.prompt_id]})
    queue = (await s.request("GET", "/queue")).json()
    if any(item[1] == s.prompt_id for item in queue["queue_running"]):
        await s.request("POST", "/interrupt", json={"prompt_id": s.prompt_id})
        await s.wait_for(lambda m: m["type"] == "execution_interrupted")
        await s.history_until_done()


async def case_interrupted_by_other(s: Session) -> None:
    await s.request("GET", "/queue")
    await s.open_socket()
    await s.wait_for(lambda m: m["type"] == "status")
    await s.post_prompt(pipeline(steps=40, seconds=0.25))
    await s.request("GET", f"/history/{s.prompt_id}")  # running: {}
    await s.wait_for(lambda m: m["type"] == "progress" and m["data"]["value"] == 2)
    # Someone presses Cancel on ComfyUI's own page (an interrupt without a prompt id).
    await s.request("POST", "/interrupt", by="other")
    await s.wait_for(lambda m: m["type"] == "execution_interrupted")
    await s.history_until_done()


async def case_cancel_by_us(s: Session) -> None:
    await s.request("GET", "/queue")
    await s.open_socket()
    await s.wait_for(lambda m: m["type"] == "status")
    await s.post_prompt(pipeline(steps=40, seconds=0.25))
    await s.wait_for(lambda m: m["type"] == "progress" and m["data"]["value"] == 2)
    # The studio's cancel: take it out of the queue, and interrupt it if it runs.
    await s.request("POST", "/queue", json={"delete": [s.prompt_id]})
    await s.request("GET", "/queue")
    await s.request("POST", "/interrupt", json={"prompt_id": s.prompt_id})
    await s.wait_for(lambda m: m["type"] == "execution_interrupted")
    await s.history_until_done()


async def case_queue_cleared(s: Session) -> None:
    blocker_id = str(uuid.uuid4())
    blocker = {
        "prompt": pipeline(steps=40, seconds=0.25, prefix="studio-live-other"),
        "client_id": uuid.uuid4().hex,
        "prompt_id": blocker_id,
    }
    await s.request("POST", "/prompt", by="other", json=blocker)
    await asyncio.sleep(0.5)
    await s.request("GET", "/queue")  # someone else's prompt runs
    await s.open_socket()
    await s.wait_for(lambda m: m["type"] == "status")
    await s.post_prompt(pipeline(steps=2, seconds=0.1))
    await s.request("GET", "/queue")  # ours waits behind it
    await s.request("GET", f"/history/{s.prompt_id}")  # {}
    await s.request("POST", "/queue", by="other", json={"clear": True})
    await asyncio.sleep(0.5)
    await s.request("GET", "/queue")  # ours is gone...
    await s.request("GET", f"/history/{s.prompt_id}")  # ...and will never have a history
    await s.request("POST", "/interrupt", by="other", json={"prompt_id": blocker_id})


async def case_upload(s: Session) -> None:
    still = png_bytes(80, 60)
    name = f"studio-{hashlib.sha256(still).hexdigest()[:32]}.png"
    await s.request("GET", "/queue")
    await s.request("HEAD", "/view", params={"filename": name, "type": "input", "subfolder": ""})
    for _ in range(2):  # the second: same name, same bytes -> ComfyUI keeps the one file
        await s.request(
            "POST",
            "/upload/image",
            files={"image": (name, still, "image/png")},
            data={"type": "input"},
        )
    await s.request("HEAD", "/view", params={"filename": name, "type": "input", "subfolder": ""})
    await s.open_socket()
    await s.wait_for(lambda m: m["type"] == "status")
    workflow = still_to_video(name)
    await s.post_prompt(workflow)
    await s.wait_for(s.is_end)
    entry = await s.history_until_done()
    video = entry["outputs"]["5"]["images"][0]
    await s.request("GET", "/view", params={**video, "type": video["type"]})


async def case_system_stats(s: Session) -> None:
    await s.request("GET", "/system_stats")


CASES: dict[str, tuple[Callable[[Session], Awaitable[None]], str]] = {
    "success": (case_success, "EmptyImage → StudioLiveSteps (4 steps) → ImageInvert → SaveImage"),
    "execution_error": (case_execution_error, "StudioLiveSteps raises at step 2"),
    "node_errors_400": (case_node_errors_400, "the only output depends on an invalid ImageScale"),
    "node_errors_200": (
        case_node_errors_200,
        "one valid output, one behind an invalid ImageScale: queued, then taken back",
    ),
    "interrupted_by_other": (
        case_interrupted_by_other,
        "another client sends POST /interrupt (no body) while ours runs",
    ),
    "cancel_by_us": (case_cancel_by_us, "our client deletes and interrupts its running prompt"),
    "queue_cleared": (
        case_queue_cleared,
        "ours waits behind another client's prompt; that client clears the queue",
    ),
    "upload": (
        case_upload,
        "upload a still (named by digest, twice), then LoadImage → CreateVideo → SaveVideo (mp4)",
    ),
    "system_stats": (case_system_stats, "GET /system_stats"),
}


def unauthorized(url: str) -> dict[str, Any]:
    """A proxy asking for a login in front of ComfyUI. SYNTHETIC: written by hand in the shape
    nginx's auth_basic answers, not recorded from a server."""
    page = (
        "<html>\r\n<head><title>401 Authorization Required</title></head>\r\n<body>\r\n"
        "<center><h1>401 Authorization Required</h1></center>\r\n<hr><center>nginx</center>\r\n"
        "</body>\r\n</html>\r\n"
    )
    answer = {
        "by": "client",
        "t": 0.0,
        "status": 401,
        "headers": {"content-type": "text/html", "www-authenticate": 'Basic realm="ComfyUI"'},
        "text": page,
    }
    return {
        "case": "unauthorized",
        "note": "SYNTHETIC (not recorded): nginx auth_basic in front of ComfyUI answers 401",
        "synthetic": True,
        "server": url,
        "prompt_id": "",
        "client_id": "",
        "workflow": None,
        "http": [
            {**answer, "method": method, "path": path}
            for method, path in (("GET", "/system_stats"), ("GET", "/queue"))
        ],
        "websocket": [],
    }


async def record(url: str, names: list[str], out: Path, synthetic: bool) -> None:
    out.mkdir(parents=True, exist_ok=True)
    async with httpx.AsyncClient(timeout=10) as client:
        try:
            info = (await client.get(url + "/object_info/" + LIVE_NODE)).json()
        except httpx.HTTPError as exc:
            sys.exit(f"cannot reach ComfyUI at {url}: {exc}")
        version = (await client.get(url + "/system_stats")).json()["system"]["comfyui_version"]
    if LIVE_NODE not in info:
        sys.exit(
            f"{LIVE_NODE} is not installed: copy {HERE / 'comfyui_nodes'}/*.py into ComfyUI's "
            "custom_nodes/ and restart it"
        )
    for name in names:
        run, note = CASES[name]
        await idle(url)
        session = Session(url, name, note)
        try:
            await run(session)
        finally:
            data = await session.close()
        data["comfyui_version"] = version
        path = out / f"{name}.json"
        path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
        kinds = sorted({m["text"]["type"] for m in data["websocket"] if "text" in m})
        print(
            f"{name}: {len(data['http'])} requests, {len(data['websocket'])} messages "
            f"({', '.join(kinds)}) -> {path}"
        )
    if synthetic:
        path = out / "unauthorized.json"
        path.write_text(json.dumps(unauthorized(url), indent=1, sort_keys=True) + "\n")
        print(f"unauthorized (synthetic) -> {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8188")
    parser.add_argument("--out", type=Path, default=FIXTURES)
    parser.add_argument("cases", nargs="*", help=f"some of: {', '.join(CASES)} (default: all)")
    args = parser.parse_args()
    unknown = set(args.cases) - set(CASES) - {"unauthorized"}
    if unknown:
        parser.error(f"unknown cases: {', '.join(sorted(unknown))}")
    names = [c for c in args.cases if c in CASES] if args.cases else list(CASES)
    synthetic = not args.cases or "unauthorized" in args.cases
    asyncio.run(record(args.url.rstrip("/"), names, args.out, synthetic))


if __name__ == "__main__":
    main()
