"""The executor: validate, then run the graph as a DAG with caching, limits and cancellation.

Every node whose inputs are ready starts at once (one asyncio task per node, each awaiting its
parents), bounded by a per-provider semaphore and a shared CPU pool; so a run's wall time tends to
its critical path. A failure fails only the node's descendants; cancel stops everything promptly.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import tempfile
import time
import traceback
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from studio.api import Artifact, Call, NodeSpec
from studio.engine.cache import Cache, cache_key, file_digest
from studio.engine.calls import call_inputs, plan_calls, run_calls
from studio.engine.context import CancelToken, NodeContext
from studio.engine.events import (
    Event,
    EventSink,
    NodeBypassed,
    NodeCached,
    NodeCancelled,
    NodeFailed,
    NodeFinished,
    NodeQueued,
    NodeStarted,
    NodeWarning,
    RunFinished,
    RunStarted,
)
from studio.engine.registry import NodeRegistry
from studio.errors import Cancelled, GraphError, GraphErrors, NodeError, StudioError
from studio.graph.components import flat_targets, flatten
from studio.graph.model import BYPASS, MUTE, Graph
from studio.graph.types import PortType
from studio.graph.validate import effective_params, passthrough_input, validate_graph

log = logging.getLogger(__name__)

# How long a cancelled run waits for the providers to confirm their remote jobs were cancelled.
REMOTE_CANCEL_WAIT = 20.0


class _UpstreamFailed(Exception):
    """Raised into a node's descendants: which node failed first, and why."""

    def __init__(self, node: str, reason: str = "") -> None:
        self.node = node
        self.reason = reason
        super().__init__(node)


def _skip_reason(failed: _UpstreamFailed) -> str:
    reason = f"skipped: upstream node {failed.node!r} failed"
    return f"{reason}: {failed.reason}" if failed.reason else reason


@dataclass
class RunResult:
    run_id: str
    status: str  # "succeeded", "failed", "cancelled"
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    executed: list[str] = field(default_factory=list)
    cached: list[str] = field(default_factory=list)
    bypassed: list[str] = field(default_factory=list)
    warnings: dict[str, list[str]] = field(default_factory=dict)
    seconds: float = 0.0


@dataclass
class NodePlan:
    """What one node of a run will do: its spec, params and cache key (once inputs are known)."""

    node_id: str
    spec: NodeSpec
    params: dict[str, Any]
    provider: str | None
    bypass: bool = False  # passes its inputs on; its own run, params and provider are not used
    # The other node types this node runs inside itself (NodeSpec.calls), each planned as a node
    # of its own: id "<node>#<n>", its own params, provider and cache key.
    calls: list[NodePlan] = field(default_factory=list)
    call: Call | None = None  # for a planned call: the Call it was made from
    cached: bool = False  # for a planned call: found in the cache by `cached_results`


@dataclass(frozen=True)
class CachedResult:
    key: str
    outputs: dict[str, Any]
    provenance: dict[str, Any]


class Executor:
    """Runs graphs. Receives its registry, cache, providers and event sink; holds no globals."""

    def __init__(
        self,
        registry: NodeRegistry,
        cache: Cache,
        sink: EventSink | None = None,
        *,
        providers: Any = None,
        cpu_workers: int | None = None,
        thread_initializer: Callable[[], None] | None = None,
    ) -> None:
        self.registry = registry
        self.cache = cache
        self.providers = providers
        self._sinks: list[EventSink] = [sink] if sink else []
        # `thread_initializer` runs in each worker thread as it starts (the GUI lowers their
        # priority there, so rendering never starves the window's thread).
        self._pool = ThreadPoolExecutor(
            max_workers=cpu_workers or os.cpu_count() or 2,
            thread_name_prefix="studio-cpu",
            initializer=thread_initializer,
        )
        self._cancel: CancelToken | None = None
        self._tasks: list[asyncio.Task[Any]] = []
        self._semaphores: dict[str, asyncio.Semaphore] = {}
        self._cancelling: list[tuple[str, asyncio.Future[Any]]] = []
        self._run_id: str | None = None
        self._result: RunResult | None = None
        # Digests of asset files by (path, size, mtime): a 1 GB video is hashed once, not at every
        # cache-key computation (cost preview, run, reopening in the GUI).
        self._asset_digests: dict[tuple[str, int, int], str] = {}

    def add_sink(self, sink: EventSink) -> None:
        self._sinks.append(sink)

    def _emit(self, event: Event) -> None:
        for sink in self._sinks:
            try:
                sink(event)
            except Exception:  # a broken listener must not break the run
                log.exception("event sink failed on %s", event.kind)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    # -- planning -------------------------------------------------------------------------------
    def plan(
        self, graph: Graph, targets: Iterable[str] | None = None, graph_dir: Path | None = None
    ) -> list[NodePlan]:
        """Validate and order the nodes a run needs. Raises GraphErrors listing every problem.

        Muted nodes and everything downstream of them are left out; asking to run up to one of
        them is an error naming the muted node.
        """
        targets = list(targets or [])
        # Components run as their inner nodes: the same keys, costs and history as inline.
        flat = flatten(graph)
        for target in targets:
            if target not in graph.nodes and target not in flat.nodes:
                raise GraphErrors([GraphError("no such node to run up to", node=target)])
        graph, targets = flat, flat_targets(graph, flat, targets)
        graph = self.expand(graph, targets)
        silenced = graph.silenced()
        muted_targets = [_muted_target(graph, t) for t in targets if t in silenced]
        if muted_targets:
            raise GraphErrors(muted_targets)
        wanted = (graph.ancestors(targets) if targets else set(graph.nodes)) - silenced
        problems = validate_graph(graph, self.registry, graph_dir, only=wanted)
        if problems:
            raise GraphErrors(problems)
        plans = []
        for node_id in graph.topological_order(wanted):
            node = graph.nodes[node_id]
            spec = self.registry.get(node.type)
            assert spec is not None  # validated above
            if node.mode == BYPASS:  # its params are not checked, so not read either
                plans.append(NodePlan(node_id, spec, {}, None, bypass=True))
                continue
            params = effective_params(node, spec)
            plan = NodePlan(node_id, spec, params, spec.provider_of(params))
            if spec.calls is not None:
                plan.calls = plan_calls(self, plan, problems)
            plans.append(plan)
        if problems:
            raise GraphErrors(problems)
        return plans

    @staticmethod
    def passthrough(graph: Graph, plan: NodePlan, inputs: dict[str, Any]) -> dict[str, Any]:
        """A bypassed node's outputs: each is its first connected input of the same type."""
        outputs = {}
        for port in plan.spec.outputs:
            source = passthrough_input(graph, plan.node_id, plan.spec, port.type)
            if source is not None:
                outputs[port.name] = inputs[source]
        return outputs

    def expand(self, graph: Graph, keep: Iterable[str] = ()) -> Graph:
        """The graph as it runs: a Versions node becomes its versions' ordinary nodes
        (studio.engine.versions); `graph` itself when it has none. Nodes in `keep` stay."""
        from studio.engine.versions import expand_versions

        return expand_versions(graph, self.registry, keep)

    # -- running --------------------------------------------------------------------------------
    def cancel(self) -> None:
        """Stop the current run: nodes stop at their next await or cancellation check."""
        if self._cancel is None:
            return
        pending, failed = self._cancel.cancel()
        # Remote-job cancels run on their own; the run awaits them and reports each failure.
        self._cancelling = [
            (owner, asyncio.ensure_future(awaitable)) for owner, awaitable in pending
        ]
        for owner, exc in failed:
            self._cancel_failed(owner, exc)
        for task in self._tasks:
            task.cancel()

    def _cancel_failed(self, node_id: str, exc: BaseException | None) -> None:
        """A remote job that may still be running (and billing) is news: log it and show it."""
        reason = "no answer in time" if exc is None else _describe(exc)
        message = (
            f"could not cancel its remote job ({reason}); it may still be running "
            "and billing on the provider's side"
        )
        log.warning("node %s: %s", node_id, message)
        if self._run_id is not None:
            self._emit(NodeWarning(self._run_id, node_id, message))
        if self._result is not None:
            self._result.warnings.setdefault(node_id, []).append(message)

    async def _await_remote_cancels(self) -> None:
        cancelling, self._cancelling = self._cancelling, []
        if not cancelling:
            return
        futures = [future for _, future in cancelling]
        await asyncio.wait(futures, timeout=REMOTE_CANCEL_WAIT)
        for owner, future in cancelling:
            if not future.done():
                future.cancel()
                self._cancel_failed(owner, None)
            elif not future.cancelled() and future.exception() is not None:
                self._cancel_failed(owner, future.exception())

    async def run(
        self,
        graph: Graph,
        *,
        targets: Iterable[str] | None = None,
        use_cache: bool = True,
        graph_dir: Path | None = None,
        run_id: str | None = None,
        plans: list[NodePlan] | None = None,
    ) -> RunResult:
        plans = plans if plans is not None else self.plan(graph, targets, graph_dir)
        graph = flatten(graph)  # the plans name the inner nodes of components
        graph = self.expand(graph, [p.node_id for p in plans])  # ... and of versions
        run_id = run_id or uuid.uuid4().hex[:12]
        loop = asyncio.get_running_loop()
        self._cancel = cancel = CancelToken()
        started = time.perf_counter()
        result = RunResult(run_id, "succeeded")
        self._run_id, self._result = run_id, result
        self._emit(
            RunStarted(
                run_id,
                str(graph.meta.get("_path", "")),
                tuple(p.node_id for p in plans),
                time.time(),
            )
        )
        for plan in plans:
            self._emit(NodeQueued(run_id, plan.node_id))

        futures: dict[str, asyncio.Future[dict[str, Any]]] = {
            p.node_id: loop.create_future() for p in plans
        }
        # Folder work runs in the pool: under disk load it stalled the GUI's loop for tens of ms.
        scratch_root = await loop.run_in_executor(self._pool, self._make_scratch_root, run_id)

        async def run_node(plan: NodePlan) -> None:
            node_id = plan.node_id
            future = futures[node_id]
            stage = _Stage("waiting for its inputs")
            try:
                parents = {e.src for e in graph.edges_into(node_id)}
                upstream = {}
                for parent in sorted(parents):
                    upstream[parent] = await futures[parent]
                stage.name = "gathering its inputs"
                inputs = self._gather_inputs(graph, plan, upstream)
                if plan.bypass:
                    outputs = self.passthrough(graph, plan, inputs)
                    result.bypassed.append(node_id)
                    self._emit(NodeBypassed(run_id, node_id, outputs))
                    future.set_result(outputs)
                    return
                outputs = await self._run_one(
                    plan,
                    inputs,
                    run_id,
                    cancel,
                    loop,
                    scratch_root,
                    graph_dir,
                    use_cache,
                    result,
                    stage,
                )
                future.set_result(outputs)
            except _UpstreamFailed as exc:
                result.failures[node_id] = _skip_reason(exc)
                self._emit(NodeFailed(run_id, node_id, result.failures[node_id], upstream=exc.node))
                future.set_exception(exc)
            except (asyncio.CancelledError, Cancelled):
                self._emit(NodeCancelled(run_id, node_id))
                if not future.done():
                    future.set_exception(_UpstreamFailed(node_id, "cancelled"))
            except _NodeFailure as exc:
                self._fail(result, run_id, node_id, exc.message, exc.provenance, future)
            except Exception as exc:
                # Anything outside the node's own run (cache key, cache, work folder, provider
                # limits, storing the result) is still this node's failure: nothing vanishes.
                # The user reads the reason on the node; `studio -v` shows the trace for a report.
                log.info(
                    "node %s failed while %s:\n%s", node_id, stage.name, traceback.format_exc()
                )
                message = _describe(exc)
                if not isinstance(exc, StudioError):
                    message = f"failed while {stage.name}: {message}"
                self._fail(result, run_id, node_id, message, {}, future)
            finally:
                if not future.done():
                    future.set_exception(_UpstreamFailed(node_id))

        self._tasks = [asyncio.ensure_future(run_node(p)) for p in plans]
        try:
            await asyncio.gather(*self._tasks, return_exceptions=True)
            await self._await_remote_cancels()
        finally:
            self._tasks = []
            # Shielded: a run cancelled while waiting here still gets its folder removed.
            await asyncio.shield(loop.run_in_executor(self._pool, _remove_tree, scratch_root))
        for node_id, future in futures.items():
            # Reading every exception also keeps asyncio from warning that none was retrieved.
            if future.done() and not future.cancelled() and future.exception() is None:
                result.outputs[node_id] = future.result()
        if cancel.cancelled:
            result.status = "cancelled"
        elif result.failures:
            result.status = "failed"
        result.seconds = time.perf_counter() - started
        self._emit(
            RunFinished(
                run_id,
                result.status,
                dict(result.failures),
                result.seconds,
                len(result.executed),
                len(result.cached),
            )
        )
        self._cancel = None
        self._run_id = self._result = None
        return result

    def _fail(
        self,
        result: RunResult,
        run_id: str,
        node_id: str,
        message: str,
        provenance: dict[str, Any],
        future: asyncio.Future[Any],
    ) -> None:
        result.failures[node_id] = message
        self._emit(NodeFailed(run_id, node_id, message, provenance=provenance))
        if not future.done():
            future.set_exception(_UpstreamFailed(node_id, message))

    def _make_scratch_root(self, run_id: str) -> Path:
        """A fresh folder for one run's node scratch folders, on the cache's file system."""
        self.cache.sweep_tmp()  # what killed runs left behind
        return Path(tempfile.mkdtemp(prefix=f"run-{run_id}-", dir=self.cache.tmp_dir()))

    def _gather_inputs(
        self, graph: Graph, plan: NodePlan, upstream: dict[str, dict[str, Any]]
    ) -> dict[str, Any]:
        inputs: dict[str, Any] = {}
        for port in plan.spec.inputs:
            edges = graph.edges_into(plan.node_id, port.name)
            values = [upstream[e.src][e.src_port] for e in edges]
            if port.type.is_list:
                inputs[port.name] = values
            else:
                inputs[port.name] = values[0] if values else None
        return inputs

    def _semaphore(self, provider: str | None) -> asyncio.Semaphore | None:
        if provider is None or self.providers is None:
            return None
        if provider not in self._semaphores:
            self._semaphores[provider] = asyncio.Semaphore(self.providers.limit(provider))
        return self._semaphores[provider]

    async def _key_params(
        self, plan: NodePlan, graph_dir: Path | None, loop: asyncio.AbstractEventLoop
    ) -> dict[str, Any]:
        """Params as they enter the cache key: a file param counts by its content, not its name."""
        params = dict(plan.params)
        for param in plan.spec.params:
            value = params.get(param.name)
            if param.kind == "file" and value:
                from studio.graph.fileformat import resolve_asset

                path = resolve_asset(value, graph_dir) if graph_dir else Path(value)
                if path.is_file():
                    params[param.name] = {
                        "file": value,
                        "digest": await self._asset_digest(path, loop),
                    }
        provider_files = await self._provider_files(plan, graph_dir, loop)
        if provider_files:
            params["\0provider_files"] = provider_files  # no param can have this name
        identity = self._provider_identity(plan)
        if identity:
            params["\0provider"] = identity
        return params

    async def _asset_digest(self, path: Path, loop: asyncio.AbstractEventLoop) -> str:
        stat = path.stat()
        stamp = (str(path), stat.st_size, stat.st_mtime_ns)
        if stamp not in self._asset_digests:
            self._asset_digests[stamp] = await loop.run_in_executor(self._pool, file_digest, path)
        return self._asset_digests[stamp]

    def _provider_and_capability(self, plan: NodePlan) -> tuple[Any, Any] | None:
        """The provider a node will call and the capability it asks for, or None."""
        capability = next((p.capability for p in plan.spec.params if p.kind == "provider"), None)
        if plan.provider is None or self.providers is None or capability is None:
            return None
        return self.providers.get(plan.provider), capability

    async def _provider_files(
        self, plan: NodePlan, graph_dir: Path | None, loop: asyncio.AbstractEventLoop
    ) -> dict[str, str]:
        """Digests of the files the node's provider reads for its model (a ComfyUI workflow)."""
        try:
            found = self._provider_and_capability(plan)
        except StudioError:
            return {}  # the node will report the unknown provider when it runs
        if found is None:
            return {}
        provider, capability = found
        model = plan.params.get("model") or None
        digests = {}
        for name in provider.key_files(capability, model):
            path = Path(name).expanduser()
            if not path.is_absolute() and graph_dir is not None:
                path = graph_dir / path
            if path.is_file():
                digests[name] = await self._asset_digest(path, loop)
        return digests

    def _provider_identity(self, plan: NodePlan) -> dict[str, Any]:
        """What decides the provider's result beyond the params: its version, the default model
        an empty param resolves to, a self-hosted server's URL (see Provider.cache_identity)."""
        try:
            found = self._provider_and_capability(plan)
        except StudioError:
            return {}
        if found is None:
            return {}
        provider, capability = found
        return dict(provider.cache_identity(capability, plan.params.get("model") or None))

    async def _cache_key(
        self,
        plan: NodePlan,
        inputs: dict[str, Any],
        graph_dir: Path | None,
        loop: asyncio.AbstractEventLoop,
    ) -> str:
        params = await self._key_params(plan, graph_dir, loop)
        if plan.calls:
            # A node's result follows from its calls' results: each call's key is part of its own
            # (a call's provider, version or server changes the node's key too).
            params["\0calls"] = [
                await self._cache_key(call, call_inputs(call, inputs), graph_dir, loop)
                for call in plan.calls
            ]
        return cache_key(plan.spec.id, plan.spec.version, params, inputs)

    async def cached_results(
        self,
        graph: Graph,
        plans: list[NodePlan],
        graph_dir: Path | None = None,
        lookup: Callable[[str, str], tuple[dict[str, Any], dict[str, Any]] | None] | None = None,
    ) -> dict[str, CachedResult]:
        """Which planned nodes the cache already holds, found without running anything.

        A node's key depends on its inputs' digests, so only nodes whose every parent is a hit can
        be looked up; the rest will run. Used for cost estimates and to export cached results.
        `lookup(node_id, key)` replaces the cache lookup: a bundle uses it to key the results it
        imports exactly as a run will look them up.
        """
        loop = asyncio.get_running_loop()
        graph = self.expand(flatten(graph), [p.node_id for p in plans])
        found: dict[str, CachedResult] = {}
        known: dict[str, dict[str, Any]] = {}  # outputs of the hits, and of bypassed nodes
        for plan in plans:
            parents = {e.src for e in graph.edges_into(plan.node_id)}
            if any(p not in known for p in parents):
                continue
            upstream = {p: known[p] for p in parents}
            if plan.bypass:
                gathered = self._gather_inputs(graph, plan, upstream)
                known[plan.node_id] = self.passthrough(graph, plan, gathered)
                continue
            if plan.spec.always_run:
                continue
            try:
                inputs = self._gather_inputs(graph, plan, upstream)
                for call in plan.calls:
                    call_key = await self._cache_key(
                        call, call_inputs(call, inputs), graph_dir, loop
                    )
                    if lookup is None:
                        call_hit = await loop.run_in_executor(
                            self._pool, self.cache.lookup, call_key
                        )
                    else:
                        call_hit = await loop.run_in_executor(
                            self._pool, lookup, call.node_id, call_key
                        )
                    call.cached = call_hit is not None
                key = await self._cache_key(plan, inputs, graph_dir, loop)
                if lookup is None:
                    hit = await loop.run_in_executor(self._pool, self.cache.lookup, key)
                else:
                    hit = await loop.run_in_executor(self._pool, lookup, plan.node_id, key)
            except Exception:
                # Not knowable now: the node will run, and fail there with its reason if it must.
                log.debug("no cache lookup for %s", plan.node_id, exc_info=True)
                continue
            if hit is not None:
                found[plan.node_id] = CachedResult(key, hit[0], hit[1])
                known[plan.node_id] = hit[0]
        return found

    async def _run_one(
        self,
        plan: NodePlan,
        inputs: dict[str, Any],
        run_id: str,
        cancel: CancelToken,
        loop: asyncio.AbstractEventLoop,
        scratch_root: Path,
        graph_dir: Path | None,
        use_cache: bool,
        result: RunResult,
        stage: _Stage,
    ) -> dict[str, Any]:
        spec, node_id = plan.spec, plan.node_id
        stage.name = "computing its cache key"
        key = await self._cache_key(plan, inputs, graph_dir, loop)
        if use_cache and not spec.always_run:
            stage.name = "looking up its cached result"
            hit = await loop.run_in_executor(self._pool, self.cache.lookup, key)
            if hit is not None:
                outputs, provenance = hit
                result.cached.append(node_id)
                self._emit(NodeCached(run_id, node_id, outputs, provenance))
                self._replay_warnings(result, run_id, node_id, provenance)
                return outputs
        stage.name = "looking up its provider's limit"
        semaphore = self._semaphore(plan.provider)
        stage.name = "making its work folder"
        scratch = scratch_root / node_id
        await loop.run_in_executor(self._pool, _make_dir, scratch)
        ctx = NodeContext(
            run_id=run_id,
            node_id=node_id,
            emit=self._emit,
            loop=loop,
            cancel=cancel,
            cache=self.cache,
            pool=self._pool,
            providers=self.providers,
            scratch=scratch,
            graph_dir=graph_dir,
            calls=partial(
                run_calls, self, plan, run_id, cancel, loop, scratch, graph_dir, use_cache
            ),
        )
        stage.name = "waiting for its provider"
        if semaphore is not None:
            await semaphore.acquire()
        try:
            cancel_check(cancel)
            stage.name = "running"
            self._emit(NodeStarted(run_id, node_id))
            started = time.perf_counter()
            try:
                outputs = await spec.run(ctx, dict(inputs), dict(plan.params))
                outputs = self._check_outputs(spec, outputs)
            except (asyncio.CancelledError, Cancelled):
                raise
            except StudioError as exc:
                message = exc.message if isinstance(exc, NodeError) else str(exc)
                raise _NodeFailure(message, ctx.provenance) from exc
            except Exception as exc:  # a bug in a node: report it on that node, log the trace
                log.info("node %s (%s) raised:\n%s", node_id, spec.id, traceback.format_exc())
                raise _NodeFailure(
                    f"internal error in {spec.id}: {type(exc).__name__}: {exc}", ctx.provenance
                ) from exc
            seconds = time.perf_counter() - started
        finally:
            if semaphore is not None:
                semaphore.release()
        provenance = dict(ctx.provenance)
        provenance.setdefault("node_type", spec.id)
        provenance.setdefault("node_version", spec.version)
        if provenance.get("warnings"):
            result.warnings[node_id] = list(provenance["warnings"])
        stage.name = "checking its result"
        problem = _json_problem(provenance, "its provenance")
        if problem:
            raise _NodeFailure(f"{spec.id} {problem}", provenance)
        if not spec.always_run:
            stage.name = "storing its result in the cache"
            try:
                await loop.run_in_executor(self._pool, self.cache.put, key, outputs, provenance)
            except OSError as exc:
                # The work is done (and may have been paid for): say so, keep the cost on record.
                raise _NodeFailure(
                    f"its result could not be stored in the cache ({self.cache.root}): "
                    f"{exc.strerror or exc}",
                    provenance,
                ) from exc
        result.executed.append(node_id)
        self._emit(NodeFinished(run_id, node_id, outputs, seconds, provenance))
        return outputs

    def _replay_warnings(
        self, result: RunResult, run_id: str, node_id: str, provenance: dict[str, Any]
    ) -> None:
        """A cached result repeats the warnings it was made with: it is just as degraded."""
        warnings = [str(w) for w in provenance.get("warnings") or []]
        if warnings:
            result.warnings[node_id] = warnings
        for message in warnings:
            self._emit(NodeWarning(run_id, node_id, message))

    @staticmethod
    def _check_outputs(spec: NodeSpec, outputs: Any) -> dict[str, Any]:
        if not isinstance(outputs, dict):
            raise NodeError(f"{spec.id} returned {type(outputs).__name__}, not a dict of outputs")
        for port in spec.outputs:
            if port.name not in outputs:
                raise NodeError(f"{spec.id} returned no value for output {port.name!r}")
            value = outputs[port.name]
            if port.type is PortType.TEXT:
                ok = isinstance(value, str)
            elif port.type.is_list:
                ok = isinstance(value, list)
            else:
                ok = isinstance(value, Artifact) and value.kind == port.type.value
            if not ok:
                raise NodeError(
                    f"{spec.id} returned a {type(value).__name__} for "
                    f"{port.type.value} output {port.name!r}"
                )
            for artifact in value if isinstance(value, list) else [value]:
                if isinstance(artifact, Artifact):
                    problem = _json_problem(dict(artifact.meta), f"output {port.name!r} metadata")
                    if problem:
                        raise NodeError(f"{spec.id} {problem}")
        return {port.name: outputs[port.name] for port in spec.outputs}


def _muted_target(graph: Graph, target: str) -> GraphError:
    muted = sorted(a for a in graph.ancestors([target]) if graph.nodes[a].mode == MUTE)
    if muted == [target]:
        return GraphError("is muted: unmute it to run it", node=target)
    names = ", ".join(repr(m) for m in muted if m != target)
    return GraphError(f"cannot run: it is downstream of muted node {names}", node=target)


class _NodeFailure(Exception):
    def __init__(self, message: str, provenance: dict[str, Any]) -> None:
        self.message = message
        self.provenance = dict(provenance)
        super().__init__(message)


class _Stage:
    """Where a node is in its life, so a failure outside its run says where it happened."""

    def __init__(self, name: str) -> None:
        self.name = name


def _describe(exc: BaseException) -> str:
    if isinstance(exc, NodeError):
        return exc.message
    if isinstance(exc, StudioError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


_JSON_SCALARS = (str, int, float, bool, type(None))


def _json_problem(value: Any, where: str) -> str | None:
    """Why `value` cannot be stored as JSON (naming the field), or None when it can."""
    if isinstance(value, dict):
        for name, inner in value.items():
            if not isinstance(name, str):
                return f"put a {type(name).__name__} key in {where}; keys must be text"
            problem = _json_problem(inner, f"{where} field {name!r}")
            if problem:
                return problem
        return None
    if isinstance(value, (list, tuple)):
        for index, inner in enumerate(value):
            problem = _json_problem(inner, f"{where}[{index}]")
            if problem:
                return problem
        return None
    if isinstance(value, _JSON_SCALARS):  # numpy.float64 is a float; numpy.float32 is not
        return None
    kind = type(value).__module__.split(".")[0] + "." + type(value).__name__
    kind = kind.removeprefix("builtins.")
    return (
        f"put a {kind} in {where}, which cannot be stored; "
        "use a plain int, float, str, bool, list or dict"
    )


def _make_dir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)


def _remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def cancel_check(cancel: CancelToken) -> None:
    if cancel.cancelled:
        raise Cancelled("cancelled")
