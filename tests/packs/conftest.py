"""Fixtures for third-party pack tests: the example pack, installed as a user would install it."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE_PACK = Path(__file__).parent / "example_pack"
# The example pack's own tests run against the installed pack (test_third_party_pack.py), not here.
collect_ignore = ["example_pack"]


@pytest.fixture(scope="session")
def installed_pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`pip install` the example pack into a private folder; returns that folder (a sys.path entry).

    No network: --no-index, and the build backend (hatchling) comes from the environment.
    """
    target = tmp_path_factory.mktemp("site-packages")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            "--no-build-isolation",
            "--disable-pip-version-check",
            "--target",
            str(target),
            str(EXAMPLE_PACK),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return target


@pytest.fixture
def on_path(monkeypatch: pytest.MonkeyPatch):
    """Put a folder on sys.path for this test, as if it were site-packages."""

    def add(folder: Path) -> None:
        monkeypatch.syspath_prepend(str(folder))
        importlib.invalidate_caches()

    return add
