"""Every template offers an app-mode form: `--form-help` lists its fields, every field sets a param
that exists and accepts the template's own value, and values typed on the command line reach
the rendered video (renders made small as tests/test_templates.py does, every node kept)."""

from __future__ import annotations

import shutil
from pathlib import Path

import av
import pytest
from test_templates import EXPECTED, SMALL

from studio.cli import main
from studio.graph.fileformat import load_graph, save_graph
from studio.graph.form import apply_values, form_problems, resolve_fields
from studio.templates import templates_dir


@pytest.mark.parametrize("name", EXPECTED)
def test_every_template_offers_a_form_that_form_help_lists(registry, capsys, name):
    path = templates_dir() / f"{name}.json"
    graph = load_graph(path)
    assert graph.form is not None and graph.form.title, name
    assert form_problems(graph, registry) == []
    fields = resolve_fields(graph, registry)
    assert 3 <= len(fields) <= 6, name
    for item in fields:
        assert item.field.label and item.field.help and "\n" not in item.field.help, item
    # The template's own values are what the form offers first, so they must be allowed.
    assert apply_values(graph, registry, {f.field.name: f.value for f in fields}) is not None

    assert main(["render", str(path), "--form-help"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == graph.form.title
    for item in fields:
        assert f"  {item.field.name}  ({item.param.kind})  {item.label}" in out
        assert item.help in out


def small_copy(registry, name: str, folder: Path) -> Path:
    """The template beside a test folder, sizes and lengths shrunk; its form is kept."""
    path = folder / f"{name}.json"
    shutil.copy(templates_dir() / f"{name}.json", path)
    graph = load_graph(path)
    for node in graph.nodes.values():
        shrink = SMALL.get(node.type)
        if shrink is not None:
            defaults = registry.get(node.type).default_params()
            node.params.update(shrink({**defaults, **node.params}))
    save_graph(graph, path)
    return path


def render_with_form(path: Path, **values: str) -> None:
    args = ["render", str(path)]
    for field, value in values.items():
        args += ["--form", f"{field}={value}"]
    assert main(args) == 0


def frame_size(video: Path) -> tuple[int, int]:
    with av.open(str(video)) as container:
        context = container.streams.video[0].codec_context
        return context.width, context.height


@pytest.mark.timeout(240)
def test_a_podcast_episode_typed_in_the_form_is_spoken_and_captioned(registry, tmp_path):
    path = small_copy(registry, "podcast_audiogram", tmp_path)
    saved = path.read_bytes()
    render_with_form(
        path,
        excerpt="Hello from the Night Ferry podcast.",
        cover_title="Night Ferry\nEpisode 3",
        voice="en-gb",
        look="wave",
    )
    captions = (tmp_path / "audiogram.srt").read_text("utf-8")
    assert "Hello from the Night Ferry podcast." in captions
    assert "Harbour Lights" not in captions  # the template's excerpt is replaced, not added to
    assert frame_size(tmp_path / "audiogram.mp4") == (1080, 1080)
    assert path.read_bytes() == saved  # the form fills a copy for the render, never the file


@pytest.mark.timeout(240)
def test_a_tagline_typed_in_the_product_teaser_form_is_its_caption(registry, tmp_path):
    path = small_copy(registry, "product_teaser", tmp_path)
    render_with_form(
        path,
        product="a wooden canoe",
        tagline="Paddle into autumn with Lakeside Canoes.",
        end_card="Lakeside Canoes\nOut on the water",
        mood="calm, gentle",
    )
    captions = (tmp_path / "product_teaser.srt").read_text("utf-8")
    assert "Paddle into autumn with Lakeside Canoes." in captions
    assert "Wake up by the water" not in captions
    assert frame_size(tmp_path / "product_teaser.mp4") == (1080, 1920)


@pytest.mark.timeout(240)
def test_the_music_visualiser_form_changes_the_frame_size(registry, tmp_path):
    path = small_copy(registry, "music_visualiser", tmp_path)
    render_with_form(path, picture="a red boat on a calm lake", format="1280x720", look="wave")
    assert frame_size(tmp_path / "visualiser.mp4") == (1280, 720)


def test_a_storyboard_shot_typed_in_the_form_is_both_the_sketch_and_its_caption(
    registry, run_graph, tmp_path
):
    """One field per shot: the sketch is painted from it and the panel's caption is it (a
    field that set only the caption left a lighthouse sketch under 'a harbour at dawn')."""
    path = small_copy(registry, "storyboard", tmp_path)
    typed = "WIDE: a harbour at dawn with boats {sails}"
    before, _ = run_graph(load_graph(path), targets=["shot1_card"])
    graph = load_graph(path)
    apply_values(graph, registry, {"shot1": typed})
    after, _ = run_graph(graph, targets=["shot1_card"])
    assert before.status == after.status == "succeeded"
    assert after.outputs["shot1_prompt"]["text"] == typed  # braces print as typed
    assert after.outputs["shot1_card"]["image"].meta["text"] == f"1 — {typed}"
    sketches = [r.outputs["shot1_sketch"]["image"].path.read_bytes() for r in (before, after)]
    assert sketches[0] != sketches[1]  # painted from the new shot, not the template's
