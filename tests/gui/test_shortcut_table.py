"""The shortcut table (the ? overlay and the guide's shortcuts page) names every key the
window's commands answer to."""

from __future__ import annotations

import re

from PySide6.QtGui import QAction, QKeySequence

from studio.gui.shortcuts import SHORTCUTS


def listed(key: str) -> bool:
    pattern = rf"(?<![\w+]){re.escape(key)}(?![\w+])"
    return any(re.search(pattern, keys) for _, keys in SHORTCUTS)


def test_every_command_shortcut_is_in_the_table(window):
    missing = []
    for action in window.findChildren(QAction):
        keys = [k.toString(QKeySequence.SequenceFormat.PortableText) for k in action.shortcuts()]
        keys = [k for k in keys if k]
        if keys and not any(listed(k) for k in keys):
            missing.append(f"{action.text().replace('&', '')}: {' or '.join(keys)}")
    assert not missing, (
        "add these to SHORTCUTS in studio/gui/shortcuts.py, then run "
        f"`python docs/guide/generate.py`: {missing}"
    )


def test_the_overlay_shows_every_row(window, qtbot):
    window.toggle_shortcuts()
    from PySide6.QtWidgets import QLabel

    texts = {label.text() for label in window.overlay.findChildren(QLabel)}
    for what, _ in SHORTCUTS:
        assert what in texts
