"""Read a bundle from a stranger: check everything, then extract beside the target and rename.

Order of work, so a refused bundle leaves nothing behind:
1. the zip's directory: every member's name, type, size and compression ratio; the layout;
2. manifest.json and graph.json (read into memory, size-limited) and their cross-checks;
3. extraction into a temp folder next to the target, each member's sha256 checked as it streams
   (media of cached results go to a temp folder inside the cache instead);
4. one rename puts the project in place; then verified results enter the cache by `Cache.ingest`
   and `Cache.put`, keyed by the executor exactly as a run will look them up.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
import struct
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from studio.api import Artifact
from studio.atomic import fsync_dir
from studio.bundle.format import (
    GRAPH_NAME,
    MANIFEST_NAME,
    OBJECTS_DIR,
    BundleError,
    BundleLimits,
    Manifest,
    decode_value,
    folded,
    layout_problem,
    member_name_problem,
    member_type_problem,
    parse_manifest,
    value_digests,
)
from studio.errors import GraphError, GraphErrors
from studio.graph.components import flatten
from studio.graph.fileformat import MAX_FILE_BYTES, load_graph, parse_graph
from studio.graph.model import Graph
from studio.graph.types import PortType

log = logging.getLogger(__name__)
CHUNK = 1 << 20
# What a damaged or hostile zip can make the zipfile module raise while reading it.
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    ValueError,
    struct.error,
    NotImplementedError,
    RuntimeError,
    OverflowError,
    KeyError,
    IndexError,
    OSError,
)


@dataclass(frozen=True)
class Unpacked:
    graph: Path  # the unpacked graph file
    files: int  # members extracted into the project folder
    imported: tuple[str, ...]  # node ids whose cached results entered the cache


@dataclass
class _Checked:
    manifest: Manifest
    graph_bytes: bytes
    manifest_bytes: bytes
    project: list[zipfile.ZipInfo]  # assets (graph.json and manifest.json are in memory)
    objects: list[zipfile.ZipInfo]  # media of cached results
    total: int


def unpack_bundle(
    bundle: Path,
    target_dir: Path,
    *,
    cache: Any = None,
    registry: Any = None,
    limits: BundleLimits = BundleLimits(),
) -> Path:
    """Unpack a .studiopack into `target_dir` (new or empty); returns the unpacked graph file.

    Raises `BundleError` and writes nothing when any check fails. With a `cache`, the bundle's
    cached results are imported (keys computed with `registry`, the installed nodes by default).
    Blocking: call it off the event loop.
    """
    return unpack(bundle, target_dir, cache=cache, registry=registry, limits=limits).graph


def unpack(
    bundle: Path,
    target_dir: Path,
    *,
    cache: Any = None,
    registry: Any = None,
    limits: BundleLimits = BundleLimits(),
) -> Unpacked:
    """`unpack_bundle` with a report of what was extracted and imported (for the CLI)."""
    bundle = Path(bundle)
    target = _check_target(Path(target_dir))
    try:
        zf = zipfile.ZipFile(bundle)
    except FileNotFoundError:
        raise BundleError(f"no such file: {bundle}") from None
    except IsADirectoryError:
        raise BundleError(f"{bundle} is a folder, not a bundle") from None
    except PermissionError:
        raise BundleError(f"cannot read {bundle}: permission denied") from None
    except _ZIP_ERRORS:
        raise BundleError(f"{bundle.name} is not a bundle (not a readable zip file)") from None
    objects_dir: Path | None = None
    with zf:
        checked = _inspect(zf, limits)
        _check_space(target.parent, checked.total)
        created = [f for f in (target.parent, *target.parent.parents) if not f.exists()]
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = Path(
                tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".unpacking", dir=target.parent)
            )
        except OSError as exc:
            raise BundleError(f"cannot create {target}: {exc.strerror or exc}") from None
        try:
            _write_new(tmp / GRAPH_NAME, checked.graph_bytes)
            _write_new(tmp / MANIFEST_NAME, checked.manifest_bytes)
            for info in checked.project:
                _extract(zf, info, tmp, checked.manifest.files[info.filename])
            if cache is not None and checked.manifest.results:
                objects_dir = Path(tempfile.mkdtemp(prefix="bundle-", dir=cache.tmp_dir()))
                for info in checked.objects:
                    _extract(zf, info, objects_dir, checked.manifest.files[info.filename])
            _move_into_place(tmp, target)
        except BaseException as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            for folder in created:  # deepest first: leave no folder we made behind
                with contextlib.suppress(OSError):
                    folder.rmdir()
            if objects_dir is not None:
                shutil.rmtree(objects_dir, ignore_errors=True)
            if isinstance(exc, OSError):  # a full disk, a folder we may not write
                raise BundleError(f"cannot unpack into {target}: {exc.strerror or exc}") from None
            raise
    graph_path = target / GRAPH_NAME
    imported: list[str] = []
    if objects_dir is not None:
        try:
            imported = _import_results(
                graph_path, checked.manifest, objects_dir, cache, registry, bundle.name
            )
        except OSError as exc:  # the project is in place; its results will be recomputed
            log.warning("cached results in %s not imported: %s", bundle.name, exc)
        finally:
            shutil.rmtree(objects_dir, ignore_errors=True)
    return Unpacked(graph_path, 2 + len(checked.project), tuple(imported))


# -- checks before anything is written -------------------------------------------------------------
def _check_target(target: Path) -> Path:
    target = target.expanduser().resolve()
    if target.exists():
        if not target.is_dir():
            raise BundleError(f"{target} exists and is not a folder")
        if any(target.iterdir()):
            raise BundleError(f"{target} is not empty; choose a new or empty folder")
    return target


def _inspect(zf: zipfile.ZipFile, limits: BundleLimits) -> _Checked:
    try:
        infos = zf.infolist()
    except _ZIP_ERRORS:
        raise BundleError("the bundle's zip directory is damaged") from None
    if len(infos) > limits.max_members:
        raise BundleError(
            f"the bundle has {len(infos)} members, over the limit of {limits.max_members}"
        )
    files: dict[str, zipfile.ZipInfo] = {}
    seen: set[str] = set()
    total = compressed = 0
    for info in infos:
        name = info.filename
        if info.orig_filename != name:
            raise BundleError(f"member {_show(name)} has a NUL character in its name")
        problem = member_name_problem(name) or member_type_problem(info) or layout_problem(name)
        if problem:
            raise BundleError(f"member {_show(name)} {problem}; refused")
        key = folded(name.rstrip("/"))
        if key in seen:
            twice = any(i.filename == name for i in infos if i is not info)
            raise BundleError(
                f"member {_show(name)} appears twice"
                if twice
                else f"member {_show(name)} has the same name as another member on a "
                "case-insensitive disk"
            )
        seen.add(key)
        if name.endswith("/"):
            continue
        if info.file_size > limits.max_member_bytes:
            raise BundleError(
                f"member {_show(name)} is {_mb(info.file_size)}, over the limit of "
                f"{_mb(limits.max_member_bytes)}"
            )
        if (
            info.file_size > limits.ratio_floor_bytes
            and info.file_size > info.compress_size * limits.max_ratio
        ):
            raise BundleError(
                f"member {_show(name)} expands {_ratio(info)} times (a zip bomb?); refused"
            )
        total += info.file_size
        compressed += info.compress_size
        files[name] = info
    folded_files = {folded(name) for name in files}
    for name in files:
        parts = folded(name).split("/")
        for end in range(1, len(parts)):
            if "/".join(parts[:end]) in folded_files:
                raise BundleError(f"member {_show(name)} is inside another member that is a file")
    if total > limits.max_total_bytes:
        raise BundleError(
            f"the bundle unpacks to {_mb(total)}, over the limit of {_mb(limits.max_total_bytes)}"
        )
    if total > limits.ratio_floor_bytes and total > compressed * limits.max_ratio:
        raise BundleError("the bundle expands over the compression limit (a zip bomb?); refused")

    manifest_info = files.get(MANIFEST_NAME)
    if manifest_info is None:
        raise BundleError("the bundle has no manifest.json (not a Multimodal Studio bundle)")
    manifest_bytes = _read_small(zf, manifest_info, limits.max_manifest_bytes)
    manifest = parse_manifest(manifest_bytes)
    graph_info = files.get(GRAPH_NAME)
    if graph_info is None:
        raise BundleError("the bundle has no graph.json")
    for name, info in files.items():
        if name == MANIFEST_NAME:
            continue
        listed = manifest.files.get(name)
        if listed is None:
            raise BundleError(f"member {_show(name)} is not listed in the manifest; refused")
        if listed[1] != info.file_size:
            raise BundleError(
                f"member {_show(name)} is {info.file_size} bytes, but the manifest says {listed[1]}"
            )
        if name.startswith(OBJECTS_DIR) and not name[len(OBJECTS_DIR) :].startswith(listed[0]):
            raise BundleError(f"member {_show(name)} is not named by its digest")
    for name in manifest.files:
        if name not in files:
            raise BundleError(f"the manifest lists {_show(name)}, which the bundle does not hold")
    graph_bytes = _read_small(zf, graph_info, MAX_FILE_BYTES)
    if hashlib.sha256(graph_bytes).hexdigest() != manifest.files[GRAPH_NAME][0]:
        raise BundleError("graph.json does not match its digest in the manifest; refused")
    try:
        graph = parse_graph(graph_bytes, source=GRAPH_NAME)
    except GraphError as exc:
        raise BundleError(f"the bundle's graph is damaged: {exc}") from None
    known = _run_node_ids(graph)
    for node_id in manifest.results:
        if node_id not in known:
            raise BundleError(
                f"the manifest has results for node {node_id!r}, which the graph does not have"
            )
    project = [
        i
        for n, i in files.items()
        if n not in (GRAPH_NAME, MANIFEST_NAME) and not n.startswith(OBJECTS_DIR)
    ]
    objects = [i for n, i in files.items() if n.startswith(OBJECTS_DIR)]
    return _Checked(manifest, graph_bytes, manifest_bytes, project, objects, total)


def _run_node_ids(graph: Graph) -> set[str]:
    """The ids a run of the graph has: its nodes and those inside its components (flat ids)."""
    try:
        return set(graph.nodes) | set(flatten(graph).nodes)
    except GraphErrors:
        return set(graph.nodes)  # it cannot run as it is: nothing inside has a result to import


def _read_small(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    if info.file_size > limit:
        raise BundleError(
            f"{info.filename} is {_mb(info.file_size)}, over the limit of {_mb(limit)}"
        )
    try:
        with zf.open(info) as handle:
            data = handle.read(limit + 1)
    except _ZIP_ERRORS as exc:
        raise BundleError(f"member {_show(info.filename)} is damaged ({_short(exc)})") from None
    if len(data) != info.file_size:
        raise BundleError(f"member {_show(info.filename)} is damaged (wrong size)")
    return data


def _check_space(folder: Path, needed: int) -> None:
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    with contextlib.suppress(OSError):
        free = shutil.disk_usage(existing).free
        if needed > free:
            raise BundleError(f"the bundle needs {_mb(needed)} but {existing} has {_mb(free)} free")


# -- extraction ------------------------------------------------------------------------------------
def _extract(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, root: Path, expected: tuple[str, int]
) -> None:
    """Stream one member to root/name, checking its size and sha256 against the manifest."""
    dest = root / info.filename
    # Names were checked; this guards the guard.
    if not dest.resolve().is_relative_to(root.resolve()):
        raise BundleError(f"member {_show(info.filename)} leaves the target folder; refused")
    digest, size = expected
    h, count = hashlib.sha256(), 0
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        with zf.open(info) as src, open(dest, "xb") as out:
            while chunk := src.read(CHUNK):
                count += len(chunk)
                if count > size:
                    break
                h.update(chunk)
                out.write(chunk)
    except _ZIP_ERRORS as exc:
        raise BundleError(
            f"member {_show(info.filename)} is damaged or cannot be written ({_short(exc)})"
        ) from None
    if count != size or h.hexdigest() != digest:
        raise BundleError(
            f"member {_show(info.filename)} does not match its digest in the manifest; refused"
        )


def _write_new(path: Path, data: bytes) -> None:
    with open(path, "xb") as handle:
        handle.write(data)


def _move_into_place(tmp: Path, target: Path) -> None:
    try:
        if target.exists():
            target.rmdir()  # empty, checked before; on Windows a rename cannot replace it
        os.rename(tmp, target)
    except OSError as exc:
        raise BundleError(f"cannot create {target}: {exc.strerror or exc}") from None
    fsync_dir(target.parent)


# -- cached results --------------------------------------------------------------------------------
def _import_results(
    graph_path: Path, manifest: Manifest, objects_dir: Path, cache: Any, registry: Any, source: str
) -> list[str]:
    """Ingest the verified media, then key each result by the executor's walk and put it."""
    from studio.bundle.pack import run_coroutine, runnable_nodes
    from studio.engine.executor import Executor

    if registry is None:
        from studio.engine.registry import load_registry

        registry = load_registry()
    artifacts: dict[str, Path] = {}
    for path in sorted((objects_dir / OBJECTS_DIR).glob("*")):
        stored = cache.ingest(path, "image")  # kind is per reference; the file is what counts
        if stored.digest == path.name[:64]:
            artifacts[stored.digest] = stored.path
    offered: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
    try:
        graph = flatten(load_graph(graph_path))  # results inside components are by flat id
    except GraphErrors as exc:
        log.warning("cached results in %s not imported: the graph has problems:\n%s", source, exc)
        return []
    for node_id, entry in manifest.results.items():
        node = graph.nodes.get(node_id)
        spec = registry.get(node.type) if node is not None else None
        needed = [d for v in entry["outputs"].values() for d, _ in value_digests(v)]
        if spec is None or any(d not in artifacts for d in needed):
            continue
        outputs = {name: decode_value(v, artifacts) for name, v in entry["outputs"].items()}
        if _outputs_fit(spec, outputs):
            provenance = dict(entry.get("provenance", {}), imported_from=source)
            offered[node_id] = ({p.name: outputs[p.name] for p in spec.outputs}, provenance)
    imported: list[str] = []

    def lookup(node_id: str, key: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
        local = cache.lookup(key)
        if local is not None or node_id not in offered:
            return local  # a result computed here is trusted over an imported one
        cache.put(key, *offered[node_id])
        imported.append(node_id)
        return offered[node_id]

    executor = Executor(registry, cache)
    try:
        plans = executor.plan(graph, runnable_nodes(graph, registry), graph_path.parent)
        run_coroutine(lambda: executor.cached_results(graph, plans, graph_path.parent, lookup))
    except GraphErrors as exc:
        log.warning(
            "cached results in %s not imported: the graph has problems here:\n%s", source, exc
        )
    finally:
        executor.close()
    return imported


def _outputs_fit(spec: Any, outputs: dict[str, Any]) -> bool:
    """A bundle's result must have the values the installed node type would return."""
    for port in spec.outputs:
        if port.name not in outputs:
            return False
        values = outputs[port.name] if port.type.is_list else [outputs[port.name]]
        if port.type.is_list and not isinstance(outputs[port.name], list):
            return False
        for value in values:
            kinds = {t.value for t in port.type.item_types}
            if PortType.TEXT.value in kinds and isinstance(value, str):
                continue
            if not (isinstance(value, Artifact) and value.kind in kinds):
                return False
    return True


def _show(name: str) -> str:
    return repr(name if len(name) <= 80 else name[:77] + "...")


def _mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size < 1e9 else f"{size / 1e9:.1f} GB"


def _ratio(info: zipfile.ZipInfo) -> str:
    return f"{info.file_size // max(1, info.compress_size)}"


def _short(exc: BaseException) -> str:
    return str(exc)[:200] or type(exc).__name__
