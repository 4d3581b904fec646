"""What every preview item shares: its box, background, a caption and play controls."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSizeF, Qt
from PySide6.QtGui import QColor, QPainter, QPolygonF
from PySide6.QtWidgets import QGraphicsItem

from studio.gui.canvas import style
from studio.gui.canvas.node_item import font

CONTROL_HEIGHT = 22.0
PLAYHEAD_COLOUR = QColor("#ffffff")
TRACK_COLOUR = QColor("#3a3f4b")
TRACK_DONE = QColor("#3d9cff")


class PreviewItem(QGraphicsItem):
    """A rectangle of the node's preview area; subclasses paint their content inside it."""

    def __init__(self, size: QSizeF) -> None:
        super().__init__()
        self.size = QSizeF(size)
        self.error = ""
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemClipsChildrenToShape)

    def boundingRect(self) -> QRectF:
        return QRectF(QPointF(0, 0), self.size)

    def paint_background(self, painter: QPainter) -> None:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(style.PREVIEW_BACKGROUND)
        painter.drawRoundedRect(self.boundingRect(), 4, 4)

    def paint_caption(self, painter: QPainter, text: str, rect: QRectF | None = None) -> None:
        rect = rect or self.boundingRect().adjusted(6, 4, -6, -4)
        painter.setFont(font("small"))
        painter.setPen(style.UNKNOWN_TEXT if not self.error else style.STATE_COLOURS["failed"])
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, text)

    def dispose(self) -> None:
        """Release players and pending work before the item is removed."""

    def set_error(self, message: str) -> None:
        self.error = message
        self.update()


class PlaybackBar:
    """The play/pause button and scrubber at the bottom of a video or audio preview."""

    def __init__(self, width: float, top: float) -> None:
        self.rect = QRectF(0, top, width, CONTROL_HEIGHT)
        self.button = QRectF(0, top, CONTROL_HEIGHT, CONTROL_HEIGHT)
        self.track = QRectF(
            CONTROL_HEIGHT + 4, top + CONTROL_HEIGHT / 2 - 2, width - CONTROL_HEIGHT - 12, 4
        )

    def paint(self, painter: QPainter, playing: bool, fraction: float, label: str) -> None:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(0, 0, 0, 140))
        painter.drawRect(self.rect)
        painter.setBrush(PLAYHEAD_COLOUR)
        c = self.button.center()
        if playing:
            painter.drawRect(QRectF(c.x() - 5, c.y() - 6, 3.5, 12))
            painter.drawRect(QRectF(c.x() + 1.5, c.y() - 6, 3.5, 12))
        else:
            painter.drawPolygon(
                QPolygonF(
                    [
                        QPointF(c.x() - 4, c.y() - 6),
                        QPointF(c.x() - 4, c.y() + 6),
                        QPointF(c.x() + 6, c.y()),
                    ]
                )
            )
        painter.setBrush(TRACK_COLOUR)
        painter.drawRoundedRect(self.track, 2, 2)
        done = QRectF(self.track)
        done.setWidth(self.track.width() * max(0.0, min(1.0, fraction)))
        painter.setBrush(TRACK_DONE)
        painter.drawRoundedRect(done, 2, 2)
        painter.setFont(font("small"))
        painter.setPen(style.PREVIEW_TEXT)
        painter.drawText(
            self.rect.adjusted(0, -16, -4, -CONTROL_HEIGHT),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom,
            label,
        )

    def fraction_at(self, x: float) -> float:
        return max(0.0, min(1.0, (x - self.track.left()) / max(1.0, self.track.width())))


def clock(seconds: float) -> str:
    seconds = max(0.0, seconds)
    return f"{int(seconds // 60)}:{seconds % 60:04.1f}"
