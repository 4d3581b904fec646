"""A planted key appears in no graph file, bundle, log, cache entry or key, event, history row,
settings file or error — even when a server echoes it back."""

from __future__ import annotations

import json
import logging
import zipfile
from collections.abc import Iterator

import keyring
import pytest
from fakes.example_servers import example_servers
from fakes.fal import FakeFal
from fakes.keyring import MemoryKeyring
from fakes.server import Reply

from studio.cli import main
from studio.graph.fileformat import load_graph, save_graph
from studio.graph.model import Node
from studio.paths import resources_dir
from studio.providers import keys

FAL_SECRET = "fal-PLANTED-7f3a9c1e:5b2d8e"
ELEVEN_SECRET = "el-PLANTED-c0ffee4242"  # stored in the keyring, not the environment
SECRETS = (FAL_SECRET, ELEVEN_SECRET)


@pytest.fixture
def planted(monkeypatch) -> Iterator[FakeFal]:
    backend = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    keys.forget_cached()
    with example_servers(monkeypatch) as servers:
        monkeypatch.setenv("FAL_KEY", FAL_SECRET)
        keys.set_key("elevenlabs", ELEVEN_SECRET)
        fal = servers.fal
        # A server that echoes the key it was sent, in its error body.
        fal.api.route(
            "POST",
            "/fal-ai/echo",
            lambda r: Reply(401, json={"detail": f"invalid {r.headers['authorization']}"}),
        )
        try:
            yield fal
        finally:
            keyring.set_keyring(previous)
            keys.forget_cached()


def leaks(data: bytes | str) -> list[str]:
    blob = data.encode() if isinstance(data, str) else data
    return [s for s in SECRETS if s.encode() in blob]


def test_a_planted_key_leaks_nowhere(planted, tmp_path, studio_dirs, caplog, capsys):
    caplog.set_level(logging.DEBUG)  # httpx, httpcore and the studio at their most talkative
    graph_path = tmp_path / "g.json"
    graph = load_graph(resources_dir() / "examples" / "remote_providers.json")
    graph.add_node(Node("leaky", "image.generate", {"provider": "fal", "model": "fal-ai/echo"}))
    graph.connect("write_image", "text", "leaky", "prompt")
    save_graph(graph, graph_path)

    assert main(["render", str(graph_path), "--json"]) == 1  # only the leaky node fails
    render = capsys.readouterr()
    events = [json.loads(line) for line in render.out.splitlines() if line.startswith("{")]
    failed = [e for e in events if e["event"] == "failed"]
    assert [e["node"] for e in failed] == ["leaky"]
    assert "key for fal rejected" in failed[0]["error"] and "***" in failed[0]["error"]
    assert planted.api.received("POST", "/fal-ai/echo")[0].headers["authorization"] == (
        f"Key {FAL_SECRET}"
    )  # the key did go to the server, and only there

    assert (
        main(["pack", str(graph_path), "--with-results", "-o", str(tmp_path / "g.studiopack")]) == 0
    )
    printed = [capsys.readouterr()]
    assert main(["history", "--json"]) == 0
    printed.append(capsys.readouterr())
    run_id = json.loads(printed[-1].out)[0]["id"]
    assert main(["history", run_id, "--json"]) == 0
    assert main(["keys", "list"]) == 0
    assert main(["providers", "--json"]) == 0
    printed.append(capsys.readouterr())

    assert leaks(render.out + render.err) == []
    assert leaks("".join(p.out + p.err for p in printed)) == []
    assert leaks(caplog.text) == []
    assert leaks(graph_path.read_bytes()) == []
    with zipfile.ZipFile(tmp_path / "g.studiopack") as bundle:
        assert bundle.namelist()
        for name in bundle.namelist():
            assert leaks(bundle.read(name)) == [], name
    # Cache objects and entries (and their names: the cache keys), the history database,
    # settings and state: every file the studio wrote.
    written = [p for p in studio_dirs.rglob("*")]
    assert any(p.suffix == ".sqlite3" for p in written)
    assert any("entries" in p.parts for p in written)
    for path in written:
        assert leaks(str(path)) == [], path
        if path.is_file():
            assert leaks(path.read_bytes()) == [], path


def test_history_rows_and_events_hold_provenance_without_keys(planted, tmp_path, capsys):
    from studio.engine.history import History

    graph_path = tmp_path / "g.json"
    graph = load_graph(resources_dir() / "examples" / "remote_providers.json")
    save_graph(graph, graph_path)
    assert main(["render", str(graph_path), "--json"]) == 0
    out = capsys.readouterr().out
    assert leaks(out) == []
    history = History()
    try:
        run = history.runs()[0]
        detail = history.run(run["id"])
    finally:
        history.close()
    text = json.dumps(detail, default=str)
    assert "fal-ai/flux-pro/v1.1" in text and "cost_usd" in text  # provenance is there...
    assert leaks(text) == []  # ...and no key


def test_errors_and_redaction_cover_keys_from_the_keyring(planted):
    from studio.providers.http import ProviderClient

    message = keys.redact(f"echo {ELEVEN_SECRET} and {FAL_SECRET}")
    assert leaks(message) == [] and message == "echo *** and ***"
    error = ProviderClient("fal", "fal", "http://127.0.0.1:9").error(f"server said {FAL_SECRET}")
    assert leaks(str(error)) == [] and str(error) == "fal: server said ***"
