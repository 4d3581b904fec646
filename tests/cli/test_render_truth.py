"""`studio render` tells the truth: failures with reasons and exit 1, outputs only where the
user chose, unknown prices never shown as free, SIGTERM/SIGHUP handled like Ctrl+C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from packhelp import SLOW_PACK, env_with, write_pack
from PIL import Image

from studio.cli import main
from studio.graph.fileformat import save_graph
from studio.graph.model import Graph, Node

BAD_META_PACK = """
import numpy as np
from studio.api import NodeSpec, Output, PortType


async def run(ctx, inputs, params):
    path = ctx.scratch / "x.bin"
    path.write_bytes(b"data")
    return {"image": await ctx.store(path, "image", {"gain": np.float32(0.5)})}


def node_specs():
    return [NodeSpec(id="third.bad_meta", title="Bad meta", category="Third", version=1, run=run,
                     outputs=(Output("image", PortType.IMAGE),))]
"""

PAID_PACK = """
from studio.api import Capability, NodeSpec, Output, Param, PortType


async def run(ctx, inputs, params):
    return {"text": "no provider was called"}


def node_specs():
    return [NodeSpec(id="third.paid", title="Paid", category="Third", version=1, run=run,
                     outputs=(Output("text", PortType.TEXT),),
                     params=(Param.provider(Capability.IMAGE, default="openai"),
                             Param.string("model", "dall-e-3", help="the model")))]
"""


def events_of(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def save(graph: Graph, folder: Path, name: str = "g.json") -> Path:
    path = folder / name
    save_graph(graph, path)
    return path


def card_graph(folder: Path, export_path: str | None = None) -> Path:
    """A title card (64x36), its 0.5 s Ken Burns clip, and (optionally) an export of the clip."""
    graph = Graph()
    graph.add_node(Node("card", "image.title_card", {"title": "Hi", "width": 64, "height": 36}))
    clip = {"duration": 0.5, "preset": "custom", "width": 64, "height": 36, "fps": "24"}
    graph.add_node(Node("clip", "video.from_image", clip))
    graph.connect("card", "image", "clip", "image")
    if export_path is not None:
        graph.add_node(Node("export", "export.video", {"path": export_path}))
        graph.connect("clip", "video", "export", "video")
    return save(graph, folder)


# -- failures outside a node's run ----------------------------------------------------------------
def test_a_node_failing_outside_its_run_prints_the_reason_and_exits_1(tmp_path):
    site = write_pack(tmp_path / "site", "bad_meta_pack", BAD_META_PACK)
    graph = Graph()
    graph.add_node(Node("third", "third.bad_meta", {}))
    path = save(graph, tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "studio", "render", str(path)],
        env=env_with(site),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    assert "node 'third' failed" in done.stderr
    assert "'gain'" in done.stderr and "numpy.float32" in done.stderr
    assert "Traceback" not in done.stderr

    done = subprocess.run(
        [sys.executable, "-m", "studio", "render", str(path), "--json", "-o", str(tmp_path / "o")],
        env=env_with(site),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    failed = [e for e in events_of(done.stdout) if e["event"] == "failed"]
    assert [e["node"] for e in failed] == ["third"] and "numpy.float32" in failed[0]["error"]
    assert not (tmp_path / "o").exists()


def test_a_server_url_without_a_scheme_fails_the_node_with_the_reason(
    tmp_path, capsys, monkeypatch
):
    monkeypatch.setenv("STUDIO_COMFYUI_URL", "127.0.0.1:8188")
    graph = Graph()
    graph.add_node(Node("prompt", "text.prompt", {}))
    graph.add_node(Node("picture", "image.generate", {"provider": "comfyui", "width": 64}))
    graph.connect("prompt", "text", "picture", "prompt")
    graph.add_node(Node("clip", "video.from_image", {"duration": 0.5}))
    graph.connect("picture", "image", "clip", "image")
    assert main(["render", str(save(graph, tmp_path))]) == 1
    err = capsys.readouterr().err
    assert "node 'picture' failed" in err and "127.0.0.1:8188" in err
    assert "http://" in err  # says what a base URL must look like
    assert "not run because of those failures: clip" in err


# -- outputs --------------------------------------------------------------------------------------
def test_to_a_node_with_o_writes_that_nodes_result_as_a_copy(tmp_path, capsys):
    path = card_graph(tmp_path, export_path="final.mp4")
    out = tmp_path / "elsewhere" / "card.png"
    out.parent.mkdir()
    assert main(["render", str(path), "--to", "card", "-o", str(out), "--json"]) == 0
    events = events_of(capsys.readouterr().out)
    assert {e["node"] for e in events if e["event"] == "finished"} == {"card"}
    with Image.open(out) as image:
        assert image.size == (64, 36)
    artifact = next(e for e in events if e["event"] == "finished")["outputs"]["image"]
    assert out.read_bytes() == Path(artifact["path"]).read_bytes()
    # A copy, not a link into the cache: editing the file cannot change a cached result.
    assert os.stat(out).st_ino != os.stat(artifact["path"]).st_ino
    assert os.stat(out).st_nlink == 1
    assert not (tmp_path / "final.mp4").exists()


def test_o_named_as_another_format_converts_the_result_or_says_why_not(tmp_path, capsys):
    path = card_graph(tmp_path)
    out = tmp_path / "card.jpg"
    assert main(["render", str(path), "--to", "card", "-o", str(out)]) == 0
    with Image.open(out) as image:  # a JPEG, not a PNG named .jpg
        assert (image.format, image.size) == ("JPEG", (64, 36))
    assert main(["render", str(path), "--to", "card", "-o", str(tmp_path / "card.tga")]) == 1
    err = capsys.readouterr().err
    assert "the picture cannot be written as .tga (png, jpg, webp can)" in err
    assert not (tmp_path / "card.tga").exists()
    # Another kind of media altogether is refused before anything runs.
    assert main(["render", str(path), "--to", "card", "-o", str(tmp_path / "card.mp3")]) == 2
    assert "node 'card' makes a picture, not .mp3" in capsys.readouterr().err
    assert main(["render", str(path), "--to", "clip", "-o", str(tmp_path / "clip.webm")]) == 1
    assert "through an Export Video node" in capsys.readouterr().err
    assert not (tmp_path / "clip.webm").exists()


def test_to_an_export_node_with_o_points_the_export_there(tmp_path, capsys):
    path = card_graph(tmp_path, export_path="final.mp4")
    out = tmp_path / "chosen.mp4"
    assert main(["render", str(path), "--to", "export", "-o", str(out)]) == 0
    assert out.stat().st_size > 0 and not (tmp_path / "final.mp4").exists()


def test_o_for_a_node_without_media_is_a_usage_error(tmp_path, capsys):
    graph = Graph()
    graph.add_node(Node("brief", "text.brief", {}))
    path = save(graph, tmp_path)
    assert main(["render", str(path), "--to", "brief", "-o", str(tmp_path / "x.txt")]) == 2
    assert "no image, video or audio result" in capsys.readouterr().err


def test_an_absolute_export_path_in_a_graph_file_is_refused_and_o_wins(tmp_path, capsys):
    elsewhere = tmp_path / "not-the-graphs-folder"
    elsewhere.mkdir()
    project = tmp_path / "project"
    project.mkdir()
    planted = str(elsewhere / "planted.mp4")
    path = card_graph(project, export_path=planted)
    assert main(["render", str(path)]) == 2
    err = capsys.readouterr().err
    assert "node 'export'" in err and "outside its own folder" in err and "-o" in err
    assert not Path(planted).exists()

    chosen = elsewhere / "chosen.mp4"
    assert main(["render", str(path), "-o", str(chosen)]) == 0
    assert chosen.stat().st_size > 0 and not Path(planted).exists()


def test_an_escaping_export_path_is_refused_and_a_relative_one_is_the_graphs_folder(
    tmp_path, capsys
):
    project = tmp_path / "project"
    project.mkdir()
    path = card_graph(project, export_path="../escaped.mp4")
    assert main(["render", str(path)]) == 2
    assert "leaves the graph's folder" in capsys.readouterr().err
    assert not (tmp_path / "escaped.mp4").exists()

    path = card_graph(project, export_path="renders/out.mp4")
    assert main(["render", str(path)]) == 0
    assert (project / "renders" / "out.mp4").stat().st_size > 0


def test_set_is_the_users_choice_of_where_to_write(tmp_path, capsys):
    project = tmp_path / "project"
    project.mkdir()
    path = card_graph(project, export_path="out.mp4")
    target = tmp_path / "by-hand.mp4"
    assert main(["render", str(path), "--set", f"export.path={target}"]) == 0
    assert target.stat().st_size > 0


def test_saved_graphs_hold_no_absolute_export_path(tmp_path, registry):
    from studio.graph.fileformat import load_graph

    graph = Graph()
    graph.add_node(Node("clip", "video.from_image", {}))
    graph.add_node(Node("inside", "export.video", {"path": str(tmp_path / "renders/a.mp4")}))
    graph.add_node(Node("outside", "export.video", {"path": "/home/alice/Videos/b.mp4"}))

    def output_params(node):
        return [p.name for p in registry.get(node.type).params if p.kind == "output"]

    notes = save_graph(graph, tmp_path / "g.json", output_params=output_params)
    text = (tmp_path / "g.json").read_text()
    assert "alice" not in text and str(tmp_path) not in text
    saved = load_graph(tmp_path / "g.json")
    assert saved.nodes["inside"].params["path"] == "renders/a.mp4"
    assert saved.nodes["outside"].params["path"] == "b.mp4"
    assert any("outside the graph's folder" in n for n in notes)
    # The graph in memory keeps the user's choice for the session.
    assert graph.nodes["outside"].params["path"] == "/home/alice/Videos/b.mp4"


def test_a_bundle_holds_no_absolute_export_path(tmp_path, registry, cache):
    import zipfile

    from studio.bundle.pack import pack_graph

    graph = Graph()
    graph.add_node(Node("clip", "video.from_image", {}))
    graph.add_node(Node("export", "export.video", {"path": "/home/alice/Videos/b.mp4"}))
    path = save(graph, tmp_path)
    info = pack_graph(path, tmp_path / "b.studiopack", registry=registry, cache=cache)
    with zipfile.ZipFile(info.path) as bundle:
        text = "".join(bundle.read(n).decode() for n in bundle.namelist() if n.endswith(".json"))
    assert "alice" not in text and '"b.mp4"' in text


# -- costs ----------------------------------------------------------------------------------------
@pytest.fixture
def paid_pack(tmp_path, monkeypatch):
    """A node that would use OpenAI's dall-e-3, which the price table does not list."""
    site = write_pack(tmp_path / "site", "paid_pack", PAID_PACK)
    monkeypatch.syspath_prepend(str(site))
    graph = Graph()
    graph.add_node(Node("picture", "third.paid", {}))
    return save(graph, tmp_path)


def test_an_unknown_price_is_shown_as_unknown_not_free(paid_pack, capsys):
    assert main(["render", str(paid_pack)]) == 0
    err = capsys.readouterr().err
    assert "free" not in err
    assert "estimated cost: $0.00 + 1 node of unknown price: openai dall-e-3" in err


def test_max_cost_refuses_unknown_prices_unless_allowed(paid_pack, capsys):
    assert main(["render", str(paid_pack), "--max-cost", "5", "--json"]) == 2
    captured = capsys.readouterr()
    assert "price of picture (openai dall-e-3) is unknown" in captured.err
    assert "--allow-unknown-cost" in captured.err
    assert "run_started" not in captured.out
    assert main(["render", str(paid_pack), "--max-cost", "5", "--allow-unknown-cost"]) == 0


# -- signals --------------------------------------------------------------------------------------


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_cancel_like_ctrl_c(tmp_path, signum):
    site = write_pack(tmp_path / "site", "slow_pack", SLOW_PACK)
    graph = Graph()
    graph.add_node(Node("slow", "slow.step", {}))
    path = save(graph, tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-m", "studio", "render", str(path), "--json"],
        env=env_with(site),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    events = []
    for line in proc.stdout:
        if line.startswith("{"):
            events.append(json.loads(line))
            if events[-1]["event"] == "progress":
                proc.send_signal(signum)
                break
    rest, err = proc.communicate(timeout=60)
    events += events_of(rest)
    assert proc.returncode == 128 + signum, err
    assert "cancelled" in err and "Traceback" not in err
    finished = [e for e in events if e["event"] == "run_finished"]
    assert finished and finished[0]["status"] == "cancelled"

    from studio.engine.cache import default_cache
    from studio.engine.history import History

    history = History()
    try:
        assert history.run(finished[0]["run_id"])["status"] == "cancelled"
    finally:
        history.close()
    assert not list(default_cache().tmp_dir().glob("run-*")), "work folder left behind"
