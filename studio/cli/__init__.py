"""The `studio` command. Each module in this package adds one subcommand.

A command module defines `register(subparsers)` which adds its parser and sets `handler=function`;
the handler takes the parsed args and returns an exit code: 0 success, 1 a node failed, 2 bad input
or usage. A user's mistake is a `StudioError` and is printed as one line, never as a traceback;
anything unexpected is one line too, with its traceback in the log file (`studio.logs`), exit 1.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import sys
from pathlib import Path

from studio import logs
from studio.errors import GraphErrors, StudioError

EXIT_OK, EXIT_NODE_FAILED, EXIT_BAD_INPUT = 0, 1, 2
# A file given instead of a command opens in the window (what a double-click does, too).
OPENABLE_SUFFIXES = (".studiograph", ".studiopack", ".json")
log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="studio",
        description="Multimodal Studio: run without a command to open the desktop studio.",
    )
    parser.add_argument(
        "--version",
        action="store_true",
        help="print the versions of the studio, Python, Qt, PyAV/FFmpeg and onnxruntime",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    parser.add_argument(
        "--debug",
        action="store_true",
        help="write every node's start, finish and cache hit (and library detail) to the log file",
    )
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
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    log_path = logs.setup(debug=debug, verbose="-v" in argv or "--verbose" in argv)
    try:
        return _run(argv, debug)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # the last guard: one line here, the traceback in the log
        log.exception("unexpected error in `studio %s`", " ".join(argv[:1]), extra=logs.FILE_ONLY)
        where = f"details in {log_path}" if log_path else "run with -v --debug for details"
        print(f"error: unexpected {_one_line(exc)} ({where})", file=sys.stderr)
        return EXIT_NODE_FAILED


def _run(argv: list[str], debug: bool) -> int:
    parser = build_parser()
    args = parser.parse_args(_open_shortcut(argv, parser))
    if args.version:
        print(logs.versions_text())
        return EXIT_OK
    logs.log_start("window" if args.command in (None, "open", "app") else "cli", argv, debug)
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
        log.info("`studio %s` stopped: %s", args.command, logs.excerpt(str(exc), 160))
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


def _open_shortcut(argv: list[str], parser: argparse.ArgumentParser) -> list[str]:
    """`studio FILE` means `studio open FILE` when FILE is a graph or bundle that exists."""
    positional = [i for i, arg in enumerate(argv) if not arg.startswith("-")]
    if not positional:
        return argv
    first = positional[0]
    commands = next(
        (a.choices for a in parser._actions if isinstance(a, argparse._SubParsersAction)), {}
    )
    candidate = Path(argv[first])
    if (
        argv[first] not in (commands or {})
        and candidate.suffix.lower() in OPENABLE_SUFFIXES
        and candidate.is_file()
    ):
        return [*argv[:first], "open", *argv[first:]]
    return argv


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    text = text if len(text) <= 200 else text[:200] + "…"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def fail(message: str) -> int:
    """Print a usage error the user can act on and return the bad-input exit code."""
    print(f"error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT
