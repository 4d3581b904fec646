"""`studio providers [--json]`: every provider, what it offers, and whether it is ready now.

Readiness is checked live: offline engines are always ready; a local server is asked at its URL
and must answer like that service (a closed port, a 401 or a page that is not the service is "not
ready", with the reason); a paid API reports whether its key is present and, when its URL was
changed (a proxy, a gateway), whether something answers there. Every row shows the URL in use
and where it was set. `--set-url` and
`--set-limit` store a provider's base URL or concurrency limit in the settings file.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any

from studio.cli import EXIT_OK
from studio.errors import StudioError

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
    """One dict per provider: id, title, capabilities, need, ready, state, detail, url,
    url_source (its env variable, the settings file or "default"), limit, models, prices."""
    from studio.providers.setup import default_providers

    registry = default_providers()
    providers = registry.all()
    states = await asyncio.gather(*(_readiness(p) for p in providers))
    rows = []
    for provider, (ready, state, detail) in zip(providers, states, strict=True):
        row = {
            "id": provider.id,
            "title": provider.title,
            "capabilities": sorted(c.value for c in provider.capabilities),
            "need": provider.need.value,
            "ready": ready,
            "state": state,
            "detail": detail,
        }
        try:
            row.update(_settings_of(provider, registry))
        except StudioError as exc:  # a damaged settings file: this provider cannot be used
            row.update(ready=False, state="bad setting", detail=str(exc))
        rows.append(row)
    return rows


def _settings_of(provider: Any, registry: Any) -> dict[str, Any]:
    from studio.providers import costs, settings
    from studio.providers.base import Capability, Need

    url = source = None
    if provider.need is not Need.NOTHING:
        source = settings.url_source(provider.id)
        url = ",".join(settings.base_urls(provider.id))
    return {
        "url": url,
        "url_source": source,
        "limit": registry.limit(provider.id),
        "models": {c.value: provider.models(c) for c in Capability if c in provider.capabilities},
        "prices": "free"
        if provider.need.value != "key"
        else f"list prices as of {costs.prices_as_of()}, verify",
    }


async def _readiness(provider: Any) -> tuple[bool, str, str]:
    from studio.providers.keys import redact
    from studio.providers.settings import SettingsError

    try:
        ready = await asyncio.wait_for(provider.readiness(), READINESS_TIMEOUT)
    except TimeoutError:
        return False, "no answer", f"readiness check took over {READINESS_TIMEOUT:g} s"
    except SettingsError as exc:
        return False, "bad setting", redact(str(exc))
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
        if row.get("url_source") not in (None, "default") and row["url"] not in detail:
            print(f"{'':<{width}}         url {row['url']} (from {row['url_source']})")
    ready = sum(r["ready"] for r in rows)
    print(f"{ready} of {len(rows)} providers ready; set keys with `studio keys set PROVIDER`")
