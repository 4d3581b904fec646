"""The shortcut overlay (press ?): every key the studio answers to, over a dimmed window."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QKeyEvent, QMouseEvent, QPainter
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

SHORTCUTS = (
    ("Add a node", "Double-click the canvas, or Tab"),
    ("Connect", "Drag from a port to a port (only matching types light up)"),
    ("Reconnect / detach", "Drag an edge near its end"),
    ("Select", "Click, Shift+click, or drag a rubber band (Shift adds)"),
    ("Select all", "Ctrl+A"),
    ("Find a node", "Ctrl+F"),
    ("Delete", "Delete or Backspace"),
    ("Duplicate", "Ctrl+D"),
    ("Cut / Copy / Paste", "Ctrl+X / Ctrl+C / Ctrl+V (graph JSON)"),
    ("Undo / Redo", "Ctrl+Z / Ctrl+Shift+Z (or Ctrl+Y)"),
    ("Group / Ungroup", "Ctrl+G / Ctrl+Alt+G"),
    ("Make a component of the selection", "Ctrl+Shift+G"),
    ("Edit a component's inside", "Double-click it, or Tab on it"),
    ("Leave the component", "Esc or Shift+Tab, or the breadcrumb above the canvas"),
    ("Rename / Collapse a node", "F2 / Alt+C"),
    ("Bypass / Mute a node", "Ctrl+B / Ctrl+M"),
    ("View a result full size", "Space on a selected node, or double-click its preview"),
    ("Viewer: play / shuttle / step", "Space / J, K, L / Left, Right (Shift+: a second)"),
    ("Viewer: fit / 100 % / zoom", "F / 1 / mouse wheel; drag to pan"),
    ("Zoom", "Mouse wheel (towards the cursor), or Ctrl++ / Ctrl+-"),
    ("Pan", "Middle mouse, or Space + drag"),
    ("Fit selection (or all)", "F"),
    ("Fit all", "Home"),
    ("Run all", "Ctrl+Enter"),
    ("Run up to selected", "Ctrl+Shift+Enter"),
    ("Cancel run", "Esc"),
    ("New / Open / Save / Save as", "Ctrl+N / Ctrl+O / Ctrl+S / Ctrl+Shift+S"),
    ("Export", "Ctrl+E"),
    ("Settings", "Ctrl+,"),
    ("User guide", "F1"),
    ("This overlay", "?"),
)


class ShortcutOverlay(QWidget):
    """Covers its parent; any click or key closes it."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        panel = QWidget(self)
        panel.setObjectName("ShortcutPanel")
        panel.setStyleSheet(
            "#ShortcutPanel { background: #262930; border: 1px solid #3d9cff;"
            " border-radius: 10px; } QLabel { color: #e6e9ee; font-size: 13px; }"
        )
        grid = QGridLayout(panel)
        grid.setContentsMargins(24, 18, 24, 18)
        title = QLabel("<b>Keyboard and mouse</b>")
        grid.addWidget(title, 0, 0, 1, 2)
        for row, (what, keys) in enumerate(SHORTCUTS, start=1):
            grid.addWidget(QLabel(what), row, 0)
            key_label = QLabel(f"<span style='color:#9fc9ff'>{keys}</span>")
            grid.addWidget(key_label, row, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(panel, 0, Qt.AlignmentFlag.AlignCenter)
        self.hide()

    def toggle(self) -> None:
        if self.isVisible():
            self.hide()
            return
        parent = self.parentWidget()
        if parent is not None:
            self.setGeometry(parent.rect())
        self.show()
        self.raise_()
        self.setFocus()

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(0, 0, 0, 150))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.hide()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        self.hide()
