"""`studio pack` and `studio unpack` as a user types them."""

from __future__ import annotations

import json
import zipfile

import pytest
from bundle.bundle_project import make_project, make_registry

from studio.cli import main


@pytest.fixture(autouse=True)
def project_nodes(monkeypatch):
    # The commands load the installed nodes; here those are the test project's.
    monkeypatch.setattr("studio.engine.registry.load_registry", make_registry)


def test_pack_render_unpack_render_from_cache(tmp_path, monkeypatch, capsys):
    graph = make_project(tmp_path / "made")
    assert main(["render", str(graph)]) == 0
    bundle = tmp_path / "share.studiopack"
    assert main(["pack", str(graph), "-o", str(bundle), "--with-results"]) == 0
    out = capsys.readouterr().out
    assert "with 1 files and 4 cached results" in out and str(bundle) in out
    with zipfile.ZipFile(bundle) as zf:
        assert "assets/photos/cat.png" in zf.namelist()

    # A fresh cache, as on another machine; the bundle brings the results.
    monkeypatch.setenv("STUDIO_CACHE_DIR", str(tmp_path / "other-cache"))
    assert main(["unpack", str(bundle), str(tmp_path / "there")]) == 0
    out = capsys.readouterr().out
    assert "4 cached results imported" in out
    assert main(["render", str(tmp_path / "there" / "graph.json"), "--json"]) == 0
    events = [
        json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")
    ]
    assert sorted(e["node"] for e in events if e["event"] == "cached") == [
        "brief",
        "load",
        "prompt",
        "stamp",
    ]
    assert not [e for e in events if e["event"] == "started"]


def test_pack_defaults_to_the_graph_name_in_the_current_folder(tmp_path, monkeypatch, capsys):
    make_project(tmp_path / "made")
    monkeypatch.chdir(tmp_path)
    assert main(["pack", "made"]) == 0
    assert (tmp_path / "graph.studiopack").is_file()
    assert "with 1 files into" in capsys.readouterr().out


def test_refusals_are_one_line_errors_with_exit_code_2(tmp_path, capsys):
    bad = tmp_path / "bad.studiopack"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("../../evil.sh", "rm -rf /")
    assert main(["unpack", str(bad), str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: member '../../evil.sh' leaves the target folder")
    assert err.count("\n") == 1 and not (tmp_path / "out").exists()
    assert main(["pack", str(tmp_path / "nope.json"), "-o", str(tmp_path / "x.studiopack")]) == 2
    assert "no such file" in capsys.readouterr().err
