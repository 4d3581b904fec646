"""text.enhance through the real executor: offline templates, and an LLM (a fake Ollama)."""

from __future__ import annotations

import pytest
from fakes.llm import FakeOllama
from fakes.server import FakeServer

from studio.graph.model import Graph, Node


def enhance_graph(**params) -> Graph:
    graph = Graph()
    graph.add_node(
        Node(
            "brief",
            "text.brief",
            {
                "subject": "a lighthouse on a cliff",
                "mood": "calm, hopeful",
                "style": "cinematic",
                "palette": "deep blue, amber",
            },
        )
    )
    graph.add_node(Node("enhance", "text.enhance", params))
    graph.connect("brief", "brief", "enhance", "brief")
    return graph


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("image", "a lighthouse on a cliff, cinematic style, calm, hopeful mood"),
        ("music", "calm, hopeful instrumental music"),
        ("speech", "A lighthouse on a cliff. The feeling is calm, hopeful."),
        ("video", "slow cinematic camera move"),
    ],
)
def test_offline_enhance_keeps_the_brief_for_each_target(run_graph, target, expected):
    result, _ = run_graph(enhance_graph(target=target))
    assert result.status == "succeeded", result.failures
    assert expected in result.outputs["enhance"]["text"]


def test_enhance_with_ollama_sends_the_brief_and_the_target(run_graph, monkeypatch):
    with FakeServer() as server:
        FakeOllama(server, words=("The ", "sea ", "breathes ", "slowly."))
        monkeypatch.setenv("STUDIO_OLLAMA_URL", server.url)
        graph = enhance_graph(
            target="speech",
            provider="ollama",
            model="llama3.2",
            instructions="Under 30 words.",
            temperature=0.2,
        )
        graph.add_node(Node("idea", "text.prompt", {"template": "the keeper's last night"}))
        graph.connect("idea", "text", "enhance", "prompt")
        result, events = run_graph(graph)
        (call,) = server.received("POST", "/api/chat")
    assert result.status == "succeeded", result.failures
    assert result.outputs["enhance"]["text"] == "The sea breathes slowly."
    system, user = call.json["messages"]
    assert "narration to be spoken by a text-to-speech voice" in system["content"]
    assert system["content"].endswith("Under 30 words.")
    assert user["content"].splitlines() == [
        "subject: the keeper's last night",
        "mood: calm, hopeful",
        "style: cinematic",
        "palette: deep blue, amber",
        "context: the brief is about a lighthouse on a cliff",
    ]
    assert call.json["options"] == {"temperature": 0.2, "num_predict": 300}
    finished = [e for e in events if e.kind == "finished" and e.node == "enhance"]
    assert finished[0].provenance["provider"] == "ollama"
    assert finished[0].provenance["model"] == "llama3.2"


def test_enhance_without_a_server_fails_only_its_node(run_graph, monkeypatch):
    with FakeServer() as dead:
        monkeypatch.setenv("STUDIO_OLLAMA_URL", dead.url)
    graph = enhance_graph(provider="ollama")
    graph.add_node(Node("other", "text.prompt", {"template": "still runs"}))
    result, _ = run_graph(graph)
    assert result.status == "failed"
    assert f"start Ollama at {dead.url}" in result.failures["enhance"]
    assert result.outputs["other"]["text"] == "still runs"
