"""A small fake HTTP (and websocket) server on 127.0.0.1 that records every request.

It runs its own asyncio loop in a background thread, so a test's client loop and the server never
block each other, and slow replies (`delay`, `chunk_delay`) cost the server no thread.

    with FakeServer() as server:
        server.route("POST", "/v1/things", Reply(json={"id": "1"}))
        server.route("GET", r"/v1/things/(?P<id>\\w+)", [Reply(500), Reply(json={"ok": True})])
        ... call server.url ...
        assert server.received("POST")[0].json["prompt"] == "..."

A route answers with a Reply, a dict (sent as JSON), or a function of the Recorded request
returning one of those (or an awaitable of it), or a list of any of these, used in order (the
last one repeats).
Websocket routes use the `websockets` package's protocol on the same port (as ComfyUI serves
`/ws` beside its HTTP routes).
"""

from __future__ import annotations

import asyncio
import inspect
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

_NO_JSON = object()


@dataclass
class Recorded:
    """One request as the server received it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # names in lower case
    body: bytes
    time: float  # time.monotonic() when it arrived
    match: dict[str, str] = field(default_factory=dict)

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Reply:
    status: int = 200
    json: Any = _NO_JSON
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # before the status line
    truncate_at: int | None = None  # send only this many body bytes, then close
    chunk_size: int = 64 * 1024
    chunk_delay: float = 0.0  # between body chunks (a slow stream)
    chunks: list[bytes] | None = None  # chunked transfer encoding (NDJSON, SSE streams)
    chunk_delays: list[float] | None = None  # seconds before each chunk (else chunk_delay after)
    close: bool = False

    def payload(self) -> bytes:
        if self.json is not _NO_JSON:
            return json.dumps(self.json).encode()
        return self.body.encode() if isinstance(self.body, str) else self.body


Responder = Reply | dict | list[Any] | Callable[[Recorded], Any]

REASONS = {
    200: "OK",
    201: "Created",
    202: "Accepted",
    204: "No Content",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


class FakeSocket:
    """The server side of one websocket connection (text or binary frames to the client)."""

    def __init__(self, protocol: Any, writer: asyncio.StreamWriter, request: Recorded) -> None:
        self._protocol = protocol
        self._writer = writer
        self.request = request
        self.closed = asyncio.Event()

    async def _flush(self) -> None:
        for data in self._protocol.data_to_send():
            if data:
                self._writer.write(data)
        await self._writer.drain()

    async def send_json(self, value: Any) -> None:
        self._protocol.send_text(json.dumps(value).encode())
        await self._flush()

    async def send_binary(self, data: bytes) -> None:
        self._protocol.send_binary(data)
        await self._flush()

    async def close(self) -> None:
        self._protocol.send_close(1000)
        await self._flush()
        self.closed.set()


class FakeServer:
    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Responder, list[int]]] = []
        self._ws_routes: dict[str, Callable[[FakeSocket], Any]] = {}
        self.requests: list[Recorded] = []
        self.sockets: list[FakeSocket] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.AbstractServer | None = None
        self.port = 0

    # -- setup ------------------------------------------------------------------------------------
    def route(self, method: str, pattern: str, responder: Responder) -> None:
        """Answer METHOD on paths matching `pattern` (a regex matched against the whole path)."""
        self._routes.insert(0, (method.upper(), re.compile(pattern), responder, [0]))

    def websocket(self, path: str, handler: Callable[[FakeSocket], Any]) -> None:
        """Accept websocket upgrades on `path`; `handler(socket)` runs for each connection."""
        self._ws_routes[path] = handler

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        assert self._loop is not None
        return self._loop

    def call(self, coroutine: Any) -> Any:
        """Run a coroutine on the server's loop from the test's thread and wait for it."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(10)

    def received(self, method: str | None = None, path: str | None = None) -> list[Recorded]:
        """Requests so far, optionally only one method and/or paths matching a regex."""
        return [
            r
            for r in list(self.requests)
            if (method is None or r.method == method.upper())
            and (path is None or re.fullmatch(path, r.path))
        ]

    # -- lifecycle --------------------------------------------------------------------------------
    def start(self) -> FakeServer:
        ready = threading.Event()

        def main() -> None:
            self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self._loop)
            self._server = self._loop.run_until_complete(
                asyncio.start_server(self._serve, "127.0.0.1", 0, limit=1 << 20)
            )
            self.port = self._server.sockets[0].getsockname()[1]
            ready.set()
            self._loop.run_forever()
            self._server.close()
            pending = asyncio.all_tasks(self._loop)
            for task in pending:
                task.cancel()
            self._loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            self._loop.close()

        self._thread = threading.Thread(target=main, name="fake-server", daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # -- serving ----------------------------------------------------------------------------------
    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                    return
                lines = head.decode("latin-1").split("\r\n")
                method, target, _ = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        name, value = line.split(":", 1)
                        headers[name.strip().lower()] = value.strip()
                parts = urlsplit(target)
                if headers.get("upgrade", "").lower() == "websocket":
                    record = Recorded(
                        method,
                        parts.path,
                        dict(parse_qsl(parts.query, keep_blank_values=True)),
                        headers,
                        b"",
                        time.monotonic(),
                    )
                    self.requests.append(record)
                    await self._websocket(head, reader, writer, record)
                    return
                if "content-length" in headers:
                    body = await reader.readexactly(int(headers["content-length"]))
                elif headers.get("transfer-encoding", "").lower() == "chunked":
                    body = await _read_chunked(reader)
                else:
                    body = b""
                record = Recorded(
                    method.upper(),
                    parts.path,
                    dict(parse_qsl(parts.query, keep_blank_values=True)),
                    headers,
                    body,
                    time.monotonic(),
                )
                self.requests.append(record)
                try:
                    reply = await self._dispatch(record)
                except Exception as exc:  # a bug in a fake: make it loud in the test's output
                    import traceback

                    traceback.print_exc()
                    reply = Reply(500, json={"detail": f"fake server bug: {exc!r}"})
                if not await self._write(writer, reply):
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            writer.close()

    async def _dispatch(self, record: Recorded) -> Reply:
        for method, pattern, responder, counter in self._routes:
            match = pattern.fullmatch(record.path)
            if method != record.method or match is None:
                continue
            record.match = {k: v for k, v in match.groupdict().items() if v is not None}
            if isinstance(responder, list):
                index = min(counter[0], len(responder) - 1)
                counter[0] += 1
                responder = responder[index]
            if isinstance(responder, Reply):
                return responder
            if isinstance(responder, dict):
                return Reply(json=responder)
            result = responder(record)
            if inspect.isawaitable(result):
                result = await result
            return result if isinstance(result, Reply) else Reply(json=result)
        return Reply(
            404, json={"detail": f"fake server: no route for {record.method} {record.path}"}
        )

    async def _write(self, writer: asyncio.StreamWriter, reply: Reply) -> bool:
        if reply.delay:
            await asyncio.sleep(reply.delay)
        headers = {
            "Content-Type": "application/json"
            if reply.json is not _NO_JSON
            else "application/octet-stream"
        }
        headers.update(reply.headers)
        keep = not (reply.close or reply.truncate_at is not None)
        if reply.chunks is not None:
            headers["Transfer-Encoding"] = "chunked"
        else:
            body = reply.payload()
            # A reply may announce its own length: the answer to a HEAD has no body.
            headers.setdefault("Content-Length", str(len(body)))
        if not keep:
            headers["Connection"] = "close"
        status_line = f"HTTP/1.1 {reply.status} {REASONS.get(reply.status, 'Status')}\r\n"
        writer.write(
            (status_line + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n").encode(
                "latin-1"
            )
        )
        if reply.chunks is not None:
            for index, chunk in enumerate(reply.chunks):
                if reply.chunk_delays is not None and reply.chunk_delays[index]:
                    await asyncio.sleep(reply.chunk_delays[index])
                writer.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                await writer.drain()
                if reply.chunk_delay:
                    await asyncio.sleep(reply.chunk_delay)
            writer.write(b"0\r\n\r\n")
            await writer.drain()
            return keep
        if reply.truncate_at is not None:
            body = body[: reply.truncate_at]
        view = memoryview(body)
        for start in range(0, len(view), reply.chunk_size):
            writer.write(view[start : start + reply.chunk_size])
            await writer.drain()
            if reply.chunk_delay:
                await asyncio.sleep(reply.chunk_delay)
        await writer.drain()
        return keep

    async def _websocket(
        self,
        head: bytes,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        record: Recorded,
    ) -> None:
        from websockets.server import ServerProtocol

        handler = self._ws_routes.get(record.path)
        protocol = ServerProtocol()
        protocol.receive_data(head)
        request = protocol.events_received()[0]
        response = protocol.accept(request) if handler else protocol.reject(404, "no ws here")
        protocol.send_response(response)
        for data in protocol.data_to_send():
            writer.write(data)
        await writer.drain()
        if handler is None:
            return
        socket = FakeSocket(protocol, writer, record)
        self.sockets.append(socket)
        task = asyncio.ensure_future(handler(socket))
        try:
            while not socket.closed.is_set():
                data = await reader.read(65536)
                if not data:
                    break
                protocol.receive_data(data)
                protocol.events_received()  # pings and closes are answered by the protocol
                closing = False
                for out in protocol.data_to_send():
                    if out:
                        writer.write(out)
                    else:  # the protocol's signal to end the TCP connection
                        closing = True
                await writer.drain()
                if closing or protocol.close_expected():
                    break
        except ConnectionError:
            pass
        finally:
            socket.closed.set()
            task.cancel()


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    body = bytearray()
    while True:
        size = int((await reader.readline()).split(b";")[0].strip() or b"0", 16)
        if size == 0:
            await reader.readline()
            return bytes(body)
        body += await reader.readexactly(size)
        await reader.readline()
