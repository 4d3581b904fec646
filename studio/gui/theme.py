"""A dark theme for long creative sessions, and the icons drawn for the studio."""

from __future__ import annotations

from functools import cache

from PySide6.QtGui import QColor, QIcon, QPalette
from PySide6.QtWidgets import QApplication

ACCENT = "#3d9cff"
STYLESHEET = f"""
QMainWindow, QDockWidget {{ background: #1f2127; }}
QDockWidget::title {{ background: #262930; padding: 4px 8px; color: #c9ced6; }}
QToolBar {{ background: #24272e; border: none; spacing: 4px; padding: 3px; }}
QToolButton {{ color: #dfe3ea; padding: 4px 6px; border-radius: 4px; }}
QToolButton:hover {{ background: #333842; }}
QToolButton:checked {{ background: #2c4a6e; }}
QToolButton:disabled {{ color: #5d636e; }}
QStatusBar {{ background: #24272e; color: #aab1bd; }}
QLabel#Hint {{ color: #8a919d; }}
QLabel#Error {{ color: #ff7b7b; }}
QLabel#Warning {{ color: #e8b04a; }}
QFrame#NodeSearch {{ background: #262930; border: 1px solid {ACCENT}; border-radius: 6px; }}
QLabel#SearchHint {{ color: #8a919d; }}
QFrame#Banner {{ background: #3a3220; border-bottom: 1px solid #6b5a2a; }}
QPlainTextEdit#RunLog {{ font-family: monospace; font-size: 11px; }}
QLineEdit, QPlainTextEdit, QSpinBox, QDoubleSpinBox, QComboBox {{
    background: #17191d; color: #e6e9ee; border: 1px solid #343944; border-radius: 4px;
    padding: 2px 4px; selection-background-color: {ACCENT};
}}
QLineEdit:focus, QPlainTextEdit:focus, QSpinBox:focus, QComboBox:focus {{
    border-color: {ACCENT};
}}
QPushButton {{ background: #2d3139; color: #e6e9ee; border: 1px solid #3b414c;
               border-radius: 4px; padding: 4px 10px; }}
QPushButton:hover {{ background: #363b45; }}
QPushButton:disabled {{ background: #24272d; color: #5d636e; border-color: #2c3038; }}
QLineEdit:disabled, QPlainTextEdit:disabled, QSpinBox:disabled, QDoubleSpinBox:disabled,
QComboBox:disabled {{ color: #5d636e; background: #1c1e22; border-color: #2a2e36; }}
QCheckBox:disabled, QRadioButton:disabled, QLabel:disabled {{ color: #5d636e; }}
QPushButton:default {{ border-color: {ACCENT}; }}
QListWidget {{ background: #1b1d22; color: #dfe3ea; border: 1px solid #2c3038; }}
QListWidget::item:selected {{ background: #2c4a6e; }}
QScrollArea {{ border: none; }}
QToolTip {{ background: #2a2d34; color: #eef1f5; border: 1px solid #444a55; }}
"""


def dark_palette() -> QPalette:
    palette = QPalette()
    colours = {
        QPalette.ColorRole.Window: "#1f2127",
        QPalette.ColorRole.WindowText: "#dfe3ea",
        QPalette.ColorRole.Base: "#17191d",
        QPalette.ColorRole.AlternateBase: "#22252b",
        QPalette.ColorRole.Text: "#e6e9ee",
        QPalette.ColorRole.Button: "#2d3139",
        QPalette.ColorRole.ButtonText: "#e6e9ee",
        QPalette.ColorRole.Highlight: ACCENT,
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.ToolTipBase: "#2a2d34",
        QPalette.ColorRole.ToolTipText: "#eef1f5",
        QPalette.ColorRole.Link: ACCENT,
        QPalette.ColorRole.PlaceholderText: "#6b7280",
        QPalette.ColorRole.BrightText: "#ff6b6b",
    }
    for role, colour in colours.items():
        palette.setColor(role, QColor(colour))
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6b7280"))
    return palette


def apply_theme(app: QApplication) -> None:
    app.setStyle("Fusion")
    app.setPalette(dark_palette())
    app.setStyleSheet(STYLESHEET)
    app.setWindowIcon(icon("app"))


@cache
def icon(name: str) -> QIcon:
    """An icon from resources/icons (an empty icon if the file is missing)."""
    from studio.paths import resources_dir

    path = resources_dir() / "icons" / f"{name}.svg"
    return QIcon(str(path)) if path.is_file() else QIcon()
