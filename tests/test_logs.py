"""The log file a user sends with a report: what goes in, what never does; the CLI's last guard."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from studio import logs
from studio.cli import main
from studio.graph.fileformat import save_graph
from studio.graph.model import Graph, Node

SECRET = "sk-test-0123456789abcdefSECRET"


def read_log(studio_dirs: Path) -> str:
    for handler in logging.getLogger().handlers:
        handler.flush()
    return (studio_dirs / "log" / "studio.log").read_text(encoding="utf-8")


def brief_graph(folder: Path, subject: str, template: str = "{subject}") -> Path:
    graph = Graph()
    graph.add_node(Node("brief", "text.brief", {"subject": subject}))
    graph.add_node(Node("prompt", "text.prompt", {"template": template}))
    graph.connect("brief", "brief", "prompt", "brief")
    path = folder / "story.studiograph"
    save_graph(graph, path)
    return path


def test_version_names_the_libraries_it_runs_with():
    import av
    import onnxruntime
    from PySide6 import QtCore

    done = subprocess.run(
        [sys.executable, "-m", "studio", "--version"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "studio 0.1.0"
    assert lines[1].startswith(f"Python {sys.version.split()[0]} (")
    assert lines[2].startswith(f"Qt {QtCore.qVersion()} (PySide6 ")
    assert lines[3] == f"PyAV {av.__version__} (FFmpeg {av.ffmpeg_version_info})"
    assert lines[4] == f"onnxruntime {onnxruntime.__version__}"


def test_a_run_writes_its_story_and_the_reason_of_a_failure(tmp_path, studio_dirs, capsys):
    path = brief_graph(tmp_path, "a lighthouse", template="{subject} {missing}")
    assert main(["render", str(path)]) == 1
    capsys.readouterr()
    text = read_log(studio_dirs)
    assert f"INFO studio: start cli: studio render {path} (debug off)" in text
    assert "INFO studio: versions: studio 0.1.0; Python " in text
    assert "INFO studio.run: run " in text and f"started: {path} (2 nodes)" in text
    assert "node prompt failed: template uses {missing}, which is not set" in text
    assert "failed in " in text and "1 ran, 0 from the cache, failed: prompt" in text


ECHO_PACK = """
from studio.api import NodeError, NodeSpec, Output, Param, PortType


async def run(ctx, inputs, params):
    ctx.warn("the painter skipped some words of: " + params["prompt"])
    raise NodeError("the provider refused the prompt: " + params["prompt"])


def node_specs():
    return [NodeSpec(id="third.echo", title="Echo", category="Third", version=1, run=run,
                     outputs=(Output("text", PortType.TEXT),),
                     params=(Param.text("prompt", "", help="the prompt"),))]
"""


def test_a_long_prompt_reaches_the_log_only_as_an_excerpt(
    tmp_path, studio_dirs, monkeypatch, capsys
):
    from packhelp import write_pack

    monkeypatch.syspath_prepend(str(write_pack(tmp_path / "site", "echo_pack", ECHO_PACK)))
    graph = Graph()
    graph.add_node(Node("echo", "third.echo", {"prompt": "short"}))
    path = tmp_path / "echo.studiograph"
    save_graph(graph, path)
    prompt = "a lighthouse keeper who paints the storm " + "with many colours " * 40
    assert main(["render", str(path), "--set", f"echo.prompt={prompt}"]) == 1
    err = capsys.readouterr().err
    assert prompt in err  # the user's own screen shows it all
    text = read_log(studio_dirs)
    assert "WARNING studio.run: run " in text and "node echo: the painter skipped some" in text
    assert "node echo failed: the provider refused the prompt: a lighthouse keeper" in text
    assert "--set 'echo.prompt=a lighthouse keeper" in text  # the command line, cut too
    assert prompt not in text and "with many colours " * 14 not in text
    for line in text.splitlines():
        assert len(line) <= logs.MAX_LINE + 20


def test_debug_adds_every_node_and_plain_runs_do_not(tmp_path, studio_dirs, capsys):
    path = brief_graph(tmp_path, "a lighthouse")
    assert main(["render", str(path)]) == 0
    plain = read_log(studio_dirs)
    assert "prompt finished" not in plain and "DEBUG" not in plain
    assert main(["--debug", "render", str(path), "--no-cache"]) == 0
    debug = read_log(studio_dirs)[len(plain) :]
    assert "(debug on)" in debug
    assert "DEBUG studio.run: run " in debug
    assert ": brief started" in debug and ": prompt finished in " in debug
    capsys.readouterr()


class _KeyEchoingServer(BaseHTTPRequestHandler):
    """An OpenAI-compatible endpoint that refuses the key and quotes it back, as some do."""

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        key = self.headers.get("Authorization", "").removeprefix("Bearer ")
        body = json.dumps({"error": {"message": f"Incorrect API key provided: {key}"}}).encode()
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_a_provider_error_is_logged_with_its_key_redacted(
    tmp_path, studio_dirs, monkeypatch, capsys
):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _KeyEchoingServer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("OPENAI_API_KEY", SECRET)
        monkeypatch.setenv("STUDIO_OPENAI_URL", f"http://127.0.0.1:{server.server_port}/v1")
        graph = Graph()
        graph.add_node(Node("brief", "text.brief", {"subject": "a lighthouse"}))
        graph.add_node(Node("better", "text.enhance", {"provider": "openai"}))
        graph.connect("brief", "brief", "better", "brief")
        path = tmp_path / "remote.studiograph"
        save_graph(graph, path)
        assert main(["--debug", "render", str(path)]) == 1
    finally:
        server.shutdown()
    err = capsys.readouterr().err
    text = read_log(studio_dirs)
    assert "node better failed:" in text and "401" in text
    assert SECRET not in text and SECRET not in err
    assert "***" in text


def test_an_unexpected_error_is_one_line_with_the_log_path_and_exit_1(
    studio_dirs, monkeypatch, capsys
):
    from studio.cli import nodes

    def broken(args):
        raise ZeroDivisionError("division by zero in a place nobody expected")

    monkeypatch.setattr(nodes, "run_nodes", broken)
    assert main(["nodes"]) == 1
    err = capsys.readouterr().err
    log_path = studio_dirs / "log" / "studio.log"
    assert err.strip() == (
        "error: unexpected ZeroDivisionError: division by zero in a place nobody expected "
        f"(details in {log_path})"
    )
    text = read_log(studio_dirs)
    assert "ERROR studio.cli: unexpected error in `studio nodes`" in text
    assert "Traceback (most recent call last)" in text and "in broken" in text


def test_an_unexpected_error_in_the_real_command_prints_no_traceback(tmp_path):
    # The registry breaks the way a damaged install would (a bug, not a user's mistake).
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(
        "import studio.engine.registry as r\n"
        "def load_registry(*a, **k):\n"
        "    raise RuntimeError('the registry exploded')\n"
        "r.load_registry = load_registry\n"
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]),
        "STUDIO_LOG_DIR": str(tmp_path / "logs"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "studio", "nodes"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        "error: unexpected RuntimeError: the registry exploded "
        f"(details in {tmp_path / 'logs' / 'studio.log'})"
    ]
    assert (
        "raise RuntimeError('the registry exploded')" in (tmp_path / "logs/studio.log").read_text()
    )


def test_the_log_rotates_and_keeps_a_bounded_size(studio_dirs, monkeypatch):
    monkeypatch.setattr(logs, "MAX_BYTES", 20_000)
    monkeypatch.setattr(logs, "BACKUPS", 2)
    logs.setup()
    writer = logging.getLogger("studio.test")
    for i in range(2_000):
        writer.info("line %d of a long session", i)
    files = sorted(p.name for p in (studio_dirs / "log").iterdir())
    assert files == ["studio.log", "studio.log.1", "studio.log.2"]
    total = sum(p.stat().st_size for p in (studio_dirs / "log").iterdir())
    assert total <= 3 * 20_000 + 200
    assert "line 1999 of a long session" in read_log(studio_dirs)


def test_a_key_in_any_record_is_scrubbed(studio_dirs, monkeypatch):
    monkeypatch.setenv("FAL_KEY", SECRET)
    logs.setup()
    logging.getLogger("studio.test").warning("request to https://x/?key=%s failed", SECRET)
    try:
        raise ValueError(f"bad header Authorization: Key {SECRET}")
    except ValueError:
        logging.getLogger("studio.test").exception("it broke")
    text = read_log(studio_dirs)
    assert SECRET not in text
    assert "?key=*** failed" in text and "Authorization: Key ***" in text


def test_a_log_folder_that_cannot_be_written_does_not_stop_the_command(tmp_path, capsys):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the log folder should be")
    env = {**os.environ, "STUDIO_LOG_DIR": str(blocker / "logs")}
    done = subprocess.run(
        [sys.executable, "-m", "studio", "nodes"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0
    assert "text.brief" in done.stdout
    assert "note: no log file" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("text", "expected"),
    [("short", "short"), ("a\n  b", "a b"), ("x" * 70, "x" * 60 + "… (+10 chars)")],
)
def test_excerpt(text, expected):
    assert logs.excerpt(text) == expected
