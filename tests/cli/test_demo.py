"""The main job: `studio demo` renders the bundled example offline to an MP4 with sound."""

from __future__ import annotations

import json
from pathlib import Path

import av
import numpy as np

from studio.cli import main
from studio.paths import resources_dir


def test_the_example_graph_is_a_plain_valid_graph_file(capsys):
    example = resources_dir() / "examples" / "lighthouse.json"
    doc = json.loads(example.read_text())
    assert doc["format"] == "multimodal-studio.graph"
    assert main(["validate", str(example)]) == 0


def test_demo_renders_a_watchable_listenable_video(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["demo"]) == 0
    out = tmp_path / "studio-demo.mp4"
    assert out.is_file()
    with av.open(str(out)) as container:
        video = container.streams.video
        audio = container.streams.audio
        assert [s.codec_context.name for s in video] == ["h264"]
        assert [s.codec_context.name for s in audio] == ["aac"]
        assert video[0].codec_context.pix_fmt == "yuv420p"
        assert (video[0].codec_context.width, video[0].codec_context.height) == (1280, 720)
        assert audio[0].codec_context.sample_rate == 48000
        video_seconds = float(video[0].duration * video[0].time_base)
        audio_seconds = float(audio[0].duration * audio[0].time_base)
        assert 8 < video_seconds < 40
        assert abs(video_seconds - audio_seconds) < 0.1
        samples = np.concatenate([f.to_ndarray() for f in container.decode(audio=0)], axis=1)
    rms_db = 20 * np.log10(np.sqrt(np.mean(samples**2)) + 1e-12)
    assert -30 < rms_db < -8, f"soundtrack level {rms_db:.1f} dBFS"
    assert np.abs(samples).max() < 1.0
    # A second demo comes from the cache and still writes the file.
    out.unlink()
    assert main(["demo"]) == 0
    assert out.is_file()
    # Only the export node runs again: it writes the user's file every time.
    assert "1 ran, 14 from cache" in capsys.readouterr().err
