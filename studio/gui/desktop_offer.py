"""The desktop bundle offers, on its first start, to put itself in the app menu.

A pip or pipx install has a terminal at hand (`studio desktop install`); a bundle is often just
unpacked and started. So a bundle on Linux asks once, in a message that does not block the
window, whether to do what `studio desktop install` does. The answer is kept per bundle location
(`desktop-offer.json` in the state folder): a bundle moved elsewhere asks again, because the
menu entry would start the old place.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QApplication, QMessageBox

log = logging.getLogger(__name__)
OFFER_FILE = "desktop-offer.json"


def _answers_file() -> Path:
    from studio.paths import state_dir

    return state_dir() / OFFER_FILE


def _answers() -> dict[str, str]:
    try:
        data = json.loads(_answers_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _remember(answer: str) -> None:
    from studio.atomic import write_text_atomic

    answers = _answers()
    answers[sys.executable] = answer
    write_text_atomic(_answers_file(), json.dumps(answers, indent=2, sort_keys=True) + "\n")


def should_offer() -> bool:
    """A frozen bundle on a Linux desktop, not yet in the menu from here, and not asked here."""
    if not getattr(sys, "frozen", False) or not sys.platform.startswith("linux"):
        return False
    app = QApplication.instance()
    if app is None or QApplication.platformName() in ("offscreen", "minimal"):
        return False
    if sys.executable in _answers():
        return False
    from studio.cli.desktop import Places, launch_command

    entry = Places.of_user().desktop_entry
    try:
        installed = entry.read_text(encoding="utf-8")
    except OSError:
        return True
    return f"TryExec={launch_command()[0]}\n" not in installed


def offer(window: Any) -> QMessageBox:
    """Ask (without blocking the window); on yes, install in the background."""
    box = QMessageBox(
        QMessageBox.Icon.Question,
        "Add to the app menu?",
        "Add Multimodal Studio to your app menu, and open graphs (.studiograph) and bundles "
        "(.studiopack) with it when you double-click them?\n\n"
        "This writes a menu entry, an icon and the two file types into your own data folder "
        "(~/.local/share), the same as `studio desktop install`; `studio desktop uninstall` "
        "removes them.",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        window,
    )
    box.button(QMessageBox.StandardButton.No).setText("No, thanks")
    box.setDefaultButton(QMessageBox.StandardButton.Yes)

    def answered(result: int) -> None:
        yes = box.standardButton(box.clickedButton()) == QMessageBox.StandardButton.Yes
        try:
            _remember("yes" if yes else "no")
        except OSError as exc:  # asked again next time: not worth an error
            log.warning("could not keep the answer to the menu question: %s", exc)
        if yes:
            from studio.gui.app import spawn

            spawn(_install(window), "adding the studio to the app menu")

    box.finished.connect(answered)
    box.open()
    return box


async def _install(window: Any) -> None:
    from studio.cli.desktop import Places, install
    from studio.gui.app import in_background

    report = await in_background(install, Places.of_user())
    for note in report.notes:
        log.info("desktop install: %s", note)
    window.show_message("Multimodal Studio is in the app menu; graphs and bundles open with it.")


def offer_if_bundle(window: Any) -> QMessageBox | None:
    """What the window calls at start."""
    if not should_offer():
        return None
    return offer(window)
