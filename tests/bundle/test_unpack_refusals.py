"""A bundle from a stranger: every unsafe or inconsistent one is refused and writes nothing."""

from __future__ import annotations

import hashlib
import json
import stat
import warnings
import zipfile
from pathlib import Path

import pytest
from bundle.bundle_project import make_project, make_registry, run

from studio.bundle import BundleError, BundleLimits, pack_graph, unpack_bundle
from studio.engine.cache import Cache

GRAPH = json.dumps(
    {"format": "multimodal-studio.graph", "version": 2, "nodes": {}, "edges": []}
).encode()


def member(
    name: str,
    *,
    mode: int = stat.S_IFREG | 0o644,
    system: int = 3,
    compress: int = zipfile.ZIP_DEFLATED,
) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.external_attr = mode << 16
    info.create_system = system
    info.compress_type = compress
    return info


def craft(
    path: Path,
    members: list[tuple[zipfile.ZipInfo | str, bytes]],
    *,
    manifest: dict | bytes | None = None,
    graph: bytes | None = GRAPH,
) -> Path:
    """A bundle with these members; its manifest lists them with their true digests."""
    entries = ([("graph.json", graph)] if graph is not None else []) + members
    files = {}
    for info, data in entries:
        name = info if isinstance(info, str) else info.filename
        files[name] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    if manifest is None:
        manifest = {"format": "multimodal-studio.bundle", "version": 1, "files": files}
    with warnings.catch_warnings(), zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        warnings.simplefilter("ignore")  # duplicate names are written on purpose
        for info, data in entries:
            zf.writestr(member(info) if isinstance(info, str) else info, data)
        if manifest is not False:
            data = manifest if isinstance(manifest, bytes) else json.dumps(manifest).encode()
            zf.writestr(member("manifest.json"), data)
    return path


@pytest.fixture
def land(tmp_path):
    """Unpack into tmp/land/project and check that a refusal left nothing anywhere."""
    parent = tmp_path / "land"
    parent.mkdir()
    cache = Cache(tmp_path / "cache")

    def unpack(bundle: Path, match: str, **kwargs):
        with pytest.raises(BundleError, match=match) as caught:
            unpack_bundle(
                bundle, parent / "project", cache=cache, registry=make_registry(), **kwargs
            )
        assert list(parent.iterdir()) == [], "a refused bundle wrote files"
        assert not any(p.is_file() for p in cache.root.rglob("*"))
        assert "\n" not in str(caught.value)
        return caught.value

    return unpack


def test_a_valid_crafted_bundle_unpacks(tmp_path):
    bundle = craft(tmp_path / "ok.studiopack", [("assets/a.txt", b"hello")])
    out = unpack_bundle(bundle, tmp_path / "project")
    assert (out.parent / "assets" / "a.txt").read_bytes() == b"hello"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ok.studiopack", "project"]


@pytest.mark.parametrize(
    ("name", "match"),
    [
        ("assets/../../evil.txt", r"leaves the target folder"),
        ("../evil.txt", r"leaves the target folder"),
        ("/etc/evil.txt", r"absolute path"),
        ("C:/Windows/evil.txt", r"Windows drive"),
        ("c:evil.txt", r"Windows drive"),
        ("assets\\..\\..\\evil.txt", r"backslash"),
        ("\\\\server\\share\\evil.txt", r"backslash"),
        ("assets//evil.txt", r"empty or '\.'"),
        ("assets/./evil.txt", r"empty or '\.'"),
        ("assets/evil.txt:stream", r"':'"),
        ("assets/CON.txt", r"reserved Windows name"),
        ("assets/evil.txt.", r"ending in a dot or space"),
        ("assets/e\x1bvil.txt", r"control character"),
        ("evil.pth", r"not part of a bundle"),
        ("sitecustomize.py", r"not part of a bundle"),
    ],
)
def test_unsafe_member_names_are_refused(tmp_path, land, name, match):
    bundle = craft(tmp_path / "bad.studiopack", [(member(name), b"x")])
    error = land(bundle, match)
    assert "refused" in str(error)


def test_symlinks_are_refused(tmp_path, land):
    link = member("assets/link.png", mode=stat.S_IFLNK | 0o777)
    land(craft(tmp_path / "b.studiopack", [(link, b"/etc/passwd")]), "symbolic link")


def test_windows_reparse_points_are_refused(tmp_path, land):
    link = member("assets/junction", mode=0, system=0)
    link.external_attr = 0x400 | 0x10
    land(craft(tmp_path / "b.studiopack", [(link, b"")]), "symbolic link")


@pytest.mark.parametrize("kind", [stat.S_IFIFO, stat.S_IFCHR, stat.S_IFBLK, stat.S_IFSOCK])
def test_special_files_are_refused(tmp_path, land, kind):
    land(
        craft(tmp_path / "b.studiopack", [(member("assets/dev", mode=kind | 0o644), b"")]),
        "special file",
    )


def test_executable_bits_are_not_kept(tmp_path):
    script = member("assets/run.sh", mode=stat.S_IFREG | 0o4755)
    out = unpack_bundle(
        craft(tmp_path / "b.studiopack", [(script, b"#!/bin/sh\n")]), tmp_path / "p"
    )
    mode = (out.parent / "assets" / "run.sh").stat().st_mode
    assert not mode & (stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH | stat.S_ISUID)


def test_duplicate_names_are_refused(tmp_path, land):
    bundle = craft(tmp_path / "b.studiopack", [("assets/a.png", b"1"), ("assets/a.png", b"2")])
    land(bundle, "appears twice")


@pytest.mark.parametrize(
    ("first", "other"),
    [
        ("assets/a.png", "assets/A.png"),
        ("assets/sub/a.png", "assets/SUB/a.png"),
        ("assets/\u00e1.png", "assets/a\u0301.png"),  # one letter, two Unicode spellings
    ],
)
def test_names_equal_on_a_case_insensitive_disk_are_refused(tmp_path, land, first, other):
    bundle = craft(tmp_path / "b.studiopack", [(first, b"1"), (other, b"2")])
    land(bundle, "same name as another member")


def test_a_file_and_a_folder_of_one_name_are_refused(tmp_path, land):
    bundle = craft(tmp_path / "b.studiopack", [("assets/x", b"1"), ("assets/x/y", b"2")])
    land(bundle, "inside another member that is a file")


def test_encrypted_and_exotic_compression_are_refused(tmp_path, land):
    lzma = member("assets/a.bin", compress=zipfile.ZIP_LZMA)
    land(craft(tmp_path / "b.studiopack", [(lzma, b"abc")]), "unsupported compression")
    raw = bytearray(craft(tmp_path / "e.studiopack", [("assets/a.bin", b"abc")]).read_bytes())
    # Set the "encrypted" flag bit on every header of assets/a.bin (local and central).
    for header, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (start := raw.find(header, start)) >= 0:
            name_at = start + (30 if header == b"PK\x03\x04" else 46)
            if raw[name_at : name_at + 12] == b"assets/a.bin":
                raw[start + offset] |= 1
            start += 4
    (tmp_path / "e.studiopack").write_bytes(bytes(raw))
    land(tmp_path / "e.studiopack", "encrypted")


def test_nul_in_a_name_is_refused(tmp_path, land):
    path = craft(tmp_path / "b.studiopack", [("assets/aXb.png", b"1")])
    path.write_bytes(path.read_bytes().replace(b"assets/aXb.png", b"assets/a\x00b.png"))
    land(path, "NUL")


def test_members_over_the_size_limit_are_refused(tmp_path, land):
    bundle = craft(tmp_path / "b.studiopack", [("assets/big.bin", bytes(range(256)) * 64)])
    land(bundle, "over the limit", limits=BundleLimits(max_member_bytes=10_000))


def test_a_total_over_the_limit_is_refused(tmp_path, land):
    members = [(f"assets/{i}.bin", bytes([i]) * 4000) for i in range(5)]
    land(
        craft(tmp_path / "b.studiopack", members),
        "unpacks to",
        limits=BundleLimits(max_total_bytes=15_000),
    )


def test_too_many_members_are_refused(tmp_path, land):
    members = [(f"assets/{i}.txt", b"x") for i in range(30)]
    land(
        craft(tmp_path / "b.studiopack", members),
        "members, over the limit",
        limits=BundleLimits(max_members=20),
    )


def test_a_zip_bomb_is_refused_before_it_is_expanded(tmp_path, land):
    # 200 MB of zeros deflates to ~200 KB: a ratio near 1000:1.
    path = tmp_path / "bomb.studiopack"
    zeros = bytes(1 << 20)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(member("graph.json"), GRAPH)
        with zf.open(member("assets/zeros.bin"), "w", force_zip64=True) as out:
            for _ in range(200):
                out.write(zeros)
        zf.writestr(
            member("manifest.json"),
            json.dumps({"format": "multimodal-studio.bundle", "version": 1, "files": {}}),
        )
    assert path.stat().st_size < 1_000_000
    land(path, "zip bomb")


def test_many_small_bomblets_are_refused_by_the_total_ratio(tmp_path, land):
    members = [(f"assets/{i}.bin", bytes(500_000)) for i in range(8)]
    land(craft(tmp_path / "b.studiopack", members), "compression limit")


def test_a_member_whose_digest_does_not_match_is_refused(tmp_path, land):
    bundle = craft(
        tmp_path / "b.studiopack",
        [("assets/a.png", b"real")],
        manifest={
            "format": "multimodal-studio.bundle",
            "version": 1,
            "files": {
                "graph.json": {"sha256": hashlib.sha256(GRAPH).hexdigest(), "size": len(GRAPH)},
                "assets/a.png": {"sha256": hashlib.sha256(b"fake").hexdigest(), "size": 4},
            },
        },
    )
    land(bundle, "does not match its digest")


def test_a_tampered_graph_is_refused(tmp_path, land):
    files = {"graph.json": {"sha256": "0" * 64, "size": len(GRAPH)}}
    bundle = craft(
        tmp_path / "b.studiopack",
        [],
        manifest={"format": "multimodal-studio.bundle", "version": 1, "files": files},
    )
    land(bundle, "graph.json does not match")


def test_a_size_that_differs_from_the_manifest_is_refused(tmp_path, land):
    files = {"graph.json": {"sha256": hashlib.sha256(GRAPH).hexdigest(), "size": 1}}
    land(
        craft(
            tmp_path / "b.studiopack",
            [],
            manifest={"format": "multimodal-studio.bundle", "version": 1, "files": files},
        ),
        "manifest says",
    )


@pytest.mark.parametrize(
    ("manifest", "match"),
    [
        (False, "no manifest.json"),
        (b"{not json", "not valid JSON"),
        (
            b'{"format": "multimodal-studio.bundle", "version": 1, "files": {}, "files": {}}',
            "not valid JSON",
        ),
        ({"format": "zip", "version": 1, "files": {}}, "not a Multimodal Studio bundle manifest"),
        ({"format": "multimodal-studio.bundle", "version": 99, "files": {}}, "newer studio"),
        ({"format": "multimodal-studio.bundle", "version": 1, "files": []}, "'files' must be"),
        (
            {
                "format": "multimodal-studio.bundle",
                "version": 1,
                "files": {"graph.json": {"sha256": "abc", "size": 1}},
            },
            "not a sha256",
        ),
    ],
)
def test_a_missing_or_malformed_manifest_is_refused(tmp_path, land, manifest, match):
    land(craft(tmp_path / "b.studiopack", [], manifest=manifest), match)


def test_a_member_not_in_the_manifest_is_refused(tmp_path, land):
    manifest = {
        "format": "multimodal-studio.bundle",
        "version": 1,
        "files": {"graph.json": {"sha256": hashlib.sha256(GRAPH).hexdigest(), "size": len(GRAPH)}},
    }
    bundle = craft(
        tmp_path / "b.studiopack", [("assets/extra.py", b"import os")], manifest=manifest
    )
    land(bundle, "not listed in the manifest")


def test_a_listed_member_that_is_missing_is_refused(tmp_path, land):
    manifest = {
        "format": "multimodal-studio.bundle",
        "version": 1,
        "files": {
            "graph.json": {"sha256": hashlib.sha256(GRAPH).hexdigest(), "size": len(GRAPH)},
            "assets/gone.png": {"sha256": "0" * 64, "size": 3},
        },
    }
    land(craft(tmp_path / "b.studiopack", [], manifest=manifest), "does not hold")


def test_a_bundle_without_a_graph_is_refused(tmp_path, land):
    land(craft(tmp_path / "b.studiopack", [("assets/a", b"1")], graph=None), "no graph.json")


def test_a_damaged_graph_is_refused(tmp_path, land):
    land(craft(tmp_path / "b.studiopack", [], graph=b'{"format": "x"}'), "graph is damaged")


def test_not_a_zip_is_refused(tmp_path, land):
    path = tmp_path / "b.studiopack"
    path.write_bytes(b"this is not a zip file at all")
    land(path, "not a bundle")
    with pytest.raises(BundleError, match="no such file"):
        unpack_bundle(tmp_path / "missing.studiopack", tmp_path / "x")


# -- cached results -------------------------------------------------------------------------------
@pytest.fixture
def results_bundle(tmp_path):
    registry = make_registry()
    graph_path = make_project(tmp_path / "a")
    cache = Cache(tmp_path / "cache-a")
    run(graph_path, registry, cache)
    return pack_graph(
        graph_path, tmp_path / "r.studiopack", with_results=True, registry=registry, cache=cache
    ).path


def rewrite(bundle: Path, change) -> Path:
    """Copy a bundle, letting `change(name, data, manifest)` return new member bytes."""
    out = bundle.with_name("changed.studiopack")
    with zipfile.ZipFile(bundle) as src, zipfile.ZipFile(out, "w") as dst:
        manifest = json.loads(src.read("manifest.json"))
        for info in src.infolist():
            if info.filename != "manifest.json":
                dst.writestr(info, change(info.filename, src.read(info), manifest))
        dst.writestr("manifest.json", json.dumps(manifest))
    return out


def test_a_tampered_result_file_is_refused_before_it_enters_the_cache(results_bundle, land):
    def corrupt(name, data, manifest):
        return data[:-1] + b"!" if name.endswith(".bin") else data

    land(rewrite(results_bundle, corrupt), "does not match its digest")


def test_a_result_naming_a_file_not_in_the_bundle_is_refused(results_bundle, land):
    def point_elsewhere(name, data, manifest):
        art = manifest["results"]["stamp"]["outputs"]["image"]["artifact"]
        art["digest"] = "f" * 64
        return data

    land(rewrite(results_bundle, point_elsewhere), "not listed in the manifest")


def test_a_result_that_does_not_fit_the_node_is_not_imported(results_bundle, tmp_path):
    def lie(name, data, manifest):
        manifest["results"]["prompt"]["outputs"] = {"text": {"none": True}}
        return data

    cache = Cache(tmp_path / "cache-b")
    from studio.bundle.unpack import unpack

    report = unpack(
        rewrite(results_bundle, lie), tmp_path / "b", cache=cache, registry=make_registry()
    )
    # The prompt's claimed result is not a text: it and what depends on it are computed here.
    assert sorted(report.imported) == ["brief", "load"]
    result, _ = run(report.graph, make_registry(), cache)
    assert sorted(result.executed) == ["prompt", "stamp"] and result.status == "succeeded"


def test_folders_made_for_the_target_are_removed_on_refusal(tmp_path):
    manifest = {
        "format": "multimodal-studio.bundle",
        "version": 1,
        "files": {
            "graph.json": {"sha256": hashlib.sha256(GRAPH).hexdigest(), "size": len(GRAPH)},
            "assets/a.png": {"sha256": "0" * 64, "size": 4},
        },
    }
    bundle = craft(tmp_path / "b.studiopack", [("assets/a.png", b"real")], manifest=manifest)
    with pytest.raises(BundleError, match="does not match its digest"):
        unpack_bundle(bundle, tmp_path / "new" / "deeper" / "project")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.studiopack"]


def test_a_place_that_cannot_be_made_is_a_bundle_error(tmp_path):
    bundle = craft(tmp_path / "b.studiopack", [("assets/a.txt", b"hello")])
    (tmp_path / "a-file").write_text("not a folder")
    with pytest.raises(BundleError, match="cannot create"):
        unpack_bundle(bundle, tmp_path / "a-file" / "project")
    assert (tmp_path / "a-file").read_text() == "not a folder"
