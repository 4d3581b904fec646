"""The bundle format: member layout, limits, the manifest schema and the member-name rules.

Everything here is pure checking of untrusted data: a problem is a `BundleError` whose message says
which member or manifest field is wrong.
"""

from __future__ import annotations

import json
import re
import stat
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from studio.api import Artifact
from studio.errors import StudioError
from studio.graph.components import is_flat_id

FORMAT = "multimodal-studio.bundle"
VERSION = 1
SUFFIX = ".studiopack"
GRAPH_NAME = "graph.json"
MANIFEST_NAME = "manifest.json"
ASSETS_DIR = "assets/"
OBJECTS_DIR = "results/objects/"
MEDIA_KINDS = ("image", "video", "audio")

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_OBJECT_SUFFIX = re.compile(r"^(\.[A-Za-z0-9]{1,10})?$")
_DRIVE = re.compile(r"^[A-Za-z]:")
_WINDOWS_RESERVED = frozenset(
    ["con", "prn", "aux", "nul"] + [f"com{i}" for i in range(10)] + [f"lpt{i}" for i in range(10)]
)
_WINDOWS_REPARSE_POINT = 0x400  # DOS attribute bit of a Windows symlink or junction


class BundleError(StudioError):
    """A bundle that cannot be written or is refused on reading; the message names the member."""


@dataclass(frozen=True)
class BundleLimits:
    """What a bundle may hold. Media compresses ~1:1 and JSON ~10:1; a zip bomb goes to 1000:1."""

    max_members: int = 10_000
    max_member_bytes: int = 4 << 30  # a long 4K video
    max_total_bytes: int = 16 << 30
    max_ratio: float = 100.0
    # Members smaller than this may compress any amount (a tiny blank image is harmless).
    ratio_floor_bytes: int = 1 << 20
    max_manifest_bytes: int = 16 << 20


@dataclass(frozen=True)
class BundleInfo:
    """What `pack_graph` wrote."""

    path: Path
    assets: tuple[str, ...]  # member names under assets/
    results: tuple[str, ...]  # node ids whose cached results are included
    packs: dict[str, str | None]  # pack -> version of the packs used; None: not installed
    bytes: int
    notes: tuple[str, ...] = ()


@dataclass
class Manifest:
    files: dict[str, tuple[str, int]]  # member name -> (sha256, size)
    packs: dict[str, str | None]
    results: dict[str, dict[str, Any]]  # node id -> {"outputs", "provenance", ...}
    raw: dict[str, Any] = field(default_factory=dict)


# -- member names and types ------------------------------------------------------------------------
def member_name_problem(name: str) -> str | None:
    """Why a zip member name is unsafe to extract anywhere (None when it is fine).

    Refused: absolute paths (POSIX, Windows drive and UNC forms), '..', '.', empty parts,
    backslashes, control characters, ':' (drive-relative paths, NTFS streams), Windows reserved
    names and parts ending in a dot or space (Windows silently drops those, merging two names).
    """
    if not name:
        return "has an empty name"
    if len(name) > 1024:
        return "has a name over 1024 characters"
    if "\\" in name:
        return "uses a backslash in its name (a Windows path)"
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        return "has a control character in its name"
    if name.startswith("/"):
        return "has an absolute path"
    if _DRIVE.match(name):
        return "names a Windows drive"
    parts = name[:-1].split("/") if name.endswith("/") else name.split("/")
    for part in parts:
        if part == "..":
            return "leaves the target folder ('..')"
        if part in ("", "."):
            return "has an empty or '.' path part"
        if ":" in part:
            return "has ':' in its name"
        if part != part.rstrip(". "):
            return "has a name part ending in a dot or space"
        if part.split(".")[0].lower() in _WINDOWS_RESERVED:
            return f"uses the reserved Windows name {part!r}"
        if len(part.encode("utf-8")) > 255:
            return "has a name part over 255 bytes"
    return None


def folded(name: str) -> str:
    """The name as a case-insensitive, normalising file system sees it (macOS, Windows)."""
    return unicodedata.normalize("NFC", name).casefold()


def member_type_problem(info: zipfile.ZipInfo) -> str | None:
    """Why a member is not a plain file or folder (symlinks, devices, fifos), or None."""
    mode = info.external_attr >> 16
    kind = stat.S_IFMT(mode)
    if stat.S_ISLNK(mode) or info.external_attr & _WINDOWS_REPARSE_POINT:
        return "is a symbolic link"
    if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
        return "is a special file (device, pipe or socket)"
    if stat.S_ISDIR(mode) and not info.filename.endswith("/"):
        return "is marked as a folder but named like a file"
    if info.filename.endswith("/") and info.file_size:
        return "is a folder entry with content"
    if info.flag_bits & 0x1:
        return "is encrypted"
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return "uses an unsupported compression method"
    return None


def layout_problem(name: str) -> str | None:
    """Members outside the bundle layout are refused (a stray .pth or script has no place)."""
    if name in (GRAPH_NAME, MANIFEST_NAME):
        return None
    if name.startswith(ASSETS_DIR) or name.startswith(OBJECTS_DIR):
        return None
    if name.endswith("/") and (ASSETS_DIR.startswith(name) or OBJECTS_DIR.startswith(name)):
        return None  # the folder entries themselves
    return "is not part of a bundle (only graph.json, manifest.json, assets/ and results/)"


# -- manifest --------------------------------------------------------------------------------------
def parse_manifest(data: bytes) -> Manifest:
    """Read and check manifest.json; every field is validated before any is trusted."""
    try:
        doc = json.loads(
            data.decode("utf-8"), parse_constant=_refuse_constant, object_pairs_hook=_unique_keys
        )
    except (ValueError, RecursionError) as exc:
        raise BundleError(f"manifest.json is not valid JSON ({_short(exc)})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise BundleError("manifest.json is not a Multimodal Studio bundle manifest")
    version = doc.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise BundleError("manifest.json: version must be a positive whole number")
    if version > VERSION:
        raise BundleError(
            f"this bundle was written by a newer studio (bundle version {version}, "
            f"this studio reads up to {VERSION}); please update"
        )
    files_doc = _field(doc, "files", dict)
    files: dict[str, tuple[str, int]] = {}
    for name, entry in files_doc.items():
        if not isinstance(entry, dict):
            raise BundleError(f"manifest.json: files.{name} must be an object")
        digest, size = entry.get("sha256"), entry.get("size")
        if not isinstance(digest, str) or not _SHA256.match(digest):
            raise BundleError(f"manifest.json: files.{name}.sha256 is not a sha256 digest")
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise BundleError(f"manifest.json: files.{name}.size is not a byte count")
        files[name] = (digest, size)
    packs = _field(doc, "packs", dict, default={})
    for name, version_text in packs.items():
        if version_text is not None and not isinstance(version_text, str):
            raise BundleError(f"manifest.json: packs.{name} must be a version string")
    results = _field(doc, "results", dict, default={})
    for node_id, entry in results.items():
        _check_result(node_id, entry, files)
    return Manifest(files, packs, results, doc)


def _check_result(node_id: str, entry: Any, files: dict[str, tuple[str, int]]) -> None:
    where = f"manifest.json: results.{node_id[:64]}"
    if not is_flat_id(node_id):  # a node inside a component is `instance/inner`
        raise BundleError(f"{where}: not a node id")
    if not isinstance(entry, dict):
        raise BundleError(f"{where} must be an object")
    outputs = entry.get("outputs")
    if not isinstance(outputs, dict) or not all(isinstance(k, str) for k in outputs):
        raise BundleError(f"{where}.outputs must be an object")
    for name, value in outputs.items():
        problem = encoded_value_problem(value, files)
        if problem:
            raise BundleError(f"{where}.outputs.{name[:64]}: {problem}")
    if not isinstance(entry.get("provenance", {}), dict):
        raise BundleError(f"{where}.provenance must be an object")


def _field(doc: dict[str, Any], key: str, kind: type, default: Any = None) -> Any:
    value = doc.get(key, default)
    if not isinstance(value, kind):
        raise BundleError(f"manifest.json: {key!r} must be {'an object' if kind is dict else kind}")
    return value


# -- result values (the cache's port values, with media named by digest) ---------------------------
def object_name(digest: str, suffix: str) -> str:
    return f"{OBJECTS_DIR}{digest}{suffix}"


def encode_value(value: Any) -> Any:
    """A port value as JSON: text inline, media by digest (its file goes in results/objects/)."""
    if isinstance(value, Artifact):
        return {
            "artifact": {
                "kind": value.kind,
                "digest": value.digest,
                "suffix": value.path.suffix,
                "meta": _jsonable(value.meta),
            }
        }
    if isinstance(value, str):
        return {"text": value}
    if isinstance(value, list):
        return {"list": [encode_value(v) for v in value]}
    if value is None:
        return {"none": True}
    raise BundleError(f"cannot bundle a {type(value).__name__} result")


def encoded_value_problem(
    value: Any, files: dict[str, tuple[str, int]], depth: int = 0
) -> str | None:
    """What is wrong with an encoded port value from a manifest, or None."""
    if not isinstance(value, dict) or len(value) != 1:
        return "a value must be an object with one of text, list, none, artifact"
    ((tag, body),) = value.items()
    if tag == "text":
        return None if isinstance(body, str) else "text must be a string"
    if tag == "none":
        return None if body is True else "none must be true"
    if tag == "list":
        if depth > 0 or not isinstance(body, list):
            return "a list holds values and may not be nested"
        for item in body:
            problem = encoded_value_problem(item, files, depth + 1)
            if problem:
                return problem
        return None
    if tag != "artifact" or not isinstance(body, dict):
        return "a value must be an object with one of text, list, none, artifact"
    kind, digest, suffix = body.get("kind"), body.get("digest"), body.get("suffix", "")
    if kind not in MEDIA_KINDS:
        return f"kind must be one of {', '.join(MEDIA_KINDS)}"
    if not isinstance(digest, str) or not _SHA256.match(digest):
        return "digest is not a sha256 digest"
    if not isinstance(suffix, str) or not _OBJECT_SUFFIX.match(suffix):
        return "suffix must be a short file extension"
    if not isinstance(body.get("meta", {}), dict):
        return "meta must be an object"
    listed = files.get(object_name(digest, suffix))
    if listed is None:
        return f"its file {object_name(digest, suffix)} is not listed in the manifest"
    if listed[0] != digest:
        return "its file's digest in the manifest differs from the result's digest"
    return None


def decode_value(value: dict[str, Any], artifacts: dict[str, Path]) -> Any:
    """An encoded value (already checked) back to a port value; media from `artifacts[digest]`."""
    ((tag, body),) = value.items()
    if tag == "text":
        return body
    if tag == "none":
        return None
    if tag == "list":
        return [decode_value(v, artifacts) for v in body]
    return Artifact(
        kind=body["kind"],
        path=artifacts[body["digest"]],
        digest=body["digest"],
        meta=dict(body.get("meta", {})),
    )


def value_digests(value: dict[str, Any]) -> list[tuple[str, str]]:
    """(digest, suffix) of every media file an encoded value names."""
    ((tag, body),) = value.items()
    if tag == "list":
        return [d for v in body for d in value_digests(v)]
    if tag == "artifact":
        return [(body["digest"], body.get("suffix", ""))]
    return []


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    doc: dict[str, Any] = {}
    for key, value in pairs:
        if key in doc:
            raise ValueError(f"duplicate key {key[:64]!r}")
        doc[key] = value
    return doc


def _short(exc: BaseException) -> str:
    return str(exc)[:200] or type(exc).__name__
