"""ComfyUI servers for the tests.

`FakeComfy` is written by hand (shared/provider-contracts.md §7, shapes checked against ComfyUI
0.3.64): /prompt (with the client's own prompt id, an optional validation delay), a one-at-a-time
queue, the websocket messages (progress, binary previews, success/error/interrupted), /history,
/view, /upload/image with ComfyUI's keep-one-copy rule, /interrupt, /queue deletes and clears,
/system_stats. It plays what no recording can: a server dying mid-job, a slow validation,
broken messages.

`ReplayComfy` (fakes/comfyui_replay.py) serves what a real ComfyUI said, recorded by
tests/live/record_comfyui.py into tests/providers/fixtures/comfyui/.
"""

from __future__ import annotations

import asyncio
import itertools
import struct
from dataclasses import dataclass, field
from typing import Any

from fakes.media import jpeg_bytes, mp4_bytes, png_bytes
from fakes.server import FakeServer, FakeSocket, Recorded, Reply

# A small text-to-image workflow in API format, as ComfyUI's Export (API) writes it.
TXT2IMG = {
    "3": {
        "class_type": "KSampler",
        "inputs": {
            "seed": 1,
            "steps": 20,
            "cfg": 7.0,
            "sampler_name": "euler",
            "scheduler": "normal",
            "denoise": 1.0,
            "model": ["4", 0],
            "positive": ["6", 0],
            "negative": ["7", 0],
            "latent_image": ["5", 0],
        },
    },
    "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "sd15.safetensors"}},
    "5": {
        "class_type": "EmptyLatentImage",
        "inputs": {"width": 512, "height": 512, "batch_size": 1},
    },
    "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a cat", "clip": ["4", 1]}},
    "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "blurry", "clip": ["4", 1]}},
    "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
    "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "studio", "images": ["8", 0]}},
}


@dataclass
class FakeComfy:
    server: FakeServer
    steps: int = 3
    step_seconds: float = 0.01
    websocket: bool = True
    fail_node: str | None = None  # this node id raises during execution
    foreign_pending: int = 0  # jobs of other users waiting in the queue
    output: str = "png"  # "png" or "mp4"
    validate_seconds: float = 0.0  # how long POST /prompt takes to answer (big workflows)
    garbage: bool = False  # send broken websocket messages before the real ones
    prompts: list[dict[str, Any]] = field(default_factory=list)
    history: dict[str, Any] = field(default_factory=dict)
    uploads: list[bytes] = field(default_factory=list)
    inputs: dict[str, bytes] = field(default_factory=dict)  # the server's input folder
    finished: list[str] = field(default_factory=list)  # prompts that ran to their end
    interrupted: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._numbers = itertools.count(1)
        self._pending: list[dict[str, Any]] = []
        self._running: dict[str, Any] | None = None
        self._wake: asyncio.Event | None = None
        self._sockets: dict[str, FakeSocket] = {}
        s = self.server
        s.route("POST", "/prompt", self.prompt)
        s.route("GET", "/queue", self.queue)
        s.route("POST", "/queue", self.queue_edit)
        s.route("POST", "/interrupt", self.interrupt)
        s.route("GET", r"/history/(?P<id>[\w-]+)", self.history_of)
        s.route("GET", "/view", self.view)
        s.route("POST", "/upload/image", self.upload)
        s.route("HEAD", "/view", self.view_head)
        s.route("GET", "/system_stats", self.system_stats)
        if self.websocket:
            s.websocket("/ws", self.socket)

    # -- websocket --------------------------------------------------------------------------------
    async def socket(self, sock: FakeSocket) -> None:
        self._sockets[sock.request.query["clientId"]] = sock
        await sock.send_json(
            {
                "type": "status",
                "data": {
                    "status": {"exec_info": {"queue_remaining": len(self._pending)}},
                    "sid": sock.request.query["clientId"],
                },
            }
        )
        await sock.closed.wait()

    async def _tell(self, client_id: str, kind: str, data: dict[str, Any]) -> None:
        sock = self._sockets.get(client_id)
        if sock is not None and not sock.closed.is_set():
            await sock.send_json({"type": kind, "data": data})

    # -- HTTP -------------------------------------------------------------------------------------
    async def prompt(self, request: Recorded) -> Reply:
        body = request.json
        graph = body.get("prompt")
        if self.validate_seconds:
            await asyncio.sleep(self.validate_seconds)
        if not isinstance(graph, dict) or not graph:
            return Reply(400, json={"error": "no prompt", "node_errors": []})
        broken = {nid: n for nid, n in graph.items() if n.get("class_type") == "Missing"}
        if broken:
            return Reply(
                400,
                json={
                    "error": {"type": "prompt_outputs_failed_validation", "message": "invalid"},
                    "node_errors": {
                        nid: {
                            "errors": [
                                {
                                    "type": "invalid_prompt",
                                    "message": "Cannot execute because node Missing does not "
                                    "exist.",
                                    "details": f"Node ID '#{nid}'",
                                }
                            ],
                            "class_type": "Missing",
                            "dependent_outputs": [],
                        }
                        for nid in broken
                    },
                },
            )
        job = {
            "id": body.get("prompt_id") or f"p-{self.server.port}-{len(self.prompts) + 1}",
            "number": next(self._numbers),
            "prompt": graph,
            "client_id": body.get("client_id"),
        }
        self.prompts.append(job)
        self._pending.append(job)
        if self._wake is None:
            self._wake = asyncio.Event()
            self._worker_task = asyncio.ensure_future(self._worker())
        self._wake.set()
        return Reply(json={"prompt_id": job["id"], "number": job["number"], "node_errors": {}})

    def queue(self, request: Recorded) -> Reply:
        running = (
            [[self._running["number"], self._running["id"], {}, {}, []]] if self._running else []
        )
        pending = [[j["number"], j["id"], {}, {}, []] for j in self._pending]
        pending += [[0, f"foreign-{n}", {}, {}, []] for n in range(self.foreign_pending)]
        return Reply(json={"queue_running": running, "queue_pending": pending})

    def queue_edit(self, request: Recorded) -> Reply:
        if request.json.get("clear"):
            self.deleted += [j["id"] for j in self._pending]
            self._pending = []
        for prompt_id in request.json.get("delete", []):
            self.deleted.append(prompt_id)
            self._pending = [j for j in self._pending if j["id"] != prompt_id]
        return Reply(body=b"")

    def interrupt(self, request: Recorded) -> Reply:
        if self._running is not None:
            self._running["interrupt"] = True
            self.interrupted.append(self._running["id"])
        return Reply(body=b"")

    def history_of(self, request: Recorded) -> Reply:
        prompt_id = request.match["id"]
        return Reply(json={prompt_id: self.history[prompt_id]} if prompt_id in self.history else {})

    def view(self, request: Recorded) -> Reply:
        if request.query.get("filename", "").endswith(".mp4"):
            return Reply(body=mp4_bytes(), headers={"Content-Type": "video/mp4"})
        return Reply(body=png_bytes(72, 40), headers={"Content-Type": "image/png"})

    def upload(self, request: Recorded) -> Reply:
        """ComfyUI's rule: a name taken by other bytes gets " (1)"; the same bytes are kept once."""
        self.uploads.append(request.body)
        name, data = _multipart_file(request)
        stem, dot, suffix = name.rpartition(".")
        number = 0
        while name in self.inputs and self.inputs[name] != data:
            number += 1
            name = f"{stem} ({number}){dot}{suffix}"
        self.inputs[name] = data
        return Reply(json={"name": name, "subfolder": "", "type": "input"})

    def view_head(self, request: Recorded) -> Reply:
        data = self.inputs.get(request.query.get("filename", ""))
        if request.query.get("type") != "input" or data is None:
            return Reply(404, body=b"")
        return Reply(body=b"", headers={"Content-Length": str(len(data))})

    def system_stats(self, request: Recorded) -> Reply:
        return Reply(
            json={
                "system": {"os": "posix", "comfyui_version": "0.3.64", "python_version": "3.11"},
                "devices": [{"name": "cuda:0 NVIDIA Fake", "type": "cuda", "index": 0}],
            }
        )

    # -- the one-at-a-time executor ---------------------------------------------------------------
    async def _worker(self) -> None:
        assert self._wake is not None
        while True:
            if not self._pending:
                self._wake.clear()
                await self._wake.wait()
                continue
            job = self._running = self._pending.pop(0)
            try:
                await self._execute(job)
            finally:
                self._running = None

    async def _execute(self, job: dict[str, Any]) -> None:
        cid, pid = job["client_id"], job["id"]
        sock = self._sockets.get(cid)
        if self.garbage and sock is not None and not sock.closed.is_set():
            for broken in (b"{oops", b"[1, 2]", b'{"type": "progress", "data": "7/20"}'):
                sock._protocol.send_text(broken)
                await sock._flush()
        await self._tell(cid, "execution_start", {"prompt_id": pid, "timestamp": 0})
        await self._tell(cid, "execution_cached", {"nodes": ["4"], "prompt_id": pid})
        for node in ("3", "8", "9"):
            await self._tell(
                cid, "executing", {"node": node, "display_node": node, "prompt_id": pid}
            )
            if node == self.fail_node:
                error = {
                    "prompt_id": pid,
                    "node_id": node,
                    "node_type": job["prompt"][node]["class_type"],
                    "exception_message": "CUDA out of memory",
                    "exception_type": "RuntimeError",
                }
                await self._tell(cid, "execution_error", error)
                self.history[pid] = {
                    "prompt": [],
                    "outputs": {},
                    "status": {
                        "status_str": "error",
                        "completed": False,
                        "messages": [["execution_error", error]],
                    },
                }
                return
            if node == "3":
                for step in range(1, self.steps + 1):
                    await asyncio.sleep(self.step_seconds)
                    if job.get("interrupt"):
                        await self._tell(
                            cid,
                            "execution_interrupted",
                            {"prompt_id": pid, "node_id": "3", "node_type": "KSampler"},
                        )
                        self.history[pid] = {
                            "outputs": {},
                            "status": {"status_str": "error", "completed": False, "messages": []},
                        }
                        return
                    await self._tell(
                        cid,
                        "progress",
                        {"value": step, "max": self.steps, "prompt_id": pid, "node": "3"},
                    )
                    sock = self._sockets.get(cid)
                    if sock is not None and not sock.closed.is_set():
                        await sock.send_binary(struct.pack(">II", 1, 1) + jpeg_bytes(16, 16))
        name = f"studio_0000{len(self.history) + 1}_.{self.output}"
        files = {
            "gifs" if self.output == "mp4" else "images": [
                {"filename": name, "subfolder": "", "type": "output"}
            ]
        }
        await self._tell(
            cid, "executed", {"node": "9", "display_node": "9", "output": files, "prompt_id": pid}
        )
        self.history[pid] = {
            "prompt": [],
            "outputs": {"9": files},
            "status": {"status_str": "success", "completed": True, "messages": []},
        }
        self.finished.append(pid)
        await self._tell(cid, "execution_success", {"prompt_id": pid, "timestamp": 1})
        await self._tell(cid, "executing", {"node": None, "prompt_id": pid})


def _multipart_file(request: Recorded) -> tuple[str, bytes]:
    """(file name, bytes) of the `image` part of a multipart upload."""
    boundary = request.headers["content-type"].split("boundary=", 1)[1].encode()
    for part in request.body.split(b"--" + boundary):
        head, _, data = part.partition(b"\r\n\r\n")
        if b'name="image"' in head:
            name = head.split(b'filename="', 1)[1].split(b'"', 1)[0].decode()
            return name, data.rsplit(b"\r\n", 1)[0]
    raise AssertionError("the upload has no image part")
