"""`studio validate` looks inside every file a graph names, as its load node would, before a render:
a zero-byte, random-bytes, cut-short or bomb file is reported with the node, the param and why."""

from __future__ import annotations

import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import numpy as np
from mediafiles import cut, random_file, write_video_with_sound
from PIL import Image

from studio.cli import main
from studio.graph.fileformat import save_graph
from studio.graph.model import Graph, Node


def bomb_png(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height over a few KB of data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(bytes(1 + width * 3) * 8, 9)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def _graph(folder: Path, files: dict[str, tuple[str, str]]) -> Path:
    """A graph of load nodes: node id -> (node type, file)."""
    graph = Graph()
    for node_id, (node_type, file) in files.items():
        graph.add_node(Node(node_id, node_type, {"file": file}))
    path = folder / "story.json"
    save_graph(graph, path)
    return path


def _assets(folder: Path) -> None:
    Image.new("RGB", (64, 48), (200, 40, 40)).save(folder / "good.png")
    (folder / "empty.jpg").write_bytes(b"")
    random_file(folder / "noise.png")
    (folder / "bomb.png").write_bytes(bomb_png(20000, 20000))
    whole = write_video_with_sound(folder / "whole.mp4", video_seconds=1, audio_seconds=1)
    cut(whole, folder / "cut.mp4", 0.5)
    random_file(folder / "noise.wav", seed=11)
    t = np.arange(48000) / 48000
    from studio.media.audio_io import write_wav

    write_wav(folder / "voice.wav", np.sin(2 * np.pi * 220 * t).astype(np.float32) * 0.3)


def test_validate_reports_every_unusable_file_with_node_param_and_reason(tmp_path, capsys):
    _assets(tmp_path)
    path = _graph(
        tmp_path,
        {
            "photo": ("image.load", "good.png"),
            "blank": ("image.load", "empty.jpg"),
            "static": ("image.load", "noise.png"),
            "bomb": ("image.load", "bomb.png"),
            "clip": ("video.load", "cut.mp4"),
            "fine_clip": ("video.load", "whole.mp4"),
            "hiss": ("audio.load", "noise.wav"),
            "voice": ("audio.load", "voice.wav"),
            "gone": ("audio.load", "nowhere.mp3"),
        },
    )
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    lines = [line.strip() for line in err.splitlines()]
    assert "6 problem(s)" in lines[0]

    def line_of(node: str) -> str:
        (found,) = [line for line in lines if f"node {node!r}" in line]
        assert f"$.nodes.{node}.params.file" in found
        return found

    assert "empty.jpg is empty (0 bytes)" in line_of("blank")
    assert "noise.png is not a picture this studio can read" in line_of("static")
    assert "bomb.png is too large to open safely" in line_of("bomb")
    assert "decompression bomb" in line_of("bomb")
    assert "cut.mp4 is cut short or damaged" in line_of("clip")
    assert "noise.wav is not an audio file this studio can read" in line_of("hiss")
    assert "file 'nowhere.mp3' not found" in line_of("gone")
    for fine in ("photo", "fine_clip", "voice"):
        assert not [line for line in lines if f"node {fine!r}" in line]


def test_validate_passes_good_files(tmp_path, capsys):
    _assets(tmp_path)
    path = _graph(
        tmp_path,
        {
            "photo": ("image.load", "good.png"),
            "clip": ("video.load", "whole.mp4"),
            "voice": ("audio.load", "voice.wav"),
        },
    )
    assert main(["validate", str(path)]) == 0
    assert "story.json: ok (3 nodes" in capsys.readouterr().out


def test_the_probe_reads_headers_not_whole_files(tmp_path):
    from studio.media.probe import probe_asset
    from studio.media.video_io import iter_frames

    clip = write_video_with_sound(
        tmp_path / "long.mkv", video_seconds=30, audio_seconds=30, rate=25, fmt="matroska"
    )
    # CPU seconds of this process, not wall time: other processes on a loaded machine don't count.
    # The best of three probes, so one hiccup (a cold disk cache) doesn't either.
    probes = []
    for _ in range(3):
        started = time.process_time()
        probe_asset(clip, "video")
        probe_asset(clip, "audio")
        probes.append(time.process_time() - started)
    started = time.process_time()
    assert sum(1 for _ in iter_frames(clip)) == 750
    decoding = time.process_time() - started
    # Measured here: 0.03 s to probe, 0.6 s to decode; side by side, so a busy machine slows both.
    assert min(probes) < decoding / 5, f"probing {min(probes):.3f} s, decoding {decoding:.3f} s"


def test_validate_exits_2_in_a_subprocess_without_a_traceback(tmp_path):
    (tmp_path / "empty.png").write_bytes(b"")
    path = _graph(tmp_path, {"photo": ("image.load", "empty.png")})
    done = subprocess.run(
        [sys.executable, "-m", "studio", "validate", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "node 'photo'" in done.stderr and "empty.png is empty (0 bytes)" in done.stderr
    assert "Traceback" not in done.stderr
