"""The provider layer's two performance targets, against fake servers on 127.0.0.1.

- 16 image jobs of 1 s latency each (a fake fal queue) through the real executor with fal's
  concurrency limit set to 4: wall time ÷ 4 s should be <= 1.1 (four rounds of four jobs).
- 16 downloads of 20 MB streaming at once while a 5 ms heartbeat runs on the event loop: the
  longest the heartbeat is kept waiting (its stall) should stay under 30 ms.

The fake servers run in a child process, so their work never competes with the measured loop
for Python's GIL. Run: python bench/providers.py
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FAKES = ROOT / "tests" / "providers"
JOBS, LIMIT, LATENCY = 16, 4, 1.0
DOWNLOADS, MEGABYTES, HEARTBEAT = 16, 20, 0.005


# -- the child process: fake servers ---------------------------------------------------------------
def serve() -> None:
    """Run a fake fal (jobs take LATENCY s) and a file server; print their URLs; wait for stdin."""
    sys.path.insert(0, str(FAKES))
    from fakes.fal import FakeFal
    from fakes.server import FakeServer, Reply

    with FakeServer() as api, FakeServer() as cdn, FakeServer() as files:
        FakeFal(api, cdn, latency=LATENCY)
        big = os.urandom(MEGABYTES * 1024 * 1024)
        files.route("GET", r"/big/\d+", Reply(body=big, chunk_size=256 * 1024))
        print(api.url, cdn.url, files.url, flush=True)
        sys.stdin.read()


# -- the measured side -----------------------------------------------------------------------------
def bench_limit(fal_url: str, folder: Path) -> float:
    """Seconds for 16 one-second jobs through the executor with a limit of 4."""
    from studio.engine.cache import Cache
    from studio.engine.executor import Executor
    from studio.engine.registry import load_registry
    from studio.graph.model import Graph, Node
    from studio.providers import settings
    from studio.providers.setup import default_providers

    os.environ["STUDIO_FAL_URL"] = fal_url
    settings.set_limit("fal", LIMIT)
    providers = default_providers()
    settings.apply_limits(providers)
    graph = Graph()
    graph.add_node(Node("prompt", "text.prompt", {"template": "a lighthouse"}))
    for n in range(JOBS):
        graph.add_node(
            Node(
                f"image{n}",
                "image.generate",
                {"provider": "fal", "seed": n, "width": 512, "height": 512},
            )
        )
        graph.connect("prompt", "text", f"image{n}", "prompt")
    executor = Executor(load_registry(), Cache(folder / "cache"), providers=providers)
    try:
        started = time.perf_counter()
        result = asyncio.run(executor.run(graph, use_cache=False))
        wall = time.perf_counter() - started
    finally:
        executor.close()
    if result.status != "succeeded":
        raise SystemExit(f"the jobs failed: {result.failures}")
    return wall


async def _downloads_with_heartbeat(files_url: str, folder: Path) -> dict[str, float]:
    from studio.providers.http import ProviderClient

    client = ProviderClient("bench", "bench server", files_url)
    stalls: list[float] = []
    busy: list[float] = []
    done = asyncio.Event()

    async def heartbeat() -> None:
        while not done.is_set():
            before, cpu = time.perf_counter(), time.thread_time()
            await asyncio.sleep(HEARTBEAT)
            stalls.append(time.perf_counter() - before - HEARTBEAT)
            # CPU time the loop's own thread spent meanwhile: the part of a stall that is the
            # loop's work, as opposed to the process waiting for a core on a busy machine.
            busy.append(time.thread_time() - cpu)

    beat = asyncio.ensure_future(heartbeat())
    started = time.perf_counter()
    results = await asyncio.gather(
        *(client.download(f"{files_url}/big/{n}", folder / f"{n}.bin") for n in range(DOWNLOADS))
    )
    wall = time.perf_counter() - started
    done.set()
    await beat
    assert all(r.size == MEGABYTES * 1024 * 1024 for r in results)
    stalls.sort()
    return {
        "max": stalls[-1],
        "p99": stalls[int(len(stalls) * 0.99)],
        "busy": max(busy),
        "wall": wall,
    }


def bench_downloads(files_url: str, folder: Path) -> dict[str, float]:
    """Heartbeat stalls (max, 99th percentile), the loop's longest busy spell within one beat,
    and the wall seconds of 16 concurrent 20 MB downloads."""
    return asyncio.run(_downloads_with_heartbeat(files_url, folder))


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-providers-") as tmp:
        folder = Path(tmp)
        for name in ("CACHE", "DATA", "CONFIG", "STATE"):
            (folder / name.lower()).mkdir()
            os.environ[f"STUDIO_{name}_DIR"] = str(folder / name.lower())
        os.environ.update({"FAL_KEY": "bench-not-a-real-key", "STUDIO_HTTP_POLL_INTERVAL": "0.01"})
        child = subprocess.Popen(
            [sys.executable, __file__, "--serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            fal_url, _, files_url = child.stdout.readline().split()
            wall = bench_limit(fal_url, folder)
            print(
                f"{JOBS} jobs of {LATENCY:g} s, limit {LIMIT}: wall {wall:.2f} s; "
                f"wall / {JOBS // LIMIT * LATENCY:g} s = {wall / (JOBS // LIMIT * LATENCY):.3f} "
                "(target <= 1.1)"
            )
            figures = bench_downloads(files_url, folder)
            total, seconds = DOWNLOADS * MEGABYTES, figures["wall"]
            print(
                f"{DOWNLOADS} downloads of {MEGABYTES} MB at once: {seconds:.2f} s "
                f"({total / seconds:.0f} MB/s); {HEARTBEAT * 1000:g} ms heartbeat max stall "
                f"{figures['max'] * 1000:.1f} ms (target < 30 ms), p99 "
                f"{figures['p99'] * 1000:.1f} ms; the loop's own longest busy spell "
                f"{figures['busy'] * 1000:.1f} ms CPU"
            )
            print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        finally:
            child.stdin.close()
            child.wait(10)


if __name__ == "__main__":
    if "--serve" in sys.argv:
        serve()
    else:
        main()
