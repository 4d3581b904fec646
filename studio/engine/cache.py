"""The persistent, content-addressed result cache.

Layout under the cache folder::

    objects/ab/abcdef....png   media files, named by the sha256 of their bytes (stored once)
    entries/12/1234....json    one node result: its outputs (texts inline, media by digest)

A result is keyed by node type + version + params + input digests (+ the provider, a param):
never by a secret. On a hit every media file is checked against its digest; a missing or corrupted
file makes the entry a miss, so the node is recomputed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
import threading
import time
from pathlib import Path
from typing import Any

from studio.api import Artifact
from studio.atomic import move_atomic, write_text_atomic
from studio.digest import file_sha256

STALE_WORK_SECONDS = 24 * 3600


file_digest = file_sha256  # the name the engine has long used


def text_digest(text: str) -> str:
    return "t" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def value_digest(value: Any) -> Any:
    """The digest that stands for a port value in a cache key."""
    if isinstance(value, Artifact):
        return value.digest
    if isinstance(value, str):
        return text_digest(value)
    if isinstance(value, list):
        return [value_digest(v) for v in value]
    if value is None:
        return None
    raise TypeError(f"cannot digest a {type(value).__name__} port value")


def cache_key(type_id: str, version: int, params: dict[str, Any], inputs: dict[str, Any]) -> str:
    payload = {
        "type": type_id,
        "version": version,
        "params": params,
        "inputs": {name: value_digest(v) for name, v in inputs.items()},
    }
    blob = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class Cache:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.objects = self.root / "objects"
        self.entries = self.root / "entries"
        self.objects.mkdir(parents=True, exist_ok=True)
        self.entries.mkdir(parents=True, exist_ok=True)
        # Files already checked against their digest in this process: (path, size, mtime) -> ok.
        self._verified: set[tuple[str, int, int]] = set()
        self._lock = threading.Lock()

    # -- media objects --------------------------------------------------------------------------
    def object_path(self, digest: str, suffix: str) -> Path:
        return self.objects / digest[:2] / f"{digest}{suffix}"

    def ingest(self, path: Path, kind: str, meta: dict[str, Any] | None = None) -> Artifact:
        """Move a finished file into the store (blocking: run it off the event loop)."""
        path = Path(path)
        digest = file_digest(path)
        target = self.object_path(digest, path.suffix.lower())
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists() and self._verify(target, digest):
            path.unlink(missing_ok=True)
        else:
            move_atomic(path, target)
            self._mark_verified(target)
        return Artifact(kind=kind, path=target, digest=digest, meta=dict(meta or {}))

    def _mark_verified(self, path: Path) -> None:
        st = path.stat()
        with self._lock:
            self._verified.add((str(path), st.st_size, st.st_mtime_ns))

    def _verify(self, path: Path, digest: str) -> bool:
        try:
            st = path.stat()
        except OSError:
            return False
        stamp = (str(path), st.st_size, st.st_mtime_ns)
        with self._lock:
            if stamp in self._verified:
                return True
        if file_digest(path) != digest:
            return False
        with self._lock:
            self._verified.add(stamp)
        return True

    # -- entries --------------------------------------------------------------------------------
    def _entry_path(self, key: str) -> Path:
        return self.entries / key[:2] / f"{key}.json"

    def lookup(self, key: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """(outputs, provenance) for a key, or None when absent or any file is damaged."""
        entry_path = self._entry_path(key)
        try:
            entry = json.loads(entry_path.read_text("utf-8"))
            outputs = {name: self._decode(v) for name, v in entry["outputs"].items()}
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError):
            with contextlib.suppress(OSError):
                entry_path.unlink()  # unreadable entry: forget it, the node recomputes
            return None
        if outputs is None or any(v is _DAMAGED for v in _flatten(outputs)):
            return None
        return outputs, entry.get("provenance", {})

    def put(self, key: str, outputs: dict[str, Any], provenance: dict[str, Any]) -> None:
        entry = {
            "outputs": {name: self._encode(v) for name, v in outputs.items()},
            "provenance": provenance,
        }
        path = self._entry_path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(path, json.dumps(entry, sort_keys=True))

    def _encode(self, value: Any) -> Any:
        if isinstance(value, Artifact):
            return {
                "artifact": {
                    "kind": value.kind,
                    "digest": value.digest,
                    "suffix": value.path.suffix,
                    "meta": dict(value.meta),
                }
            }
        if isinstance(value, str):
            return {"text": value}
        if isinstance(value, list):
            return {"list": [self._encode(v) for v in value]}
        if value is None:
            return {"none": True}
        raise TypeError(f"cannot cache a {type(value).__name__}")

    def _decode(self, data: dict[str, Any]) -> Any:
        if "text" in data:
            return str(data["text"])
        if "list" in data:
            return [self._decode(v) for v in data["list"]]
        if "none" in data:
            return None
        art = data["artifact"]
        path = self.object_path(art["digest"], art["suffix"])
        if not self._verify(path, art["digest"]):
            with contextlib.suppress(OSError):
                path.unlink()  # a corrupted object would poison every entry that names it
            return _DAMAGED
        return Artifact(kind=art["kind"], path=path, digest=art["digest"], meta=art.get("meta", {}))

    # -- maintenance ----------------------------------------------------------------------------
    def info(self) -> dict[str, Any]:
        entries = sum(1 for _ in self.entries.rglob("*.json"))
        files = [p for p in self.objects.rglob("*") if p.is_file()]
        return {
            "path": str(self.root),
            "entries": entries,
            "objects": len(files),
            "bytes": sum(p.stat().st_size for p in files),
        }

    def clear(self) -> None:
        for folder in (self.entries, self.objects):
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True, exist_ok=True)
        with self._lock:
            self._verified.clear()

    def tmp_dir(self) -> Path:
        """A folder on the cache's file system for work files (so ingest is a rename)."""
        path = self.root / "tmp"
        path.mkdir(exist_ok=True)
        return path

    def sweep_tmp(self, older_than: float = STALE_WORK_SECONDS) -> int:
        """Delete work folders a killed run left behind (blocking); returns how many went.

        A run removes its own folder when it ends, so one untouched for this long belongs to a
        process that died; a live run's folder is touched whenever a node starts.
        """
        cutoff = time.time() - older_than
        removed = 0
        for entry in self.tmp_dir().iterdir():
            try:
                if entry.stat().st_mtime >= cutoff:
                    continue
            except OSError:
                continue
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
            removed += 1
        return removed


class CacheParts:
    """The `PartStore` a node gets as `ctx.parts`: files kept under keys the node computes.

    Each part is an ordinary cache entry (its file in `objects/`, checked against its digest on
    every lookup) whose key is namespaced apart from node results, so nothing a node names can
    collide with a result's key.
    """

    def __init__(self, cache: Cache) -> None:
        self._cache = cache

    @staticmethod
    def _entry_key(key: str) -> str:
        return hashlib.sha256(f"part\0{key}".encode()).hexdigest()

    def get(self, key: str) -> Path | None:
        hit = self._cache.lookup(self._entry_key(key))
        if hit is None:
            return None
        stored = hit[0].get("file")
        return stored.path if isinstance(stored, Artifact) else None

    def put(self, key: str, path: Path) -> Path:
        artifact = self._cache.ingest(Path(path), "part")
        self._cache.put(self._entry_key(key), {"file": artifact}, {})
        return artifact.path


_DAMAGED = object()


def _flatten(outputs: dict[str, Any]) -> list[Any]:
    flat: list[Any] = []
    for value in outputs.values():
        flat.extend(value if isinstance(value, list) else [value])
    return flat


def default_cache() -> Cache:
    from studio.paths import cache_dir

    return Cache(cache_dir() / "results")


__all__ = [
    "Cache",
    "CacheParts",
    "cache_key",
    "default_cache",
    "file_digest",
    "text_digest",
    "value_digest",
]
