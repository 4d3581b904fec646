"""The desktop settings file (gui.json): a damaged file or field is named, not dropped."""

from __future__ import annotations

import json

from studio.gui.settings import DEFAULT_CACHE_GB, GuiSettings


def _write(text: str) -> str:
    path = GuiSettings.path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return str(path)


def test_a_bad_field_is_named_and_the_good_ones_are_kept():
    path = _write(
        json.dumps({"cache_max_gb": "big", "default_providers": {"image": 5, "video": "fal"}})
    )
    settings = GuiSettings.load()
    assert settings.cache_max_gb == DEFAULT_CACHE_GB
    assert settings.default_providers == {"video": "fal"}  # the good field survives
    assert settings.problems == [
        f'{path}: cache_max_gb must be a positive number, got "big"; using 20',
        f"{path}: default_providers.image must be a provider id, got 5; ignoring it",
    ]


def test_a_damaged_file_is_named():
    path = _write('{"cache_max_gb": 3,')
    settings = GuiSettings.load()
    assert settings.cache_max_gb == DEFAULT_CACHE_GB
    (problem,) = settings.problems
    assert problem.startswith(f"{path}: not valid JSON (")
    assert problem.endswith("using the defaults")


def test_a_good_file_has_no_problems_and_saving_does_not_write_them():
    _write(json.dumps({"cache_max_gb": 2.5, "default_providers": {"image": "fal"}}))
    settings = GuiSettings.load()
    assert (settings.cache_max_gb, settings.problems) == (2.5, [])
    settings.save()
    assert "problems" not in json.loads(GuiSettings.path().read_text())


def test_the_settings_dialog_opens_on_damaged_files_and_names_them(qtbot):
    from studio.gui.settings_dialog import SettingsDialog
    from studio.providers import settings as provider_settings

    gui_path = _write(json.dumps({"cache_max_gb": -1}))
    providers_path = provider_settings.settings_path()
    providers_path.write_text('{"urls": {"ollama": 11434}}')
    dialog = SettingsDialog()
    qtbot.addWidget(dialog)
    shown = dialog.message.text()
    assert f"{gui_path}: cache_max_gb must be a positive number, got -1" in shown
    assert f"{providers_path}: urls.ollama must be a string, got 11434" in shown
