"""`studio render GRAPH --versions`: some or all versions, where -o says, refused before the run
when a language has nothing to translate it."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "providers"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "nodes"))

from fakes.server import FakeServer
from test_versions_nodes import Translator, forget_fake_models, versions_graph

from studio.cli import main
from studio.graph.fileformat import save_graph

VERSIONS = "180x320\n180x320 fr\n180x180 fr webm"


def saved(folder: Path) -> Path:
    graph = versions_graph(folder, VERSIONS)
    graph.set_param("timeline", "burn_captions", False)
    path = folder / "story.json"
    save_graph(graph, path)
    return path


def test_versions_chosen_by_name_are_written_where_o_says(tmp_path, capsys, monkeypatch):
    path = saved(tmp_path)
    out = tmp_path / "elsewhere" / "lighthouse.mp4"
    assert main(["render", str(path), "--versions", "180x320.en", "-o", str(out)]) == 0
    written = sorted(p.name for p in out.parent.iterdir())
    assert written == [
        "lighthouse.180x320.en.mp4",
        "lighthouse.180x320.en.srt",
        "lighthouse.180x320.en.vtt",
    ]
    assert not (tmp_path / "out").exists()  # the graph's own path is not used
    said = "".join(capsys.readouterr().err.split())  # the report wraps long lines
    assert f"180x320.en:{out.parent / 'lighthouse.180x320.en.mp4'}" in said


def test_an_unknown_version_name_is_a_usage_error_listing_the_names(tmp_path, capsys):
    path = saved(tmp_path)
    assert main(["render", str(path), "--versions", "9x16.de"]) == 2
    err = capsys.readouterr().err
    assert "no version named '9x16.de'" in err and "180x320.en, 180x320.fr, 180x180.fr" in err


def test_another_language_without_a_translator_is_refused_before_anything_runs(
    tmp_path, capsys, monkeypatch
):
    with FakeServer() as dead:
        url = dead.url
    monkeypatch.setenv("STUDIO_OLLAMA_URL", url)
    monkeypatch.setenv("STUDIO_OPENAI_COMPAT_URL", url)
    path = saved(tmp_path)
    assert main(["render", str(path), "--versions", "all"]) == 2
    err = capsys.readouterr().err
    assert "a French version needs a translation" in err and "nothing was run" in err
    assert not (tmp_path / "out").exists()
    # The piece's own language needs no translator: it runs.
    assert main(["render", str(path), "--versions", "180x320.en"]) == 0
    assert (tmp_path / "out" / "story.180x320.en.mp4").is_file()


def test_all_versions_with_a_local_translator(tmp_path, capsys, monkeypatch):
    with FakeServer() as server:
        Translator(server)
        monkeypatch.setenv("STUDIO_OLLAMA_URL", server.url)
        path = saved(tmp_path)
        try:
            assert main(["render", str(path)]) == 0
        finally:
            forget_fake_models()
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert [n for n in names if n.endswith((".mp4", ".webm"))] == [
        "story.180x180.fr.webm",
        "story.180x320.en.mp4",
        "story.180x320.fr.mp4",
    ]
    assert "Le phare" in (tmp_path / "out" / "story.180x180.fr.srt").read_text("utf-8")
