"""What a run will cost before it starts: paid nodes, cache savings, and prices we do not know.

An unknown price is never counted as free: it is listed by provider and model, so the CLI can
refuse `--max-cost` and the GUI can ask before spending an amount nobody can state.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from studio.providers.costs import NodeCost


@dataclass
class RunEstimate:
    to_pay: float = 0.0  # known prices of the nodes that will run
    saved: float = 0.0  # known prices of the nodes the cache answers
    lines: list[tuple[str, float]] = field(default_factory=list)  # (node, cost) of paid nodes
    unknown: list[tuple[str, str]] = field(default_factory=list)  # (node, "provider model")

    @property
    def free(self) -> bool:
        return not self.to_pay and not self.saved and not self.unknown

    def describe(self) -> str:
        """One line for the user: "estimated cost: $0.48 (a $0.40, b $0.08) + 1 node of ..."."""
        from studio.providers.costs import format_usd

        if self.free:
            return "estimated cost: free (offline engines and cached results only)"
        text = f"estimated cost: {format_usd(self.to_pay)}"
        if self.lines:
            text += " (" + ", ".join(f"{n} {format_usd(c)}" for n, c in self.lines) + ")"
        if self.unknown:
            count = len(self.unknown)
            labels = ", ".join(sorted({label for _, label in self.unknown}))
            text += f" + {count} node{'s' if count != 1 else ''} of unknown price: {labels}"
        if self.saved:
            text += f"; cache saves {format_usd(self.saved)}"
        return text

    def short(self) -> str:
        """For a status bar: "est. $0.48 + 1 unknown"."""
        from studio.providers.costs import format_usd

        text = f"est. {format_usd(self.to_pay)}"
        if self.unknown:
            text += f" + {len(self.unknown)} of unknown price"
        return text


def estimate_run(plans: Iterable[Any], cached: Mapping[str, Any]) -> RunEstimate:
    """The estimate for `plans` (NodePlans) of which `cached` are cache hits.

    A node that runs other node types inside itself (a compare node's candidates, its `calls`)
    costs what its calls cost: each is priced and listed as "<node>#<n>", and each found in the
    cache on its own (`plan.calls[i].cached`, set by `Executor.cached_results`) is a saving, so a
    re-pick among cached candidates costs nothing.
    """
    estimate = RunEstimate()
    for plan in plans:
        if getattr(plan, "bypass", False):
            continue  # a bypassed node calls nothing
        node_cached = plan.node_id in cached
        if plan.calls:
            for call in plan.calls:
                _add(estimate, call.node_id, plan_cost(call), node_cached or call.cached)
        else:
            _add(estimate, plan.node_id, plan_cost(plan), node_cached)
    return estimate


def plan_cost(plan: Any) -> NodeCost:
    """What one planned node (or call) will cost if it runs."""
    from studio.providers.costs import node_cost

    capability = next(
        (p.capability for p in plan.spec.params if p.kind == "provider" and p.capability),
        None,
    )
    return node_cost(plan.spec.id, capability.value if capability else None, plan.params)


def _add(estimate: RunEstimate, label: str, cost: NodeCost, cached: bool) -> None:
    if cost.usd is None:
        if not cached:
            estimate.unknown.append((label, cost.label))
        return
    if not cost.usd:
        return
    if cached:
        estimate.saved += cost.usd
    else:
        estimate.to_pay += cost.usd
        estimate.lines.append((label, cost.usd))
