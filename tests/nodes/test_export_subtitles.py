"""Exports write the timeline's captions beside the video, and re-exports reuse the segments."""

from __future__ import annotations

from pathlib import Path

from test_video_nodes import NARRATION, story_graph


def logs(events: list, node: str) -> list[str]:
    return [e.message for e in events if type(e).__name__ == "NodeLog" and e.node == node]


def test_an_export_writes_srt_and_vtt_beside_the_video(run_graph, tmp_path: Path) -> None:
    result, _ = run_graph(story_graph(tmp_path), graph_dir=tmp_path)
    assert result.status == "succeeded", result.failures
    srt = (tmp_path / "out" / "story.srt").read_text("utf-8")
    vtt = (tmp_path / "out" / "story.vtt").read_text("utf-8")
    assert srt == result.outputs["timeline"]["subtitles"]
    assert srt.startswith("1\n00:00:00,") and "The lighthouse wakes at dusk." in srt
    assert vtt.startswith("WEBVTT\n\n00:00:00.") and "Its beam sweeps the sea." in vtt
    # The same cues in both: every SubRip time appears in the WebVTT file with a dot.
    times = [line for line in srt.splitlines() if " --> " in line]
    assert len(times) == 2 and all(t.replace(",", ".") in vtt for t in times)
    assert result.outputs["export"]["video"].meta["subtitles"] == [
        str(tmp_path / "out" / "story.srt"),
        str(tmp_path / "out" / "story.vtt"),
    ]


def test_an_export_without_captions_writes_no_subtitle_files(run_graph, tmp_path: Path) -> None:
    graph = story_graph(tmp_path)
    edge = next(e for e in graph.edges if e.dst == "timeline" and e.dst_port == "captions")
    graph.remove_edge(edge)
    result, _ = run_graph(graph, graph_dir=tmp_path)
    assert result.status == "succeeded", result.failures
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["story.mp4"]


def test_an_edited_caption_re_encodes_only_its_segments(run_graph, tmp_path: Path) -> None:
    graph = story_graph(tmp_path)
    graph.add_node(graph.nodes["words"].__class__("captions", "text.prompt", {}))
    graph.set_param("captions", "template", NARRATION)
    edge = next(e for e in graph.edges if e.dst == "timeline" and e.dst_port == "captions")
    graph.remove_edge(edge)
    graph.connect("captions", "text", "timeline", "captions")
    first, events = run_graph(graph, graph_dir=tmp_path)
    assert first.status == "succeeded", first.failures
    made = logs(events, "timeline")[-1]
    total = int(made.split()[1])
    assert made == f"picture: {total} segments, {total} encoded, 0 reused from the cache"
    # A typo fixed in the second caption (the narration is unchanged): the timeline runs
    # again, but only the segments showing that caption are encoded.
    graph.set_param("captions", "template", NARRATION.replace("sweeps", "sweeeps"))
    second, events = run_graph(graph, graph_dir=tmp_path)
    assert second.status == "succeeded", second.failures
    assert "timeline" in second.executed and "voice" in second.cached
    line = logs(events, "timeline")[-1]
    encoded = int(line.split()[3])
    assert 1 <= encoded < total, line
    assert "sweeeps" in (tmp_path / "out" / "story.srt").read_text("utf-8")
