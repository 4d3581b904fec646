"""An independent loudness reading for tests: the ffmpeg command-line tool's EBU R 128 summary.

It decodes the file in its own process (imageio-ffmpeg's binary), so a test that compares the
studio's figures with it does not check the studio's decoding and metering against themselves.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path


def ffmpeg_loudness(path: Path) -> tuple[float, float]:
    """(integrated LUFS, true peak dBTP) of a file's audio, read by `ffmpeg -af ebur128`."""
    import imageio_ffmpeg

    command = [
        imageio_ffmpeg.get_ffmpeg_exe(),
        "-hide_banner",
        "-nostats",
        "-i",
        str(path),
        "-map",
        "0:a:0",
        "-af",
        "ebur128=peak=true:framelog=quiet",
        "-f",
        "null",
        "-",
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=True, timeout=600)
    summary = done.stderr[done.stderr.rindex("Summary:") :]
    integrated = re.search(r"I:\s+(-?[\d.]+|-inf) LUFS", summary)
    peak = re.search(r"Peak:\s+(-?[\d.]+|-inf) dBFS", summary)
    assert integrated and peak, summary
    return float(integrated.group(1)), float(peak.group(1))
