"""`studio cache info|clear`: the persistent result cache."""

from __future__ import annotations

import argparse

from studio.cli import EXIT_OK


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("cache", help="show or clear the result cache")
    parser.add_argument("action", choices=("info", "clear"))
    parser.set_defaults(handler=run_cache)


def run_cache(args: argparse.Namespace) -> int:
    from studio.engine.cache import default_cache

    cache = default_cache()
    if args.action == "clear":
        before = cache.info()
        cache.clear()
        print(f"cleared {before['entries']} results ({before['bytes'] / 1e6:.1f} MB)")
        return EXIT_OK
    info = cache.info()
    print(
        f"cache: {info['path']}\n  results: {info['entries']}\n  media files: "
        f"{info['objects']} ({info['bytes'] / 1e6:.1f} MB)"
    )
    return EXIT_OK
