from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from studio.engine.history import History


def test_a_run_killed_mid_way_is_marked_interrupted(tmp_path: Path, studio_dirs: Path):
    script = textwrap.dedent(f"""
        import asyncio, sys
        sys.path.insert(0, {str(Path(__file__).resolve().parents[1])!r})
        from testpack import make_registry
        from studio.engine.cache import default_cache
        from studio.engine.executor import Executor
        from studio.engine.history import History
        from studio.graph.model import Graph, Node
        graph = Graph()
        graph.add_node(Node("quick", "test.const", {{}}))
        graph.add_node(Node("slow", "test.sleep", {{"seconds": 30}}))
        graph.connect("quick", "text", "slow", "text")
        executor = Executor(make_registry(), default_cache(), History())
        asyncio.run(executor.run(graph))
    """)
    process = subprocess.Popen([sys.executable, "-c", script], env=dict(os.environ))
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            history = History()
            runs = history.runs()
            run = history.run(runs[0]["id"]) if runs else None
            history.close()
            statuses = {n["node_id"]: n["status"] for n in run["nodes"]} if run else {}
            if statuses == {"quick": "finished", "slow": "running"}:
                break
            time.sleep(0.1)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    history = History()
    run = history.run(history.runs()[0]["id"])
    assert run["status"] == "interrupted"
    statuses = {n["node_id"]: n["status"] for n in run["nodes"]}
    assert statuses == {"quick": "finished", "slow": "interrupted"}
    history.close()
