"""The history keeps what a run told: warnings (also replayed from the cache, also a failed remote
cancel) and calls whose price is unknown, which are never summed as free."""

from __future__ import annotations

import asyncio
import sqlite3

from testpack import chain

from studio.cli import main
from studio.engine.events import NodeFinished, NodeQueued, RunFinished, RunStarted
from studio.engine.executor import Executor
from studio.engine.history import History


def run_recorded(treg, cache, history, graph):
    executor = Executor(treg, cache, history)
    try:
        return asyncio.run(executor.run(graph))
    finally:
        executor.close()


def test_warnings_are_recorded_for_live_and_cached_results(treg, cache, tmp_path, capsys):
    history = History(tmp_path / "h.sqlite3")
    graph = chain(("w", "test.warn", {"message": "damaged video shortened to 8.2 s"}))
    first = run_recorded(treg, cache, history, graph)
    second = run_recorded(treg, cache, history, graph)
    for result in (first, second):
        node = history.run(result.run_id)["nodes"][0]
        assert node["warnings"] == ["damaged video shortened to 8.2 s"]
    assert history.run(second.run_id)["nodes"][0]["status"] == "cached"
    history.close()


def test_unknown_prices_are_recorded_and_never_summed_as_free(tmp_path, capsys, monkeypatch):
    path = tmp_path / "h.sqlite3"
    history = History(path)
    history.record(RunStarted("r1", "g.json", ("paid", "known"), 0.0))
    for node, cost in (("paid", None), ("known", 0.25)):
        history.record(NodeQueued("r1", node))
        provenance = {"provider": "openai", "model": "dall-e-3", "cost_usd": cost}
        history.record(NodeFinished("r1", node, {}, 1.0, provenance))
    history.record(RunFinished("r1", "succeeded", {}, 2.0, 2, 0))
    assert history.total_cost() == 0.25 and history.unknown_costs() == 1
    history.close()

    monkeypatch.setattr("studio.engine.history.default_history_path", lambda: path)
    assert main(["history", "--cost"]) == 0
    assert "$0.25 + 1 call of unknown price" in capsys.readouterr().out
    assert main(["history"]) == 0
    assert "$0.25 + 1 call of unknown price" in capsys.readouterr().out
    assert main(["history", "r1"]) == 0
    assert "unknown cost" in capsys.readouterr().out


def test_a_history_written_before_these_columns_gains_them(tmp_path):
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(
        """
        CREATE TABLE runs (id TEXT PRIMARY KEY, graph TEXT NOT NULL, started_at REAL NOT NULL,
            finished_at REAL, status TEXT NOT NULL, pid INTEGER NOT NULL,
            executed INTEGER NOT NULL DEFAULT 0, cached INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE node_runs (run_id TEXT NOT NULL, node_id TEXT NOT NULL, status TEXT NOT NULL,
            started_at REAL, finished_at REAL, seconds REAL,
            cache_hit INTEGER NOT NULL DEFAULT 0, outputs TEXT NOT NULL DEFAULT '{}',
            provenance TEXT NOT NULL DEFAULT '{}', error TEXT, cost_usd REAL,
            PRIMARY KEY (run_id, node_id));
        INSERT INTO runs VALUES ('old', 'g.json', 1.0, 2.0, 'succeeded', 1, 1, 0);
        INSERT INTO node_runs (run_id, node_id, status, cost_usd)
            VALUES ('old', 'a', 'finished', 0.1);
        """
    )
    db.commit()
    db.close()
    history = History(path)
    run = history.run("old")
    assert run["nodes"][0]["warnings"] == [] and history.total_cost() == 0.1
    history.close()
