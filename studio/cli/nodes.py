"""`studio nodes [--json]`: every installed node type, and packs that failed to load."""

from __future__ import annotations

import argparse
import json
import sys

from studio.cli import EXIT_OK


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("nodes", help="list the installed node types")
    parser.add_argument("--json", action="store_true", help="describe every node as JSON")
    parser.set_defaults(handler=run_nodes)


def run_nodes(args: argparse.Namespace) -> int:
    from studio.engine.registry import load_registry

    registry = load_registry()
    specs = registry.specs()
    if args.json:
        doc = {
            "packs": registry.packs,
            "problems": [{"pack": p.pack, "message": p.message} for p in registry.problems],
            "nodes": [spec.describe() for spec in specs],
        }
        print(json.dumps(doc, indent=2, sort_keys=True))
        return EXIT_OK
    category = None
    for spec in specs:
        if spec.category != category:
            category = spec.category
            print(f"\n{category}")
        ins = ", ".join(f"{p.name}:{p.type.value}" for p in spec.inputs) or "-"
        outs = ", ".join(f"{p.name}:{p.type.value}" for p in spec.outputs) or "-"
        print(f"  {spec.id:<20} {spec.title:<22} in: {ins}  out: {outs}  [{spec.pack}]")
    for problem in registry.problems:
        print(f"warning: node pack {problem.pack!r}: {problem.message}", file=sys.stderr)
    return EXIT_OK
