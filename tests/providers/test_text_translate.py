"""text.translate through the real executor against a fake Ollama, and the check that refuses
a version in another language before a run when nothing can translate."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass

import pytest
from fakes.llm import FakeOllama
from fakes.server import FakeServer, Recorded, Reply

from studio.graph.model import Graph, Node
from studio.providers import translation
from studio.providers.setup import default_providers

NARRATION = (
    "On the edge of the land, a lighthouse keeps its watch.\n"
    "Night falls over the sea, and the waves keep time below."
)


@dataclass
class EchoOllama(FakeOllama):
    """Answers each chat with the user's text marked as translated, line by line."""

    def chat(self, request: Recorded) -> Reply:
        text = request.json["messages"][-1]["content"]
        answer = "\n".join(f"[fr] {line}" if line else "" for line in text.split("\n"))
        self.words = (answer,)
        return super().chat(request)


def translate_graph(text: str = NARRATION, **params) -> Graph:
    graph = Graph()
    graph.add_node(Node("words", "text.prompt", {"template": text}))
    graph.add_node(Node("translate", "text.translate", params))
    graph.connect("words", "text", "translate", "text")
    return graph


@pytest.fixture
def nothing_local(monkeypatch):
    """No local language model answers (the machine's real ports are never asked)."""
    with FakeServer() as dead:
        url = dead.url
    monkeypatch.setenv("STUDIO_OLLAMA_URL", url)
    monkeypatch.setenv("STUDIO_OPENAI_COMPAT_URL", url)
    return url


def test_translate_with_ollama_asks_for_the_language_and_keeps_the_lines(run_graph, monkeypatch):
    with FakeServer() as server:
        EchoOllama(server)
        monkeypatch.setenv("STUDIO_OLLAMA_URL", server.url)
        graph = translate_graph(language="French", model="llama3.2", instructions="Informal.")
        result, events = run_graph(graph)
        (call,) = server.received("POST", "/api/chat")
    assert result.status == "succeeded", result.failures
    assert result.outputs["translate"]["text"] == (
        "[fr] On the edge of the land, a lighthouse keeps its watch.\n"
        "[fr] Night falls over the sea, and the waves keep time below."
    )
    system, user = call.json["messages"]
    assert "Translate the user's text into French" in system["content"]
    assert "keep every line break" in system["content"]
    assert system["content"].endswith("Informal.")
    assert user["content"] == NARRATION
    assert call.json["options"]["temperature"] == 0.2
    finished = [e for e in events if e.kind == "finished" and e.node == "translate"]
    assert finished[0].provenance["provider"] == "ollama"


def test_a_long_text_is_translated_in_pieces_put_back_in_order(run_graph, monkeypatch):
    paragraphs = [f"Paragraph {n}. " + "The sea is calm. " * 50 for n in range(3)]  # ~870 chars
    with FakeServer() as server:
        EchoOllama(server)
        monkeypatch.setenv("STUDIO_OLLAMA_URL", server.url)
        result, _ = run_graph(translate_graph("\n\n".join(paragraphs), model="llama3.2"))
        calls = server.received("POST", "/api/chat")
    assert result.status == "succeeded", result.failures
    assert [c.json["messages"][-1]["content"] for c in calls] == [p.strip() for p in paragraphs]
    assert result.outputs["translate"]["text"] == "\n\n".join(
        f"[fr] {p.strip()}" for p in paragraphs
    )


def test_the_offline_engine_is_refused_with_what_to_set_up(run_graph, nothing_local):
    result, _ = run_graph(translate_graph(provider="offline"))
    assert result.status == "failed"
    message = result.failures["translate"]
    assert "a French version needs a translation" in message
    assert "the offline text engine cannot translate" in message
    assert "OPENAI_API_KEY" in message and "Ollama" in message


def test_a_dead_ollama_is_named_with_how_to_start_it(run_graph, nothing_local):
    result, _ = run_graph(translate_graph(provider="ollama", language="ja"))
    assert result.status == "failed"
    message = result.failures["translate"]
    assert "a Japanese version needs a translation, and Ollama cannot translate now" in message
    assert "server unreachable" in message
    assert "Start the Ollama server" in message


def test_an_unknown_language_is_refused_in_words(run_graph):
    result, _ = run_graph(translate_graph(language="Klingon"))
    assert "unknown language 'Klingon'" in result.failures["translate"]


# -- the check before a run (for versions in other languages) ----------------------------------
def test_with_nothing_set_up_a_version_in_another_language_is_refused(nothing_local):
    problem = asyncio.run(translation.translation_problem(default_providers(), "de"))
    assert problem is not None
    assert problem.startswith("a German version needs a translation, and no text provider")
    assert "OPENAI_API_KEY / ANTHROPIC_API_KEY / GEMINI_API_KEY" in problem


def test_a_key_or_a_running_server_makes_translation_possible(nothing_local, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
    found = asyncio.run(translation.find_translator(default_providers(), "fr"))
    assert found == translation.Translator("anthropic", None)
    missing = asyncio.run(translation.translation_problem(default_providers(), "fr", "openai"))
    assert missing is not None and "OpenAI cannot translate now: key missing" in missing
    assert "studio keys set openai" in missing
    with FakeServer() as server:
        FakeOllama(server)
        monkeypatch.setenv("STUDIO_OLLAMA_URL", server.url)
        found = asyncio.run(translation.find_translator(default_providers(), "fr", "ollama"))
    assert found == translation.Translator("ollama", None)


@pytest.mark.parametrize(
    ("typed", "code", "name", "spoken"),
    [
        ("fr", "fr", "French", "fr"),
        ("FR_ca", "fr-ca", "French (Canada)", "fr-ca"),
        ("pt-BR", "pt-br", "Portuguese (Brazil)", "pt-br"),
        ("Japanese", "ja", "Japanese", "ja"),
        ("zh", "zh", "Chinese (Simplified)", "cmn"),
    ],
)
def test_languages_are_read_as_users_type_them(typed, code, name, spoken):
    assert translation.normalise_language(typed) == code
    assert translation.language_name(typed) == name
    assert translation.speech_language(typed) == spoken


def test_the_node_is_described_with_its_languages():
    from nodes.text.translate import SPEC

    described = json.loads(json.dumps(SPEC.describe()))
    language = next(p for p in described["params"] if p["name"] == "language")
    assert {"fr", "ja", "ar", "he", "hi", "ru", "zh"} <= set(language["suggestions"])
