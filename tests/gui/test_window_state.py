"""The window: it fits the screen at any scale factor, comes back as it was left, and its toolbar
tells shortcuts and shows what is disabled."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QToolBar, QToolButton

from studio.gui.window_state import first_geometry, state_path

FITS_SCRIPT = """
import json, sys
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv[:1])
from studio.gui.main_window import MainWindow
window = MainWindow(record_history=False)
window.show()
app.processEvents()
screen = window.screen().availableGeometry()
frame = window.frameGeometry()
print(json.dumps({
    "ratio": window.screen().devicePixelRatio(),
    "screen": [screen.x(), screen.y(), screen.width(), screen.height()],
    "frame": [frame.x(), frame.y(), frame.width(), frame.height()],
}))
window.ask_save_changes = lambda: "discard"
window.close()
"""


def test_the_first_window_fits_the_screen_at_150_percent(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "QT_SCALE_FACTOR": "1.5"}
    done = subprocess.run(
        [sys.executable, "-c", FITS_SCRIPT], capture_output=True, text=True, timeout=120, env=env
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["ratio"] == 1.5
    sx, sy, sw, sh = seen["screen"]
    x, y, w, h = seen["frame"]
    assert sx <= x and sy <= y and x + w <= sx + sw and y + h <= sy + sh, seen
    assert w >= 0.8 * sw and h >= 0.8 * sh  # it still uses the room it has


def test_first_geometry_keeps_the_preferred_size_when_there_is_room():
    big = first_geometry(QRect(0, 0, 2560, 1440))
    assert big.size() == QSize(1600, 1000) and big.center() == QRect(0, 0, 2560, 1440).center()
    small = first_geometry(QRect(0, 0, 1280, 720))  # 1920x1080 at 150 %
    assert small.width() <= 1280 and small.height() <= 720


def test_size_place_and_docks_come_back_as_they_were_left(qtbot, make_window):
    first = make_window()
    first.setGeometry(40, 30, 700, 560)
    first.docks["queue"].raise_()  # the run queue tab in front of the log
    first.docks["inspector"].hide()
    first.resizeDocks([first.docks["log"]], [230], Qt.Orientation.Vertical)
    qtbot.wait(50)
    bottom_height = first.docks["queue"].height()
    first.close()
    assert json.loads(state_path().read_text())["version"] == 1
    second = make_window()
    qtbot.waitExposed(second)
    assert second.geometry() == QRect(40, 30, 700, 560)
    assert not second.docks["inspector"].isVisible()
    assert second.docks["log"].isVisible()
    qtbot.waitUntil(
        lambda: abs(second.docks["queue"].height() - bottom_height) <= 2, timeout=10_000
    )
    # The tab left in front is in front again.
    qtbot.waitUntil(lambda: second.docks["log"].visibleRegion().isEmpty(), timeout=10_000)
    assert not second.docks["queue"].visibleRegion().isEmpty()


def test_a_saved_place_off_the_screen_is_pulled_back_onto_it(qtbot, make_window):
    first = make_window()
    first.setGeometry(40, 30, 600, 500)
    first.close()
    data = json.loads(state_path().read_text())
    first_window = make_window()
    first_window.setGeometry(5000, 4000, 3000, 2500)  # a monitor that is gone now
    first_window.close()
    assert json.loads(state_path().read_text()) != data
    again = make_window()
    screen = again.screen().availableGeometry()
    qtbot.waitUntil(lambda: screen.contains(again.frameGeometry()), timeout=10_000)


def test_a_damaged_state_file_gives_a_fitted_first_window(qtbot, make_window):
    state_path().write_text("{ not json")
    window = make_window()
    screen = window.screen().availableGeometry()
    qtbot.waitUntil(lambda: screen.contains(window.frameGeometry()), timeout=10_000)
    assert window.width() > 0.8 * screen.width()


def test_toolbar_tooltips_name_the_shortcut(window):
    toolbar = window.findChild(QToolBar, "main-toolbar")
    tips = {a.text(): a.toolTip() for a in toolbar.actions() if not a.isSeparator()}
    assert tips["&Save"] == "Save (Ctrl+S)"
    assert tips["Run &All"] == "Run All (Ctrl+Return)"
    assert tips["&Export…"] == "Export (Ctrl+E)"
    assert tips["&Snap to Grid"] == "Snap to Grid"  # no shortcut: no brackets
    button = toolbar.widgetForAction(window.actions_by_name["save"])
    assert button.toolTip() == "Save (Ctrl+S)"


def _brightest_text(toolbar: QToolBar, button: QToolButton) -> int:
    image = toolbar.grab(button.geometry()).toImage()  # drawn over the toolbar, as seen
    return max(
        image.pixelColor(QPoint(x, y)).lightness()
        for x in range(image.width())
        for y in range(image.height())
    )


def test_a_disabled_toolbar_button_looks_disabled(qtbot, window):
    from studio.gui.theme import STYLESHEET, dark_palette

    window.setPalette(dark_palette())
    window.setStyleSheet(STYLESHEET)  # the app's theme, on this window only
    toolbar = window.findChild(QToolBar, "main-toolbar")
    run_to = toolbar.widgetForAction(window.actions_by_name["run_to"])
    run_all = toolbar.widgetForAction(window.actions_by_name["run_all"])
    assert not run_to.isEnabled() and run_all.isEnabled()  # nothing selected: no "run up to"
    qtbot.wait(20)
    assert _brightest_text(toolbar, run_to) < _brightest_text(toolbar, run_all) - 40
