"""`studio render --versions`: choose a Versions node's versions, and check before the run that
every language that needs a translation has a text provider that can make it."""

from __future__ import annotations

from typing import Any

from studio.cli._common import UsageError


def choose(graph: Any, registry: Any, wanted: str) -> None:
    """Mark the versions asked for (`all` or NAME,...) on the graph, or raise UsageError."""
    from studio.engine.versions import choose_versions, chosen_versions, versions_nodes
    from studio.errors import GraphErrors

    nodes = versions_nodes(graph)
    if not nodes:
        raise UsageError("--versions: the graph has no Versions node (export.versions)")
    choose_versions(graph, wanted)
    for node_id in nodes:
        try:
            chosen_versions(graph, registry, node_id)
        except GraphErrors as exc:
            raise UsageError(f"--versions: {exc.errors[0].message}") from None


async def translation_refusal(executor: Any, graph: Any, plans: list, cached: dict) -> str | None:
    """Why the run cannot make its translations (what to set up), or None.

    Translations already in the cache need no provider; the others need one that can
    translate now (studio.providers.translation)."""
    from studio.engine.versions import translations
    from studio.providers.translation import translation_problem

    expanded = executor.expand(graph, [p.node_id for p in plans])
    planned = {p.node_id for p in plans}
    for node_id, language, provider in translations(expanded):
        if node_id not in planned or node_id in cached or executor.providers is None:
            continue
        problem = await translation_problem(executor.providers, language, provider)
        if problem:
            return problem
    return None


def describe_written(result: Any) -> list[str]:
    """One line per version file the run wrote, for the closing report."""
    lines = []
    for outputs in result.outputs.values():
        for video in outputs.get("videos") or ():
            meta = getattr(video, "meta", {})
            if "version" in meta:
                lines.append(f"  {meta['version']}: {meta['path']}")
    return lines
