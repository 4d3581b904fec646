"""A Versions node expands into ordinary nodes: shared work is one node, ids are stable, the
user's graph is never changed, and a graph that cannot expand says why on the Versions node."""

from __future__ import annotations

import pytest

from studio.engine.versions import (
    choose_versions,
    expand_versions,
    translations,
    version_nodes,
)
from studio.errors import GraphErrors
from studio.graph.model import Graph, Node
from studio.graph.outputs import choose_output, is_chosen


def story(versions: str, burn: bool = False) -> Graph:
    graph = Graph()
    graph.add_node(Node("words", "text.prompt", {"template": "The lighthouse wakes at dusk."}))
    graph.add_node(Node("voice", "audio.speech", {"voice": "joe"}))
    graph.connect("words", "text", "voice", "text")
    graph.add_node(Node("tune", "audio.music", {}))
    graph.add_node(Node("a", "image.generate", {}))
    graph.add_node(Node("b", "image.generate", {"seed": 2}))
    graph.add_node(Node("prompt", "text.prompt", {"template": "a lighthouse"}))
    graph.connect("prompt", "text", "a", "prompt")
    graph.connect("prompt", "text", "b", "prompt")
    graph.add_node(Node("timeline", "compose.timeline", {"burn_captions": burn, "fps": "24"}))
    graph.connect("a", "image", "timeline", "clips")
    graph.connect("b", "image", "timeline", "clips")
    graph.connect("voice", "audio", "timeline", "narration")
    graph.connect("tune", "audio", "timeline", "music")
    graph.connect("words", "text", "timeline", "captions")
    graph.add_node(Node("versions", "export.versions", {"versions": versions, "path": "piece"}))
    graph.connect("timeline", "video", "versions", "timeline")
    return graph


def types(graph: Graph) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for node_id, node in sorted(graph.nodes.items()):
        found.setdefault(node.type, []).append(node_id)
    return found


def test_versions_expand_into_shared_pieces(registry) -> None:
    graph = story("16x9\n9x16\n1x1\n16x9 fr\n9x16 fr\n1x1 fr podcast")
    before = sorted(graph.nodes), list(graph.edges)
    expanded = expand_versions(graph, registry)
    assert (sorted(graph.nodes), list(graph.edges)) == before  # the user's graph is untouched
    found = types(expanded)
    # One picture per format, whatever the language (no caption in the picture).
    assert found["compose.picture"] == [
        "versions__pic-16x9",
        "versions__pic-1x1",
        "versions__pic-9x16",
    ]
    # One soundtrack per language and loudness; one translation of the shared text; one voice.
    assert found["compose.soundtrack"] == [
        "versions__snd-en-online_video",
        "versions__snd-fr-online_video",
        "versions__snd-fr-podcast",
    ]
    assert found["text.translate"] == ["versions__tr-fr-words-text"]
    assert found["audio.speech"] == ["versions__say-fr", "voice"]
    assert expanded.nodes["versions__say-fr"].params == {"voice": "joe", "language": "fr"}
    assert len(found["export.version"]) == 6 and "compose.timeline" not in found
    exports = dict(version_nodes(expanded)["versions"])
    out = expanded.nodes[exports["9x16.fr.mp4"]]
    assert out.params["path"] == "piece.9x16.fr.mp4" and out.params["name"] == "9x16.fr"
    into = {(e.src, e.dst_port) for e in expanded.edges_into(out.id)}
    assert into == {
        ("versions__pic-9x16", "picture"),
        ("versions__snd-fr-online_video", "sound"),
        ("versions__snd-fr-online_video", "subtitles"),
    }
    # The French soundtrack hears the French voice and reads the translated captions.
    sound = {(e.src, e.dst_port) for e in expanded.edges_into("versions__snd-fr-podcast")}
    assert sound == {
        ("voice", "narration"),  # the piece's narration times the edit
        ("versions__say-fr", "voice"),
        ("tune", "music"),
        ("versions__tr-fr-words-text", "captions"),
    }
    # The Versions node collects the versions' files, in the list's order.
    collected = sorted(expanded.edges_into("versions"), key=lambda e: e.order)
    assert [e.src for e in collected] == [
        exports[n] for n, _ in version_nodes(expanded)["versions"]
    ]
    assert translations(expanded) == [("versions__tr-fr-words-text", "fr", "ollama")]
    # Expanding again gives the very same graph: planning and running agree.
    again = expand_versions(graph, registry)
    assert sorted(again.nodes) == sorted(expanded.nodes)
    assert sorted(again.edges) == sorted(expanded.edges)


def test_burned_captions_make_a_picture_per_format_and_language(registry) -> None:
    expanded = expand_versions(story("9x16\n9x16 fr", burn=True), registry)
    pictures = types(expanded)["compose.picture"]
    assert pictures == ["versions__pic-9x16-en", "versions__pic-9x16-fr"]
    burned = {(e.src, e.dst_port) for e in expanded.edges_into("versions__pic-9x16-fr")}
    assert ("versions__snd-fr-online_video", "burn_in") in burned
    assert ("versions__say-fr", "voice") in burned  # it holds its last frame for a longer voice


def test_a_run_chooses_some_versions_and_keeps_what_it_runs_up_to(registry) -> None:
    graph = story("16x9\n9x16 fr")
    choose_versions(graph, "16x9.en")
    expanded = expand_versions(graph, registry)
    assert [name for name, _ in version_nodes(expanded)["versions"]] == ["16x9.en.mp4"]
    assert "text.translate" not in types(expanded)  # English only: nothing to translate
    kept = expand_versions(story("16x9"), registry, keep=["timeline"])
    assert "timeline" in kept.nodes


def test_a_base_path_the_user_chose_lets_every_version_go_there(registry) -> None:
    graph = story("16x9\n1x1 fr")
    graph.nodes["versions"].params["path"] = "/elsewhere/film.mp4"
    choose_output(graph, "/elsewhere/film.mp4")
    expanded = expand_versions(graph, registry)
    assert is_chosen(expanded, "/elsewhere/film.16x9.en.mp4")
    assert is_chosen(expanded, "/elsewhere/film.1x1.fr.mp4")


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ("bad_list", "line 1 ('fr') names no format"),
        ("no_timeline", "connect one Timeline's video to the Versions node's timeline input"),
        ("recorded_voice", "comes from 'voice' (audio.load), not a Speech node"),
        ("unknown_name", "no version named '4x5.en'"),
    ],
)
def test_a_graph_that_cannot_expand_says_why_on_the_versions_node(
    registry, change: str, words: str
) -> None:
    graph = story("16x9\n9x16 fr")
    if change == "bad_list":
        graph.nodes["versions"].params["versions"] = "fr"
    elif change == "no_timeline":
        graph.remove_edge(graph.edges_into("versions")[0])
    elif change == "recorded_voice":
        graph.nodes["voice"].type = "audio.load"
    else:
        choose_versions(graph, "4x5.en")
    with pytest.raises(GraphErrors) as caught:
        expand_versions(graph, registry)
    (error,) = caught.value.errors
    assert error.node == "versions" and words in error.message
