"""video.waveform in a graph: a loaded sound becomes a video of its spectrum, with the sound."""

from __future__ import annotations

from pathlib import Path

import av
import pytest

from studio.graph.model import Graph, Node


def write_tone(path: Path, seconds: float = 1.5) -> Path:
    import wave

    import numpy as np

    t = np.arange(round(seconds * 22_050)) / 22_050
    samples = (0.4 * np.sin(2 * np.pi * 440 * t) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(22_050)
        handle.writeframes(samples.tobytes())
    return path


def test_a_loaded_sound_over_a_picture_becomes_a_video_with_that_sound(run_graph, tmp_path):
    write_tone(tmp_path / "voice.wav")
    graph = Graph()
    graph.add_node(Node("sound", "audio.load", {"file": "voice.wav"}))
    graph.add_node(Node("words", "text.prompt", {"template": "a quiet harbour at night"}))
    graph.add_node(Node("picture", "image.generate", {"width": 320, "height": 320}))
    graph.connect("words", "text", "picture", "prompt")
    graph.add_node(Node("wave", "video.waveform", {"preset": "1080x1080", "fps": "24"}))
    graph.connect("sound", "audio", "wave", "audio")
    graph.connect("picture", "image", "wave", "image")
    result, events = run_graph(graph, graph_dir=tmp_path)
    assert result.status == "succeeded", result.failures
    video = result.outputs["wave"]["video"]
    assert video.kind == "video"
    assert (video.meta["width"], video.meta["height"], video.meta["frames"]) == (1080, 1080, 36)
    assert video.meta["duration"] == pytest.approx(1.5)
    with av.open(str(video.path)) as container:
        kinds = sorted((s.type, s.codec_context.name) for s in container.streams)
        frames = sum(1 for _ in container.decode(container.streams.video[0]))
    assert kinds == [("audio", "aac"), ("video", "h264")] and frames == 36
    assert not [e for e in events if type(e).__name__ == "NodeWarning"]
