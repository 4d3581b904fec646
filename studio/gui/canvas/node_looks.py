"""How a node's mode shows on the canvas: bypassed nodes tinted violet, muted ones greyed, both
dimmed and labelled in the title bar, so a glance tells what will not run."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter

from studio.graph.model import BYPASS, MUTE
from studio.gui.canvas import style

# The whole node (ports and preview too) is drawn at this opacity.
MODE_OPACITY = {BYPASS: 0.55, MUTE: 0.4}
MODE_TINT = {BYPASS: QColor(170, 80, 255, 70), MUTE: QColor(20, 20, 20, 110)}
MODE_PILL = {BYPASS: ("bypassed", QColor("#a855f7")), MUTE: ("muted", QColor("#6b7280"))}
MODE_NOTES = {
    BYPASS: "Bypassed (Ctrl+B): passes its first input of each output's type on, unchanged.",
    MUTE: "Muted (Ctrl+M): neither this node nor anything after it runs.",
}


def paint_mode(painter: QPainter, rect: QRectF, mode: str) -> None:
    """A tint over the whole node for a bypassed or muted node (nothing for a normal one)."""
    tint = MODE_TINT.get(mode)
    if tint is not None:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(tint)
        painter.drawRoundedRect(rect, style.CORNER_RADIUS, style.CORNER_RADIUS)


def paint_mode_pill(painter: QPainter, left: float, mode: str) -> float:
    """A label at `left` in the title bar; returns the width it took (0 for a normal node)."""
    if mode not in MODE_PILL:
        return 0.0
    text, colour = MODE_PILL[mode]
    small = QFont()
    small.setPointSizeF(7.5)
    small.setBold(True)
    width = QFontMetricsF(small).horizontalAdvance(text) + 10
    r = QRectF(left, 7, width, style.HEADER_HEIGHT - 14)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(colour)
    painter.drawRoundedRect(r, 4, 4)
    painter.setFont(small)
    painter.setPen(QColor("#ffffff"))
    painter.drawText(r, Qt.AlignmentFlag.AlignCenter, text)
    return width + 4


def mode_note(mode: str) -> str:
    """A line for the node's tooltip (empty for a normal node)."""
    note = MODE_NOTES.get(mode)
    return f"<br><i>{note}</i>" if note else ""
