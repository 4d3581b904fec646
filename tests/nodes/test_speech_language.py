"""The speech node picks the offline voice from a language, and says which."""

from __future__ import annotations

from studio.graph.model import Graph, Node


def test_a_language_picks_piper_where_installed_and_espeak_elsewhere(run_graph):
    graph = Graph()
    texts = {"en": "The light keeps its watch.", "fr": "La lumière veille.", "ja": "灯台が見守る。"}
    for language, words in texts.items():
        graph.add_node(Node(f"text_{language}", "text.prompt", {"template": words}))
        # The voice param says joe (English): the language decides instead.
        graph.add_node(Node(language, "audio.speech", {"voice": "joe", "language": language}))
        graph.connect(f"text_{language}", "text", language, "text")
    result, events = run_graph(graph)
    assert result.status == "succeeded", result.failures
    spoken = {n: result.outputs[n]["audio"].meta for n in texts}
    assert (spoken["en"]["engine"], spoken["en"]["voice"]) == ("piper", "en_US-joe-medium")
    assert (spoken["fr"]["engine"], spoken["fr"]["voice"]) == ("espeak-ng", "fr")
    assert (spoken["ja"]["engine"], spoken["ja"]["voice"]) == ("espeak-ng", "ja")
    assert all(spoken[n]["duration"] > 0.5 for n in texts)
    warned = {e.node: e.message for e in events if type(e).__name__ == "NodeWarning"}
    assert set(warned) == {"fr", "ja"}  # eSpeak NG's robotic voice is told, Piper's is not
    assert "no Piper voice for 'fr' is installed, so eSpeak NG spoke it" in warned["fr"]
    logged = [e.message for e in events if type(e).__name__ == "NodeLog" and e.node == "ja"]
    assert "speaking Japanese" in logged
    assert "spoken by espeak-ng with the voice ja" in logged


def test_an_unknown_language_is_refused_by_the_speech_node(run_graph):
    graph = Graph()
    graph.add_node(Node("text", "text.prompt", {"template": "Hello."}))
    graph.add_node(Node("speech", "audio.speech", {"language": "elvish"}))
    graph.connect("text", "text", "speech", "text")
    result, _ = run_graph(graph)
    assert "unknown language 'elvish'" in result.failures["speech"]
