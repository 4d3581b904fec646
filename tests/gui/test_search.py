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


def test_help_words_and_synonyms_find_nodes(registry):
    specs = registry.specs()
    for query in ("tts", "voice", "narration", "text to speech"):
        assert ids(search_specs(specs, query))[0] == "audio.speech", query
    assert ids(search_specs(specs, "ken burns"))[0] == "video.from_image"
    assert ids(search_specs(specs, "mp4"))[0] == "export.video"
    for query in ("caption", "srt", "subtitles"):
        assert ids(search_specs(specs, query))[0] == "compose.timeline", query
    assert "video.from_image" in ids(search_specs(specs, "upscale"))  # it sets the frame size
    assert ids(search_specs(specs, "audiogram"))[0] == "video.waveform"
    # A word of the help text alone: "alt text" appears only in Describe Image's help.
    assert ids(search_specs(specs, "alt text"))[0] == "image.describe"
    assert ids(search_specs(specs, "prompt"))[0] == "text.prompt"  # the exact title first
    assert search_specs(specs, "zzzq") == []


def test_nothing_found_offers_the_closest_titles(registry):
    from studio.gui.search import closest_specs

    assert ids(closest_specs(registry.specs(), "speach"))[0] == "audio.speech"
    assert ids(closest_specs(registry.specs(), "tittle card"))[0] == "image.title_card"


def test_on_a_dropped_wire_nodes_whose_first_input_takes_it_come_first(registry):
    specs = registry.specs()
    from_text = PortFilter("n", "text", PortType.TEXT, from_output=True)
    found = search_specs(specs, "", from_text)
    firsts = [s.inputs[0].type == PortType.TEXT for s in found]
    # Every node whose first input is text comes before any whose text input is further down.
    assert firsts == sorted(firsts, reverse=True) and firsts[0] and not firsts[-1]
    assert "compose.timeline" in ids(found)  # captions take text, but it is not its first input
    from_image = PortFilter("n", "image", PortType.IMAGE, from_output=True)
    found = ids(search_specs(specs, "", from_image))
    assert found.index("video.from_image") < found.index("video.waveform")
