"""A fake ComfyUI that serves what a real one said: the files in tests/providers/fixtures/comfyui/,
recorded by tests/live/record_comfyui.py (see docs/comfyui-live-check.md).

    with FakeServer() as server:
        replay = ReplayComfy(server, "success")

Each route our client used in the recording answers with the recorded answers in their order (the
last one repeats), with the recording's prompt and client ids swapped for the ones the client
under test chose. Each websocket connection plays the recorded messages in order, a message held
back until the client has sent the POST that preceded it in the recording (counted from the
connection's opening), at the recorded pace capped at `max_gap` seconds. Requests the recording
does not have answer 404 ("not recorded"), except POST /queue and POST /interrupt, which ComfyUI
always answers 200 with no body.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
from pathlib import Path
from typing import Any

from fakes.server import FakeServer, FakeSocket, Recorded, Reply

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "comfyui"


def load_recording(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text("utf-8"))


class ReplayComfy:
    def __init__(
        self, server: FakeServer, name: str, *, websocket: bool = True, max_gap: float = 0.05
    ) -> None:
        self.server = server
        self.recording = load_recording(name)
        self.max_gap = max_gap
        self.recorded_id = self.recording["prompt_id"]
        self.recorded_client = self.recording["client_id"]
        self.prompt_ids: list[str] = []  # the ids the client under test chose
        client = [h for h in self.recording["http"] if h["by"] == "client"]
        routes: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for exchange in client:
            routes.setdefault((exchange["method"], self._route_path(exchange)), []).append(exchange)
        for (method, pattern), answers in routes.items():
            server.route(method, pattern, self._responder(answers))
        for method, path in (("POST", "/queue"), ("POST", "/interrupt")):
            if (method, path) not in routes:
                server.route(method, path, Reply(body=b""))
        if websocket:
            server.websocket("/ws", self.socket)

    # -- HTTP -------------------------------------------------------------------------------------
    def _route_path(self, exchange: dict[str, Any]) -> str:
        path = exchange["path"]
        if self.recorded_id and self.recorded_id in path:
            return re.escape(path).replace(re.escape(self.recorded_id), r"(?P<id>[^/]+)")
        return re.escape(path)

    def _live_id(self, request: Recorded | None = None) -> str:
        if request is not None and request.match.get("id"):
            return request.match["id"]
        return self.prompt_ids[-1] if self.prompt_ids else self.recorded_id

    def swap(self, value: Any, prompt_id: str, client_id: str | None = None) -> Any:
        """The recorded value with the recording's ids replaced by the live ones."""
        text = json.dumps(value)
        if self.recorded_id:
            text = text.replace(self.recorded_id, prompt_id)
        if client_id and self.recorded_client:
            text = text.replace(self.recorded_client, client_id)
        return json.loads(text)

    def _responder(self, answers: list[dict[str, Any]]) -> Any:
        served: dict[str, int] = {}

        def respond(request: Recorded) -> Reply:
            if request.method == "POST" and request.path == "/prompt":
                chosen = (request.json or {}).get("prompt_id")
                self.prompt_ids.append(chosen or self.recorded_id)
            matching = [a for a in answers if _same_file(a, request)]
            if not matching:
                return Reply(404, json={"detail": f"not recorded: {request.method} {request.path}"})
            key = request.query.get("filename", "")
            index = min(served.get(key, 0), len(matching) - 1)
            served[key] = served.get(key, 0) + 1
            return self._reply(matching[index], self._live_id(request))

        return respond

    def _reply(self, exchange: dict[str, Any], prompt_id: str) -> Reply:
        headers = {
            k.title(): v
            for k, v in exchange.get("headers", {}).items()
            if k.lower() in ("content-type", "www-authenticate", "retry-after")
        }
        status = exchange["status"]
        if "json" in exchange:
            return Reply(status, json=self.swap(exchange["json"], prompt_id), headers=headers)
        if "body_b64" in exchange:
            return Reply(status, body=base64.b64decode(exchange["body_b64"]), headers=headers)
        if exchange["method"] == "HEAD" and "content-length" in exchange.get("headers", {}):
            headers["Content-Length"] = exchange["headers"]["content-length"]
        return Reply(status, body=exchange.get("text", ""), headers=headers)

    # -- websocket --------------------------------------------------------------------------------
    def _gate(self, message: dict[str, Any]) -> tuple[str, str, int] | None:
        """(method, path, n): the message waits for the client's n-th such POST since it
        connected."""
        after = message["after"]
        if after < 0:
            return None
        http = self.recording["http"]
        start = self.recording.get("ws_opened_after", 0)
        gate = http[after]
        path = self._route_path(gate)
        count = sum(
            1
            for h in http[start : after + 1]
            if h["by"] == "client" and h["method"] == gate["method"] and self._route_path(h) == path
        )
        return gate["method"], path, count

    async def socket(self, sock: FakeSocket) -> None:
        start = len(self.server.requests)
        client_id = sock.request.query.get("clientId", "")
        previous = None
        for message in self.recording["websocket"]:
            gate = self._gate(message)
            while gate is not None and self._sent(start, gate) < gate[2]:
                await asyncio.sleep(0.01)
            if previous is not None:
                await asyncio.sleep(min(self.max_gap, max(0.0, message["t"] - previous)))
            previous = message["t"]
            if sock.closed.is_set():
                return
            if "binary_b64" in message:
                await sock.send_binary(base64.b64decode(message["binary_b64"]))
            else:
                live = self._live_id_since(start)
                await sock.send_json(self.swap(message["text"], live, client_id))
        await sock.closed.wait()

    def _sent(self, start: int, gate: tuple[str, str, int]) -> int:
        method, pattern, _ = gate
        return sum(
            1
            for r in self.server.requests[start:]
            if r.method == method and re.fullmatch(pattern, r.path)
        )

    def _live_id_since(self, start: int) -> str:
        for request in reversed(self.server.requests[start:]):
            if request.method == "POST" and request.path == "/prompt":
                chosen = (json.loads(request.body or b"{}") or {}).get("prompt_id")
                return chosen or self.recorded_id
        return self.recorded_id


def _same_file(exchange: dict[str, Any], request: Recorded) -> bool:
    """/view answers are kept apart by the file they serve."""
    wanted = (exchange.get("query") or {}).get("filename")
    return wanted is None or wanted == request.query.get("filename")
