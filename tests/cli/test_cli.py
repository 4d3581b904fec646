from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from studio.cli import main
from studio.graph.fileformat import save_graph
from studio.graph.model import Graph, Node


def write_graph(folder: Path, template: str = "{subject} in {mood}") -> Path:
    graph = Graph()
    graph.add_node(Node("brief", "text.brief", {"mood": "stormy"}))
    graph.add_node(Node("prompt", "text.prompt", {"template": template}))
    graph.connect("brief", "brief", "prompt", "brief")
    path = folder / "g.json"
    save_graph(graph, path)
    return path


def json_events(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def test_render_json_prints_one_event_per_line(tmp_path, capsys):
    path = write_graph(tmp_path)
    assert main(["render", str(path), "--json"]) == 0
    events = json_events(capsys.readouterr().out)
    kinds = [e["event"] for e in events]
    assert kinds[0] == "note" and "free" in events[0]["message"]
    assert "run_started" in kinds and kinds[-2] == "run_finished" and kinds[-1] == "note"
    finished = [e for e in events if e["event"] == "finished" and e["node"] == "prompt"]
    assert finished[0]["outputs"]["text"] == "a lighthouse on a cliff at dusk in stormy"


def test_second_render_comes_from_the_cache_and_no_cache_recomputes(tmp_path, capsys):
    path = write_graph(tmp_path)
    main(["render", str(path), "--json"])
    capsys.readouterr()
    main(["render", str(path), "--json"])
    kinds = [e["event"] for e in json_events(capsys.readouterr().out)]
    assert kinds.count("cached") == 2 and "finished" not in kinds
    main(["render", str(path), "--json", "--no-cache"])
    kinds = [e["event"] for e in json_events(capsys.readouterr().out)]
    assert kinds.count("finished") == 2


def test_set_changes_a_param_for_one_run(tmp_path, capsys):
    path = write_graph(tmp_path)
    assert main(["render", str(path), "--json", "--set", "brief.mood=sunny"]) == 0
    events = json_events(capsys.readouterr().out)
    text = next(e for e in events if e["event"] == "finished" and e["node"] == "prompt")
    assert text["outputs"]["text"].endswith("in sunny")
    assert "stormy" in path.read_text()  # the file is not changed


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--set", "ghost.mood=x"], "no node 'ghost'"),
        (["--set", "brief.colour=x"], "no param 'colour'"),
        (["--set", "nonsense"], "expected NODE.PARAM=VALUE"),
    ],
)
def test_bad_set_is_a_usage_error(tmp_path, capsys, args, message):
    path = write_graph(tmp_path)
    assert main(["render", str(path), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_a_failing_node_exits_1_and_names_the_node(tmp_path, capsys):
    path = write_graph(tmp_path, template="{nope}")
    assert main(["render", str(path)]) == 1
    err = capsys.readouterr().err
    assert "node 'prompt' failed" in err and "{nope}" in err


def test_validate_lists_every_problem(tmp_path, capsys):
    path = tmp_path / "bad.json"
    path.write_text(
        json.dumps(
            {
                "format": "multimodal-studio.graph",
                "version": 2,
                "nodes": {
                    "a": {"type": "text.prompt", "params": {"template": 3}},
                    "b": {"type": "no.such", "pack": "missing-pack"},
                },
                "edges": [],
            }
        )
    )
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "2 problem(s)" in err and "node 'a'" in err and "missing-pack" in err
    good = write_graph(tmp_path)
    assert main(["validate", str(good)]) == 0


def test_broken_files_exit_2_without_traceback(tmp_path, capsys):
    path = tmp_path / "broken.json"
    path.write_text('{"format": "multimodal-studio.graph", "ver')
    assert main(["render", str(path)]) == 2
    err = capsys.readouterr().err
    assert "not valid JSON" in err and "Traceback" not in err
    assert main(["render", str(tmp_path / "absent.json")]) == 2


def test_nodes_json_describes_specs(capsys):
    assert main(["nodes", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    prompt = next(n for n in doc["nodes"] if n["id"] == "text.prompt")
    assert prompt["outputs"] == [{"name": "text", "type": "text", "help": "The filled-in text."}]
    assert all(p["help"] for n in doc["nodes"] for p in n["params"])
    assert doc["packs"]["multimodal-studio"]


def test_cache_info_and_clear(tmp_path, capsys):
    main(["render", str(write_graph(tmp_path)), "--json"])
    capsys.readouterr()
    main(["cache", "info"])
    assert "results: 2" in capsys.readouterr().out
    main(["cache", "clear"])
    main(["cache", "info"])
    assert "results: 0" in capsys.readouterr().out


def test_history_lists_runs_and_shows_one(tmp_path, capsys):
    path = write_graph(tmp_path)
    main(["render", str(path), "--json"])
    main(["render", str(path), "--json"])
    capsys.readouterr()
    assert main(["history", "--json"]) == 0
    runs = json.loads(capsys.readouterr().out)
    assert [r["status"] for r in runs] == ["succeeded", "succeeded"]
    assert runs[0]["cached"] == 2 and runs[1]["executed"] == 2
    assert main(["history", runs[1]["id"], "--json"]) == 0
    run = json.loads(capsys.readouterr().out)
    statuses = {n["node_id"]: n["status"] for n in run["nodes"]}
    assert statuses == {"brief": "finished", "prompt": "finished"}
    assert all(n["outputs"] for n in run["nodes"])
    assert main(["history", "zzz-no-such"]) == 2


def test_the_real_command_runs_as_a_process(tmp_path):
    path = write_graph(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "studio", "render", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "prompt: done" in done.stderr
    usage = subprocess.run(
        [sys.executable, "-m", "studio", "render"], capture_output=True, text=True, timeout=60
    )
    assert usage.returncode == 2 and "Traceback" not in usage.stderr


def test_render_skips_muted_nodes_and_passes_through_bypassed_ones(tmp_path, capsys):
    from studio.graph.fileformat import load_graph

    path = write_graph(tmp_path, template="{nope}")  # would fail if it ran
    graph = load_graph(path)
    graph.set_mode("prompt", "mute")
    save_graph(graph, path)
    assert main(["render", str(path)]) == 0
    assert "1 ran" in capsys.readouterr().err
    graph.set_mode("prompt", "bypass")
    save_graph(graph, path)
    assert main(["render", str(path), "--json"]) == 0
    events = json_events(capsys.readouterr().out)
    (bypassed,) = [e for e in events if e["event"] == "bypassed"]
    assert bypassed["node"] == "prompt" and bypassed["outputs"]["text"].startswith("subject:")
