"""check.coherence on made cases: a deliberately mismatched segment is flagged on that segment
and no other; the lighthouse example reads coherent; a finished timeline is checked from its
pictures; a vision provider adds its reading beside the measured moods."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest

from studio.engine.executor import Executor
from studio.graph.model import Graph, Node
from studio.providers.setup import default_providers

CALM_WORDS = (
    "The tide comes in over the flat stones. The boats sit in the harbour, side by side. "
    "A path runs along the shore to the old stone wall. The lamps are lit along the quay, "
    "one after another, as the evening comes."
)
NIGHT_SEA = "waves on the sea at night, moon and stars"
NIGHT_FOREST = "a dark forest at night"
SUNNY_DESERT = "a desert at noon, golden sand"


def run(registry, cache, graph, providers=None, targets=None):
    executor = Executor(registry, cache, providers=providers or default_providers())
    try:
        return asyncio.run(executor.run(graph, targets=targets))
    finally:
        executor.close()


def made_graph(middle: str, middle_brief: dict | None, music_mood: str) -> Graph:
    """Three stills (night, MIDDLE, night), music of MUSIC_MOOD, a calm narration, the check."""
    graph = Graph()
    for n, (prompt, brief) in enumerate(
        ((NIGHT_SEA, None), (middle, middle_brief), (NIGHT_FOREST, None)), start=1
    ):
        graph.add_node(Node(f"prompt{n}", "text.prompt", {"template": prompt}))
        graph.add_node(
            Node(f"image{n}", "image.generate", {"width": 640, "height": 360, "seed": 2})
        )
        graph.connect(f"prompt{n}", "text", f"image{n}", "prompt")
        if brief:
            graph.add_node(Node(f"brief{n}", "text.brief", brief))
            graph.connect(f"brief{n}", "brief", f"image{n}", "brief")
    graph.add_node(Node("mood", "text.prompt", {"template": music_mood}))
    graph.add_node(Node("music", "audio.music", {"duration": 30.0, "seed": 3}))
    graph.connect("mood", "text", "music", "prompt")
    graph.add_node(Node("words", "text.prompt", {"template": CALM_WORDS}))
    graph.add_node(Node("voice", "audio.speech", {"voice": "joe", "rate": 0.9}))
    graph.connect("words", "text", "voice", "text")
    graph.add_node(Node("check", "check.coherence", {}))
    for n in (1, 2, 3):
        graph.connect(f"image{n}", "image", "check", "clips")
    graph.connect("music", "audio", "check", "music")
    graph.connect("voice", "audio", "check", "narration")
    graph.connect("words", "text", "check", "captions")
    return graph


def report_of(result) -> dict:
    assert result.status == "succeeded", result.failures
    return json.loads(result.outputs["check"]["data"])


def test_a_mismatched_segment_is_flagged_on_that_segment_and_no_other(registry, cache):
    sunny = {"mood": "happy", "palette": "amber, gold"}
    report = report_of(run(registry, cache, made_graph(SUNNY_DESERT, sunny, "somber, sad")))
    assert report["flagged_segments"] == [2]
    assert not report["coherent"] and report["mismatches"] == 1
    second = report["segments"][1]
    (clash,) = second["mismatches"]
    assert clash["between"] == ["picture", "music"] and clash["aspect"] == "valence"
    assert second["picture"]["valence"] > 0.25 > -0.25 > second["music"]["valence"]
    assert "bright" in second["picture"]["words"] and "warm" in second["picture"]["words"]
    assert second["music"]["numbers"]["mode"] == "minor"
    assert clash["suggestion"].startswith("music minor mode")
    assert "set the music mood to 'joyful' or re-grade the pictures darker" in clash["suggestion"]
    # One click can set the music's mood words: its prompt here (or its brief, had it one).
    assert {
        "label": "Set the music's prompt to 'joyful'",
        "input": "music",
        "path": ["prompt"],
        "param": "template",
        "value": "joyful",
    } in clash["actions"]
    # The same graph with a night picture in the middle is coherent: the flag was the picture.
    calm = report_of(run(registry, cache, made_graph(NIGHT_SEA, None, "somber, sad")))
    assert calm["coherent"] and calm["flagged_segments"] == []


def test_the_report_reads_the_same_in_words(registry, cache):
    sunny = {"mood": "happy", "palette": "amber, gold"}
    result = run(registry, cache, made_graph(SUNNY_DESERT, sunny, "somber, sad"))
    text = result.outputs["check"]["report"]
    assert text.startswith("Coherence check — 1 mismatch in segment 2\n")
    assert "Method: offline signal analysis" in text
    segment_two = text.split("Segment 2 ")[1].split("Segment 3 ")[0]
    assert "MISMATCH: segment 2" in segment_two and "suggestion: music minor mode" in segment_two
    assert "MISMATCH" not in text.split("Segment 2 ")[0]
    assert "MISMATCH" not in text.split("Segment 3 ")[1]
    assert 'says: "' in segment_two  # the words spoken in that segment


@pytest.mark.slow
def test_the_lighthouse_example_is_coherent(registry, cache, tmp_path):
    from studio.graph.fileformat import load_graph
    from studio.paths import resources_dir

    graph = load_graph(resources_dir() / "examples" / "lighthouse.json")
    graph.add_node(Node("check", "check.coherence", {}))
    # Wired as the example's timeline is: its clips, narration, music and captions.
    for edge in graph.edges_into("timeline"):
        graph.connect(edge.src, edge.src_port, "check", edge.dst_port)
    report = report_of(run(registry, cache, graph, targets=["check"]))
    assert [s["clip"] for s in report["segments"]] == [1, 2, 3]
    assert report["coherent"], json.dumps(report["segments"], indent=1)[:3000]
    # The closest call is the night sea under the calm, hopeful (major) music: told as a close
    # call, not flagged (a gap under the 1.0 of a clash).
    night = report["segments"][1]
    assert "dark" in night["picture"]["words"] and night["picture"]["valence"] < 0
    assert night["music"]["numbers"]["mode"] == "major"
    (near,) = [c for c in night["close_calls"] if c["between"] == ["picture", "music"]]
    assert near["aspect"] == "valence" and 0.6 <= near["gap"] < 1.0
    assert "morning" in report["segments"][2]["narration"]["spoken"]


def test_a_finished_timeline_alone_is_checked_from_its_pictures(registry, cache):
    graph = Graph()
    for n, prompt in enumerate((NIGHT_SEA, SUNNY_DESERT), start=1):
        graph.add_node(Node(f"prompt{n}", "text.prompt", {"template": prompt}))
        graph.add_node(Node(f"image{n}", "image.generate", {"width": 640, "height": 360}))
        graph.connect(f"prompt{n}", "text", f"image{n}", "prompt")
    graph.add_node(
        Node(
            "timeline",
            "compose.timeline",
            {
                "clip_duration": 3.0,
                "transition": "cut",
                "preset": "1280x720",
                "fps": "24",
                "quality": "draft",
                "image_motion": "still",
            },
        )
    )
    graph.connect("image1", "image", "timeline", "clips")
    graph.connect("image2", "image", "timeline", "clips")
    graph.add_node(Node("check", "check.coherence", {}))
    graph.connect("timeline", "video", "check", "timeline")
    report = report_of(run(registry, cache, graph))
    assert [(s["start"], s["end"]) for s in report["segments"]] == [(0.0, 3.0), (3.0, 6.0)]
    first, second = report["segments"]
    assert first["picture"]["source"] == "timeline"
    assert first["picture"]["valence"] < 0 < second["picture"]["valence"]
    assert first["music"] is None and first["narration"] is None
    assert "segments found in the timeline's pictures (1 change of scene)" in report["notes"]


def test_a_vision_provider_adds_its_reading_beside_the_measures(registry, cache, monkeypatch):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "providers"))
    from fakes.llm import FakeOllama
    from fakes.server import FakeServer

    monkeypatch.setenv("STUDIO_HTTP_RETRIES", "0")
    with FakeServer() as server:
        monkeypatch.setenv("STUDIO_OLLAMA_URL", server.url)
        fake = FakeOllama(server, words=("valence 0.6, ", "energy -0.2: ", "warm, calm, golden"))
        graph = Graph()
        graph.add_node(Node("prompt", "text.prompt", {"template": SUNNY_DESERT}))
        graph.add_node(Node("image", "image.generate", {"width": 320, "height": 180}))
        graph.connect("prompt", "text", "image", "prompt")
        graph.add_node(
            Node("check", "check.coherence", {"provider": "ollama", "fit_to_narration": False})
        )
        graph.connect("image", "image", "check", "clips")
        report = report_of(run(registry, cache, graph))
        asked = fake.server.received("POST", "/api/chat")
    (segment,) = report["segments"]
    assert segment["picture"]["model"] == "valence 0.6, energy -0.2: warm, calm, golden"
    assert "frame" not in segment["picture"]  # a work file, not part of the report
    assert "With Ollama's reading of each picture and the words." in report["method"]
    picture_call = asked[0].json["messages"][-1]
    assert picture_call["images"] and "mood of this picture" in picture_call["content"]
    # The measured moods still decide the flags.
    assert segment["picture"]["numbers"]["warmth"] > 0.3
