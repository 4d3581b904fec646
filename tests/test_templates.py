"""The template gallery: each template is a valid graph with a card picture and one line, uses
only offline engines, and renders offline as it is (with sizes and lengths made small for speed)."""

from __future__ import annotations

import shutil
from pathlib import Path

import av
import pytest
from PIL import Image

from studio.graph.fileformat import load_graph
from studio.graph.validate import validate_graph
from studio.templates import list_templates, templates_dir

EXPECTED = [
    "lighthouse",
    "product_teaser",
    "described_slideshow",
    "podcast_audiogram",
    "music_visualiser",
    "storyboard",
]


def test_the_gallery_lists_every_template_in_order_with_a_card():
    templates = list_templates()
    assert [t.name for t in templates] == EXPECTED
    assert sorted(p.stem for p in templates_dir().glob("*.json")) == sorted(EXPECTED)
    for template in templates:
        assert template.title and template.title[0].isupper()
        assert template.description and "\n" not in template.description
        assert len(template.description) <= 130, template.name  # one line on a card
        assert template.thumbnail is not None, template.name
        with Image.open(template.thumbnail) as card:
            assert card.format == "PNG" and card.size == (480, 270)


@pytest.mark.parametrize("name", EXPECTED)
def test_a_template_validates_and_uses_only_offline_engines(registry, tmp_path, name):
    graph = load_graph(templates_dir() / f"{name}.json")
    assert validate_graph(graph, registry, tmp_path) == []
    exports = [n for n in graph.nodes.values() if n.type == "export.video"]
    assert len(exports) == 1 and not Path(exports[0].params["path"]).is_absolute()
    for node in graph.nodes.values():
        spec = registry.get(node.type)
        for param in spec.params:
            if param.kind == "provider":
                assert node.params.get(param.name, param.default) == "offline", node.id
        assert node.type_version == spec.version, (
            f"{name}: {node.id} is {node.type} v{spec.version}"
        )


# A test-only override: every node and wire stays, only sizes, lengths and encoder effort shrink.
SMALL = {
    "image.generate": lambda p: {
        "width": 160 if p["width"] >= p["height"] else 90,
        "height": 90 if p["width"] >= p["height"] else 160,
    },
    "image.title_card": lambda p: {
        "width": 320 if p["width"] >= p["height"] else 180,
        "height": 180 if p["width"] >= p["height"] else 320,
    },
    "video.from_image": lambda p: {"duration": 0.5, "fps": "24"},
    "audio.music": lambda p: {"duration": 2.0},
    "audio.speech": lambda p: {"rate": 2.5},
    "video.waveform": lambda p: {"fps": "24"},
    "compose.timeline": lambda p: {
        "quality": "draft",
        "fps": "24",
        "clip_duration": 0.5,
        "transition_seconds": 0.1,
    },
    "export.video": lambda p: {"quality": "draft"},
}
SHORT_TEXT = {  # texts that are spoken: a sentence each, so the speech is short
    "lighthouse": {"narration_text": "{subject} keeps its watch."},
    "described_slideshow": {"script": "The first picture. {a}"},
    "podcast_audiogram": {"script": "Welcome back to Harbour Lights."},
}
SHAPES = {  # the exported frame: 16:9, 9:16 or square
    "lighthouse": (1280, 720),
    "product_teaser": (1080, 1920),
    "described_slideshow": (1280, 720),
    "podcast_audiogram": (1080, 1080),
    "music_visualiser": (1080, 1080),
    "storyboard": (1280, 720),
}


@pytest.mark.timeout(240)
@pytest.mark.parametrize("name", EXPECTED)
def test_a_template_renders_offline_to_a_video_with_sound(registry, run_graph, tmp_path, name):
    shutil.copy(templates_dir() / f"{name}.json", tmp_path / "graph.json")
    graph = load_graph(tmp_path / "graph.json")
    for node in graph.nodes.values():
        shrink = SMALL.get(node.type)
        if shrink is not None:
            defaults = registry.get(node.type).default_params()
            node.params.update(shrink({**defaults, **node.params}))
    for node_id, text in SHORT_TEXT.get(name, {}).items():
        graph.nodes[node_id].params["template"] = text
    result, events = run_graph(graph, graph_dir=tmp_path)
    assert result.status == "succeeded", result.failures
    export = next(n for n in graph.nodes.values() if n.type == "export.video")
    written = tmp_path / export.params["path"]
    with av.open(str(written)) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        size = (video.codec_context.width, video.codec_context.height)
        seconds = float(container.duration / 1e6)
        heard = sum(f.samples for f in container.decode(audio)) / audio.sample_rate
    assert size == SHAPES[name]
    assert seconds > 0.4 and heard > 0.4
    warnings = [e.message for e in events if type(e).__name__ == "NodeWarning"]
    assert warnings == []  # the offline painter knows every word the templates ask for
