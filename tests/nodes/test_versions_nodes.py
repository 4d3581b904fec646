"""Versions: one timeline delivered in several formats and languages, sharing the work."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import av
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "providers"))

from fakes.llm import FakeOllama
from fakes.server import FakeServer, Recorded, Reply
from test_video_nodes import story_graph

from studio.graph.model import Node

FRENCH = {
    "The lighthouse wakes at dusk.": "Le phare s'éveille au crépuscule.",
    "Its beam sweeps the sea.": (
        "Son faisceau balaie la mer, lentement, jusqu'à l'horizon lointain."
    ),
}


@dataclass
class Translator(FakeOllama):
    """A fake Ollama that translates the story's sentences into French, line by line."""

    def chat(self, request: Recorded) -> Reply:
        text = request.json["messages"][-1]["content"]
        for english, french in FRENCH.items():
            text = text.replace(english, french)
        self.words = (text,)
        return super().chat(request)


def versions_graph(folder: Path, versions: str, **params) -> object:
    graph = story_graph(folder)
    graph.remove_node("export")
    graph.add_node(
        Node(
            "versions",
            "export.versions",
            {
                "path": "out/story",
                "versions": versions,
                "quality": "draft",
                "translator_model": "llama3.2",
                **params,
            },
        )
    )
    graph.connect("timeline", "video", "versions", "timeline")
    return graph


def facts(path: Path) -> tuple[int, int, float, list[str]]:
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        kinds = sorted(s.type for s in container.streams)
        frames = sum(1 for _ in container.decode(video))
        return video.codec_context.width, video.codec_context.height, frames / 24, kinds


def forget_fake_models() -> None:
    """The Ollama provider is one per process and remembers the models a server listed; the
    fake's must not outlive the test (the guide, generated later in a run, lists them)."""
    from studio.providers.remote import PROVIDERS

    for provider in PROVIDERS:
        if provider.id == "ollama":
            provider._installed = []


@pytest.fixture
def ollama(monkeypatch):
    with FakeServer() as server:
        Translator(server)
        monkeypatch.setenv("STUDIO_OLLAMA_URL", server.url)
        yield server
    forget_fake_models()


def started(events: list, graph, registry) -> dict[str, int]:
    """How many nodes of each type ran, read from the run's events."""
    from studio.engine.versions import expand_versions

    types = {n: node.type for n, node in expand_versions(graph, registry).nodes.items()}
    ran: dict[str, int] = {}
    for event in events:
        if type(event).__name__ == "NodeStarted":
            ran[types[event.node]] = ran.get(types[event.node], 0) + 1
    return ran


SIX = "320x180\n180x320\n180x180\n320x180 fr\n180x320 fr\n180x180 fr"


def test_three_formats_in_two_languages_share_pictures_sound_and_translations(
    run_graph, registry, tmp_path: Path, ollama
) -> None:
    graph = versions_graph(tmp_path, SIX)
    graph.set_param("timeline", "burn_captions", False)
    result, events = run_graph(graph, graph_dir=tmp_path)
    assert result.status == "succeeded", result.failures
    ran = started(events, graph, registry)
    # One picture per format, one soundtrack and one narration per language, one translation
    # (the captions and the narration are the same text), and the timeline itself not at all.
    assert ran["compose.picture"] == 3
    assert ran["compose.soundtrack"] == 2
    assert ran["text.translate"] == 1 and len(ollama.received("POST", "/api/chat")) == 1
    assert ran["audio.speech"] == 2  # the piece's voice and its French copy
    assert ran["export.version"] == 6 and "compose.timeline" not in ran
    out = tmp_path / "out"
    names = sorted(p.name for p in out.iterdir())
    for size in ("320x180", "180x320", "180x180"):
        for lang in ("en", "fr"):
            for ext in ("mp4", "srt", "vtt"):
                assert f"story.{size}.{lang}.{ext}" in names
    width, height, en_seconds, kinds = facts(out / "story.180x320.en.mp4")
    assert (width, height, kinds) == (180, 320, ["audio", "video"])
    _, _, fr_seconds, _ = facts(out / "story.180x320.fr.mp4")
    assert fr_seconds >= en_seconds  # the French narration is longer: the picture holds
    french = (out / "story.180x180.fr.vtt").read_text("utf-8")
    assert french.startswith("WEBVTT") and "Le phare s'éveille au crépuscule." in french
    english = (out / "story.180x180.en.srt").read_text("utf-8")
    assert "The lighthouse wakes at dusk." in english
    listed = result.outputs["versions"]["videos"]
    assert [v.meta["version"] for v in listed] == [
        "320x180.en",
        "180x320.en",
        "180x180.en",
        "320x180.fr",
        "180x320.fr",
        "180x180.fr",
    ]


def streams(path: Path) -> tuple[list[tuple[str, str]], float, float]:
    """(kind, codec) of each stream, and the seconds of picture and of sound that decode."""
    with av.open(str(path)) as container:
        kinds = sorted((s.type, s.codec_context.name) for s in container.streams)
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        frames = sum(1 for _ in container.decode(video))
        rate = float(video.average_rate)
    with av.open(str(path)) as container:
        samples = sum(f.samples for f in container.decode(container.streams.audio[0]))
    return kinds, frames / rate, samples / 48000


def test_webm_versions_are_joined_from_their_own_tracks_and_re_export_only_what_changed(
    run_graph, registry, tmp_path: Path
) -> None:
    from test_video_nodes import picture

    graph = versions_graph(tmp_path, "320x180 webm\n320x180")
    result, events = run_graph(graph, graph_dir=tmp_path)
    assert result.status == "succeeded", result.failures
    ran = started(events, graph, registry)
    assert ran["compose.picture"] == 2 and ran["compose.soundtrack"] == 2  # VP9+Opus, H.264+AAC
    out = tmp_path / "out"
    kinds, picture_s, sound_s = streams(out / "story.320x180.en.webm")
    assert kinds == [("audio", "opus"), ("video", "vp9")]
    assert abs(picture_s - sound_s) < 0.05, (picture_s, sound_s)
    kinds, picture_s, sound_s = streams(out / "story.320x180.en.mp4")
    assert kinds == [("audio", "aac"), ("video", "h264")]
    listed = [v.meta for v in result.outputs["versions"]["videos"]]
    assert [(m["format"], m["reencoded"]) for m in listed] == [("webm", False), ("mp4", False)]

    # A new second picture: in both codecs only the segments that show it are encoded again.
    picture(tmp_path / "b2.png", (240, 200, 40))
    graph.set_param("pic_b", "file", "b2.png")
    again, _ = run_graph(graph, graph_dir=tmp_path)
    assert again.status == "succeeded", again.failures
    for node_id in ("versions__pic-320x180-en-webm", "versions__pic-320x180-en"):
        meta = again.outputs[node_id]["video"].meta
        assert 1 <= meta["segments_encoded"] < meta["segments"], (node_id, meta)
    kinds, picture_s, sound_s = streams(out / "story.320x180.en.webm")
    assert kinds == [("audio", "opus"), ("video", "vp9")] and abs(picture_s - sound_s) < 0.05


def test_a_webm_version_in_a_longer_language_holds_its_last_picture_in_vp9(
    run_graph, tmp_path: Path, ollama
) -> None:
    graph = versions_graph(tmp_path, "180x320 fr webm")
    graph.set_param("timeline", "burn_captions", False)  # so the version holds, not its picture
    result, _ = run_graph(graph, graph_dir=tmp_path)
    assert result.status == "succeeded", result.failures
    (meta,) = [v.meta for v in result.outputs["versions"]["videos"]]
    assert meta["held_frames"] > 0 and meta["reencoded"] is False
    kinds, picture_s, sound_s = streams(tmp_path / "out" / "story.180x320.fr.webm")
    assert kinds == [("audio", "opus"), ("video", "vp9")]
    assert abs(picture_s - sound_s) < 0.05, (picture_s, sound_s)


def test_tracks_made_for_different_containers_are_refused_by_name(tmp_path: Path) -> None:
    from mediafiles import write_counter_video

    from studio.media.deliver import deliver_version, make_soundtrack
    from studio.media.errors import MediaError
    from studio.media.timeline import TimelineSettings

    picture = write_counter_video(tmp_path / "picture.mp4", count=24, rate=24)  # H.264
    sound = tmp_path / "sound.webm"
    settings = TimelineSettings(width=16, height=16, fps=24, clip_duration=1.0, container="webm")
    make_soundtrack(sound, clip_count=1, settings=settings, scratch=tmp_path)
    with pytest.raises(MediaError, match="the soundtrack is opus but the picture is h264"):
        deliver_version(picture, tmp_path / "v.mp4", sound=sound, scratch=tmp_path)
    assert not (tmp_path / "v.mp4").exists()
