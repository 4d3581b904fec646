"""The first window fits the screen's available geometry at the usual scale factors, not only
at 150 % (tests/gui/test_window_state.py): 125 % and 200 % too, using most of the room."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from test_window_state import FITS_SCRIPT


@pytest.mark.parametrize("factor", ["1.25", "2"])
def test_the_first_window_fits_the_screen_at_this_scale_factor(factor):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "QT_SCALE_FACTOR": factor}
    done = subprocess.run(
        [sys.executable, "-c", FITS_SCRIPT], capture_output=True, text=True, timeout=120, env=env
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["ratio"] == float(factor)
    sx, sy, sw, sh = seen["screen"]
    x, y, w, h = seen["frame"]
    assert sx <= x and sy <= y and x + w <= sx + sw and y + h <= sy + sh, seen
    assert w >= 0.8 * sw and h >= 0.8 * sh, seen
