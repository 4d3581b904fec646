"""video.from_image, video.load, compose.timeline and export.video in real graphs."""

from __future__ import annotations

import hashlib
import re
import subprocess
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image, ImageDraw

from studio.graph.model import Graph, Node

NARRATION = "The lighthouse wakes at dusk. Its beam sweeps the sea."


def picture(path: Path, colour: tuple[int, int, int]) -> Path:
    image = Image.new("RGB", (640, 360), colour)
    ImageDraw.Draw(image).rectangle((280, 140, 360, 220), fill=(250, 250, 250))
    image.save(path)
    return path


def streams(path: Path) -> list[tuple[str, str]]:
    with av.open(str(path)) as container:
        return sorted((s.type, s.codec_context.name) for s in container.streams)


def video_facts(path: Path) -> tuple[int, int, int, float]:
    """(width, height, decoded frames, seconds) of the first video stream."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.decode(stream))
        seconds = float(stream.duration * stream.time_base) if stream.duration else 0.0
        return stream.codec_context.width, stream.codec_context.height, frames, seconds


def ffmpeg_loudness(path: Path) -> tuple[float, float]:
    """(integrated LUFS, true peak dBTP) of a file's sound, read by the ffmpeg command line in its
    own process: a measurement independent of the studio's decoding and meter."""
    import imageio_ffmpeg

    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostats", "-i", str(path)]
    command += ["-map", "0:a:0", "-af", "ebur128=peak=true:framelog=quiet", "-f", "null", "-"]
    stderr = subprocess.run(command, capture_output=True, text=True, check=True).stderr
    summary = stderr[stderr.rindex("Summary:") :]
    integrated = re.search(r"I:\s+(-?[\d.]+) LUFS", summary)
    peak = re.search(r"Peak:\s+(-?[\d.]+) dBFS", summary)
    assert integrated and peak, summary
    return float(integrated.group(1)), float(peak.group(1))


def story_graph(folder: Path, export_path: str = "out/story.mp4") -> Graph:
    """Two pictures (one set in motion by video.from_image), speech, music, captions, export."""
    picture(folder / "a.png", (200, 60, 40))
    picture(folder / "b.png", (40, 90, 200))
    graph = Graph()
    graph.add_node(Node("pic_a", "image.load", {"file": "a.png"}))
    graph.add_node(Node("pic_b", "image.load", {"file": "b.png"}))
    graph.add_node(
        Node(
            "motion",
            "video.from_image",
            {
                "preset": "custom",
                "width": 640,
                "height": 360,
                "duration": 1.0,
                "fps": "24",
                "motion": "pan_right",
                "strength": 0.6,
            },
        )
    )
    graph.connect("pic_a", "image", "motion", "image")
    graph.add_node(Node("words", "text.prompt", {"template": NARRATION}))
    graph.add_node(Node("voice", "audio.speech", {}))
    graph.connect("words", "text", "voice", "text")
    graph.add_node(Node("tune", "audio.music", {"duration": 6.0}))
    graph.add_node(
        Node(
            "timeline",
            "compose.timeline",
            {"preset": "1280x720", "fps": "24", "transition_seconds": 0.5, "quality": "draft"},
        )
    )
    graph.connect("motion", "video", "timeline", "clips")
    graph.connect("pic_b", "image", "timeline", "clips")
    graph.connect("voice", "audio", "timeline", "narration")
    graph.connect("tune", "audio", "timeline", "music")
    graph.connect("words", "text", "timeline", "captions")
    graph.add_node(Node("export", "export.video", {"path": export_path, "quality": "draft"}))
    graph.connect("timeline", "video", "export", "video")
    return graph


def test_the_story_renders_and_exports_an_mp4_with_sound(run_graph, tmp_path: Path) -> None:
    result, events = run_graph(story_graph(tmp_path), graph_dir=tmp_path)
    assert result.status == "succeeded", result.failures
    clip = result.outputs["motion"]["video"]
    assert clip.kind == "video" and streams(clip.path) == [("video", "h264")]
    assert clip.meta["frames"] == 24 and clip.meta["width"] == 640
    finished = {e.node: e for e in events if type(e).__name__ == "NodeFinished"}
    assert finished["motion"].provenance["provider"] == "offline"

    timeline = result.outputs["timeline"]["video"]
    speech = result.outputs["voice"]["audio"]
    with av.open(str(speech.path)) as container:
        stream = container.streams.audio[0]
        spoken = sum(f.samples for f in container.decode(stream)) / stream.sample_rate
    width, height, frames, seconds = video_facts(timeline.path)
    assert (width, height) == (1280, 720)
    assert seconds == pytest.approx(spoken + 0.5, abs=1 / 24 + 1e-6)  # narration + tail
    assert frames == timeline.meta["frames"]
    subtitles = result.outputs["timeline"]["subtitles"]
    assert subtitles.startswith("1\n00:00:0") and "The lighthouse wakes at dusk." in subtitles

    exported = tmp_path / "out" / "story.mp4"
    assert exported.is_file()
    assert streams(exported) == [("audio", "aac"), ("video", "h264")]
    assert result.outputs["export"]["video"].meta["path"] == str(exported)
    assert result.outputs["export"]["video"].meta["reencoded"] is False  # same quality: copied
    # export.video always runs (the user may have moved the file); the rest comes from cache.
    exported.unlink()
    again, _ = run_graph(story_graph(tmp_path), graph_dir=tmp_path)
    assert again.executed == ["export"] and exported.is_file()


def test_export_reports_the_loudness_it_made_on_the_named_target(run_graph, tmp_path: Path) -> None:
    graph = story_graph(tmp_path)
    graph.set_param("timeline", "loudness", "podcast")
    result, events = run_graph(graph, graph_dir=tmp_path)
    assert result.status == "succeeded", result.failures
    exported = tmp_path / "out" / "story.mp4"
    integrated, true_peak = ffmpeg_loudness(exported)
    assert integrated == pytest.approx(-16.0, abs=0.5)  # the podcast target, in the MP4 itself
    assert true_peak <= -1.0

    meta = result.outputs["export"]["video"].meta
    assert meta["loudness_lufs"] == pytest.approx(integrated, abs=0.15)
    assert meta["true_peak_dbtp"] == pytest.approx(true_peak, abs=0.2)
    assert result.outputs["timeline"]["video"].meta["loudness_target"] == "podcast"
    finished = {e.node: e for e in events if type(e).__name__ == "NodeFinished"}
    assert finished["export"].provenance["loudness"]["integrated_lufs"] == meta["loudness_lufs"]
    logs = [e.message for e in events if type(e).__name__ == "NodeLog" and e.node == "export"]
    assert any(
        m.startswith("target podcast (-16 LUFS): loudness ")
        and "LUFS integrated" in m
        and "dBTP" in m
        for m in logs
    ), logs
    assert not [e for e in events if type(e).__name__ == "NodeWarning"]


def test_writing_to_the_export_leaves_the_cached_result_intact(run_graph, tmp_path: Path) -> None:
    picture(tmp_path / "a.png", (200, 60, 40))
    graph = Graph()
    graph.add_node(Node("pic", "image.load", {"file": "a.png"}))
    params = {"preset": "custom", "width": 320, "height": 180, "duration": 0.5, "fps": "24"}
    graph.add_node(Node("motion", "video.from_image", params))
    graph.connect("pic", "image", "motion", "image")
    graph.add_node(Node("export", "export.video", {"path": "clip.mp4", "quality": "draft"}))
    graph.connect("motion", "video", "export", "video")
    result, _ = run_graph(graph, graph_dir=tmp_path)
    assert result.status == "succeeded", result.failures
    cached = result.outputs["export"]["video"]
    exported = tmp_path / "clip.mp4"
    assert cached.path.read_bytes() == exported.read_bytes()
    with open(exported, "r+b") as handle:  # another tool edits the export in place
        handle.seek(64)
        handle.write(b"edited elsewhere")
    assert hashlib.sha256(cached.path.read_bytes()).hexdigest() == cached.digest
    assert exported.stat().st_nlink == 1 and cached.path.stat().st_nlink == 1


def test_a_replaced_caption_font_is_a_warning_on_the_timeline(
    run_graph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from studio.media import captions

    broken = tmp_path / "Broken.ttf"
    broken.write_bytes(b"not a font at all")
    monkeypatch.setattr(captions, "find_font", lambda: broken)
    picture(tmp_path / "a.png", (40, 90, 200))
    graph = Graph()
    graph.add_node(Node("pic", "image.load", {"file": "a.png"}))
    graph.add_node(Node("words", "text.prompt", {"template": NARRATION}))
    settings = {"preset": "1280x720", "fps": "24", "fit_to_narration": False, "clip_duration": 1.0}
    graph.add_node(Node("timeline", "compose.timeline", {**settings, "quality": "draft"}))
    graph.connect("pic", "image", "timeline", "clips")
    graph.connect("words", "text", "timeline", "captions")
    result, events = run_graph(graph, graph_dir=tmp_path)
    assert result.status == "succeeded", result.failures
    warnings = [e.message for e in events if type(e).__name__ == "NodeWarning"]
    assert len(warnings) == 1 and "caption font Broken.ttf could not be loaded" in warnings[0]
    finished = {e.node: e for e in events if type(e).__name__ == "NodeFinished"}
    assert finished["timeline"].provenance["warnings"] == warnings


def test_export_webm_and_gif_and_refuse_a_mismatched_name(run_graph, tmp_path: Path) -> None:
    graph = story_graph(tmp_path, export_path="clip.webm")
    graph.set_param("export", "format", "webm")
    graph.add_node(
        Node("gif", "export.video", {"path": "clip", "format": "gif", "quality": "draft"})
    )
    graph.connect("timeline", "video", "gif", "video")
    graph.add_node(Node("wrong", "export.video", {"path": "clip.mov", "format": "mp4"}))
    graph.connect("timeline", "video", "wrong", "video")
    result, _ = run_graph(graph, graph_dir=tmp_path)
    assert result.failures.keys() == {"wrong"}
    assert "clip.mov does not end in .mp4" in result.failures["wrong"]
    assert streams(tmp_path / "clip.webm") == [("audio", "opus"), ("video", "vp9")]
    assert streams(tmp_path / "clip.gif") == [("video", "gif")]
    width, _, _, _ = video_facts(tmp_path / "clip.gif")
    assert width == 360  # the draft GIF width
    assert not (tmp_path / "clip.mov").exists()


def test_timeline_without_clips_is_refused(run_graph, tmp_path: Path) -> None:
    from studio.errors import GraphError

    graph = Graph()
    graph.add_node(Node("timeline", "compose.timeline", {}))
    with pytest.raises(GraphError, match="clips"):
        run_graph(graph, graph_dir=tmp_path)


def test_video_from_image_rejects_zero_duration(run_graph, tmp_path: Path) -> None:
    from studio.errors import GraphError

    picture(tmp_path / "a.png", (10, 10, 10))
    graph = Graph()
    graph.add_node(Node("pic", "image.load", {"file": "a.png"}))
    graph.add_node(Node("motion", "video.from_image", {"duration": 0.0}))
    graph.connect("pic", "image", "motion", "image")
    with pytest.raises(GraphError, match="duration"):
        run_graph(graph, graph_dir=tmp_path)


def write_rotated(path: Path) -> Path:
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 160, 90, "yuv420p"
        stream.set_display_rotation(-90)  # a phone held upright
        for i in range(10):
            image = np.full((90, 160, 3), 90, np.uint8)
            image[:10, :20] = (255, 0, 0)
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = i
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def test_video_load_straightens_a_phone_video_and_refuses_junk(run_graph, tmp_path: Path) -> None:
    write_rotated(tmp_path / "phone.mov")
    (tmp_path / "junk.mp4").write_bytes(b"\x00\x01" * 500)
    (tmp_path / "empty.mp4").write_bytes(b"")
    graph = Graph()
    graph.add_node(Node("phone", "video.load", {"file": "phone.mov"}))
    graph.add_node(Node("junk", "video.load", {"file": "junk.mp4"}))
    graph.add_node(Node("empty", "video.load", {"file": "empty.mp4"}))
    result, _ = run_graph(graph, graph_dir=tmp_path)
    video = result.outputs["phone"]["video"]
    assert video.meta["transcoded"] is True
    assert video_facts(video.path)[:3] == (90, 160, 10)  # upright: portrait
    assert "junk.mp4 is not a video file" in result.failures["junk"]
    assert "empty.mp4 is empty" in result.failures["empty"]


def test_video_load_into_a_timeline_at_23_976(run_graph, tmp_path: Path) -> None:
    with av.open(str(tmp_path / "film.mp4"), "w") as container:
        stream = container.add_stream("libx264", rate=Fraction(24000, 1001))
        stream.width, stream.height, stream.pix_fmt = 320, 180, "yuv420p"
        for i in range(24):
            frame = av.VideoFrame.from_ndarray(
                np.full((180, 320, 3), i * 10, np.uint8), format="rgb24"
            )
            frame.pts = i
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    graph = Graph()
    graph.add_node(Node("film", "video.load", {"file": "film.mp4"}))
    graph.add_node(
        Node(
            "timeline",
            "compose.timeline",
            {
                "preset": "1280x720",
                "fps": "30",
                "fit_to_narration": False,
                "clip_duration": 0.5,
                "quality": "draft",
            },
        )
    )
    graph.connect("film", "video", "timeline", "clips")
    result, _ = run_graph(graph, graph_dir=tmp_path)
    assert result.status == "succeeded", result.failures
    assert result.outputs["film"]["video"].meta["transcoded"] is False  # already plain H.264
    video = result.outputs["timeline"]["video"]
    assert video_facts(video.path)[:3] == (1280, 720, 15)
    assert streams(video.path) == [("audio", "aac"), ("video", "h264")]
    assert result.outputs["timeline"]["subtitles"] == ""


def test_a_webm_timeline_is_exported_as_webm_by_copying_it(run_graph, tmp_path: Path) -> None:
    graph = story_graph(tmp_path, "out/story.webm")
    graph.set_param("export", "format", "webm")
    graph.set_param("timeline", "quality", "draft")
    result, events = run_graph(graph, graph_dir=tmp_path)
    assert result.status == "succeeded", result.failures
    said = [e.message for e in events if type(e).__name__ == "NodeLog" and e.node == "export"]
    assert result.outputs["export"]["video"].meta["reencoded"] is True  # from an MP4 timeline
    assert any("set the Timeline's container to webm" in line for line in said), said

    graph.set_param("timeline", "container", "webm")
    result, events = run_graph(graph, graph_dir=tmp_path)
    assert result.status == "succeeded", result.failures
    timeline = result.outputs["timeline"]["video"]
    assert streams(timeline.path) == [("audio", "opus"), ("video", "vp9")]
    exported = tmp_path / "out" / "story.webm"
    assert result.outputs["export"]["video"].meta["reencoded"] is False
    assert exported.read_bytes() == timeline.path.read_bytes()  # the very file: copied
    said_export = [
        e.message for e in events if type(e).__name__ == "NodeLog" and e.node == "export"
    ]
    assert any(line.startswith("copied without encoding") for line in said_export)
    said = [e.message for e in events if type(e).__name__ == "NodeLog" and e.node == "timeline"]
    assert any("encoded" in line for line in said)
