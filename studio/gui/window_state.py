"""Where the window was: its size, position, docks and splitters, kept between sessions.

The state lives in `window.json` in the config folder (Qt's own geometry and state blobs, base64),
written atomically when the window closes. A first window, or one whose saved place no longer fits
(a smaller or unplugged monitor, a higher scale factor), is fitted into the screen's available
geometry, which Qt gives in logical pixels: 1600x1000 logical pixels at 150 % is 2400x1500 real
ones, larger than a 1920x1080 screen.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QEvent, QObject, QRect, QSize, QTimer
from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtWidgets import QMainWindow, QSplitter, QToolBar, QWidget

if TYPE_CHECKING:
    from PySide6.QtGui import QScreen

log = logging.getLogger(__name__)
WINDOW_STATE_FILE = "window.json"
STATE_VERSION = 1
PREFERRED_SIZE = QSize(1600, 1000)  # what a first window asks for on a screen that has room
SCREEN_FRACTION = 0.9  # at most this much of the screen's free area, so its edges stay visible


def state_path() -> Path:
    from studio.paths import config_dir

    return config_dir() / WINDOW_STATE_FILE


def first_geometry(available: QRect, preferred: QSize = PREFERRED_SIZE) -> QRect:
    """The preferred size, shrunk to fit `available` (logical pixels), centred in it."""
    width = min(preferred.width(), int(available.width() * SCREEN_FRACTION))
    height = min(preferred.height(), int(available.height() * SCREEN_FRACTION))
    rect = QRect(0, 0, width, height)
    rect.moveCenter(available.center())
    return rect


def _screen_of(window: QWidget) -> QScreen | None:
    return window.screen() or QGuiApplication.primaryScreen()


def fit_to_screen(window: QWidget) -> None:
    """Shrink and move the window so its frame lies inside its screen's available geometry."""
    screen = _screen_of(window)
    if screen is None:
        return
    available = screen.availableGeometry()
    frame, inner = window.frameGeometry(), window.geometry()
    # The window manager's frame (title bar, borders) is outside geometry(); keep room for it.
    extra_w, extra_h = frame.width() - inner.width(), frame.height() - inner.height()
    width = min(inner.width(), available.width() - extra_w)
    height = min(inner.height(), available.height() - extra_h)
    if (width, height) != (inner.width(), inner.height()):
        window.resize(width, height)
    frame = window.frameGeometry()
    x = min(max(frame.x(), available.left()), available.right() + 1 - frame.width())
    y = min(max(frame.y(), available.top()), available.bottom() + 1 - frame.height())
    if (x, y) != (frame.x(), frame.y()):
        window.move(x, y)


def _encode(data: QByteArray) -> str:
    return base64.b64encode(bytes(data.data())).decode("ascii")


def _decode(text: object) -> QByteArray | None:
    if not isinstance(text, str):
        return None
    try:
        return QByteArray(base64.b64decode(text.encode("ascii"), validate=True))
    except (ValueError, binascii.Error):
        return None


def _splitters(window: QWidget) -> dict[str, QSplitter]:
    """Named splitters anywhere in the window (an unnamed one cannot be found again)."""
    return {s.objectName(): s for s in window.findChildren(QSplitter) if s.objectName()}


def save_window_state(window: QMainWindow) -> None:
    """Write the window's geometry, dock layout and splitter positions (atomically)."""
    from studio.atomic import write_text_atomic

    data = {
        "version": STATE_VERSION,
        "geometry": _encode(window.saveGeometry()),
        "state": _encode(window.saveState(STATE_VERSION)),
        "splitters": {name: _encode(s.saveState()) for name, s in _splitters(window).items()},
    }
    try:
        write_text_atomic(state_path(), json.dumps(data, indent=1, sort_keys=True) + "\n")
    except OSError as exc:  # losing the layout is a pity, never a reason to refuse to close
        log.warning("could not keep the window layout in %s: %s", state_path(), exc)


def restore_window_state(window: QMainWindow) -> bool:
    """Put the window back where it was, fitted to the screen it is on now; a window with no
    saved state (or a damaged one) gets the first-window size. True when a state was restored."""
    restored = False
    try:
        data = json.loads(state_path().read_text("utf-8"))
    except FileNotFoundError:
        data = None
    except (OSError, ValueError) as exc:
        log.warning("ignoring the window layout in %s: %s", state_path(), exc)
        data = None
    if isinstance(data, dict) and data.get("version") == STATE_VERSION:
        geometry, state = _decode(data.get("geometry")), _decode(data.get("state"))
        restored = geometry is not None and window.restoreGeometry(geometry)
        if state is not None:
            window.restoreState(state, STATE_VERSION)
        saved = data.get("splitters")
        for name, splitter in _splitters(window).items():
            blob = _decode(saved.get(name)) if isinstance(saved, dict) else None
            if blob is not None:
                splitter.restoreState(blob)
    if not restored:
        screen = _screen_of(window)
        if screen is not None:
            window.setGeometry(first_geometry(screen.availableGeometry()))
        else:
            window.resize(PREFERRED_SIZE)
    fit_to_screen(window)
    window.installEventFilter(_FitWhenShown(window))
    return restored


class _FitWhenShown(QObject):
    """Fits the window again once it is shown: only then is the window manager's frame known."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show and isinstance(watched, QWidget):
            watched.removeEventFilter(self)
            QTimer.singleShot(0, lambda: fit_to_screen(watched))
            self.deleteLater()
        return False


def shortcut_tooltips(toolbar: QToolBar) -> None:
    """Each toolbar button tells its action and first shortcut: "Run All (Ctrl+Return)"."""
    for action in toolbar.actions():
        if action.isSeparator():
            continue
        text = action.text().replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…")
        keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        action.setToolTip(f"{text} ({keys})" if keys else text)
