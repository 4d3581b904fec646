"""Settings ▸ Voices: the installed Piper voices, adding a file pair, downloading (local server)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "providers"))
from fakes.piper_voices import KEY, make_test_voice, serve_voice
from fakes.server import FakeServer

from studio.gui.voices_panel import VoicesPanel


@pytest.fixture(autouse=True)
def quick_http(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUDIO_HTTP_RETRIES", "0")
    monkeypatch.setenv("STUDIO_HTTP_READ_TIMEOUT", "20")


def test_settings_has_a_voices_tab_listing_the_bundled_voice(qtbot, window):
    from studio.gui.settings_dialog import SettingsDialog

    dialog = SettingsDialog(window.runner.providers, None, window)
    qtbot.addWidget(dialog)
    titles = [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())]
    assert "Voices" in titles
    panel = dialog.tabs.widget(titles.index("Voices"))
    assert panel.voice_keys() == ["en_US-joe-medium"]
    assert panel.table.item(0, 0).text() == "joe"
    assert "CC0" in panel.table.item(0, 6).text()


def test_add_a_voice_file_without_blocking_the_window(qtbot, qloop, tmp_path):
    make_test_voice(tmp_path)
    panel = VoicesPanel()
    qtbot.addWidget(panel)
    panel.add(tmp_path / f"{KEY}.onnx")
    assert not panel.add_button.isEnabled()  # busy: the check runs in the background
    qtbot.waitUntil(lambda: panel.add_button.isEnabled(), timeout=60_000)
    assert panel.status.text() == f"Added testy ({KEY})."
    assert panel.voice_keys() == ["en_US-joe-medium", KEY]


def test_download_shows_progress_and_a_failure_in_words(qtbot, qloop, tmp_path, monkeypatch):
    make_test_voice(tmp_path)
    panel = VoicesPanel()
    qtbot.addWidget(panel)
    with FakeServer() as server:
        serve_voice(server, tmp_path, truncate=True)
        monkeypatch.setenv("STUDIO_PIPER_VOICES_URL", server.url)
        panel.download("testy")
        qtbot.waitUntil(lambda: panel.download_button.isEnabled(), timeout=60_000)
    assert panel.status.text().startswith("Not downloaded:")
    assert "cut short" in panel.status.text()
    assert panel.voice_keys() == ["en_US-joe-medium"]
    seen: list[int] = []
    panel.progress.valueChanged.connect(seen.append)
    with FakeServer() as server:
        serve_voice(server, tmp_path)
        monkeypatch.setenv("STUDIO_PIPER_VOICES_URL", server.url)
        panel.name_field.setText("testy")
        panel.download_button.click()
        qtbot.waitUntil(lambda: panel.download_button.isEnabled(), timeout=60_000)
    assert panel.status.text() == f"Downloaded and checked testy ({KEY})."
    assert panel.voice_keys() == ["en_US-joe-medium", KEY]
    assert max(seen) == 1000 and len(set(seen)) > 5  # the bar moved, up to full
    assert not panel.progress.isVisible()
