"""Text preview: the node's text, wrapped and scrollable with the mouse wheel."""

from __future__ import annotations

from PySide6.QtCore import QSizeF, Qt
from PySide6.QtGui import QPainter, QTextOption
from PySide6.QtWidgets import QGraphicsSceneWheelEvent, QGraphicsTextItem

from studio.gui.canvas import style
from studio.gui.canvas.node_item import font
from studio.gui.previews.base import PreviewItem

PADDING = 6.0


class TextPreview(PreviewItem):
    def __init__(self, text: str, size: QSizeF) -> None:
        super().__init__(size)
        self.text = text
        self.body = QGraphicsTextItem(self)
        self.body.setDefaultTextColor(style.PREVIEW_TEXT)
        self.body.setFont(font("small"))
        self.body.setPlainText(text)
        self.body.setTextWidth(size.width() - 2 * PADDING)
        option = self.body.document().defaultTextOption()
        option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.body.document().setDefaultTextOption(option)
        self.body.setPos(PADDING, PADDING)
        self.body.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setToolTip(text[:2000])

    @property
    def wants_wheel(self) -> bool:
        """True when the text is taller than the box (then the wheel scrolls it, not the view)."""
        return self.body.boundingRect().height() > self.size.height() - PADDING

    def scroll_by(self, dy: float) -> None:
        overflow = self.body.boundingRect().height() - (self.size.height() - 2 * PADDING)
        y = min(PADDING, max(PADDING - max(0.0, overflow), self.body.y() + dy))
        self.body.setY(y)

    def wheelEvent(self, event: QGraphicsSceneWheelEvent) -> None:
        if not self.wants_wheel:
            event.ignore()
            return
        self.scroll_by(event.delta() / 4)
        event.accept()

    def paint(self, painter: QPainter, option, widget=None) -> None:
        self.paint_background(painter)
