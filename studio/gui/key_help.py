"""Missing keys, in the window's words: "Add key…" opens Settings › Keys at that provider's
field, instead of the `studio keys set` command the engine's messages name for the terminal."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from studio.gui.main_window import MainWindow

# What studio.providers.keys.how_to_set writes: "set it with `studio keys set fal` or the env var
# FAL_KEY".
_CLI_HINT = re.compile(r"set it with `studio keys set ([a-z_]+)` or the env var ([A-Z0-9_]+)")


def missing_key_provider(text: str) -> str | None:
    """The provider whose key a message asks for, or None."""
    match = _CLI_HINT.search(text or "")
    return match.group(1) if match else None


def for_gui(text: str) -> str:
    """`text` with the terminal's way of setting a key replaced by the window's."""
    return _CLI_HINT.sub(r"add it with “Add key…” (Settings › Keys) or set the env var \2", text)


def open_keys(window: MainWindow, provider: str | None = None) -> None:
    """Settings on the Keys page, the cursor in `provider`'s field."""
    from studio.gui.settings_dialog import SettingsDialog

    cache = window.runner.executor.cache
    dialog = SettingsDialog(window.runner.providers, cache, window, focus_key=provider)
    window.key_dialog = dialog  # for tests: the dialog now open
    dialog.exec()
    window.key_dialog = None
    window.runner.schedule_estimate()
    problems = getattr(window, "problems", None)
    if problems is not None:
        problems.schedule()  # a key was perhaps added: check again
