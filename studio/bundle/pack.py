"""Write a bundle: the graph, the files its file params name, optionally its cached results."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import stat
import zipfile
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

from studio.atomic import open_atomic
from studio.bundle.format import (
    ASSETS_DIR,
    FORMAT,
    GRAPH_NAME,
    MANIFEST_NAME,
    VERSION,
    BundleError,
    BundleInfo,
    encode_value,
    folded,
    member_name_problem,
    object_name,
    value_digests,
)
from studio.engine.components import ComponentRegistry
from studio.errors import GraphError
from studio.graph.components import BOUNDARY_TYPES, component_of, flatten
from studio.graph.fileformat import dumps_graph, load_graph, resolve_asset
from studio.graph.model import Graph, Node
from studio.graph.outputs import portable_output

CHUNK = 1 << 20
# Fixed member timestamps: the same project packs to the same bytes (except the manifest's date).
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
# Already-compressed media is stored as is; deflating it again costs time and saves nothing.
_STORED_SUFFIXES = frozenset(
    {
        ".png",
        ".jpg",
        ".jpeg",
        ".webp",
        ".gif",
        ".mp4",
        ".mov",
        ".webm",
        ".mkv",
        ".m4a",
        ".mp3",
        ".aac",
        ".ogg",
        ".opus",
        ".flac",
        ".zip",
        ".woff",
        ".woff2",
    }
)


def pack_graph(
    graph_path: Path, out: Path, *, with_results: bool = False, registry: Any, cache: Any
) -> BundleInfo:
    """Write `out` (a .studiopack) from the graph file at `graph_path`; atomically.

    Every file a node's file params name (resolved inside the graph's folder, as a run does) is
    copied into `assets/` and the param rewritten to that relative path. With `with_results`, the
    cached results of every node the cache holds (found exactly as a run would look them up) are
    included with their media and provenance. Blocking: call it off the event loop.
    """
    graph_path = Path(graph_path).resolve()
    graph = load_graph(graph_path)
    graph_dir = graph_path.parent
    notes: list[str] = []
    results: dict[str, dict[str, Any]] = {}
    if with_results:
        results = _cached_results(graph, graph_dir, registry, cache, notes)
    assets = _relocate_assets(graph, graph_dir, registry, notes)
    packs = _packs_used(graph, registry)

    out = Path(out).expanduser().resolve()
    if not out.parent.is_dir():
        raise BundleError(f"cannot write {out}: the folder does not exist")
    try:
        with open_atomic(out) as handle:
            _write_zip(handle, graph, assets, results, packs, cache)
    except OSError as exc:
        raise BundleError(f"cannot write {out}: {exc.strerror or exc}") from None
    return BundleInfo(
        path=out,
        assets=tuple(sorted(assets)),
        results=tuple(sorted(results)),
        packs=packs,
        bytes=out.stat().st_size,
        notes=tuple(notes),
    )


# -- assets ---------------------------------------------------------------------------------------
def _relocate_assets(
    graph: Graph, graph_dir: Path, registry: Any, notes: list[str]
) -> dict[str, Path]:
    """Point every file param into assets/; returns member name -> source file.

    The nodes inside component definitions count too (their own values are what a use of the
    component reads unless it sets an exposed param), as do a component node's exposed params.
    """
    by_source: dict[Path, str] = {}
    taken: dict[str, Path] = {}  # folded member name -> source
    for node_id, label, node, spec, where in _param_holders(graph, registry, notes):
        for param in spec.params:
            value = node.params.get(param.name)
            if param.kind == "output" and isinstance(value, str):
                # A bundle never carries where its author wrote (their folders, user name).
                node.params[param.name], note = portable_output(value, graph_dir)
                if note:
                    notes.append(f"{label}: {note}")
                continue
            if param.kind != "file" or not isinstance(value, str) or not value:
                continue
            path = f"{where}.params.{param.name}"
            try:
                source = resolve_asset(value, graph_dir)
            except GraphError as exc:
                raise GraphError(
                    f"param {param.name!r}: {exc.message}", node=node_id, path=path
                ) from None
            if not source.is_file():
                raise GraphError(
                    f"param {param.name!r}: file {value!r} not found", node=node_id, path=path
                )
            if source not in by_source:
                by_source[source] = _member_for(source, graph_dir.resolve(), taken)
                taken[folded(by_source[source])] = source
            node.params[param.name] = by_source[source]
    return {name: source for source, name in by_source.items()}


def _param_holders(
    graph: Graph, registry: Any, notes: list[str]
) -> Iterator[tuple[str, str, Node, Any, str]]:
    """(node id, how notes name it, node, spec, JSON path) of every node whose params may name
    files: the graph's own, then those inside each component definition."""
    view = ComponentRegistry(registry, graph)
    holders: list[tuple[str, str, Node, str]] = [
        (node_id, f"node {node_id!r}", node, f"$.nodes.{node_id}")
        for node_id, node in sorted(graph.nodes.items())
    ]
    for component_id, definition in sorted(graph.components.items()):
        for inner_id, node in sorted(definition.graph.nodes.items()):
            if node.type not in BOUNDARY_TYPES:  # they have no params
                label = f"node {inner_id!r} inside component {component_id!r}"
                where = f"$.components.{component_id}.nodes.{inner_id}"
                holders.append((inner_id, label, node, where))
    for node_id, label, node, where in holders:
        spec = view.get(node.type)
        if spec is None:
            pack = f" from pack {node.pack!r}" if node.pack else ""
            notes.append(
                f"{label}: type {node.type!r}{pack} is not installed here; it is "
                "kept as it is, but files it may refer to are not included"
            )
            continue
        yield node_id, label, node, spec, where


def _member_for(source: Path, root: Path, taken: dict[str, Path]) -> str:
    relative = source.relative_to(root).as_posix()
    name = relative if relative.startswith(ASSETS_DIR) else ASSETS_DIR + relative
    if member_name_problem(name):
        # A name another system could not hold (e.g. a backslash on Linux): keep a safe stem.
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in source.name).strip(". ")
        name = ASSETS_DIR + (safe or "file")
    stem, dot, suffix = name.rpartition(".")
    if not dot or "/" in suffix:
        stem, suffix = name, ""
    candidate, i = name, 1
    # Two files whose names differ only in case would collide on macOS and Windows.
    while folded(candidate) in taken or member_name_problem(candidate):
        candidate = f"{stem}-{i}.{suffix}" if suffix else f"{stem}-{i}"
        i += 1
    return candidate


def _packs_used(graph: Graph, registry: Any) -> dict[str, str | None]:
    """Pack -> version for every pack the graph uses, inside its components too; None for a pack
    not installed here. Component nodes are the graph's own, not a pack's."""
    nodes = list(graph.nodes.values())
    for definition in graph.components.values():
        nodes.extend(definition.graph.nodes.values())
    packs: dict[str, str | None] = {}
    for node in nodes:
        if component_of(node) is not None or node.type in BOUNDARY_TYPES:
            continue
        spec = registry.get(node.type)
        if spec is None:
            packs.setdefault(node.pack or f"(unknown pack of {node.type})", None)
        elif spec.pack:
            packs[spec.pack] = registry.packs.get(spec.pack, "")
    return dict(sorted(packs.items()))


# -- results ---------------------------------------------------------------------------------------
def _cached_results(
    graph: Graph, graph_dir: Path, registry: Any, cache: Any, notes: list[str]
) -> dict[str, dict[str, Any]]:
    """Each node's cached result, found by the executor's own planning and key computation.

    Components run as their inner nodes, so their results are those nodes', by flat id.
    """
    from studio.engine.executor import Executor

    graph = flatten(graph)
    runnable = runnable_nodes(graph, registry)
    if not runnable:
        return {}
    executor = Executor(registry, cache)
    try:
        plans = executor.plan(graph, runnable, graph_dir)
        found = run_coroutine(lambda: executor.cached_results(graph, plans, graph_dir))
    finally:
        executor.close()
    results = {}
    for node_id, hit in found.items():
        node = graph.nodes[node_id]
        results[node_id] = {
            "type": node.type,
            "type_version": registry.get(node.type).version,
            "key": hit.key,
            "outputs": {name: encode_value(v) for name, v in hit.outputs.items()},
            "provenance": json.loads(json.dumps(hit.provenance, default=str)),
            "computed_at": _computed_at(cache, hit.key),
        }
    # Nodes that always run (exports) are never cached, so they are not missing.
    missing = sorted(
        n for n in set(runnable) - set(found) if not registry.get(graph.nodes[n].type).always_run
    )
    if missing:
        notes.append(
            f"not cached, so not included: {', '.join(missing)} (render first to include them)"
        )
    return results


def runnable_nodes(graph: Graph, registry: Any) -> list[str]:
    """Nodes whose type and every ancestor's type are installed and that are not muted (or below
    a muted node): the nodes a run can reach."""
    unknown = {n for n, node in graph.nodes.items() if registry.get(node.type) is None}
    blocked = graph.descendants(unknown) | graph.silenced()
    return sorted(set(graph.nodes) - blocked)


def _computed_at(cache: Any, key: str) -> str | None:
    # The cache keeps no timestamp of its own; its entry file was written when the node finished.
    try:
        mtime = cache._entry_path(key).stat().st_mtime
    except (AttributeError, OSError):
        return None
    return dt.datetime.fromtimestamp(mtime, dt.UTC).isoformat(timespec="seconds")


def run_coroutine(make: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
    """Run a coroutine to completion from blocking code, even inside a thread with a loop."""
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make())
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


# -- the zip ---------------------------------------------------------------------------------------
def _write_zip(
    handle: Any,
    graph: Graph,
    assets: dict[str, Path],
    results: dict[str, dict[str, Any]],
    packs: dict[str, str | None],
    cache: Any,
) -> None:
    files: dict[str, dict[str, Any]] = {}
    with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        files[GRAPH_NAME] = _write_bytes(zf, GRAPH_NAME, dumps_graph(graph).encode("utf-8"))
        for name, source in sorted(assets.items()):
            files[name] = _write_file(zf, name, source)
        objects: dict[str, Path] = {}
        for entry in results.values():
            for value in entry["outputs"].values():
                for digest, suffix in value_digests(value):
                    objects[object_name(digest, suffix)] = cache.object_path(digest, suffix)
        for name, source in sorted(objects.items()):
            files[name] = _write_file(zf, name, source)
            if files[name]["sha256"] != name[len("results/objects/") :][:64]:
                raise BundleError(f"the cached file {source} is damaged; run the graph again")
        from studio import __version__

        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "studio_version": __version__,
            "files": files,
            "packs": packs,
            "results": results,
        }
        text = json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
        _write_bytes(zf, MANIFEST_NAME, text.encode("utf-8"))


def _zip_info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    info.external_attr = (stat.S_IFREG | 0o644) << 16
    info.create_system = 3  # unix, so the mode bits above are read as such
    suffix = Path(name).suffix.lower()
    info.compress_type = zipfile.ZIP_STORED if suffix in _STORED_SUFFIXES else zipfile.ZIP_DEFLATED
    return info


def _write_bytes(zf: zipfile.ZipFile, name: str, data: bytes) -> dict[str, Any]:
    zf.writestr(_zip_info(name), data)
    return {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


def _write_file(zf: zipfile.ZipFile, name: str, source: Path) -> dict[str, Any]:
    h, size = hashlib.sha256(), 0
    try:
        big = source.stat().st_size > zipfile.ZIP64_LIMIT // 2  # room to grow while we read
        with open(source, "rb") as src, zf.open(_zip_info(name), "w", force_zip64=big) as dst:
            while chunk := src.read(CHUNK):
                h.update(chunk)
                size += len(chunk)
                dst.write(chunk)
    except FileNotFoundError:
        raise BundleError(f"{source} disappeared while packing") from None
    return {"sha256": h.hexdigest(), "size": size}
