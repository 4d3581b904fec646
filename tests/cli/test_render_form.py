"""`studio render GRAPH --form FIELD=VALUE` fills the graph's form; `--form-help` lists it.

A wrong field or value is one line naming the field and what it accepts, exit code 2, and
nothing runs."""

from __future__ import annotations

import json
from pathlib import Path

from studio.cli import main
from studio.graph.fileformat import save_graph
from studio.graph.form import Form, FormField
from studio.graph.model import Graph, Node
from studio.paths import resources_dir

EXAMPLE = resources_dir() / "examples" / "lighthouse.json"


def form_graph(folder: Path) -> Path:
    """A brief, a prompt from it, and a short clip of a title card: a form over their params."""
    graph = Graph()
    graph.add_node(Node("brief", "text.brief", {"subject": "a lighthouse"}))
    graph.add_node(Node("prompt", "text.prompt", {"template": "{subject}, {mood}"}))
    graph.connect("brief", "brief", "prompt", "brief")
    graph.add_node(Node("card", "image.title_card", {"title": "Hi", "width": 64, "height": 36}))
    clip = {"duration": 0.5, "preset": "custom", "width": 64, "height": 36, "fps": "24"}
    graph.add_node(Node("clip", "video.from_image", clip))
    graph.connect("card", "image", "clip", "image")
    graph.form = Form(
        title="Tiny",
        fields=[
            FormField("brief", "brief", "subject", label="Brief", help="What it is about."),
            FormField("mood", "brief", "mood", choices=("calm", "tense")),
            FormField("seconds", "clip", "duration", label="Length"),
            FormField("motion", "clip", "motion"),
        ],
    )
    path = folder / "tiny.studiograph"
    save_graph(graph, path)
    return path


def events_of(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_form_values_reach_the_run(tmp_path, capsys):
    path = form_graph(tmp_path)
    code = main(
        [
            "render",
            str(path),
            "--to",
            "prompt",
            "--json",
            "--form",
            "brief=a red fox in the snow",
            "--form",
            "mood=tense",
        ]
    )
    assert code == 0
    finished = {
        e["node"]: e for e in events_of(capsys.readouterr().out) if e["event"] == "finished"
    }
    assert finished["prompt"]["outputs"]["text"] == "a red fox in the snow, tense"


def test_numbers_are_read_from_text_and_checked_against_the_range(tmp_path, capsys):
    path = form_graph(tmp_path)
    assert main(["render", str(path), "--to", "clip", "--json", "--form", "seconds=0.75"]) == 0
    finished = {
        e["node"]: e for e in events_of(capsys.readouterr().out) if e["event"] == "finished"
    }
    assert finished["clip"]["outputs"]["video"]["meta"]["duration"] == 0.75


def _refused(capsys, path: Path, *args: str) -> str:
    assert main(["render", str(path), "--json", *args]) == 2
    captured = capsys.readouterr()
    assert not [e for e in events_of(captured.out) if e["event"] in ("started", "finished")]
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, lines  # one clear line, no traceback
    return lines[0]


def test_a_bad_value_names_the_field_and_what_it_accepts_and_nothing_runs(tmp_path, capsys):
    path = form_graph(tmp_path)
    line = _refused(capsys, path, "--form", "brief=ok", "--form", "mood=sleepy")
    assert line == "error: field 'mood' expects one of calm, tense; got 'sleepy'"
    line = _refused(capsys, path, "--form", "seconds=soon")
    assert "field 'seconds'" in line and "number" in line
    line = _refused(capsys, path, "--form", "seconds=-1")
    assert "field 'seconds'" in line and "at least" in line
    line = _refused(capsys, path, "--form", "motion=spin")
    assert "field 'motion' expects one of" in line and "zoom_in" in line


def test_an_unknown_field_lists_the_fields(tmp_path, capsys):
    path = form_graph(tmp_path)
    line = _refused(capsys, path, "--form", "colour=red")
    assert line == "error: unknown form field 'colour' (fields: brief, mood, seconds, motion)"
    line = _refused(capsys, path, "--form", "brief")
    assert "expected FIELD=VALUE" in line


def test_a_graph_without_a_form_says_so(tmp_path, capsys):
    graph = Graph()
    graph.add_node(Node("brief", "text.brief", {}))
    path = tmp_path / "plain.studiograph"
    save_graph(graph, path)
    line = _refused(capsys, path, "--form", "brief=x")
    assert "this graph defines no form" in line
    assert main(["render", str(path), "--form-help"]) == 0
    assert "defines no form" in capsys.readouterr().out


def test_form_help_prints_every_field_with_its_kind_values_and_help(tmp_path, capsys):
    path = form_graph(tmp_path)
    assert main(["render", str(path), "--form-help"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "Tiny"
    assert "--form FIELD=VALUE" in out
    assert "  brief  (text)  Brief" in out and "What it is about." in out
    assert "one of: calm, tense" in out
    assert "  seconds  (float)  Length" in out and "from 0.1 to" in out


def test_the_example_offers_its_form_and_refuses_a_bad_voice_before_rendering(capsys):
    assert main(["render", str(EXAMPLE), "--form-help"]) == 0
    out = capsys.readouterr().out
    for name in ("brief", "mood", "style", "voice", "format"):
        assert f"  {name}  (" in out
    assert "one of: joe, en-us" in out and "one of: 1280x720, 1080x1920, 1080x1080" in out
    line = _refused(capsys, EXAMPLE, "--form", "voice=robot")
    assert line.startswith("error: field 'voice' expects one of joe, en-us")


def test_validate_reports_a_field_whose_param_is_gone(tmp_path, capsys):
    path = form_graph(tmp_path)
    doc = json.loads(path.read_text())
    doc["form"]["fields"][0]["param"] = "nonsense"
    path.write_text(json.dumps(doc))
    assert main(["validate", str(path)]) == 2
    assert "form field 'brief' sets brief.nonsense, which does not exist" in capsys.readouterr().err


def test_studio_app_names_a_missing_graph_before_any_window(tmp_path, capsys):
    assert main(["app", str(tmp_path / "gone.studiograph")]) == 2
    assert "no such file" in capsys.readouterr().err
