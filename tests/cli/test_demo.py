"""The main job: `studio demo` renders the bundled example offline to an MP4 with sound."""

from __future__ import annotations

import itertools
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


def _speech_band_db(samples: np.ndarray, start: float, end: float, rate: int = 48000) -> float:
    """Energy of the voice band (300..3400 Hz) between two times of a mono track, in dB."""
    part = samples[round(start * rate) : round(end * rate)]
    spectrum = np.abs(np.fft.rfft(part * np.hanning(len(part)))) ** 2
    freqs = np.fft.rfftfreq(len(part), 1 / rate)
    return float(10 * np.log10(spectrum[(freqs > 300) & (freqs < 3400)].sum() / len(part) + 1e-12))


def test_demo_renders_a_watchable_listenable_video(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["demo", "--json"]) == 0
    printed = capsys.readouterr().out.splitlines()
    events = [json.loads(line) for line in printed if line.startswith("{")]
    finished = {e["node"]: e for e in events if e["event"] == "finished"}
    # The Piper voice narrates, and says so.
    narration = finished["narration"]
    assert narration["provenance"]["engine"] == "piper"
    assert narration["outputs"]["audio"]["meta"]["voice"] == "en_US-joe-medium"
    assert not [e for e in events if e["event"] == "warning"]
    sentences = narration["outputs"]["audio"]["meta"]["sentences"]
    assert len(sentences) == 3
    # The captions start with the first spoken sentence and end with the last, exactly.
    srt = finished["timeline"]["outputs"]["subtitles"]
    times = [line.split(" --> ") for line in srt.splitlines() if " --> " in line]
    assert times[0][0] == f"00:00:{sentences[0][0]:06.3f}".replace(".", ",")
    assert times[-1][1] == f"00:00:{sentences[-1][1]:06.3f}".replace(".", ",")
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
    # Speech is heard where the captions are: over each spoken sentence the voice band is well
    # above the pauses between sentences (where only the music plays, no longer ducked).
    mono = samples.mean(axis=0)
    pauses = [(a[1] + 0.03, b[0] - 0.03) for a, b in itertools.pairwise(sentences)]
    loudest_pause = max(_speech_band_db(mono, start, end) for start, end in pauses)
    for start, end, _ in sentences:
        assert _speech_band_db(mono, start, end) > loudest_pause + 10
    rms_db = 20 * np.log10(np.sqrt(np.mean(samples**2)) + 1e-12)
    assert -30 < rms_db < -8, f"soundtrack level {rms_db:.1f} dBFS"
    assert np.abs(samples).max() < 1.0
    # A second demo comes from the cache and still writes the file.
    out.unlink()
    assert main(["demo"]) == 0
    assert out.is_file()
    # Only the export node runs again: it writes the user's file every time.
    assert "1 ran, 14 from cache" in capsys.readouterr().err


def test_the_demo_renders_as_studio_render_with_no_money_would(monkeypatch):
    """Every option of `studio render` reaches the demo's render, with render's own defaults."""
    from studio.cli import build_parser, demo, render

    seen = []
    monkeypatch.setattr(render, "run_render", lambda args: seen.append(vars(args)) or 0)
    assert main(["demo", "--output=-odd name.mp4", "--no-cache"]) == 0
    example = str(resources_dir() / demo.EXAMPLE)
    typed = ["render", example, "--output=-odd name.mp4", "--max-cost", "0", "--no-cache"]
    parser = build_parser()
    expected = vars(parser.parse_args(typed))
    for top_level in [*vars(parser.parse_args([])), "handler"]:  # --verbose, the command, ...
        expected.pop(top_level, None)
    assert seen == [expected]
    assert seen[0]["max_cost"] == 0.0 and seen[0]["form_values"] == []
