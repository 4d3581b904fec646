"""`studio open FILE` (and `studio` alone): the desktop studio."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("open", help="open a graph (or bundle) in the desktop studio")
    parser.add_argument(
        "file",
        nargs="?",
        help="a graph file (.studiograph, or .json as older graphs) or a .studiopack bundle",
    )
    parser.set_defaults(handler=lambda args: open_window(args.file))


def open_window(path: str | None) -> int:
    from studio.gui.app import main as gui_main

    return gui_main(path)
