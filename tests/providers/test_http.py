"""The shared HTTP layer: retries, Retry-After, timeouts, error words, downloads, polling."""

from __future__ import annotations

import asyncio
import hashlib
import time
from email.utils import formatdate

import httpx
import pytest
from fakes import run
from fakes.media import png_bytes
from fakes.server import FakeServer, Reply

from studio.errors import Cancelled, ProviderError
from studio.providers import http
from studio.providers.http import HttpTuning, JobState, ProviderClient, retry_after_seconds

SECRET = "sk-test-SECRET-0123456789"


def client_for(server: FakeServer, **kwargs) -> ProviderClient:
    defaults = dict(
        provider="fal",
        title="fal",
        base_url=server.url,
        auth={"Authorization": f"Key {SECRET}"},
        url_env="STUDIO_FAL_URL",
    )
    defaults.update(kwargs)
    return ProviderClient(**defaults)


def test_tuning_comes_from_the_environment():
    tuning = HttpTuning.from_env()
    assert tuning.retries == 2 and tuning.backoff == 0.01 and tuning.retry_after_cap == 0.3
    assert tuning.poll_interval == 0.01 and tuning.poll_interval_max <= 0.05
    assert all(0 <= tuning.backoff_delay(3) <= 0.08 for _ in range(50))


def test_retry_after_reads_seconds_dates_iso_and_milliseconds():
    now = 1_700_000_000.0
    assert retry_after_seconds(httpx.Headers({"Retry-After": "7"})) == 7
    assert retry_after_seconds(httpx.Headers({"retry-after-ms": "250"})) == 0.25
    date = formatdate(now + 30, usegmt=True)
    assert retry_after_seconds(httpx.Headers({"Retry-After": date}), now=now) == pytest.approx(30)
    iso = "2023-11-14T22:13:50Z"  # = now + 30
    assert retry_after_seconds(httpx.Headers({"Retry-After": iso}), now=now) == pytest.approx(30)
    assert retry_after_seconds(httpx.Headers({"Retry-After": "soon"})) is None
    assert retry_after_seconds(httpx.Headers({})) is None


def test_json_request_sends_auth_to_its_own_origin(server):
    server.route("POST", "/v1/jobs", Reply(json={"id": "j1"}))
    data = run(client_for(server).request_json("POST", "/v1/jobs", json={"prompt": "a cat"}))
    assert data == {"id": "j1"}
    (request,) = server.received("POST", "/v1/jobs")
    assert request.headers["authorization"] == f"Key {SECRET}"
    assert request.json == {"prompt": "a cat"}
    assert request.headers["user-agent"].startswith("multimodal-studio/")


def test_get_is_retried_after_500_and_post_is_not(server):
    server.route("GET", "/status", [Reply(500, json={"detail": "boom"}), Reply(json={"ok": 1})])
    server.route("POST", "/create", [Reply(500, json={"detail": "boom"}), Reply(json={"ok": 1})])
    client = client_for(server)
    assert run(client.request_json("GET", "/status")) == {"ok": 1}
    assert len(server.received("GET", "/status")) == 2
    with pytest.raises(ProviderError) as caught:
        run(client.request_json("POST", "/create"))
    assert caught.value.status == 500 and "server error" in caught.value.message
    assert "boom" in caught.value.message
    assert len(server.received("POST", "/create")) == 1


def test_a_create_is_retried_when_the_contract_says_the_status_is_safe(server):
    server.route("POST", "/create", [Reply(503), Reply(json={"ok": 1})])
    client = client_for(server)
    data = run(client.request_json("POST", "/create", retry_unsafe=lambda r: r.status_code == 503))
    assert data == {"ok": 1} and len(server.received("POST")) == 2


def test_429_waits_for_retry_after_even_on_a_post(server):
    server.route(
        "POST", "/create", [Reply(429, headers={"Retry-After": "1"}), Reply(json={"ok": 1})]
    )
    assert run(client_for(server).request_json("POST", "/create")) == {"ok": 1}
    first, second = server.received("POST")
    # Retry-After: 1 capped at 0.3 s by the test tuning; the plain backoff would be <= 0.01 s.
    assert 0.28 <= second.time - first.time < 1.0


def test_retry_after_ms_and_http_date_are_honoured(server):
    later = formatdate(time.time() + 0.2, usegmt=True)
    server.route("GET", "/a", [Reply(429, headers={"retry-after-ms": "150"}), Reply(json={})])
    server.route("GET", "/b", [Reply(503, headers={"Retry-After": later}), Reply(json={})])
    client = client_for(server)
    run(client.request_json("GET", "/a"))
    first, second = server.received("GET", "/a")
    assert 0.14 <= second.time - first.time < 0.3
    run(client.request_json("GET", "/b"))
    first, second = server.received("GET", "/b")
    assert second.time - first.time < 0.35  # a date within the cap; HTTP-dates have 1 s steps


def test_429_that_never_clears_becomes_a_rate_limit_error(server):
    server.route("GET", "/busy", Reply(429, json={"detail": "slow down"}))
    with pytest.raises(ProviderError) as caught:
        run(client_for(server).request_json("GET", "/busy"))
    assert caught.value.status == 429 and "rate limiting" in caught.value.message
    assert len(server.received("GET")) == 3  # first try + 2 retries


def test_rejected_key_says_where_to_set_it_and_never_shows_it(server, monkeypatch):
    monkeypatch.setenv("FAL_KEY", SECRET)
    server.route("GET", "/me", Reply(401, json={"detail": f"bad key {SECRET}"}))
    with pytest.raises(ProviderError) as caught:
        run(client_for(server).request_json("GET", "/me"))
    message = str(caught.value)
    assert "key for fal rejected" in message
    assert "`studio keys set fal`" in message and "FAL_KEY" in message
    assert SECRET not in message and "***" in message
    assert len(server.received("GET")) == 1  # a rejected key is not retried


def test_404_uses_the_callers_words(server):
    server.route("POST", "/fal-ai/nope", Reply(404, json={"detail": "Application not found"}))
    with pytest.raises(ProviderError) as caught:
        run(
            client_for(server).request_json(
                "POST", "/fal-ai/nope", not_found="model 'fal-ai/nope' not found"
            )
        )
    assert caught.value.message.startswith("model 'fal-ai/nope' not found")


def test_malformed_json_is_a_clear_error(server):
    server.route("GET", "/status", Reply(body=b"<html>oops", headers={"Content-Type": "text/html"}))
    with pytest.raises(ProviderError, match="not JSON"):
        run(client_for(server).request_json("GET", "/status"))


def test_slow_server_past_the_read_timeout(server, monkeypatch):
    monkeypatch.setenv("STUDIO_HTTP_READ_TIMEOUT", "0.2")
    # The server would answer after 30 s: the client must give up long before (4 x 0.2 s read
    # timeouts and tiny backoffs, about 1 s), however loaded the machine.
    server.route("GET", "/slow", Reply(json={}, delay=30))
    server.route("POST", "/slow", Reply(json={}, delay=30))
    client = client_for(server)
    started = time.monotonic()
    with pytest.raises(ProviderError, match=r"no answer from fal within 0.2 s"):
        run(client.request_json("GET", "/slow"))
    assert len(server.received("GET")) == 3  # idempotent: retried
    with pytest.raises(ProviderError, match="no answer"):
        run(client.request_json("POST", "/slow"))
    assert len(server.received("POST")) == 1  # a create that may have started is not re-sent
    assert time.monotonic() - started < 10.0


def test_unreachable_servers_say_what_to_do():
    with FakeServer() as dead:
        url = dead.url  # bound, then closed: nothing listens there any more
    local = ProviderClient("comfyui", "ComfyUI", url, local=True, url_env="STUDIO_COMFYUI_URL")
    with pytest.raises(ProviderError) as caught:
        run(local.request_json("GET", "/queue"))
    assert f"start ComfyUI at {url}" in caught.value.message
    remote = ProviderClient("fal", "fal", url, url_env="STUDIO_FAL_URL")
    with pytest.raises(ProviderError, match="check the network"):
        run(remote.request_json("POST", "/x"))


def test_download_checks_length_and_digest_and_sends_no_auth_to_other_hosts(server, tmp_path):
    data = png_bytes(320, 200)
    with FakeServer() as cdn:
        cdn.route("GET", "/files/out.png", Reply(body=data, chunk_size=1000))
        result = run(
            client_for(server).download(
                f"{cdn.url}/files/out.png", tmp_path / "o.png", expected_size=len(data)
            )
        )
        (request,) = cdn.received()
    assert result.path.read_bytes() == data and result.size == len(data)
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert "authorization" not in request.headers


def test_auth_goes_only_to_the_providers_origin(server):
    client = client_for(server)
    assert client.sends_auth_to(f"{server.url}/anything")
    assert not client.sends_auth_to("https://v3.fal.media/files/x.png")
    assert not client.sends_auth_to(server.url.replace("127.0.0.1", "localhost"))


def test_truncated_download_is_an_error_and_leaves_nothing(server, tmp_path):
    data = png_bytes(400, 300)
    server.route("GET", "/cut.png", Reply(body=data, truncate_at=len(data) // 2))
    folder = tmp_path / "dl"
    folder.mkdir()
    with pytest.raises(ProviderError, match="cut short"):
        run(client_for(server).download(f"{server.url}/cut.png", folder / "cut.png"))
    assert list(folder.iterdir()) == []
    assert len(server.received("GET")) == 3  # retried, then given up


def test_a_cut_download_reports_the_bytes_that_really_arrived(server, tmp_path):
    # 100,000 of 200,000 bytes: not a multiple of the 64 KiB chunks the client reads in.
    server.route("GET", "/cut.bin", Reply(body=b"x" * 200_000, truncate_at=100_000))
    with pytest.raises(ProviderError) as caught:
        run(client_for(server).download(f"{server.url}/cut.bin", tmp_path / "cut.bin"))
    host = server.url.removeprefix("http://")
    assert caught.value.message == (
        f"download from {host} cut short: 100,000 of 200,000 bytes arrived"
    )


def test_truncated_once_then_whole_succeeds(server, tmp_path):
    data = png_bytes(400, 300)
    server.route("GET", "/flaky.png", [Reply(body=data, truncate_at=100), Reply(body=data)])
    result = run(client_for(server).download(f"{server.url}/flaky.png", tmp_path / "f.png"))
    assert result.path.read_bytes() == data


def test_download_shorter_than_the_announced_size_is_refused(server, tmp_path):
    server.route("GET", "/small.png", Reply(body=png_bytes()))
    with pytest.raises(ProviderError, match="cut short"):
        run(
            client_for(server).download(
                f"{server.url}/small.png", tmp_path / "s.png", expected_size=len(png_bytes()) + 10
            )
        )
    assert not (tmp_path / "s.png").exists()


def test_digest_mismatch_is_refused(server, tmp_path):
    server.route("GET", "/x.png", Reply(body=png_bytes()))
    with pytest.raises(ProviderError, match="sha256"):
        run(
            client_for(server).download(
                f"{server.url}/x.png", tmp_path / "x.png", expected_sha256="0" * 64
            )
        )


def test_poll_reports_status_and_logs_as_progress(ctx):
    states = iter(
        [
            JobState("queued", "IN_QUEUE, position 3"),
            JobState("queued", "IN_QUEUE, position 3"),
            JobState("running", "IN_PROGRESS", logs=["step 1"]),
            JobState("running", "IN_PROGRESS", 0.5, logs=["step 2"]),
            JobState("done", "COMPLETED", 1.0),
        ]
    )

    async def check():
        return next(states)

    client = ProviderClient("fal", "fal", "http://127.0.0.1:9")
    final = run(http.watch_job(client, check, ctx, label="r1", cancel=None))
    assert final.phase == "done"
    assert ctx.progress_events == [
        (None, "IN_QUEUE, position 3"),
        (None, "IN_PROGRESS"),
        (0.5, "IN_PROGRESS"),
        (1.0, "COMPLETED"),
    ]
    assert ctx.logs == ["step 1", "step 2"]


def test_cancel_mid_job_cancels_remotely_once(ctx):
    cancels = []

    async def check():
        return JobState("running", "IN_PROGRESS")

    async def cancel_remote():
        cancels.append(time.monotonic())

    async def scenario():
        client = ProviderClient("fal", "fal", "http://127.0.0.1:9")
        task = asyncio.ensure_future(
            http.watch_job(client, check, ctx, label="r1", cancel=cancel_remote)
        )
        await asyncio.sleep(0.05)
        ctx.cancel(task)
        with pytest.raises((asyncio.CancelledError, Cancelled)):
            await task
        await asyncio.sleep(0.01)

    run(scenario())
    assert len(cancels) == 1


def test_shared_client_is_pooled_per_loop_and_closed_with_it():
    async def get():
        first = await http.shared_client()
        assert await http.shared_client() is first
        return first

    client = run(get())
    assert client.is_closed
    assert run(get()) is not client


def test_a_refused_download_is_retried_by_send_only(server, tmp_path):
    server.route("GET", "/gone.png", Reply(503, body=b"busy"))
    with pytest.raises(ProviderError, match="server error") as caught:
        run(client_for(server).download(f"{server.url}/gone.png", tmp_path / "g.png"))
    assert caught.value.status == 503
    assert len(server.received("GET")) == 3  # send's retries, not multiplied by the download's
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("head", "told"),
    [
        (b"<!doctype html><title>502 Bad Gateway</title>", "an HTML page: '502 Bad Gateway'"),
        (b'  {"error": "quota"}', 'JSON: {"error": "quota"}'),
        (b"Forbidden", "text: 'Forbidden'"),
        (b"", "an empty file"),
        (b"\x00\x01\x02\xfe\xff", "unknown bytes"),
        (png_bytes(8, 8), "an image (PNG)"),
    ],
)
def test_what_arrived_instead_of_media_is_told_by_its_bytes(head, told):
    from studio.providers.remote._media import describe_bytes

    assert describe_bytes(head) == told


def test_no_private_module_of_httpx_httpcore_or_anyio_is_imported():
    import ast
    from pathlib import Path

    import studio

    private = []
    for path in Path(studio.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            for name in names:
                parts = name.split(".")
                if parts[0] in ("anyio", "httpcore", "httpx") and any(
                    p.startswith("_") for p in parts[1:]
                ):
                    private.append(f"{path.name}: {name}")
    assert private == []


def test_the_shared_client_is_built_with_the_async_backend_already_loaded():
    # In a fresh interpreter: the ~30 ms anyio backend import happens while the client is built
    # in its worker thread, not on the event loop during the first request.
    import subprocess
    import sys

    script = (
        "import asyncio, sys\n"
        "from studio.providers.http.pool import shared_client\n"
        "async def main():\n"
        "    await shared_client()\n"
        "    print('anyio._backends._asyncio' in sys.modules)\n"
        "asyncio.run(main())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"
