"""`studio history [RUN] [--json] [--cost]`: past runs with timings, cache hits and provenance."""

from __future__ import annotations

import argparse
import datetime as dt
import json

from studio.cli import EXIT_OK
from studio.cli._common import UsageError
from studio.providers.costs import format_usd


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("history", help="list past runs, or show one")
    parser.add_argument("run", nargs="?", help="a run id (or its first characters)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--cost", action="store_true", help="sum what runs have cost")
    parser.add_argument("--limit", type=int, default=30, help="how many runs to list")
    parser.set_defaults(handler=run_history)


def run_history(args: argparse.Namespace) -> int:
    from studio.engine.history import History

    history = History()
    try:
        if args.run:
            run = history.run(args.run)
            if run is None:
                raise UsageError(f"no run {args.run!r} in the history")
            _show_run(run, args.json)
        elif args.cost:
            total, unknown = history.total_cost(), history.unknown_costs()
            runs = history.runs(limit=100000)
            if args.json:
                print(
                    json.dumps(
                        {"total_cost_usd": total, "unknown_cost_calls": unknown, "runs": len(runs)}
                    )
                )
            else:
                print(f"total cost of {len(runs)} runs: {_money(total, unknown)}")
        else:
            runs = history.runs(limit=args.limit)
            if args.json:
                print(json.dumps(runs, indent=2, sort_keys=True))
            else:
                for run in runs:
                    print(
                        f"{run['id']}  {_when(run['started_at'])}  {run['status']:<11} "
                        f"ran {run['executed']:>3}  cached {run['cached']:>3}  "
                        f"{_money(run['cost_usd'], run['cost_unknown'])}  {run['graph']}"
                    )
                if not runs:
                    print("no runs yet")
    finally:
        history.close()
    return EXIT_OK


def _show_run(run: dict, as_json: bool) -> None:
    if as_json:
        print(json.dumps(run, indent=2, sort_keys=True))
        return
    print(
        f"run {run['id']}: {run['status']}, started {_when(run['started_at'])}, "
        f"graph {run['graph']}"
    )
    for node in run["nodes"]:
        prov = node["provenance"]
        source = ", ".join(
            f"{k}={prov[k]}" for k in ("provider", "model", "seed", "job_id") if k in prov
        )
        seconds = f"{node['seconds']:.2f}s" if node["seconds"] is not None else "-"
        cost = format_usd(node["cost_usd"]) if node["cost_usd"] else ""
        if node["cost_unknown"]:
            cost = "unknown cost"
        line = f"  {node['node_id']:<20} {node['status']:<11} {seconds:>8} {cost:>7} {source}"
        print(line.rstrip())
        if node["error"]:
            print(f"      {node['error']}")
        for warning in node["warnings"]:
            print(f"      warning: {warning}")


def _money(known: float, unknown: int) -> str:
    """ "$0.48", or "$0.48 + 2 calls of unknown price": an unknown price is never shown free."""
    text = format_usd(known)
    if unknown:
        text += f" + {unknown} call{'s' if unknown != 1 else ''} of unknown price"
    return text


def _when(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M:%S")
