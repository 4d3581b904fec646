"""image.describe tells the user when the engine could not do what was asked."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from studio.graph.model import Graph, Node


def _graph(folder: Path, question: str | None) -> Graph:
    Image.new("RGB", (64, 48), (200, 30, 30)).save(folder / "red.png")
    graph = Graph()
    graph.add_node(Node("pic", "image.load", {"file": "red.png"}))
    params = {} if question is None else {"question": question}
    graph.add_node(Node("say", "image.describe", params))
    graph.connect("pic", "image", "say", "image")
    return graph


def _warnings(events: list) -> list[tuple[str, str]]:
    return [(e.node, e.message) for e in events if type(e).__name__ == "NodeWarning"]


def test_a_question_the_offline_engine_cannot_answer_is_told(run_graph, tmp_path: Path) -> None:
    result, events = run_graph(_graph(tmp_path, "How many people are in it?"), graph_dir=tmp_path)
    assert result.status == "succeeded", result.failures
    assert "mostly red" in result.outputs["say"]["text"]  # still a usable description
    assert _warnings(events) == [
        (
            "say",
            'the offline engine cannot see what is in a picture, so "How many people are in '
            'it?" was not answered: it describes colours and light. Choose a vision provider '
            "for an answer.",
        )
    ]


def test_the_default_question_gets_no_warning(run_graph, tmp_path: Path) -> None:
    result, events = run_graph(_graph(tmp_path, None), graph_dir=tmp_path)
    assert result.status == "succeeded", result.failures
    assert _warnings(events) == []
