"""`pipx install .` puts a working `studio` on the PATH, and its desktop entry starts it.

pipx makes a fresh virtual environment, pip-installs the project into it and links the console
script into ~/.local/bin. The first test does exactly that, offline: the wheel is built from this
checkout and installed into a fresh venv without its dependencies, which the venv then borrows
from the environment running the tests (a .pth file) instead of downloading 700 MB. The second
runs the real pipx against PyPI; it needs the network, so it runs only when asked:

    STUDIO_NETWORK_TESTS=1 python -m pytest tests/packaging/test_install.py
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP_ID = "io.github.multimodal_studio.Studio"


def run(command: list, env: dict | None = None, timeout: int = 600, cwd: Path | None = None) -> str:
    done = subprocess.run(
        [str(c) for c in command],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        cwd=cwd,
    )
    assert done.returncode == 0, f"{command}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def clean_env(tmp_path: Path, bin_dir: Path) -> dict[str, str]:
    """No PYTHONPATH (the checkout must not shadow the installed studio), the user's XDG and
    studio folders in tmp, and `bin_dir` first on the PATH, as ~/.local/bin is for pipx."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith("XDG_")}
    env.update(
        PATH=os.pathsep.join([str(bin_dir), env.get("PATH", "")]),
        HOME=str(tmp_path / "home"),
        XDG_DATA_HOME=str(tmp_path / "home" / ".local" / "share"),
        XDG_CONFIG_HOME=str(tmp_path / "home" / ".config"),
        XDG_DATA_DIRS="/usr/local/share:/usr/share",
        PYTHONNOUSERSITE="1",
    )
    for name in ("CACHE", "DATA", "CONFIG", "STATE", "LOG"):
        env[f"STUDIO_{name}_DIR"] = str(tmp_path / "studio" / name.lower())
    return env


def check_installed_studio(tmp_path: Path, env: dict[str, str], site: Path, bin_dir: Path):
    studio = bin_dir / "studio"
    assert shutil.which("studio", path=env["PATH"]) == str(studio)
    version = run(["studio", "--version"], env).splitlines()
    assert version[0] == "studio 0.1.0"
    assert [line.split()[0] for line in version[1:]] == ["Python", "Qt", "PyAV", "onnxruntime"]
    # From a neutral folder: `python -c` puts the current folder first on sys.path.
    python = run(
        [studio.resolve().parent / "python", "-c", "import studio; print(studio.__file__)"],
        env,
        cwd=tmp_path,
    )
    assert Path(python.strip()).is_relative_to(site), "the checkout, not the install, was imported"
    nodes = run(["studio", "nodes"], env)
    assert "text.brief" in nodes and "export.video" in nodes  # the entry point of the wheel
    # The demo graph ships inside the wheel (studio/resources) and validates.
    run(["studio", "validate", site / "studio" / "resources" / "examples" / "lighthouse.json"], env)

    out = run(["studio", "desktop", "install"], env)
    assert "installed: Multimodal Studio is in the app menu" in out
    entry = Path(env["XDG_DATA_HOME"]) / "applications" / f"{APP_ID}.desktop"
    fields = dict(line.split("=", 1) for line in entry.read_text().splitlines() if "=" in line)
    # The entry names the studio on the PATH (pipx's link survives upgrades), not the venv's copy.
    assert fields["Exec"] == f"{studio} open %f"
    assert fields["TryExec"] == str(studio)
    assert run([*shlex.split(fields["Exec"])[:-2], "--version"], env).startswith("studio 0.1.0")
    if shutil.which("desktop-file-validate"):
        run(["desktop-file-validate", entry], env)
    if shutil.which("xdg-mime"):
        for mime in (
            "application/x-multimodal-studio-graph",
            "application/x-multimodal-studio-pack",
        ):
            assert run(["xdg-mime", "query", "default", mime], env).strip() == f"{APP_ID}.desktop"
    run(["studio", "desktop", "uninstall"], env)
    assert not entry.exists()


def test_a_fresh_venv_gets_a_working_studio_from_the_wheel(tmp_path):
    pytest.importorskip("hatchling", reason="building the wheel needs hatchling (the test extra)")
    dist = tmp_path / "dist"
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            dist,
            ROOT,
        ],
        timeout=900,
    )
    wheel = next(dist.glob("multimodal_studio-*.whl"))
    env_dir = tmp_path / "venvs" / "multimodal-studio"
    venv.EnvBuilder(with_pip=True, symlinks=True).create(env_dir)
    python = env_dir / "bin" / "python"
    run([python, "-m", "pip", "install", "--no-deps", "--no-index", "--quiet", wheel], timeout=900)
    site = Path(
        run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).strip()
    )
    # The dependencies, borrowed from the environment running the tests instead of downloaded.
    here = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "zz_test_dependencies.pth").write_text("\n".join(sorted(here)) + "\n")
    # pipx links the console script into ~/.local/bin.
    bin_dir = tmp_path / "home" / ".local" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "studio").symlink_to(env_dir / "bin" / "studio")
    check_installed_studio(tmp_path, clean_env(tmp_path, bin_dir), site, bin_dir)


@pytest.mark.skipif(
    not os.environ.get("STUDIO_NETWORK_TESTS"),
    reason="downloads pipx and every dependency from PyPI: set STUDIO_NETWORK_TESTS=1",
)
def test_pipx_install_puts_studio_on_the_path(tmp_path):
    tools = tmp_path / "tools"
    venv.EnvBuilder(with_pip=True).create(tools)
    run([tools / "bin" / "python", "-m", "pip", "install", "--quiet", "pipx"], timeout=900)
    bin_dir = tmp_path / "home" / ".local" / "bin"
    env = clean_env(tmp_path, bin_dir)
    env.update(PIPX_HOME=str(tmp_path / "pipx"), PIPX_BIN_DIR=str(bin_dir))
    source = tmp_path / "source"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".git", "dist", "build", "*.egg-info", "__pycache__", ".mypy_cache", ".ruff_cache"
        ),
    )
    run([tools / "bin" / "pipx", "install", source], env, timeout=3600)
    site = next(
        (tmp_path / "pipx" / "venvs" / "multimodal-studio").glob("lib/python*/site-packages")
    )
    check_installed_studio(tmp_path, env, site, bin_dir)
