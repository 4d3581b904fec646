"""Calls: other node types a node runs inside itself (a compare node's candidates).

A node lists them in `NodeSpec.calls`; `plan_calls` plans each one as a node of its own (id
"<node>#<n>", its own params and provider), so the estimate prices every call before anything is
paid; `run_calls` runs them at once, each exactly as its node type runs alone: its own cache
entry (a re-pick among cached candidates is free), its provider's concurrency limit. A failed
call is a `CallResult` with its reason; the calling node decides what that means.
"""

from __future__ import annotations

import asyncio
import logging
import time
import traceback
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studio.api import CallResult
from studio.engine.context import CancelToken, NodeContext
from studio.engine.events import Event, NodeLog
from studio.errors import Cancelled, GraphError, StudioError

if TYPE_CHECKING:
    from studio.engine.executor import Executor, NodePlan

log = logging.getLogger(__name__)


def plan_calls(executor: Executor, plan: NodePlan, problems: list[GraphError]) -> list[NodePlan]:
    """Plan a node's calls as nodes of their own; what is wrong goes into `problems`."""
    from studio.engine.executor import NodePlan
    from studio.engine.executor import _describe as describe_error

    node_id, spec = plan.node_id, plan.spec
    where = f"$.nodes.{node_id}.params"
    assert spec.calls is not None
    try:
        calls = list(spec.calls(plan.params, executor.providers))
    except ValueError as exc:
        problems.append(GraphError(str(exc), node=node_id, path=where))
        return []
    except Exception as exc:  # a bug in a node pack: its node, not the whole studio, fails
        log.info("node %s could not list its calls:\n%s", node_id, traceback.format_exc())
        problems.append(
            GraphError(
                f"internal error in {spec.id} listing its calls: {describe_error(exc)}",
                node=node_id,
                path=where,
            )
        )
        return []
    plans = []
    for number, call in enumerate(calls, start=1):
        label = call.label or f"call {number}"
        call_spec = executor.registry.get(call.node_type)
        if call_spec is None or call_spec.calls is not None:
            why = "is not installed" if call_spec is None else "makes calls of its own"
            problems.append(
                GraphError(f"{label}: node type {call.node_type!r} {why}", node=node_id, path=where)
            )
            continue
        missing = [
            i.name for i in call_spec.inputs if not i.optional and spec.input(i.name) is None
        ]
        if missing:
            problems.append(
                GraphError(
                    f"{label}: {spec.title} has no input {missing[0]!r} to pass on",
                    node=node_id,
                    path=where,
                )
            )
            continue
        params = call_spec.default_params()
        for name, value in call.params.items():
            param = call_spec.param(name)
            try:
                if param is None:
                    raise ValueError(f"is not a param of {call_spec.title}")
                params[name] = param.coerce(value)
            except ValueError as exc:
                problems.append(
                    GraphError(f"{label}: param {name!r} {exc}", node=node_id, path=where)
                )
                break
        else:
            plans.append(
                NodePlan(
                    f"{node_id}#{number}",
                    call_spec,
                    params,
                    call_spec.provider_of(params),
                    call=call,
                )
            )
    return plans


async def run_calls(
    executor: Executor,
    plan: NodePlan,
    run_id: str,
    cancel: CancelToken,
    loop: asyncio.AbstractEventLoop,
    scratch: Path,
    graph_dir: Path | None,
    use_cache: bool,
    inputs: Mapping[str, Any],
) -> list[CallResult]:
    """Run a node's planned calls at once (`ctx.run_calls`); results in the calls' order."""
    return list(
        await asyncio.gather(
            *(
                _run_call(
                    executor,
                    call,
                    run_id,
                    cancel,
                    loop,
                    scratch / f"call-{number}",
                    graph_dir,
                    use_cache,
                    inputs,
                    plan.node_id,
                )
                for number, call in enumerate(plan.calls, start=1)
            )
        )
    )


async def _run_call(
    executor: Executor,
    plan: NodePlan,
    run_id: str,
    cancel: CancelToken,
    loop: asyncio.AbstractEventLoop,
    scratch: Path,
    graph_dir: Path | None,
    use_cache: bool,
    node_inputs: Mapping[str, Any],
    owner: str,
) -> CallResult:
    """One call, as its node type runs on its own: own cache entry, own provider limit."""
    from studio.engine.executor import _describe as describe_error
    from studio.engine.executor import _json_problem as json_problem
    from studio.engine.executor import _make_dir as make_dir

    assert plan.call is not None
    call, spec = plan.call, plan.spec
    inputs = call_inputs(plan, node_inputs)
    key = await executor._cache_key(plan, inputs, graph_dir, loop)
    pool = executor._pool
    if use_cache:
        hit = await loop.run_in_executor(pool, executor.cache.lookup, key)
        if hit is not None:
            outputs, provenance = hit
            return CallResult(
                call,
                outputs,
                provenance=provenance,
                seconds=_number(provenance.get("seconds")),
                cached=True,
                cost_usd=call_cost(plan, provenance),
            )
    semaphore = executor._semaphore(plan.provider)
    await loop.run_in_executor(pool, make_dir, scratch)
    label = call.label or plan.node_id

    def emit(event: Event) -> None:
        # A call's progress, previews and warnings belong to its cell, not to the node's bar and
        # badge (its warnings stay in its provenance); its log lines say whose they are.
        if isinstance(event, NodeLog):
            executor._emit(NodeLog(event.run_id, event.node, f"{label}: {event.message}"))

    ctx = NodeContext(
        run_id=run_id,
        node_id=owner,
        emit=emit,
        loop=loop,
        cancel=cancel,
        cache=executor.cache,
        pool=pool,
        providers=executor.providers,
        scratch=scratch,
        graph_dir=graph_dir,
    )
    if semaphore is not None:
        await semaphore.acquire()
    try:
        if cancel.cancelled:
            raise Cancelled("cancelled")
        started = time.perf_counter()
        try:
            outputs = executor._check_outputs(
                spec, await spec.run(ctx, dict(inputs), dict(plan.params))
            )
        except (asyncio.CancelledError, Cancelled):
            raise
        except Exception as exc:
            message = describe_error(exc)
            if not isinstance(exc, StudioError):
                log.info("call %s (%s) raised:\n%s", label, spec.id, traceback.format_exc())
                message = f"internal error in {spec.id}: {message}"
            provenance = dict(ctx.provenance)
            return CallResult(call, None, message, provenance, cost_usd=call_cost(plan, provenance))
        seconds = time.perf_counter() - started
    finally:
        if semaphore is not None:
            semaphore.release()
    provenance = dict(ctx.provenance)
    provenance.setdefault("node_type", spec.id)
    provenance.setdefault("node_version", spec.version)
    provenance["seconds"] = round(seconds, 3)
    problem = json_problem(provenance, "its provenance")
    if problem:
        return CallResult(call, None, f"{spec.id} {problem}", {}, seconds)
    try:
        await loop.run_in_executor(pool, executor.cache.put, key, outputs, provenance)
    except OSError as exc:
        # The work is done (perhaps paid for): keep it, and say the next run makes it again.
        provenance.setdefault("warnings", []).append(
            f"its result could not be stored in the cache ({exc.strerror or exc}); "
            "the next run makes it again"
        )
    return CallResult(call, outputs, "", provenance, seconds, cost_usd=call_cost(plan, provenance))


def call_inputs(call: NodePlan, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """What a call receives: the calling node's inputs of the names the call's node type has."""
    return {port.name: inputs.get(port.name) for port in call.spec.inputs}


def call_cost(call: NodePlan, provenance: Mapping[str, Any]) -> float | None:
    """What a call cost: as its provider recorded it, else as the price table estimates it."""
    if "cost_usd" in provenance:
        return _number(provenance["cost_usd"])
    from studio.engine.estimate import plan_cost

    return plan_cost(call).usd


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)
