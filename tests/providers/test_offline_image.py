"""The offline sketch engine: deterministic pictures that follow the prompt, mood and palette."""

from __future__ import annotations

import hashlib
import time

import numpy as np
import pytest
from PIL import Image

from studio.providers.offline import procedural_image
from studio.providers.offline.colours import name_colour, parse_palette


def _png(tmp_path, name, prompt, **options):
    path = procedural_image.render_png(tmp_path / f"{name}.png", prompt, **options)
    return path.read_bytes()


def test_same_seed_gives_the_same_png_bytes(tmp_path):
    options = dict(width=320, height=240, seed=7, mood="calm", palette="deep blue, amber")
    first = _png(tmp_path, "a", "a lighthouse on a cliff at dusk", **options)
    second = _png(tmp_path, "b", "a lighthouse on a cliff at dusk", **options)
    assert hashlib.sha256(first).digest() == hashlib.sha256(second).digest()


def test_different_seeds_and_prompts_differ(tmp_path):
    base = _png(tmp_path, "a", "a forest at night", width=256, height=256, seed=1)
    other_seed = _png(tmp_path, "b", "a forest at night", width=256, height=256, seed=2)
    other_prompt = _png(tmp_path, "c", "a city by the sea", width=256, height=256, seed=1)
    assert base != other_seed
    assert base != other_prompt


def test_size_and_format(tmp_path):
    path = procedural_image.render_png(tmp_path / "x.png", "mountains", width=640, height=360)
    with Image.open(path) as image:
        assert image.format == "PNG"
        assert image.size == (640, 360)
        assert image.mode == "RGB"


def test_night_is_darker_than_day_and_dark_mood_darker_than_joyful():
    day = procedural_image.render("a meadow in the sun", width=200, height=200, seed=3)
    night = procedural_image.render("a meadow at night", width=200, height=200, seed=3)
    assert night.mean() < day.mean() * 0.6
    joyful = procedural_image.render("a meadow", width=200, height=200, seed=3, mood="joyful")
    dark = procedural_image.render("a meadow", width=200, height=200, seed=3, mood="dark, gloomy")
    assert dark.mean() < joyful.mean() * 0.8
    # Joyful is more saturated: the channel spread per pixel is larger.
    assert np.ptp(joyful, axis=2).mean() > np.ptp(dark, axis=2).mean()


def test_keywords_add_elements():
    plan = procedural_image.plan_scene("a lighthouse by the sea at dusk, forest behind")
    assert {"lighthouse", "sea", "forest"} <= plan.elements
    assert plan.time == "dusk"
    assert "city" in procedural_image.plan_scene("city skyline").elements
    assert procedural_image.plan_scene("moonlit lake").time == "night"


def test_palette_tints_the_sky():
    red = procedural_image.render("open sky", width=128, height=128, seed=1, palette="red")
    blue = procedural_image.render("open sky", width=128, height=128, seed=1, palette="blue")
    top_red, top_blue = red[:30].reshape(-1, 3).mean(0), blue[:30].reshape(-1, 3).mean(0)
    assert top_red[0] - top_red[2] > top_blue[0] - top_blue[2] + 20


def test_palette_words_to_colours():
    deep_blue, amber = parse_palette("deep blue, amber")
    assert deep_blue[2] > deep_blue[0] and sum(deep_blue) < sum((40, 90, 200))
    assert amber[0] > amber[2]
    assert parse_palette("sky blue and forest green")[1][1] > 60
    # Unknown words still get a stable colour.
    assert parse_palette("zorblax") == parse_palette("zorblax")
    assert name_colour((220, 20, 20)) == "red"
    assert name_colour((20, 30, 120)) == "dark blue"
    assert name_colour((250, 250, 250)) == "white"


def test_bad_size_is_refused():
    with pytest.raises(ValueError, match=r"16\.\.4096"):
        procedural_image.render("x", width=8, height=8)


def test_1024_square_renders_quickly(tmp_path):
    procedural_image.render("warm up", width=256, height=256)
    # CPU seconds of this process: the other processes on a loaded machine don't count.
    started = time.process_time()
    procedural_image.render_png(
        tmp_path / "big.png",
        "a lighthouse on a cliff at dusk, sea",
        width=1024,
        height=1024,
        seed=5,
        mood="calm",
        palette="amber",
    )
    # The target is < 1 s (bench/engines.py); measured here 0.33 CPU s (0.63 s wall, loaded).
    spent = time.process_time() - started
    assert spent < 2.0, f"a 1024 x 1024 picture took {spent:.2f} CPU s"


# -- what the painter cannot paint, it says -----------------------------------------------------
@pytest.mark.parametrize(
    ("prompt", "warning"),
    [
        ("a dragon over a castle at night", "no painter for: dragon, castle; painted night, on a "),
        ("a woman feeding a giraffe by the sea", "no painter for: giraffe; painted woman, sea"),
        ("cinematic, 4k, highly detailed", "the prompt names nothing the offline painter knows"),
    ],
)
def test_unpaintable_subjects_are_named(prompt, warning):
    report = procedural_image.unpainted_report(prompt, seed=3)
    assert report is not None and report.startswith(warning)


def test_paintable_prompts_have_no_warning():
    for prompt in (
        "a red fishing boat on a stormy sea at night",
        "a portrait of a woman reading",
        "a man walking a dog on the beach at sunset",
        "the lighthouse beam over the sea at sunrise, calm, hopeful, cinematic, painterly",
        "a lighthouse on a rocky cliff above the sea, wide establishing shot at dusk",
        "a black cat in front of a little house at night",
    ):
        assert procedural_image.unpainted_report(prompt) is None, prompt


def test_the_image_node_warns_about_what_it_could_not_paint(run_graph):
    from studio.graph.model import Graph, Node

    graph = Graph()
    graph.add_node(Node("idea", "text.prompt", {"template": "a red fishing boat and a woman"}))
    graph.add_node(Node("img", "image.generate", {"width": 96, "height": 64}))
    graph.connect("idea", "text", "img", "prompt")
    graph.add_node(Node("idea2", "text.prompt", {"template": "a unicorn"}))
    graph.add_node(Node("img2", "image.generate", {"width": 96, "height": 64}))
    graph.connect("idea2", "text", "img2", "prompt")
    result, events = run_graph(graph)
    assert result.status == "succeeded"
    warnings = {e.node: e.message for e in events if type(e).__name__ == "NodeWarning"}
    assert list(warnings) == ["img2"]  # a boat and a woman are painted now
    assert warnings["img2"].startswith("no painter for: unicorn; painted a ")
    assert warnings["img2"].endswith(" landscape instead")
    finished = [e for e in events if type(e).__name__ == "NodeFinished" and e.node == "img2"]
    assert finished[0].provenance["warnings"] == [warnings["img2"]]


# -- new subjects: each painted where it belongs -------------------------------------------------
W, H = 320, 240


def _painted_by(monkeypatch, module, painter: str, prompt: str, seed: int = 5) -> np.ndarray:
    """Where `painter` changed the picture: the render with it, against one without it."""
    with_it = procedural_image.render(prompt, width=W, height=H, seed=seed).astype(np.int16)
    monkeypatch.setattr(module, painter, lambda *args, **kwargs: None)
    without = procedural_image.render(prompt, width=W, height=H, seed=seed).astype(np.int16)
    monkeypatch.undo()
    return np.abs(with_it - without).max(axis=2) > 30


def _horizon(prompt: str, seed: int = 5) -> float:
    return procedural_image.plan_scene(prompt, seed=seed).horizon * H


def _box(mask: np.ndarray) -> tuple[int, int, int, int]:
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    return int(cols[0]), int(rows[0]), int(cols[-1]), int(rows[-1])


def test_birds_fly_in_the_sky_and_boats_float_on_the_sea(monkeypatch):
    from studio.providers.offline import object_painters, subject_painters

    prompt = "a flock of birds over a boat on the sea"
    birds = _painted_by(monkeypatch, subject_painters, "birds", prompt)
    assert birds.sum() > 30 and _box(birds)[3] < _horizon(prompt)
    boat = _painted_by(monkeypatch, object_painters, "boats", prompt)
    assert boat.sum() > 150 and _box(boat)[3] > _horizon(prompt)  # its hull sits in the water


@pytest.mark.parametrize("subject", ["person", "dog", "cat", "horse", "car", "house", "tree"])
def test_people_animals_and_things_stand_on_the_ground(monkeypatch, subject):
    from studio.providers.offline import object_painters, subject_painters

    prompt = {
        "person": ("a woman standing in a field", subject_painters, "people"),
        "dog": ("a dog in a meadow", subject_painters, "animals"),
        "cat": ("a cat in a meadow", subject_painters, "animals"),
        "horse": ("a horse in a meadow", subject_painters, "animals"),
        "car": ("a car on a road", object_painters, "car"),
        "house": ("a house in a field", object_painters, "houses"),
        "tree": ("an oak tree in a field", object_painters, "trees"),
    }[subject]
    text, module, painter = prompt
    assert subject in procedural_image.plan_scene(text).elements
    mask = _painted_by(monkeypatch, module, painter, text)
    x0, y0, x1, y1 = _box(mask)
    assert mask.sum() > 40, subject
    assert y1 > _horizon(text) + 2, f"{subject} stands below the horizon, on the ground"
    if subject in ("person", "tree"):
        assert (y1 - y0) > (x1 - x0), f"a standing {subject} is taller than wide"
    if subject in ("dog", "horse", "car"):
        assert (x1 - x0) > (y1 - y0) * 0.9, f"a {subject} is long"


def test_animals_have_their_own_sizes(monkeypatch):
    from studio.providers.offline import subject_painters

    sizes = {}
    for animal in ("horse", "dog", "cat"):
        prompt = f"a {animal} in a meadow"
        sizes[animal] = int(_painted_by(monkeypatch, subject_painters, "animals", prompt).sum())
    assert sizes["horse"] > sizes["dog"] > sizes["cat"] > 20


def test_a_walking_or_seated_person_is_a_different_shape(monkeypatch):
    from studio.providers.offline import subject_painters

    boxes = {}
    for pose in ("standing", "walking", "seated"):
        mask = _painted_by(monkeypatch, subject_painters, "people", f"a man {pose} in a field")
        x0, y0, x1, y1 = _box(mask)
        boxes[pose] = (x1 - x0, y1 - y0)
    assert boxes["walking"][0] > boxes["standing"][0]  # the stride
    assert boxes["seated"][1] / boxes["seated"][0] < boxes["standing"][1] / boxes["standing"][0]


def test_bridge_spans_and_road_runs_to_the_horizon(monkeypatch):
    from studio.providers.offline import object_painters

    bridge = _painted_by(monkeypatch, object_painters, "bridge", "a bridge over the river")
    assert bridge.any(axis=0).mean() > 0.9  # across the frame
    road = _painted_by(monkeypatch, object_painters, "road", "a road through a field")
    widths = [int(road[y].sum()) for y in (H - 2, int((H + _horizon("a road")) / 2))]
    assert road[H - 1].any() and widths[0] > widths[1] * 1.4  # wide near, narrow far


def test_flowers_are_dots_in_the_foreground(monkeypatch):
    from studio.providers.offline import object_painters

    prompt = "red flowers in a meadow"
    flowers = _painted_by(monkeypatch, object_painters, "flowers", prompt)
    horizon = _horizon(prompt)
    assert flowers[: int(horizon)].sum() == 0 and flowers.sum() > 100
    picture = procedural_image.render(prompt, width=W, height=H, seed=5)
    dots = picture[flowers]
    assert (dots[:, 0].astype(int) - dots[:, 1]).mean() > 40  # red, as asked


def test_colour_words_colour_their_subject_and_the_palette(monkeypatch):
    from studio.providers.offline import object_painters

    for colour, channel in (("red", 0), ("blue", 2)):
        prompt = f"a {colour} car on a road"
        mask = _painted_by(monkeypatch, object_painters, "car", prompt)
        pixels = procedural_image.render(prompt, width=W, height=H, seed=5)[mask].astype(int)
        assert np.median(pixels[:, channel]) > np.median(pixels.sum(axis=1) / 3) + 15, colour
    warm = procedural_image.render("an orange sky over the sea", width=W, height=H, seed=1)
    cool = procedural_image.render("a teal sky over the sea", width=W, height=H, seed=1)
    assert (
        warm[:60, :, 0].mean() - warm[:60, :, 2].mean()
        > cool[:60, :, 0].mean() - cool[:60, :, 2].mean() + 20
    )


def test_numbers_and_plurals_set_how_many(monkeypatch):
    plan = procedural_image.plan_scene("three cottages and two boats, a flock of birds")
    reading = plan.reading
    assert reading.counts == {"house": 3, "boat": 2}
    assert "bird" in reading.plural


def test_every_new_subject_keeps_same_seed_same_picture(tmp_path):
    prompt = (
        "a man walking a dog and a horse by a house, a red car on the road, a boat on the sea, "
        "birds, a bridge, oak trees and flowers in a field, a cat"
    )
    first = _png(tmp_path, "a", prompt, width=256, height=160, seed=9)
    second = _png(tmp_path, "b", prompt, width=256, height=160, seed=9)
    other = _png(tmp_path, "c", prompt, width=256, height=160, seed=10)
    assert first == second and first != other
