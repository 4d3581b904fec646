"""`studio providers [--json]`: every provider, what it offers, and whether it is ready now.

Readiness is checked live: offline engines are always ready, local servers are probed (server
reachable / unreachable), paid APIs report whether a key is present. `--set-url` and
`--set-limit` store a provider's base URL or concurrency limit in the settings file.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any

from studio.cli import EXIT_OK

READINESS_TIMEOUT = 6.0  # seconds for all probes together


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("providers", help="list providers and whether each is ready")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument(
        "--set-url",
        action="append",
        default=[],
        metavar="NAME=URL",
        help="store a provider's base URL (comma-separated for a ComfyUI pool; "
        "an empty URL restores the default)",
    )
    parser.add_argument(
        "--set-limit",
        action="append",
        default=[],
        metavar="NAME=N",
        help="store how many calls of a provider run at once",
    )
    parser.set_defaults(handler=run_providers)


def run_providers(args: argparse.Namespace) -> int:
    from studio.cli._common import UsageError
    from studio.providers import settings

    for item in args.set_url:
        name, sep, url = item.partition("=")
        if not sep or not name:
            raise UsageError(f"--set-url {item!r}: expected NAME=URL")
        settings.set_base_url(name.strip(), url.strip() or None)
    for item in args.set_limit:
        name, sep, value = item.partition("=")
        if not sep or not value.strip().isdigit():
            raise UsageError(f"--set-limit {item!r}: expected NAME=N with N a whole number")
        settings.set_limit(name.strip(), int(value))
    rows = asyncio.run(describe_providers())
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print_table(rows)
    return EXIT_OK


async def describe_providers() -> list[dict[str, Any]]:
    """One dict per provider: id, title, capabilities, need, ready, state, detail, limit..."""
    from studio.providers import costs
    from studio.providers.base import Capability
    from studio.providers.setup import default_providers

    registry = default_providers()
    providers = registry.all()
    states = await asyncio.gather(*(_readiness(p) for p in providers))
    rows = []
    for provider, (ready, state, detail) in zip(providers, states, strict=True):
        capabilities = sorted(c.value for c in provider.capabilities)
        rows.append(
            {
                "id": provider.id,
                "title": provider.title,
                "capabilities": capabilities,
                "need": provider.need.value,
                "ready": ready,
                "state": state,
                "detail": detail,
                "limit": registry.limit(provider.id),
                "models": {c: provider.models(Capability(c)) for c in capabilities},
                "prices": "free"
                if provider.need.value != "key"
                else f"list prices as of {costs.prices_as_of()}, verify",
            }
        )
    return rows


async def _readiness(provider: Any) -> tuple[bool, str, str]:
    from studio.providers.keys import redact

    try:
        ready = await asyncio.wait_for(provider.readiness(), READINESS_TIMEOUT)
    except TimeoutError:
        return False, "no answer", f"readiness check took over {READINESS_TIMEOUT:g} s"
    except Exception as exc:  # a provider's broken check must not hide the others
        return False, "error", redact(f"{type(exc).__name__}: {exc}")
    return ready.ready, ready.state, redact(ready.detail)


def print_table(rows: list[dict[str, Any]]) -> None:
    width = max(len(r["id"]) for r in rows)
    for row in rows:
        mark = "ready  " if row["ready"] else "not    "
        caps = ", ".join(row["capabilities"])
        print(f"{row['id']:<{width}}  {mark}{row['state']:<18}  {caps}")
        detail = row["detail"]
        if detail:
            print(f"{'':<{width}}         {detail}")
    ready = sum(r["ready"] for r in rows)
    print(f"{ready} of {len(rows)} providers ready; set keys with `studio keys set PROVIDER`")
