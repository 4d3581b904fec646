"""`studio voices`: list, add and download Piper voices (from a local server), checked end to end.

The voice used for adding and downloading is the bundled one under another key (en_GB "testy"),
so every install really loads a model and speaks a test sentence, and the speech engine then
speaks with it.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import sys
from pathlib import Path

import pytest

from studio.cli import main
from studio.providers.offline import speech, voices

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "providers"))
from fakes.piper_voices import KEY, make_test_voice, serve_voice
from fakes.server import FakeServer


@pytest.fixture(autouse=True)
def quick_http(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "STUDIO_HTTP_RETRIES": "1",
        "STUDIO_HTTP_BACKOFF": "0.01",
        "STUDIO_HTTP_READ_TIMEOUT": "20",
    }.items():
        monkeypatch.setenv(name, value)


@pytest.fixture(scope="module")
def voice_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_test_voice(tmp_path_factory.mktemp("voice"))


def _installed_files() -> list[str]:
    folder = voices.voices_dir()
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def test_list_shows_the_bundled_voice_and_espeak(capsys):
    assert main(["voices"]) == 0
    out = capsys.readouterr().out
    line = next(row for row in out.splitlines() if "en_US-joe-medium" in row)
    for word in ("joe", "en_US", "medium", "22050 Hz", "bundled", "CC0"):
        assert word in line
    assert "eSpeak NG" in out and "languages" in out
    assert main(["voices", "list", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [v["key"] for v in data["piper"]] == ["en_US-joe-medium"]
    assert {"en-us", "fr-fr", "de"} <= set(data["espeak"])


def test_add_installs_a_checked_voice_that_speech_then_uses(voice_files, capsys, tmp_path):
    assert main(["voices", "add", str(voice_files / f"{KEY}.onnx")]) == 0
    assert f"installed testy ({KEY}, en_GB, 22050 Hz)" in capsys.readouterr().out
    assert _installed_files() == [
        f"{KEY}.MODEL_CARD",
        f"{KEY}.onnx",
        f"{KEY}.onnx.json",
        f"{KEY}.voice.json",
    ]
    manifest = json.loads((voices.voices_dir() / f"{KEY}.voice.json").read_text())
    model_digest = hashlib.sha256((voice_files / f"{KEY}.onnx").read_bytes()).hexdigest()
    assert manifest["sha256"]["model"] == model_digest
    assert main(["voices"]) == 0
    listed = capsys.readouterr().out
    row = next(line for line in listed.splitlines() if KEY in line)
    assert "user" in row and "CC-BY 4.0" in row
    assert listed.index("en_US-joe-medium") < listed.index(KEY)  # bundled first
    # Speech now has a Piper voice for British English, by name and by language.
    for voice in ("testy", "en-gb"):
        result = speech.synthesize("A British voice.", tmp_path / "gb.wav", voice=voice)
        assert (result.engine, result.voice, result.warnings) == ("piper", KEY, [])
    assert "testy" in speech.voice_suggestions()[:2]


def test_a_voice_changed_after_installing_is_not_loaded(voice_files, tmp_path):
    assert main(["voices", "add", str(voice_files / f"{KEY}.onnx")]) == 0
    with open(voices.voices_dir() / f"{KEY}.onnx", "ab") as model:
        model.write(b"\0")
    result = speech.synthesize("Tampered.", tmp_path / "t.wav", voice="testy")
    assert result.engine == "espeak-ng" and result.voice == "en-us"
    assert f"{KEY}.onnx does not match the sha256" in result.warnings[0]


def test_add_refuses_what_is_not_a_working_voice(voice_files, tmp_path, capsys):
    lonely = tmp_path / "lonely.onnx"
    shutil.copyfile(voice_files / f"{KEY}.onnx", lonely)
    assert main(["voices", "add", str(lonely)]) == 2
    assert "lonely.onnx.json is missing" in capsys.readouterr().err
    config = json.loads((voice_files / f"{KEY}.onnx.json").read_text())
    del config["phoneme_id_map"]
    (tmp_path / "lonely.onnx.json").write_text(json.dumps(config))
    assert main(["voices", "add", str(lonely)]) == 2
    assert "lonely.onnx.json has no phoneme_id_map" in capsys.readouterr().err
    garbage = tmp_path / "garbage.onnx"
    garbage.write_bytes(b"not a model" * 1000)
    shutil.copyfile(voice_files / f"{KEY}.onnx.json", tmp_path / "garbage.onnx.json")
    assert main(["voices", "add", str(garbage)]) == 2
    assert "garbage.onnx could not be loaded" in capsys.readouterr().err
    assert _installed_files() == []  # nothing half-installed, no staging folder left


def test_download_fetches_checks_and_installs(voice_files, monkeypatch, capsys):
    with FakeServer() as server:
        serve_voice(server, voice_files)
        monkeypatch.setenv("STUDIO_PIPER_VOICES_URL", server.url + "/")
        assert main(["voices", "download", "testy"]) == 0
        fetched = sorted(r.path for r in server.received("GET"))
    captured = capsys.readouterr()
    assert "installed testy (en_GB-testy-medium, en_GB, medium, 22050 Hz; licence: CC-BY 4.0" in (
        captured.out
    )
    assert "100% of 63.2 MB" in captured.err
    assert fetched == sorted(
        ["/voices.json"]
        + [f"/en/en_GB/testy/medium/{n}" for n in (f"{KEY}.onnx", f"{KEY}.onnx.json", "MODEL_CARD")]
    )
    (voice,) = voices.user_voices()
    assert voice.key == KEY and voice.origin.startswith(server.url)
    assert speech.choose("en-gb").piper_voice.key == KEY


def test_a_cut_short_download_never_becomes_a_voice(voice_files, monkeypatch, capsys):
    with FakeServer() as server:
        serve_voice(server, voice_files, truncate=True)
        monkeypatch.setenv("STUDIO_PIPER_VOICES_URL", server.url)
        assert main(["voices", "download", KEY]) == 2
    err = capsys.readouterr().err
    assert f"{KEY}.onnx" in err and "cut short" in err
    assert re.search(r"21,?067,?098 of 63,?201,?294 bytes", err)  # the bytes that really came
    assert voices.user_voices() == [] and _installed_files() == []


def test_a_download_that_fails_its_md5_is_refused(voice_files, monkeypatch, capsys):
    with FakeServer() as server:
        serve_voice(server, voice_files, bad_md5=True)
        monkeypatch.setenv("STUDIO_PIPER_VOICES_URL", server.url)
        assert main(["voices", "download", KEY]) == 2
    err = capsys.readouterr().err
    assert f"{KEY}.onnx does not match the md5 the voices list gives" in err
    assert voices.user_voices() == [] and _installed_files() == []


def test_download_names_and_lists(voice_files, monkeypatch, capsys):
    with FakeServer() as server:
        serve_voice(server, voice_files)
        monkeypatch.setenv("STUDIO_PIPER_VOICES_URL", server.url)
        assert main(["voices", "download", "en_GB-tesy-medium"]) == 2
        assert "has no voice 'en_GB-tesy-medium'" in capsys.readouterr().err
        assert main(["voices", "download", "en_GB"]) == 2
        assert f"did you mean {KEY}?" in capsys.readouterr().err
        assert main(["voices", "download", "--list", "en"]) == 0
        assert capsys.readouterr().out.split() == [KEY, "63", "MB"]
    monkeypatch.setenv("STUDIO_PIPER_VOICES_URL", "http://127.0.0.1:9")  # nothing listens there
    assert main(["voices", "download", "--list"]) == 2
    assert "error:" in capsys.readouterr().err
