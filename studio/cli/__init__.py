"""The `studio` command. Each module in this package adds one subcommand.

A command module defines `register(subparsers)` which adds its parser and sets `handler=function`;
the handler takes the parsed args and returns an exit code: 0 success, 1 a node failed, 2 bad input
or usage. A user's mistake is a `StudioError` and is printed as one line, never as a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import sys

from studio import __version__
from studio.errors import GraphErrors, StudioError

EXIT_OK, EXIT_NODE_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="studio",
        description="Multimodal Studio: run without a command to open the desktop studio.",
    )
    parser.add_argument("--version", action="version", version=f"studio {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if args.command is None:
        from studio.cli.open import open_window

        return open_window(None)
    try:
        return int(args.handler(args) or 0)
    except GraphErrors as exc:
        print("error: the graph has problems:", file=sys.stderr)
        for error in exc.errors:
            print(f"  - {error.describe()}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except StudioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def fail(message: str) -> int:
    """Print a usage error the user can act on and return the bad-input exit code."""
    print(f"error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT
