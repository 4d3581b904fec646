"""Run history with provenance, durable across restarts (SQLite under the data folder).

The recorder is an event sink: it writes a row per run and per node as events arrive, inside
short transactions, so a run killed mid-way leaves a consistent record; the next time the history
is opened, runs whose process is gone are marked "interrupted".
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
from pathlib import Path
from typing import Any

from studio.api import Artifact
from studio.engine.events import (
    Event,
    NodeCached,
    NodeCancelled,
    NodeFailed,
    NodeFinished,
    NodeStarted,
    NodeWarning,
    RunFinished,
    RunStarted,
)
from studio.processes import process_alive

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    graph TEXT NOT NULL,
    started_at REAL NOT NULL,
    finished_at REAL,
    status TEXT NOT NULL,
    pid INTEGER NOT NULL,
    executed INTEGER NOT NULL DEFAULT 0,
    cached INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS node_runs (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    node_id TEXT NOT NULL,
    status TEXT NOT NULL,
    started_at REAL,
    finished_at REAL,
    seconds REAL,
    cache_hit INTEGER NOT NULL DEFAULT 0,
    outputs TEXT NOT NULL DEFAULT '{}',
    provenance TEXT NOT NULL DEFAULT '{}',
    error TEXT,
    cost_usd REAL,
    cost_unknown INTEGER NOT NULL DEFAULT 0,
    warnings TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (run_id, node_id)
);
"""
# Columns added after the first release: a history written by an older studio gains them.
ADDED_COLUMNS = {
    "cost_unknown": "INTEGER NOT NULL DEFAULT 0",  # a paid call whose price is not in the table
    "warnings": "TEXT NOT NULL DEFAULT '[]'",  # what the node said was degraded (JSON list)
}


def default_history_path() -> Path:
    from studio.paths import data_dir

    return data_dir() / "history.sqlite3"


class History:
    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path else default_history_path()
        self._db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        with contextlib.suppress(sqlite3.OperationalError):
            self._db.execute("PRAGMA journal_mode=WAL")
            # WAL with NORMAL stays consistent after a crash and skips an fsync per event, which
            # matters because the GUI records events on its own thread.
            self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(SCHEMA)
        self._add_missing_columns()
        self.mark_interrupted()

    def _add_missing_columns(self) -> None:
        present = {row["name"] for row in self._db.execute("PRAGMA table_info(node_runs)")}
        for name, declaration in ADDED_COLUMNS.items():
            if name not in present:
                self._db.execute(f"ALTER TABLE node_runs ADD COLUMN {name} {declaration}")

    def close(self) -> None:
        self._db.close()

    # -- recording (an event sink) ---------------------------------------------------------------
    def __call__(self, event: Event) -> None:
        self.record(event)

    def record(self, event: Event) -> None:
        db = self._db
        now = time.time()
        if isinstance(event, RunStarted):
            with db:
                db.execute(
                    "INSERT OR REPLACE INTO runs (id, graph, started_at, status, pid) "
                    "VALUES (?, ?, ?, 'running', ?)",
                    (event.run_id, event.graph, event.started_at, os.getpid()),
                )
                db.executemany(
                    "INSERT OR REPLACE INTO node_runs (run_id, node_id, status) "
                    "VALUES (?, ?, 'queued')",
                    [(event.run_id, n) for n in event.nodes],
                )
        elif isinstance(event, NodeStarted):
            self._node(event.run_id, event.node, status="running", started_at=now)
        elif isinstance(event, NodeCached):
            self._node(
                event.run_id,
                event.node,
                status="cached",
                cache_hit=1,
                finished_at=now,
                seconds=0.0,
                outputs=_digests(event.outputs),
                provenance=json.dumps(event.provenance, sort_keys=True, default=str),
                cost_usd=0.0,
            )
        elif isinstance(event, NodeFinished):
            self._node(
                event.run_id,
                event.node,
                status="finished",
                finished_at=now,
                seconds=event.seconds,
                outputs=_digests(event.outputs),
                provenance=json.dumps(event.provenance, sort_keys=True, default=str),
                cost_usd=_cost(event.provenance),
                cost_unknown=_cost_unknown(event.provenance),
            )
        elif isinstance(event, NodeFailed):
            self._node(
                event.run_id,
                event.node,
                status="skipped" if event.upstream else "failed",
                finished_at=now,
                error=event.error,
                cost_usd=_cost(event.provenance),
                cost_unknown=_cost_unknown(event.provenance),
                provenance=json.dumps(event.provenance, sort_keys=True, default=str),
            )
        elif isinstance(event, NodeWarning):
            self._add_warning(event.run_id, event.node, event.message)
        elif isinstance(event, NodeCancelled):
            self._node(event.run_id, event.node, status="cancelled", finished_at=now)
        elif isinstance(event, RunFinished):
            with db:
                db.execute(
                    "UPDATE runs SET status=?, finished_at=?, executed=?, cached=? WHERE id=?",
                    (event.status, now, event.executed, event.cached, event.run_id),
                )
                db.execute(
                    "UPDATE node_runs SET status='not run' WHERE run_id=? AND "
                    "status IN ('queued', 'running')",
                    (event.run_id,),
                )

    def _node(self, run_id: str, node_id: str, **fields: Any) -> None:
        assignments = ", ".join(f"{name}=?" for name in fields)
        with self._db:
            self._db.execute(
                f"UPDATE node_runs SET {assignments} WHERE run_id=? AND node_id=?",
                (*fields.values(), run_id, node_id),
            )

    def _add_warning(self, run_id: str, node_id: str, message: str) -> None:
        with self._db:
            row = self._db.execute(
                "SELECT warnings FROM node_runs WHERE run_id=? AND node_id=?", (run_id, node_id)
            ).fetchone()
            if row is None:
                return
            warnings = json.loads(row["warnings"] or "[]")
            if message not in warnings:
                warnings.append(message)
                self._db.execute(
                    "UPDATE node_runs SET warnings=? WHERE run_id=? AND node_id=?",
                    (json.dumps(warnings), run_id, node_id),
                )

    def mark_interrupted(self) -> int:
        """Runs left 'running' by a process that no longer exists become 'interrupted'."""
        rows = self._db.execute("SELECT id, pid FROM runs WHERE status='running'").fetchall()
        dead = [r["id"] for r in rows if not process_alive(r["pid"])]
        with self._db:
            for run_id in dead:
                self._db.execute("UPDATE runs SET status='interrupted' WHERE id=?", (run_id,))
                self._db.execute(
                    "UPDATE node_runs SET status='interrupted' WHERE run_id=? AND "
                    "status IN ('queued', 'running')",
                    (run_id,),
                )
        return len(dead)

    # -- reading ----------------------------------------------------------------------------------
    def runs(self, limit: int = 50) -> list[dict[str, Any]]:
        rows = self._db.execute(
            "SELECT r.*, COALESCE(SUM(n.cost_usd), 0) AS cost_usd, "
            "COALESCE(SUM(n.cost_unknown), 0) AS cost_unknown, "
            "SUM(n.status='failed') AS failed FROM runs r LEFT JOIN node_runs n ON n.run_id=r.id "
            "GROUP BY r.id ORDER BY r.started_at DESC LIMIT ?",
            (limit,),
        ).fetchall()
        return [dict(r) for r in rows]

    def run(self, run_id: str) -> dict[str, Any] | None:
        row = self._db.execute(
            "SELECT * FROM runs WHERE id=? OR id LIKE ? ORDER BY started_at DESC LIMIT 1",
            (run_id, f"{run_id}%"),
        ).fetchone()
        if row is None:
            return None
        nodes = self._db.execute(
            "SELECT * FROM node_runs WHERE run_id=? ORDER BY started_at, node_id", (row["id"],)
        ).fetchall()
        run = dict(row)
        run["nodes"] = [
            {
                **dict(n),
                "outputs": json.loads(n["outputs"]),
                "provenance": json.loads(n["provenance"]),
                "warnings": json.loads(n["warnings"] or "[]"),
            }
            for n in nodes
        ]
        return run

    def total_cost(self) -> float:
        """What the known prices add up to (see `unknown_costs` for the calls without one)."""
        row = self._db.execute("SELECT COALESCE(SUM(cost_usd), 0) FROM node_runs").fetchone()
        return float(row[0])

    def unknown_costs(self) -> int:
        """How many recorded paid calls had no known price: never counted as free."""
        row = self._db.execute("SELECT COALESCE(SUM(cost_unknown), 0) FROM node_runs").fetchone()
        return int(row[0])


def _digests(outputs: dict[str, Any]) -> str:
    def digest(value: Any) -> Any:
        if isinstance(value, Artifact):
            return {"kind": value.kind, "digest": value.digest}
        if isinstance(value, list):
            return [digest(v) for v in value]
        if isinstance(value, str):
            from studio.engine.cache import text_digest

            return {"kind": "text", "digest": text_digest(value)}
        return None

    return json.dumps({name: digest(v) for name, v in outputs.items()}, sort_keys=True)


def _cost(provenance: dict[str, Any]) -> float | None:
    value = provenance.get("cost_usd")
    return float(value) if isinstance(value, (int, float)) else None


def _cost_unknown(provenance: dict[str, Any]) -> int:
    """1 when a provider recorded a call whose price it could not state (`cost_usd` None)."""
    return int("cost_usd" in provenance and provenance["cost_usd"] is None)
