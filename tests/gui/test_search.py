"""Fuzzy node search over title, category and port types."""

from __future__ import annotations

from studio.graph.types import PortType
from studio.gui.canvas.edge_drag import PortFilter
from studio.gui.search import fuzzy_score, search_specs


def ids(specs):
    return [s.id for s in specs]


def test_fuzzy_score_orders_and_refuses():
    assert fuzzy_score("", "anything") == 0.0
    assert fuzzy_score("xyz", "Image Generate") is None
    assert fuzzy_score("imgen", "Image Generate") > fuzzy_score("imgen", "image to video gen")
    assert fuzzy_score("prompt", "Prompt Text") > fuzzy_score("prompt", "Enhance prompt")


def test_search_matches_titles_categories_and_port_types(registry):
    specs = registry.specs()
    assert ids(search_specs(specs, "speech"))[0] == "audio.speech"
    assert ids(search_specs(specs, "imgen"))[0] == "image.generate"
    by_audio_output = ids(search_specs(specs, "out audio"))
    assert {"audio.speech", "audio.music", "audio.load"} <= set(by_audio_output[:5])
    assert "text.brief" not in ids(search_specs(specs, "video"))
    assert len(search_specs(specs, "")) == len(specs)


def test_search_limited_to_what_fits_a_dragged_edge(registry):
    specs = registry.specs()
    takes_audio = PortFilter("n", "audio", PortType.AUDIO, from_output=True)
    found = ids(search_specs(specs, "", takes_audio))
    assert "compose.timeline" in found
    assert "image.generate" not in found and "audio.speech" not in found
    gives_image = PortFilter("n", "image", PortType.IMAGE, from_output=False)
    found = ids(search_specs(specs, "", gives_image))
    assert set(found) >= {"image.generate", "image.load"}
    assert "video.from_image" not in found
