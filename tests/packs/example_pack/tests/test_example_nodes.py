"""The pack's own tests: run its nodes through the studio's executor, as the studio would.

Run them with `pip install -e ".[test]"` then `pytest` in the pack's folder.
"""

from __future__ import annotations

import asyncio
import itertools
import wave

from studio_example_pack import node_specs

from studio.engine.cache import Cache
from studio.engine.executor import Executor
from studio.engine.registry import NodeRegistry, check_spec
from studio.graph.model import Graph, Node


def run(graph, tmp_path):
    registry = NodeRegistry()
    registry.register_pack("studio-example-pack", "test", node_specs)
    registry.register_pack("multimodal-studio", "test", _builtin_brief)
    executor = Executor(registry, Cache(tmp_path / "cache"))
    try:
        return asyncio.run(executor.run(graph))
    finally:
        executor.close()


def _builtin_brief():
    from studio.engine.registry import load_registry

    return [load_registry().get("text.brief")]


def test_every_spec_is_well_formed():
    for spec in node_specs():
        assert check_spec(spec) is None, spec.id


def test_reverse_by_characters_and_by_words(tmp_path):
    graph = Graph()
    graph.add_node(Node("brief", "text.brief", {"subject": "a lighthouse at dusk"}))
    graph.add_node(Node("chars", "example.reverse", {"by": "characters"}))
    graph.add_node(Node("words", "example.reverse", {"by": "words"}))
    graph.connect("brief", "subject", "chars", "text")
    graph.connect("brief", "subject", "words", "text")
    result = run(graph, tmp_path)
    assert result.status == "succeeded", result.failures
    assert result.outputs["chars"]["text"] == "ksud ta esuohthgil a"
    assert result.outputs["words"]["text"] == "dusk at lighthouse a"


def test_tone_is_a_wav_of_the_asked_length_and_pitch(tmp_path):
    graph = Graph()
    graph.add_node(Node("tone", "example.tone", {"frequency": 441.0, "seconds": 1.0}))
    result = run(graph, tmp_path)
    audio = result.outputs["tone"]["audio"]
    with wave.open(str(audio.path)) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getnframes()) == (44100, 1, 44100)
        frames = wav.readframes(wav.getnframes())
    samples = [
        int.from_bytes(frames[i : i + 2], "little", signed=True) for i in range(0, len(frames), 2)
    ]
    rising = sum(1 for a, b in itertools.pairwise(samples) if a < 0 <= b)
    assert rising in (440, 441)  # one upward zero crossing per period
    assert max(samples) == round(0.5 * 32767)
