"""The generator nodes run in real graphs with the offline provider."""

from __future__ import annotations

import wave

from PIL import Image

from studio.graph.model import Graph, Node


def _text(graph, node_id, text):
    graph.add_node(Node(node_id, "text.prompt", {"template": text}))
    return node_id


def _brief(graph, **fields):
    graph.add_node(Node("brief", "text.brief", fields))
    return "brief"


def test_image_generate_follows_prompt_brief_and_seed(run_graph):
    graph = Graph()
    _text(graph, "idea", "a lighthouse on a cliff at dusk")
    _brief(graph, subject="lighthouse", mood="calm", style="cinematic", palette="deep blue, amber")
    for node_id, seed in (("a", 1), ("b", 1), ("c", 2)):
        graph.add_node(Node(node_id, "image.generate", {"width": 320, "height": 180, "seed": seed}))
        graph.connect("idea", "text", node_id, "prompt")
        graph.connect("brief", "brief", node_id, "brief")
    result, events = run_graph(graph)
    assert result.status == "succeeded", result.failures
    images = {n: result.outputs[n]["image"] for n in "abc"}
    assert images["a"].digest == images["b"].digest  # same seed, same bytes
    assert images["a"].digest != images["c"].digest
    with Image.open(images["a"].path) as picture:
        assert picture.size == (320, 180)
    # The size in the metadata is read from the file, for the offline engine too.
    assert (images["a"].meta["width"], images["a"].meta["height"]) == (320, 180)
    assert "requested_size" not in images["a"].meta
    assert not [e for e in events if type(e).__name__ == "NodeWarning"]
    finished = [e for e in events if type(e).__name__ == "NodeFinished" and e.node == "a"]
    assert finished[0].provenance["provider"] == "offline"
    assert finished[0].provenance["model"] == "procedural-v1"


def test_image_generate_unknown_model_fails_clearly(run_graph):
    graph = Graph()
    _text(graph, "idea", "sea")
    graph.add_node(Node("img", "image.generate", {"width": 64, "height": 64, "model": "sdxl"}))
    graph.connect("idea", "text", "img", "prompt")
    result, _ = run_graph(graph)
    assert result.status == "failed"
    assert "no image model 'sdxl'" in result.failures["img"]


def test_speech_node_speaks_and_longer_text_lasts_longer(run_graph):
    graph = Graph()
    _text(graph, "short", "Hello there.")
    _text(graph, "long", "Hello there. " * 8)
    for node_id, source in (("s1", "short"), ("s2", "long")):
        graph.add_node(Node(node_id, "audio.speech", {"voice": "en-gb", "rate": 1.2}))
        graph.connect(source, "text", node_id, "text")
    result, _ = run_graph(graph)
    assert result.status == "succeeded", result.failures
    durations = []
    for node_id in ("s1", "s2"):
        audio = result.outputs[node_id]["audio"]
        assert audio.kind == "audio"
        with wave.open(str(audio.path), "rb") as wav:
            assert wav.getframerate() == 22050
            durations.append(wav.getnframes() / wav.getframerate())
    assert durations[1] > durations[0] * 4


def test_speech_node_refuses_empty_text(run_graph):
    graph = Graph()
    _text(graph, "empty", "   ")
    graph.add_node(Node("say", "audio.speech", {}))
    graph.connect("empty", "text", "say", "text")
    result, _ = run_graph(graph)
    assert result.status == "failed"
    assert "text is empty" in result.failures["say"]


def test_music_node_from_brief_and_picture(run_graph):
    graph = Graph()
    _brief(graph, subject="a beach", mood="joyful, energetic", style="pop", palette="yellow")
    _text(graph, "idea", "a sunny beach")
    graph.add_node(Node("pic", "image.generate", {"width": 96, "height": 64, "seed": 1}))
    graph.connect("idea", "text", "pic", "prompt")
    graph.connect("brief", "brief", "pic", "brief")
    graph.add_node(Node("song", "audio.music", {"duration": 4.0, "seed": 2}))
    graph.connect("brief", "brief", "song", "brief")
    graph.connect("pic", "image", "song", "image")
    graph.add_node(Node("plain", "audio.music", {"duration": 4.0, "seed": 2, "tempo": 90}))
    result, events = run_graph(graph)
    assert result.status == "succeeded", result.failures
    for node_id in ("song", "plain"):
        with wave.open(str(result.outputs[node_id]["audio"].path), "rb") as wav:
            assert (wav.getframerate(), wav.getnchannels()) == (48000, 2)
            assert wav.getnframes() == 4 * 48000
    assert result.outputs["song"]["audio"].digest != result.outputs["plain"]["audio"].digest
    finished = {e.node: e for e in events if type(e).__name__ == "NodeFinished"}
    assert "major" in finished["song"].provenance["music"]
    assert "90 bpm" in finished["plain"].provenance["music"]


def test_title_card_over_a_generated_picture_and_its_description(run_graph, tmp_path):
    graph = Graph()
    _text(graph, "idea", "a red fire in the desert")
    _text(graph, "words", "The End")
    graph.add_node(Node("pic", "image.generate", {"width": 160, "height": 90}))
    graph.connect("idea", "text", "pic", "prompt")
    graph.add_node(
        Node(
            "card",
            "image.title_card",
            {"width": 320, "height": 180, "background": "image", "outline": 2},
        )
    )
    graph.connect("words", "text", "card", "text")
    graph.connect("pic", "image", "card", "image")
    graph.add_node(
        Node(
            "plain",
            "image.title_card",
            {"width": 200, "height": 100, "background": "colour", "colour": "#c81e1e", "title": ""},
        )
    )
    graph.add_node(Node("say", "image.describe", {}))
    graph.connect("plain", "image", "say", "image")
    result, _ = run_graph(graph)
    assert result.status == "succeeded", result.failures
    with Image.open(result.outputs["card"]["image"].path) as card:
        assert card.size == (320, 180)
    assert "mostly red" in result.outputs["say"]["text"]


def test_title_card_missing_font_and_missing_picture_fail_clearly(run_graph, tmp_path):
    graph = Graph()
    graph.add_node(
        Node(
            "card",
            "image.title_card",
            {"font": str(tmp_path / "Gone.ttf"), "width": 64, "height": 64},
        )
    )
    graph.add_node(Node("nopic", "image.title_card", {"background": "image"}))
    result, _ = run_graph(graph)
    assert "font file" in result.failures["card"] and "Gone.ttf" in result.failures["card"]
    assert "connect a picture" in result.failures["nopic"]
