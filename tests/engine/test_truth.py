"""Every run tells the truth: whatever raises in a node's life is that node's failure, with its
reason, and degraded results and failed remote cancels are told, never swallowed."""

from __future__ import annotations

import asyncio
import errno
import logging

from testpack import chain

from studio.engine.events import NodeFailed, NodeFinished, NodeWarning, RunFinished
from studio.engine.executor import Executor
from studio.graph.model import Graph, Node


def failed_events(events: list) -> dict[str, NodeFailed]:
    return {e.node: e for e in events if isinstance(e, NodeFailed)}


def assert_failed_with(result, events, node_id: str, *words: str) -> str:
    """The node failed, the run says so, and the event and result carry the same reason."""
    assert result.status == "failed"
    reason = result.failures[node_id]
    assert failed_events(events)[node_id].error == reason
    for word in words:
        assert word in reason, reason
    finished = [e for e in events if isinstance(e, RunFinished)]
    assert finished[-1].status == "failed" and node_id in finished[-1].failures
    return reason


def test_cache_full_while_storing_fails_the_node_and_skips_its_descendants(
    execute, cache, monkeypatch
):
    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(cache, "put", disk_full)
    graph = chain(("a", "test.const", {"value": "v"}), ("b", "test.sleep", {}))
    result, events = execute(graph)
    reason = assert_failed_with(result, events, "a", "could not be stored", "No space left")
    assert "a" not in result.outputs
    skipped = failed_events(events)["b"]
    assert skipped.upstream == "a"
    # The descendant says which node failed and why, not just that something did.
    assert reason in skipped.error and "'a'" in skipped.error


def test_a_failing_cache_lookup_is_the_nodes_failure(execute, cache, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("entry index damaged")

    monkeypatch.setattr(cache, "lookup", broken)
    result, events = execute(chain(("a", "test.const", {})))
    assert_failed_with(
        result, events, "a", "looking up its cached result", "ValueError", "entry index damaged"
    )


def test_a_failing_cache_key_is_the_nodes_failure(execute, monkeypatch):
    from studio.engine import executor as executor_module

    def broken_key(*args, **kwargs):
        raise TypeError("cannot digest a set")

    monkeypatch.setattr(executor_module, "cache_key", broken_key)
    result, events = execute(chain(("a", "test.const", {})))
    assert_failed_with(result, events, "a", "computing its cache key", "cannot digest a set")


def test_a_failing_work_folder_is_the_nodes_failure(execute, monkeypatch):
    from studio.engine import executor as executor_module

    def no_folder(path):
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(executor_module, "_make_dir", no_folder)
    result, events = execute(chain(("m", "test.media", {})))
    assert_failed_with(result, events, "m", "making its work folder", "Permission denied")


def test_a_provider_limit_that_cannot_be_read_is_the_nodes_failure(treg, cache):
    from studio.providers.base import Capability, Provider
    from studio.providers.registry import ProviderRegistry
    from studio.providers.settings import SettingsError

    class Registry(ProviderRegistry):
        def limit(self, provider_id):
            raise SettingsError("providers.json: limits.slow must be a whole number, got 'two'")

    class Slow(Provider):
        id = "slow"
        capabilities = frozenset({Capability.TEXT})

    events: list = []
    executor = Executor(treg, cache, events.append, providers=Registry([Slow()]))
    graph = Graph()
    graph.add_node(Node("r", "test.remote", {}))
    result = asyncio.run(executor.run(graph))
    executor.close()
    reason = assert_failed_with(result, events, "r", "limits.slow must be a whole number")
    assert "Traceback" not in reason


def test_metadata_json_cannot_hold_fails_the_node_naming_the_field(execute, cache):
    graph = Graph()
    graph.add_node(Node("third_party", "test.bad_meta", {}))
    result, events = execute(graph)
    reason = assert_failed_with(result, events, "third_party", "'loudness'", "numpy.float32")
    assert "plain int, float" in reason
    assert not list(cache.entries.rglob("*.json")), "nothing half-stored in the cache"


def test_a_node_that_vanished_used_to_say_succeeded(execute, monkeypatch):
    """The first report of the bug: the node had no event at all and the run 'succeeded'."""
    from studio.engine import executor as executor_module

    def broken_key(*args, **kwargs):
        raise KeyError("seed")

    monkeypatch.setattr(executor_module, "cache_key", broken_key)
    graph = chain(("a", "test.const", {}), ("b", "test.sleep", {}))
    result, events = execute(graph)
    assert result.status == "failed"
    assert set(result.failures) == {"a", "b"}
    assert {e.node for e in events if isinstance(e, NodeFailed)} == {"a", "b"}


# -- warnings -------------------------------------------------------------------------------------
def test_a_warning_is_an_event_kept_with_the_result_and_repeated_from_the_cache(execute):
    graph = chain(("w", "test.warn", {"message": "caption font replaced by DejaVu Sans"}))
    result, events = execute(graph)
    assert result.status == "succeeded"
    warnings = [e for e in events if isinstance(e, NodeWarning)]
    assert [(w.node, w.message) for w in warnings] == [
        ("w", "caption font replaced by DejaVu Sans")
    ]
    finished = next(e for e in events if isinstance(e, NodeFinished))
    assert finished.provenance["warnings"] == ["caption font replaced by DejaVu Sans"]
    assert result.warnings == {"w": ["caption font replaced by DejaVu Sans"]}
    assert NodeWarning("r", "w", "x").to_json()["event"] == "warning"

    again, events = execute(graph)
    assert again.cached == ["w"]
    assert [e.message for e in events if isinstance(e, NodeWarning)] == [
        "caption font replaced by DejaVu Sans"
    ]
    assert again.warnings == {"w": ["caption font replaced by DejaVu Sans"]}


# -- cancel ---------------------------------------------------------------------------------------
def test_a_failing_remote_cancel_is_logged_and_shown(treg, cache, caplog):
    graph = Graph()
    graph.add_node(Node("paid", "test.cancel_fails", {}))
    events: list = []

    async def main():
        executor = Executor(treg, cache, events.append)
        task = asyncio.ensure_future(executor.run(graph))
        while not any(getattr(e, "node", None) == "paid" and e.kind == "progress" for e in events):
            await asyncio.sleep(0.01)
        executor.cancel()
        result = await task
        executor.close()
        return result

    with caplog.at_level(logging.WARNING, logger="studio.engine.executor"):
        result = asyncio.run(main())
    assert result.status == "cancelled"
    warning = next(e for e in events if isinstance(e, NodeWarning))
    assert warning.node == "paid"
    assert "could not cancel its remote job" in warning.message
    assert "answered 500 to the cancel" in warning.message
    assert "billing" in warning.message
    assert result.warnings["paid"] == [warning.message]
    assert any("answered 500 to the cancel" in r.getMessage() for r in caplog.records)
    # The warning comes before the run's end, so the history and the CLI can still show it.
    kinds = [e.kind for e in events]
    assert kinds.index("warning") < kinds.index("run_finished")
