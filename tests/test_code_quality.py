"""The test command also holds the code to its rules: ruff, and the layer contracts."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_ruff_finds_nothing():
    ruff = shutil.which("ruff") or sys.exit("ruff is not installed: pip install -e '.[test]'")
    done = _run(ruff, "check", ".")
    assert done.returncode == 0, done.stdout + done.stderr


def test_layers_hold():
    """No Qt outside studio.gui; studio never imports nodes; nodes import only studio.api."""
    lint = shutil.which("lint-imports") or sys.exit("import-linter is not installed")
    done = _run(lint, "--no-cache")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "broken" in done.stdout and "0 broken" in done.stdout


def test_type_checker_finds_nothing():
    """mypy over studio and nodes, as configured in pyproject.toml: strict on the graph, the
    engine and studio.api, basic elsewhere (an unknown price, None, summed as 0 is caught)."""
    done = _run(sys.executable, "-m", "mypy")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Success: no issues found" in done.stdout
