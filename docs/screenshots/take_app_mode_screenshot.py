"""Take the app-mode screenshot: the lighthouse example as a form, after a render (Xvfb).

    xvfb-run -a -s '-screen 0 1600x1000x24' python docs/screenshots/take_app_mode_screenshot.py

Opens the example in app mode on throw-away folders, at the size the window takes on a 1366x768
laptop screen, types a brief, picks a voice, renders, seeks the result to a moment with a caption
and writes app-mode.png beside this file.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from shots import save, take, until

BRIEF = "a lighthouse keeper's cat watching the storm from the lamp room"


async def scenario(window, home: Path) -> None:
    from PySide6.QtCore import QRect, Qt
    from PySide6.QtTest import QTest

    from studio.paths import resources_dir

    window.fit_to_screen(QRect(0, 0, 1366, 768))  # a laptop's screen, less a panel
    window.open_path(resources_dir() / "examples" / "lighthouse.json")
    brief = window.form.editors["brief"].editor
    brief.setFocus()
    QTest.keyClick(brief, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(brief, BRIEF)
    window.form.editors["mood"].editor.setText("stormy, then calm")
    window.form.editors["voice"].editor.setCurrentText("en-gb+f3")
    QTest.mouseClick(window.render_button, Qt.MouseButton.LeftButton)
    await until(lambda: window.runner.busy, 60)
    await until(lambda: not window.runner.busy, 900)
    assert window.status.text().startswith("Done"), window.status.text()
    page = window.viewer.video_page
    await until(lambda: page.view.painted_image is not None, 30)
    page.seek(7.0)  # the second shot, a caption on screen
    await asyncio.sleep(1.5)
    save(window, "app-mode.png")


def app_window():
    from studio.gui.app_window import AppWindow

    return AppWindow(record_history=False)


if __name__ == "__main__":
    raise SystemExit(take(scenario, make_window=app_window))
