"""The PySide6 pin (< 6.12): with 6.12.0, qasync aborts at interpreter exit after about two hundred
socket round trips ("bool_dealloc ... refcount error"); 6.11 exits cleanly. This runs that very
workload in a fresh interpreter and checks it exits with status 0."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from importlib.metadata import version

ROUND_TRIPS = 250

SCRIPT = textwrap.dedent(
    """
    import asyncio, socket, sys, threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    import httpx
    from PySide6.QtWidgets import QApplication
    from qasync import QEventLoop

    class Echo(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self):
            super().setup()
            # Headers and body go out in two writes: without this, Nagle's algorithm and the
            # peer's delayed ACK cost 40 ms per round trip.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def do_GET(self):
            body = self.path.encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"

    async def main(count):
        async with httpx.AsyncClient(timeout=10) as client:
            for i in range(count):
                response = await client.get(f"{base}/ping/{i}")
                assert response.text == f"/ping/{i}", response.text
        return count

    app = QApplication(sys.argv[:1])
    loop = QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        done = loop.run_until_complete(main(int(sys.argv[1])))
    server.shutdown()
    print("round trips:", done)
    """
)


def test_installed_pyside6_is_below_6_12():
    for dist in ("PySide6-Essentials", "PySide6-Addons", "shiboken6"):
        major, minor = (int(part) for part in version(dist).split(".")[:2])
        assert (major, minor) < (6, 12), f"{dist} {version(dist)}: qasync crashes at exit on 6.12"


def test_qasync_socket_round_trips_exit_cleanly(tmp_path):
    script = tmp_path / "round_trips.py"
    script.write_text(SCRIPT)
    done = subprocess.run(
        [sys.executable, str(script), str(ROUND_TRIPS)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout}\n{done.stderr[-3000:]}"
    assert f"round trips: {ROUND_TRIPS}" in done.stdout
    assert "refcount" not in done.stderr
