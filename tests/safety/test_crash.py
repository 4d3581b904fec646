"""Crash safety: SIGKILL during a save, an autosave and a render.

After each kill: the graph (or autosave) file is the old or the new version, never a mix; the
cache holds only whole, verified results; the run history calls the run interrupted; and the next
render recomputes only what had not finished.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from crash_helpers import SLOW_PACK, autosave_record, big_graph
from packhelp import env_with, write_pack

from studio.engine.cache import Cache, file_digest
from studio.graph.fileformat import dumps_graph, load_graph, save_graph
from studio.graph.model import Graph, Node

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
KILLS = int(os.environ.get("STUDIO_CRASH_KILLS", "8"))


def start(args: list[str], env: dict[str, str] | None = None) -> subprocess.Popen:
    env = dict(env or os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in [str(HERE), str(REPO), env.get("PYTHONPATH", "")] if p
    )
    return subprocess.Popen([sys.executable, *args], stdout=subprocess.PIPE, text=True, env=env)


def kill_at_random(proc: subprocess.Popen, rng: random.Random, most: float) -> None:
    assert proc.stdout.readline().strip() == "ready"
    time.sleep(rng.uniform(0, most))
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL


def test_killed_while_saving_leaves_the_old_or_the_new_graph(tmp_path):
    versions = {dumps_graph(big_graph(v)).encode() for v in "ab"}
    assert len(min(versions, key=len)) > 300_000  # big enough that a write takes a while
    path = tmp_path / "project.json"
    save_graph(big_graph("a"), path)
    rng = random.Random(1)
    for _ in range(KILLS):
        proc = start([str(HERE / "crash_helpers.py"), "save", str(path)])
        kill_at_random(proc, rng, 0.4)
        assert path.read_bytes() in versions, "a killed save left a mixed file"
        assert load_graph(path).meta["variant"] in ("a", "b")
    # What a kill can leave is an unfinished temp file beside it, never at the user's path.
    for leftover in tmp_path.iterdir():
        assert leftover == path or (
            leftover.name.startswith(".project.json.") and leftover.name.endswith(".tmp")
        )


def test_killed_while_autosaving_leaves_a_whole_recoverable_autosave(tmp_path):
    from studio.paths import state_dir

    versions = {autosave_record(v) for v in "ab"}
    folder = state_dir() / "autosave"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "0123456789ab.json"
    rng = random.Random(2)
    for _ in range(KILLS):
        proc = start([str(HERE / "crash_helpers.py"), "autosave", str(path)])
        kill_at_random(proc, rng, 0.4)
        data = json.loads(path.read_text("utf-8"))
        assert data["pid"] == proc.pid
        data["pid"] = 0
        assert json.dumps(data, sort_keys=True) in versions, "a killed autosave left a mix"

    from studio.graph.fileformat import graph_from_dict
    from studio.gui.autosave import pending_recoveries

    # The GUI offers it for recovery (its writer is gone), and it holds a whole graph.
    recovery = next(r for r in pending_recoveries() if r.file == path)
    graph = graph_from_dict(json.loads(recovery.file.read_text("utf-8"))["graph"])
    assert len(graph.nodes) in (1500, 1800)


# -- render ----------------------------------------------------------------------------------------
STEPS = ["s1", "s2", "s3", "s4"]


@pytest.fixture
def slow_pack(tmp_path) -> Path:
    """A node pack installed as pip lays one out: a slow node type, `crash.step`."""
    return write_pack(tmp_path / "site", "crash_pack", SLOW_PACK)


def render_graph(folder: Path) -> Path:
    graph = Graph()
    graph.add_node(Node("brief", "text.brief", {"subject": "a crash test"}))
    for i, name in enumerate(STEPS):
        graph.add_node(Node(name, "crash.step", {"label": name, "seconds": 0.5}))
        if i:
            graph.connect(STEPS[i - 1], "text", name, "text")
    graph.connect("brief", "subject", "s1", "text")
    path = folder / "render.json"
    save_graph(graph, path)
    return path


def render(graph_path: Path, site: Path, kill_when=None) -> tuple[list[dict], int]:
    """Run `studio render --json`; `kill_when(event)` returning True sends SIGKILL."""
    env = env_with(site)
    proc = start(["-m", "studio", "render", str(graph_path), "--json"], env)
    events = []
    for line in proc.stdout:
        if not line.startswith("{"):
            continue
        events.append(json.loads(line))
        if kill_when is not None and kill_when(events[-1]):
            proc.send_signal(signal.SIGKILL)
            break
    proc.stdout.close()
    return events, proc.wait(timeout=60)


def nodes_where(events: list[dict], kind: str) -> set[str]:
    return {e["node"] for e in events if e["event"] == kind}


def assert_cache_consistent(cache: Cache) -> None:
    """Every media object is whole (its bytes match its name); every entry's files verify."""
    for obj in cache.objects.rglob("*"):
        if obj.is_file():
            assert file_digest(obj) == obj.name.split(".")[0], f"a torn object: {obj}"
    for entry in cache.entries.rglob("*.json"):
        assert cache.lookup(entry.stem) is not None, f"an entry that does not verify: {entry}"


def history_of(run_id: str) -> dict:
    from studio.engine.history import History

    history = History()  # opening it marks runs of dead processes interrupted
    try:
        return history.run(run_id)
    finally:
        history.close()


def test_killed_while_rendering_resumes_with_only_the_missing_work(tmp_path, slow_pack):
    graph_path = render_graph(tmp_path)
    before = graph_path.read_bytes()

    # Kill while s3 runs: brief, s1 and s2 are done.
    events, code = render(
        graph_path, slow_pack, lambda e: e["event"] == "started" and e.get("node") == "s3"
    )
    assert code == -signal.SIGKILL
    run_id = next(e["run_id"] for e in events if e["event"] == "run_started")
    assert nodes_where(events, "finished") == {"brief", "s1", "s2"}
    assert graph_path.read_bytes() == before
    from studio.paths import cache_dir

    cache = Cache(cache_dir() / "results")
    assert_cache_consistent(cache)
    run = history_of(run_id)
    assert run["status"] == "interrupted"
    states = {n["node_id"]: n["status"] for n in run["nodes"]}
    assert states == {
        "brief": "finished",
        "s1": "finished",
        "s2": "finished",
        "s3": "interrupted",
        "s4": "interrupted",
    }

    events, code = render(graph_path, slow_pack)
    assert code == 0
    assert nodes_where(events, "cached") == {"brief", "s1", "s2"}
    assert nodes_where(events, "started") == {"s3", "s4"}
    assert_cache_consistent(cache)


def test_killed_at_random_moments_while_rendering(tmp_path, slow_pack):
    graph_path = render_graph(tmp_path)
    from studio.paths import cache_dir

    cache = Cache(cache_dir() / "results")
    rng = random.Random(3)
    done: set[str] = set()
    for _ in range(3):
        deadline = time.monotonic() + rng.uniform(0.2, 1.6)
        events, code = render(graph_path, slow_pack, lambda e, at=deadline: time.monotonic() > at)
        done |= nodes_where(events, "finished") | nodes_where(events, "cached")
        assert_cache_consistent(cache)
        run_ids = [e["run_id"] for e in events if e["event"] == "run_started"]
        if code == -signal.SIGKILL and run_ids:
            assert history_of(run_ids[0])["status"] == "interrupted"
    events, code = render(graph_path, slow_pack)
    assert code == 0
    # What had finished before a kill is reused (a node killed just after its result was
    # stored may be reused too); nothing that was done is computed again.
    assert not nodes_where(events, "started") & done
    assert nodes_where(events, "started") | nodes_where(events, "cached") == {"brief", *STEPS}
    assert_cache_consistent(cache)
