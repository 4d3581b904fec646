"""Settings (keys, server URLs, cache, default providers) and Export."""

from __future__ import annotations

import json

import pytest
from gui_helpers import wait_idle, write_mp4
from PySide6.QtCore import QPointF

from studio.gui.export_dialog import ExportChoice, ExportDialog, export_candidates
from studio.gui.maintenance import start_export
from studio.gui.settings import GuiSettings, trim_cache
from studio.gui.settings_dialog import SettingsDialog


def test_settings_keys_page_without_a_keyring_explains_and_keeps_a_key_for_the_session(
    qtbot, window, monkeypatch, studio_dirs
):
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from studio.providers import keys

    monkeypatch.setenv("FAL_KEY", "fal-secret-for-tests")
    keys.forget_cached()
    dialog = SettingsDialog(window.runner.providers, None, window)
    qtbot.addWidget(dialog)
    try:
        # The tests run with the fail keyring: the page says so and what to install here.
        assert "No keyring on this system" in dialog.keys_note.text()
        assert keys.keyring_install_hint() in dialog.keys_note.text()
        status, field = dialog.key_rows["fal"]
        assert status.text() == "set (env FAL_KEY)"
        status, field = dialog.key_rows["openai"]
        assert status.text() == "not set" and field.isEnabled()
        use, forget = dialog.key_buttons["openai"]
        assert use.text() == "Use for this session"
        QTest.keyClicks(field, "sk-session-test-4242")
        QTest.mouseClick(use, Qt.MouseButton.LeftButton)
        assert status.text() == "set for this session (in memory, not saved)"
        assert field.text() == "" and dialog.message.text() == ""
        assert keys.get_key("openai") == "sk-session-test-4242"
        written = [p for p in studio_dirs.rglob("*") if p.is_file()]
        assert all(b"sk-session-test-4242" not in p.read_bytes() for p in written)
        QTest.mouseClick(forget, Qt.MouseButton.LeftButton)
        assert status.text() == "not set" and keys.get_key("openai") is None
    finally:
        keys.clear_session_key("openai")


def test_settings_saves_urls_defaults_and_cache_limit(qtbot, window):
    from studio.providers import settings

    dialog = SettingsDialog(window.runner.providers, window.runner.executor.cache, window)
    qtbot.addWidget(dialog)
    dialog.url_fields["ollama"].setText("localhost:11434")  # no scheme: refused, in words
    assert not dialog.apply()
    assert "http://" in dialog.message.text()
    dialog.url_fields["ollama"].setText("http://10.0.0.5:11434/")
    dialog.cache_limit.setValue(2.5)
    combo = dialog.default_combos["image"]
    combo.setCurrentIndex(combo.findData("fal"))
    assert dialog.apply()
    assert settings.base_url("ollama") == "http://10.0.0.5:11434"
    stored = json.loads(settings.settings_path().read_text())
    assert stored["urls"] == {"ollama": "http://10.0.0.5:11434"}  # defaults are not written
    gui = GuiSettings.load()
    assert gui.cache_max_gb == 2.5 and gui.default_providers["image"] == "fal"
    node = window.add_node("image.generate", (0.0, 0.0))  # new nodes use the default provider
    assert window.document.graph.nodes[node].params["provider"] == "fal"
    qtbot.waitUntil(lambda: "MB in" in dialog.cache_info.text(), timeout=30_000)


def test_trim_cache_removes_least_recently_used_files(tmp_path):
    import os

    for i, age in enumerate((300, 200, 100)):
        path = tmp_path / "ab" / f"file{i}.bin"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(b"x" * 1000)
        os.utime(path, (1_000_000 - age, 1_000_000 - age))
    assert trim_cache(tmp_path, 1500) == 2000
    assert [p.name for p in (tmp_path / "ab").iterdir()] == ["file2.bin"]


@pytest.mark.timeout(60)
def test_export_through_the_export_node_and_by_copying_a_result(qtbot, window, tmp_path):
    clip = write_mp4(tmp_path / "clip.mp4", frames=12)
    window.add_files([clip], QPointF(0, 0))
    (load,) = window.document.graph.nodes
    export = window.add_node("export.video", (400.0, 0.0))
    window.scene.connect_ports(load, "video", export, "video")
    window._save_to(tmp_path / "g.json")
    assert [c[0] for c in export_candidates(window.document)] == [export, load]
    dialog = ExportDialog(window.document, window)
    qtbot.addWidget(dialog)
    assert dialog.path.text() == "output.mp4" and dialog.format.isEnabled()
    dialog.path.setText(str(tmp_path / "final.webm"))
    dialog.format.setCurrentText("webm")
    start_export(window, dialog.choice())
    wait_idle(qtbot, window, timeout=40_000)
    assert (tmp_path / "final.webm").stat().st_size > 1000
    params = window.document.graph.nodes[export].params  # the node keeps its own file
    assert (params["path"], params["format"]) == ("output.mp4", "mp4")

    copied = tmp_path / "copy.mp4"
    start_export(window, ExportChoice(load, copied, None, False))
    wait_idle(qtbot, window)
    qtbot.waitUntil(copied.exists, timeout=30_000)
    assert copied.read_bytes() == window.states.get(load).outputs["video"].path.read_bytes()


@pytest.mark.timeout(60)
def test_exporting_a_result_under_another_format_converts_it_or_says_why_not(
    qtbot, window, tmp_path
):
    from PIL import Image

    clip = write_mp4(tmp_path / "clip.mp4", frames=12)
    window.add_files([clip], QPointF(0, 0))
    (load,) = window.document.graph.nodes
    card = window.add_node("image.title_card", (0.0, 400.0))
    window.document.graph.set_param(card, "width", 160)
    window.document.graph.set_param(card, "height", 90)
    window._save_to(tmp_path / "g.json")
    errors = []
    window.report_error = lambda title, text: errors.append(text)

    start_export(window, ExportChoice(card, tmp_path / "card.jpg", None, False))
    wait_idle(qtbot, window)
    qtbot.waitUntil((tmp_path / "card.jpg").exists, timeout=30_000)
    with Image.open(tmp_path / "card.jpg") as picture:  # a JPEG, not a PNG named .jpg
        assert (picture.format, picture.size) == ("JPEG", (160, 90))

    start_export(window, ExportChoice(card, tmp_path / "card", None, False))
    wait_idle(qtbot, window)
    qtbot.waitUntil((tmp_path / "card.png").exists, timeout=30_000)  # no extension: its own

    start_export(window, ExportChoice(card, tmp_path / "card.txt", None, False))
    wait_idle(qtbot, window)
    assert "the picture cannot be written as .txt (png, jpg, webp can)" in errors[-1]
    assert "nothing was written" in errors[-1] and not (tmp_path / "card.txt").exists()

    start_export(window, ExportChoice(load, tmp_path / "clip.webm", None, False))
    wait_idle(qtbot, window)
    assert "through an Export Video node" in errors[-1]
    assert not (tmp_path / "clip.webm").exists()
