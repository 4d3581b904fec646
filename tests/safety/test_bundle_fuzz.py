"""Hostile bundles: mutated bytes and rebuilt zips with hostile members and manifests.

The only outcomes allowed: an unpacked project (inside the target, no links, a graph that loads)
or a `BundleError` with a one-line message that left nothing behind. Either way the cache stays
consistent: every entry's files verify, and no temp folder is left.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import shutil
import stat
import uuid
import warnings
import zipfile
from pathlib import Path

import pytest
from bundle.bundle_project import make_project, make_registry, run
from fuzz_settings import SAFETY, examples
from hypothesis import event, given, settings
from hypothesis import strategies as st

from studio.bundle import BundleError, BundleLimits, pack_graph, unpack_bundle
from studio.engine.cache import Cache
from studio.graph.fileformat import load_graph

REGISTRY = make_registry()
_REASON = re.compile(r"'[^']*'|\d+")  # names and numbers out, for the statistics
# Small limits, so the size and ratio guards are met by small generated files too.
LIMITS = BundleLimits(
    max_members=40, max_member_bytes=200_000, max_total_bytes=400_000, ratio_floor_bytes=20_000
)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("bundle-fuzz")


@pytest.fixture(scope="module")
def seed(workdir) -> bytes:
    """A real bundle with an asset and cached results (text and media)."""
    graph_path = make_project(workdir / "seed-project")
    cache = Cache(workdir / "seed-cache")
    result, _ = run(graph_path, REGISTRY, cache)
    assert result.status == "succeeded"
    info = pack_graph(
        graph_path, workdir / "seed.studiopack", with_results=True, registry=REGISTRY, cache=cache
    )
    return info.path.read_bytes()


@pytest.fixture(scope="module")
def cache(workdir) -> Cache:
    return Cache(workdir / "cache")


def check_bundle(data: bytes, workdir: Path, cache: Cache) -> str:
    case = workdir / uuid.uuid4().hex
    land = case / "land"
    land.mkdir(parents=True)
    bundle = case / "b.studiopack"
    bundle.write_bytes(data)
    try:
        try:
            out = unpack_bundle(
                bundle, land / "project", cache=cache, registry=REGISTRY, limits=LIMITS
            )
        except BundleError as exc:
            message = str(exc)
            assert message.strip() and "\n" not in message
            assert list(land.iterdir()) == [], f"refused ({message}) but wrote files"
            outcome = "refused: " + _REASON.sub("_", message)[:60]
        else:
            project = (land / "project").resolve()
            assert out == project / "graph.json"
            load_graph(out)
            for path in project.rglob("*"):
                assert not path.is_symlink()
                assert path.resolve().is_relative_to(project)
                assert path.is_dir() or stat.S_ISREG(path.stat().st_mode)
            assert {p.name for p in land.iterdir()} == {"project"}
            outcome = "unpacked"
        assert not list(cache.tmp_dir().iterdir()), "a temp folder was left in the cache"
        for entry in cache.entries.rglob("*.json"):
            assert cache.lookup(entry.stem) is not None, "an imported entry does not verify"
        return outcome
    finally:
        shutil.rmtree(case, ignore_errors=True)


def test_the_seed_bundle_unpacks(seed, workdir, cache):
    assert check_bundle(seed, workdir, cache) == "unpacked"
    assert len(list(cache.entries.rglob("*.json"))) == 4


TOKENS = [
    b"PK\x03\x04",
    b"PK\x01\x02",
    b"PK\x05\x06",
    b"PK\x06\x06",
    b"\xff" * 8,
    b"\x00" * 8,
    b"../",
    b"/",
    b"\\",
    b"\x7f\xff\xff\xff",
]


@settings(SAFETY, max_examples=examples(600))
@given(data=st.data())
def test_byte_mutated_bundles(seed, workdir, cache, data):
    raw = bytearray(seed)
    for _ in range(data.draw(st.integers(1, 4))):
        # Aim half the edits at the zip's directory at the end, where the structure lives.
        at = data.draw(st.integers(0, len(raw)) | st.integers(max(0, len(raw) - 400), len(raw)))
        op = data.draw(st.sampled_from(["flip", "delete", "insert", "token", "truncate"]))
        if op == "flip" and at < len(raw):
            raw[at] ^= 1 << data.draw(st.integers(0, 7))
        elif op == "delete":
            del raw[at : at + data.draw(st.integers(1, 30))]
        elif op == "insert":
            raw[at:at] = data.draw(st.binary(min_size=1, max_size=8))
        elif op == "token":
            raw[at : at + 4] = data.draw(st.sampled_from(TOKENS))
        elif op == "truncate":
            del raw[at:]
    event(check_bundle(bytes(raw), workdir, cache))


NASTY_NAMES = [
    "../x",
    "../../etc/passwd",
    "/abs",
    "C:/w",
    "c:x",
    "a\\b",
    "assets/../../x",
    "assets//x",
    "assets/./x",
    "assets/CON",
    "assets/x.",
    "assets/a:b",
    "evil.pth",
    "sitecustomize.py",
    "assets/\x01",
    "results/objects/" + "0" * 64 + ".png",
    "assets/A.png",
    "ASSETS/a",
    "graph.json",
    "manifest.json",
    "assets/",
    "assets/photos/cat.png/inner",
    "results/objects/x",
    "assets/" + "é" * 200,
]
MODES = [
    stat.S_IFLNK | 0o777,
    stat.S_IFIFO | 0o644,
    stat.S_IFCHR | 0o644,
    stat.S_IFDIR | 0o755,
    stat.S_IFREG | 0o4755,
    0,
]
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.text(max_size=10)
    | st.sampled_from(["0" * 64, "f" * 64, ".png", "image", "audio", "graph.json", 10**400]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)


def _slots(value, path=()):
    found = [path]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _slots(child, (*path, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            found += _slots(child, (*path, i))
    return found


def _mutate_json(doc, data):
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(_slots(doc)))
        if not path:
            continue
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        if data.draw(st.booleans()) and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = data.draw(json_values)
    return doc


@settings(SAFETY, max_examples=examples(600))
@given(data=st.data())
def test_rebuilt_bundles_with_hostile_members(seed, workdir, cache, data):
    import io

    with zipfile.ZipFile(io.BytesIO(seed)) as zf:
        members = [(info, zf.read(info)) for info in zf.infolist()]
    manifest = json.loads(dict((i.filename, d) for i, d in members)["manifest.json"])
    members = [(copy.copy(i), d) for i, d in members if i.filename != "manifest.json"]
    for _ in range(data.draw(st.integers(0, 3))):
        op = data.draw(
            st.sampled_from(["rename", "mode", "duplicate", "drop", "content", "add", "bomb"])
        )
        index = data.draw(st.integers(0, max(0, len(members) - 1)))
        if not members and op != "add":
            continue
        if op == "rename":
            members[index][0].filename = data.draw(
                st.sampled_from(NASTY_NAMES) | st.text(min_size=1, max_size=20)
            )
        elif op == "mode":
            members[index][0].external_attr = data.draw(st.sampled_from(MODES)) << 16
        elif op == "duplicate":
            members.append((copy.copy(members[index][0]), members[index][1]))
        elif op == "drop":
            members.pop(index)
        elif op == "content":
            members[index] = (members[index][0], data.draw(st.binary(max_size=64)))
        elif op == "add":
            info = zipfile.ZipInfo(data.draw(st.sampled_from(NASTY_NAMES)))
            members.append((info, data.draw(st.binary(max_size=32))))
        elif op == "bomb":
            info = zipfile.ZipInfo(f"assets/zeros-{index}.bin")
            info.compress_type = zipfile.ZIP_DEFLATED
            members.append((info, bytes(data.draw(st.integers(0, 300_000)))))
    if data.draw(st.booleans()):
        # Re-sign: a manifest true to the members, so the checks behind the digests are reached.
        manifest["files"] = {
            i.filename: {"sha256": hashlib.sha256(d).hexdigest(), "size": len(d)}
            for i, d in members
        }
    if data.draw(st.booleans()):
        manifest = _mutate_json(manifest, data)
    out = workdir / f"{uuid.uuid4().hex}.zip"
    try:
        with warnings.catch_warnings(), zipfile.ZipFile(out, "w") as zf:
            warnings.simplefilter("ignore")
            for info, payload in members:
                zf.writestr(info, payload)
            zf.writestr("manifest.json", json.dumps(manifest))
        event(check_bundle(out.read_bytes(), workdir, cache))
    finally:
        out.unlink(missing_ok=True)
