"""`studio pack GRAPH -o NAME.studiopack [--with-results]` and `studio unpack BUNDLE DIR`."""

from __future__ import annotations

import argparse
from pathlib import Path

from studio.cli import EXIT_OK
from studio.cli._common import graph_file


def register(subparsers: argparse._SubParsersAction) -> None:
    pack = subparsers.add_parser(
        "pack", help="bundle a graph with its files (and cached results) to share it"
    )
    pack.add_argument(
        "graph", help="the graph file (.studiograph or .json), or a folder holding one"
    )
    pack.add_argument(
        "-o",
        "--output",
        help="the bundle to write (default: GRAPH.studiopack in the current folder)",
    )
    pack.add_argument(
        "--with-results",
        action="store_true",
        help="include the cached results, so the receiver need not recompute them",
    )
    pack.set_defaults(handler=run_pack)

    unpack = subparsers.add_parser("unpack", help="unpack a shared bundle into a new folder")
    unpack.add_argument("bundle", help="the .studiopack file")
    unpack.add_argument("folder", help="where to unpack it (a new or empty folder)")
    unpack.set_defaults(handler=run_unpack)


def run_pack(args: argparse.Namespace) -> int:
    from studio.bundle import pack_graph
    from studio.engine.cache import default_cache
    from studio.engine.registry import load_registry

    graph_path = graph_file(args.graph)
    out = Path(args.output) if args.output else Path.cwd() / f"{graph_path.stem}.studiopack"
    info = pack_graph(
        graph_path,
        out,
        with_results=args.with_results,
        registry=load_registry(),
        cache=default_cache(),
    )
    for note in info.notes:
        print(f"note: {note}")
    results = f" and {len(info.results)} cached results" if args.with_results else ""
    print(
        f"packed {graph_path.name} with {len(info.assets)} files{results} into {info.path} "
        f"({info.bytes / 1e6:.1f} MB)"
    )
    return EXIT_OK


def run_unpack(args: argparse.Namespace) -> int:
    from studio.bundle.unpack import unpack
    from studio.engine.cache import default_cache
    from studio.engine.registry import load_registry

    report = unpack(
        Path(args.bundle), Path(args.folder), cache=default_cache(), registry=load_registry()
    )
    imported = f"; {len(report.imported)} cached results imported" if report.imported else ""
    print(f"unpacked {report.files} files to {report.graph.parent}{imported}")
    print(f"render it with: studio render {report.graph}")
    return EXIT_OK
