from __future__ import annotations

import asyncio
import time

import pytest
from testpack import chain

from studio.engine.events import (
    NodeCached,
    NodeFailed,
    NodeFinished,
    NodeProgress,
    NodeStarted,
    RunFinished,
)
from studio.engine.executor import Executor
from studio.errors import GraphErrors
from studio.graph.model import Graph, Node


def test_independent_branches_run_at_the_same_time(execute):
    # Each branch waits until all six are running at once (a rendezvous, not a stopwatch): one
    # run at a time would never get there and fails naming how many met.
    graph = Graph()
    graph.add_node(Node("join", "test.join", {}))
    for i in range(6):
        params = {"group": "six-branches", "count": 6, "patience": 10.0, "label": str(i)}
        graph.add_node(Node(f"b{i}", "test.rendezvous", params))
        graph.connect(f"b{i}", "text", "join", "texts")
    result, _ = execute(graph)
    assert result.status == "succeeded", result.failures
    # The list input keeps edge order.
    assert result.outputs["join"]["text"] == ",".join(f"+{i}" for i in range(6))


def test_a_failure_fails_only_its_descendants_and_every_failure_is_reported(execute):
    graph = chain(
        ("a", "test.const", {"value": "a"}),
        ("bad", "test.fail", {"message": "no"}),
        ("after", "test.sleep", {}),
    )
    graph.add_node(Node("other", "test.sleep", {"label": "ok"}))
    graph.add_node(Node("crash", "test.crash", {}))
    result, events = execute(graph)
    assert result.status == "failed"
    assert result.outputs["other"]["text"] == "+ok"
    assert result.failures["bad"] == "no"
    assert "skipped" in result.failures["after"] and "'bad'" in result.failures["after"]
    assert "ZeroDivisionError" in result.failures["crash"]
    failed = {e.node for e in events if isinstance(e, NodeFailed)}
    assert failed == {"bad", "after", "crash"}
    assert isinstance(events[-1], RunFinished) and events[-1].failures == result.failures


def test_results_are_cached_across_executors_and_edits_rerun_only_descendants(treg, cache):
    graph = chain(
        ("a", "test.const", {"value": "a"}),
        ("b", "test.sleep", {"label": "b"}),
        ("c", "test.sleep", {"label": "c"}),
    )
    graph.add_node(Node("side", "test.const", {"value": "side"}))

    def run():
        executor = Executor(treg, cache)
        try:
            return asyncio.run(executor.run(graph))
        finally:
            executor.close()

    first = run()
    assert sorted(first.executed) == ["a", "b", "c", "side"]
    second = run()
    assert second.executed == [] and sorted(second.cached) == ["a", "b", "c", "side"]
    graph.nodes["b"].params["label"] = "B"
    third = run()
    assert sorted(third.executed) == ["b", "c"]
    assert third.outputs["c"]["text"] == "a+B+c"


def test_a_corrupted_cached_file_is_detected_and_recomputed(execute):
    graph = Graph()
    graph.add_node(Node("m", "test.media", {"content": "hello"}))
    first, _ = execute(graph)
    artifact = first.outputs["m"]["image"]
    assert artifact.path.read_bytes() == b"hello"
    artifact.path.write_bytes(b"hellO")  # bit rot
    second, _ = execute(graph)
    assert second.executed == ["m"]
    assert second.outputs["m"]["image"].path.read_bytes() == b"hello"
    artifact.path.unlink()  # a deleted file
    third, _ = execute(graph)
    assert third.executed == ["m"]


def test_media_files_are_stored_once_by_content(execute, cache):
    graph = Graph()
    graph.add_node(Node("m1", "test.media", {"content": "same"}))
    graph.add_node(Node("m2", "test.media", {"content": "same", "width": 2}))
    result, _ = execute(graph)
    assert result.outputs["m1"]["image"].path == result.outputs["m2"]["image"].path
    assert cache.info()["objects"] == 1


def test_run_up_to_a_node_runs_only_its_ancestors(execute):
    graph = chain(("a", "test.const", {}), ("b", "test.sleep", {}), ("c", "test.sleep", {}))
    graph.add_node(Node("x", "test.const", {}))
    result, _ = execute(graph, targets=["b"])
    assert sorted(result.executed) == ["a", "b"]


def test_cancel_stops_the_run_promptly(treg, cache):
    graph = Graph()
    graph.add_node(Node("w", "test.wait_cancel", {}))
    graph.add_node(Node("s", "test.sleep", {"seconds": 60}))
    graph.add_node(Node("after", "test.sleep", {}))
    graph.connect("s", "text", "after", "text")

    async def main():
        both_running = asyncio.Event()
        started_nodes: set[str] = set()

        def sink(event):
            if isinstance(event, NodeStarted):
                started_nodes.add(event.node)
                if {"w", "s"} <= started_nodes:
                    both_running.set()

        executor = Executor(treg, cache, sink)
        task = asyncio.ensure_future(executor.run(graph))
        await asyncio.wait_for(both_running.wait(), 30)  # cancel running nodes, not queued ones
        started = time.perf_counter()
        executor.cancel()
        result = await task
        executor.close()
        return result, time.perf_counter() - started

    result, elapsed = asyncio.run(main())
    assert result.status == "cancelled"
    # "Promptly" against what waiting would cost: the sleeping node has 60 s left and the polling
    # one 10 s; a loaded 2-core machine may add a second or two, never that.
    assert elapsed < 5.0, f"cancel took {elapsed:.2f} s"
    assert "after" not in result.outputs


def test_events_tell_the_whole_story_in_order(execute):
    graph = Graph()
    graph.add_node(Node("m", "test.media", {}))
    _, events = execute(graph)
    kinds = [e.kind for e in events]
    assert kinds[0] == "run_started" and kinds[-1] == "run_finished"
    assert kinds.index("queued") < kinds.index("started") < kinds.index("finished")
    progress = [e for e in events if isinstance(e, NodeProgress)]
    assert progress and progress[-1].fraction == 1.0
    finished = next(e for e in events if isinstance(e, NodeFinished))
    assert finished.provenance["node_type"] == "test.media"
    _, again = execute(graph)
    assert any(isinstance(e, NodeCached) for e in again)


def test_invalid_graph_is_refused_before_anything_runs(execute):
    graph = Graph()
    graph.add_node(Node("j", "test.join", {"separator": 5}))
    graph.add_node(Node("u", "nope.missing", {}, pack="some-pack"))
    with pytest.raises(GraphErrors) as info:
        execute(graph)
    messages = [e.describe() for e in info.value.errors]
    assert any("'j'" in m and "separator" in m for m in messages)
    assert any("'j'" in m and "required input 'texts'" in m for m in messages)
    assert any("'u'" in m and "some-pack" in m for m in messages)


def test_run_up_to_a_node_ignores_unknown_nodes_elsewhere(execute):
    graph = chain(("a", "test.const", {"value": "v"}), ("b", "test.sleep", {}))
    graph.add_node(Node("u", "nope.missing", {}, pack="absent-pack"))
    result, _ = execute(graph, targets=["b"])
    assert result.outputs["b"]["text"] == "v+s"


def test_per_provider_concurrency_limit_is_respected(treg, cache):
    from studio.providers.base import Capability, Provider, TextResult
    from studio.providers.registry import ProviderRegistry

    class SlowProvider(Provider):
        id = "slow"
        capabilities = frozenset({Capability.TEXT})
        active = peak = 0
        two_met = asyncio.Event()

        async def complete_text(self, request, ctx):
            SlowProvider.active += 1
            SlowProvider.peak = max(SlowProvider.peak, SlowProvider.active)
            if SlowProvider.peak >= 2:
                SlowProvider.two_met.set()
            # The first call waits for a second one (overlap made certain, not timed) ...
            await asyncio.wait_for(SlowProvider.two_met.wait(), 30)
            await asyncio.sleep(0.1)  # ... then each leaves room for a third, were the limit broken
            SlowProvider.active -= 1
            return TextResult(request.prompt.upper())

    providers = ProviderRegistry([SlowProvider()])
    providers.set_limit("slow", 2)
    graph = Graph()
    for i in range(6):
        graph.add_node(Node(f"r{i}", "test.remote", {"prompt": f"p{i}"}))
    executor = Executor(treg, cache, providers=providers)
    result = asyncio.run(executor.run(graph))
    executor.close()
    assert [result.outputs[f"r{i}"]["text"] for i in range(6)] == [f"P{i}" for i in range(6)]
    # Counted, not timed: two calls overlapped, never three, however loaded the machine.
    assert SlowProvider.peak == 2


def test_scratch_folders_are_made_and_removed_off_the_event_loop(execute, cache, monkeypatch):
    import shutil
    import tempfile
    import threading

    from studio.engine import executor as executor_module

    calls: list[tuple[str, str]] = []
    real_mkdtemp, real_rmtree = tempfile.mkdtemp, shutil.rmtree

    def mkdtemp(*args, **kwargs):
        calls.append(("mkdtemp", threading.current_thread().name))
        return real_mkdtemp(*args, **kwargs)

    def rmtree(*args, **kwargs):
        calls.append(("rmtree", threading.current_thread().name))
        return real_rmtree(*args, **kwargs)

    monkeypatch.setattr(executor_module.tempfile, "mkdtemp", mkdtemp)
    monkeypatch.setattr(executor_module.shutil, "rmtree", rmtree)
    graph = chain(("a", "test.const", {"value": "a"}), ("b", "test.sleep", {"label": "b"}))
    result, _ = execute(graph)
    assert result.status == "succeeded"
    assert [name for name, _ in calls] == ["mkdtemp", "rmtree"]
    assert all(thread.startswith("studio-cpu") for _, thread in calls), calls
    assert not list(cache.tmp_dir().glob("run-*")), "the run's scratch folder was left behind"


def test_editing_a_file_the_provider_reads_reruns_the_node(treg, cache, tmp_path):
    """A ComfyUI-style workflow file decides the result: its content is part of the cache key."""
    from studio.providers.base import Capability, Provider, TextResult
    from studio.providers.registry import ProviderRegistry

    class WorkflowProvider(Provider):
        id = "slow"
        capabilities = frozenset({Capability.TEXT})

        def key_files(self, capability, model):
            return ["workflow.json"]

        async def complete_text(self, request, ctx):
            return TextResult((tmp_path / "workflow.json").read_text())

    workflow = tmp_path / "workflow.json"
    workflow.write_text("v1")
    graph = Graph()
    graph.add_node(Node("r", "test.remote", {}))
    providers = ProviderRegistry([WorkflowProvider()])

    def run():
        executor = Executor(treg, cache, providers=providers)
        try:
            return asyncio.run(executor.run(graph, graph_dir=tmp_path))
        finally:
            executor.close()

    assert run().outputs["r"]["text"] == "v1"
    assert run().cached == ["r"]
    workflow.write_text("v2")
    again = run()
    assert again.executed == ["r"] and again.outputs["r"]["text"] == "v2"


def test_work_folders_left_by_a_killed_run_are_swept(execute, cache):
    import os

    stale = cache.tmp_dir() / "run-dead-abc"
    (stale / "node").mkdir(parents=True)
    (stale / "node" / "half.mp4").write_bytes(b"x" * 1000)
    old = time.time() - 2 * 24 * 3600
    os.utime(stale, (old, old))
    fresh = cache.tmp_dir() / "run-alive-def"
    fresh.mkdir()
    graph = Graph()
    graph.add_node(Node("a", "test.const", {}))
    execute(graph)
    assert not stale.exists()
    assert fresh.exists()  # maybe another studio's running job: left alone
