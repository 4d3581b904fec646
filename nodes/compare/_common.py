"""What every compare node shares: candidates from rows, running them, choosing the pick.

A compare node is a generator node (image.generate, audio.speech, ...) run once per candidate:
each candidate is a `Call` of that node type with its own provider, model and seed, so it has
its own cache entry (a re-pick re-runs nothing) and waits for its own provider's limit. The
node's first output is the picked result; its metadata holds the grid the GUI draws
(`meta["compare"]`: the pick and one cell per candidate), and the second output lists every
candidate that succeeded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from studio.api import (
    Artifact,
    Call,
    CallResult,
    Capability,
    NodeError,
    NodeSpec,
    Output,
    Param,
    PortType,
    RunContext,
)

MAX_CANDIDATES = 16
PER_CANDIDATE = ("provider", "model", "seed")


def default_rows(capability: Capability, providers: Any) -> list[dict[str, Any]]:
    """Every provider of the capability the user has set up, the offline engine first."""
    ids = list(providers.configured(capability)) if providers is not None else []
    if "offline" in ids:
        ids.remove("offline")
    return [{"provider": p, "model": "", "seed": 0} for p in ["offline", *ids]]


def candidate_label(number: int, row: Mapping[str, Any], has_seed: bool) -> str:
    """How a candidate is named in logs and warnings: "3 (fal fal-ai/flux/schnell, seed 7)"."""
    words = [str(row["provider"])]
    if row.get("model"):
        words.append(str(row["model"]))
    text = " ".join(words)
    if has_seed:
        text += f", seed {row.get('seed', 0)}"
    return f"{number} ({text})"


def compare_spec(
    base: NodeSpec,
    *,
    node_id: str,
    title: str,
    help: str,
    list_type: PortType,
) -> NodeSpec:
    """The compare node of a generator node type `base` (one provider param, one output)."""
    provider_param = next(p for p in base.params if p.kind == "provider")
    capability = provider_param.capability
    assert capability is not None
    output = base.outputs[0]
    has_seed = base.param("seed") is not None
    shared = tuple(p for p in base.params if p.name not in PER_CANDIDATE)

    def calls(params: Mapping[str, Any], providers: Any) -> list[Call]:
        rows = list(params.get("candidates") or ()) or default_rows(capability, providers)
        common = {p.name: params[p.name] for p in shared if p.name in params}
        result = []
        for number, row in enumerate(rows, start=1):
            values = dict(common, provider=row["provider"], model=row.get("model", ""))
            if has_seed:
                values["seed"] = row.get("seed", 0)
            result.append(Call(base.id, values, candidate_label(number, row, has_seed)))
        return result

    async def run(ctx: RunContext, inputs: dict[str, Any], params: dict[str, Any]) -> Any:
        ctx.progress(None, "running the candidates")
        results = await ctx.run_calls(inputs)
        return choose(ctx, results, params["pick"], output.name, has_seed)

    seed_words = ", seed" if has_seed else ""
    return NodeSpec(
        id=node_id,
        title=title,
        category="Compare",
        version=1,
        run=run,
        calls=calls,
        help=help,
        inputs=base.inputs,
        outputs=(
            Output(
                output.name,
                output.type,
                f"The picked candidate's result (its metadata holds every candidate: provider, "
                f"model{seed_words}, time taken, cost).",
            ),
            Output(
                "candidates",
                list_type,
                "Every candidate that succeeded, in the order of the rows.",
            ),
        ),
        params=(
            Param.candidates(
                capability,
                fields=PER_CANDIDATE if has_seed else PER_CANDIDATE[:2],
                help=f"One row per candidate: a provider, a model (empty: its default)"
                f"{' and a seed' if has_seed else ''}. Empty: every {capability.value} provider "
                "you have set up (a key, a server URL), plus the offline engine. Each "
                "candidate is cached on its own, so changing the pick re-runs none of them.",
            ),
            Param.int(
                "pick",
                0,
                minimum=0,
                maximum=MAX_CANDIDATES,
                help="Which candidate flows downstream, counting rows from 1; 0 takes the first "
                "that succeeded. Click a cell of the grid to choose.",
            ),
            *shared,
        ),
    )


def choose(
    ctx: RunContext,
    results: Sequence[CallResult],
    pick: int,
    output: str,
    has_seed: bool,
) -> dict[str, Any]:
    """The node's outputs from its candidates' results: the pick, the grid, the list."""
    if not results:
        raise NodeError("there are no candidates: add a row, or set up a provider")
    if pick > len(results):
        raise NodeError(
            f"pick is {pick}, but there are only {len(results)} candidates: "
            f"choose 1 to {len(results)}, or 0 for the first that succeeded"
        )
    cells = [_cell(number, result, output, has_seed) for number, result in enumerate(results, 1)]
    succeeded = [i for i, result in enumerate(results) if result.ok]
    if not succeeded:
        reasons = "; ".join(f"{c['label']}: {c['error']}" for c in cells)
        raise NodeError(f"every candidate failed: {reasons}")
    for cell in cells:
        if cell["status"] == "failed":
            ctx.warn(f"candidate {cell['label']} failed: {cell['error']}")
    chosen = succeeded[0]
    if pick:
        if results[pick - 1].ok:
            chosen = pick - 1
        else:
            ctx.warn(
                f"the pick, candidate {pick}, failed: candidate {chosen + 1} flows downstream "
                "instead"
            )
    for warning in cells[chosen]["warnings"]:
        ctx.warn(f"candidate {cells[chosen]['label']}: {warning}")
    _record(ctx, cells, chosen)
    listed: list[Artifact] = []
    for cell, result in zip(cells, results, strict=True):
        if result.outputs is not None:
            cell["index"] = len(listed)
            listed.append(result.outputs[output])
    picked = results[chosen].outputs
    assert picked is not None
    artifact: Artifact = picked[output]
    grid = {"pick": chosen + 1, "asked": pick, "cells": cells}
    return {
        output: Artifact(
            artifact.kind, artifact.path, artifact.digest, {**artifact.meta, "compare": grid}
        ),
        "candidates": listed,
    }


def _cell(number: int, result: CallResult, output: str, has_seed: bool) -> dict[str, Any]:
    params = result.call.params
    provenance = result.provenance
    row = {"provider": params.get("provider", ""), "model": params.get("model", "")}
    if has_seed:
        row["seed"] = params.get("seed", 0)
    cell: dict[str, Any] = {
        "number": number,
        "label": candidate_label(number, row, has_seed),
        "provider": str(row["provider"]),
        # The model that really ran: the provider's default when the row left it empty.
        "model": str(provenance.get("model") or row["model"] or ""),
        "seed": row.get("seed"),
        "status": "ok" if result.ok else "failed",
        "error": result.error,
        "seconds": result.seconds,
        "cached": result.cached,
        "cost_usd": result.cost_usd,
        "warnings": [str(w) for w in provenance.get("warnings") or []],
    }
    if result.outputs is not None:
        artifact = result.outputs[output]
        cell.update(digest=artifact.digest, kind=artifact.kind, suffix=artifact.path.suffix)
        for key in ("width", "height", "duration"):
            if isinstance(artifact.meta.get(key), (int, float)):
                cell[key] = artifact.meta[key]
    return cell


def _record(ctx: RunContext, cells: list[dict[str, Any]], chosen: int) -> None:
    """Provenance for the run history: every candidate, the pick, what this run paid."""
    paid = [c for c in cells if not c["cached"]]
    unknown = [c["label"] for c in paid if c["cost_usd"] is None]
    known = round(sum(c["cost_usd"] or 0.0 for c in paid), 6)
    ctx.provenance.update(
        pick=chosen + 1,
        candidates=[{k: v for k, v in c.items() if k != "warnings"} for c in cells],
        # A price nobody can state is never counted as free: the run's cost is then unknown,
        # and what is known of it stays on record.
        cost_usd=None if unknown else known,
        cost_known_usd=known,
        provider=cells[chosen]["provider"],
        model=cells[chosen]["model"],
    )
    if unknown:
        ctx.provenance["cost_unknown_candidates"] = unknown


__all__ = ["compare_spec", "default_rows"]
