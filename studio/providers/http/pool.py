"""The shared `httpx.AsyncClient`: one per event loop, built in a worker thread, closed with
the loop."""

from __future__ import annotations

import asyncio
import functools
import ssl
import warnings
import weakref
from collections.abc import AsyncIterator
from typing import Any

import httpcore
import httpx

# anyio's connect_tcp starts one attempt per address of a host and cancels the others when one
# wins or the request is cancelled; an attempt cancelled before it began is reported by Python
# as "coroutine ... was never awaited". Nothing was left undone, so it is not a warning for the
# user's terminal or log.
warnings.filterwarnings(
    "ignore",
    message="coroutine 'connect_tcp.<locals>.try_connect' was never awaited",
    category=RuntimeWarning,
)

_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, tuple[httpx.AsyncClient, Any]] = (
    weakref.WeakKeyDictionary()
)


async def _close_with_loop(client: httpx.AsyncClient) -> AsyncIterator[None]:
    # A started async generator is registered with its loop; asyncio.run() closes every such
    # generator on shutdown, which runs this `finally` and closes the pooled connections.
    try:
        yield
    finally:
        await client.aclose()


_creating: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Task[httpx.AsyncClient]] = (
    weakref.WeakKeyDictionary()
)


@functools.lru_cache(maxsize=1)
def _ssl_context() -> ssl.SSLContext:
    # Loading the CA bundle takes tens of milliseconds: done once, in a worker thread.
    return httpx.create_ssl_context(trust_env=True)


def _warm_transport() -> None:
    """Load what the first request would otherwise import on the event loop.

    Building a client imports httpcore's anyio backend, but anyio loads its asyncio backend
    only when first awaited: ~30 ms of imports (measured, more on a loaded machine) that would
    stall every node during the first request. One anyio sleep through httpcore's public
    AnyIOBackend, on a throwaway loop in this worker thread, loads it here instead.
    """
    asyncio.run(httpcore.AnyIOBackend().sleep(0))


def _new_client() -> httpx.AsyncClient:
    from studio import __version__

    _warm_transport()
    return httpx.AsyncClient(
        verify=_ssl_context(),
        limits=httpx.Limits(max_connections=64, max_keepalive_connections=16),
        headers={"User-Agent": f"multimodal-studio/{__version__}"},
        follow_redirects=False,  # a redirect must not carry a custom auth header elsewhere
    )


async def _create_client(loop: asyncio.AbstractEventLoop) -> httpx.AsyncClient:
    try:
        # Built in a worker thread: the first client imports transports and reads certificates,
        # which would stall every other task on the loop for ~100 ms.
        client = await loop.run_in_executor(None, _new_client)
        closer = _close_with_loop(client)
        await closer.__anext__()
        _clients[loop] = (client, closer)
        return client
    finally:
        _creating.pop(loop, None)


async def shared_client() -> httpx.AsyncClient:
    """The pooled client of the running event loop."""
    loop = asyncio.get_running_loop()
    entry = _clients.get(loop)
    if entry is not None and not entry[0].is_closed:
        return entry[0]
    creating = _creating.get(loop)
    if creating is None:
        creating = _creating[loop] = loop.create_task(_create_client(loop))
    return await asyncio.shield(creating)


async def close_shared_client() -> None:
    """Close the running loop's pooled client now (it also closes itself with the loop)."""
    entry = _clients.pop(asyncio.get_running_loop(), None)
    if entry is not None:
        await entry[0].aclose()
