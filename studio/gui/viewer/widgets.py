"""Small painted widgets of the viewer: the picture with its loading spinner, and the scrub bar."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QStyle, QToolButton, QWidget

BACKGROUND = QColor("#0d0e11")
TRACK = QColor("#3a3f4b")
PLAYED = QColor("#3d9cff")
PLAYHEAD = QColor("#ffffff")
TEXT = QColor("#d8dbe0")


NEARLY_FITS = 20  # pixels of room a frame may leave before it is scaled up to fill the view


class FrameView(QWidget):
    """One picture, fitted into the widget; a spinner while `loading`, a message on top."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.image: QImage | None = None
        self.loading = False
        self.message = ""
        self.painted_image: QImage | None = None  # the image of the last paint (tests, bench)
        self._angle = 0
        self._spin = QTimer(self)
        self._spin.setInterval(60)
        self._spin.timeout.connect(self._turn)
        self.setMinimumSize(160, 90)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_image(self, image: QImage | None) -> None:
        self.image = image
        if image is None:
            self.painted_image = None
        self.update()

    def set_loading(self, loading: bool) -> None:
        self.loading = loading
        if loading:
            self._spin.start()
        else:
            self._spin.stop()
        self.update()

    def set_message(self, text: str) -> None:
        self.message = text
        self.update()

    def _turn(self) -> None:
        self._angle = (self._angle + 30) % 360
        self.update()

    def picture_rect(self) -> QRectF:
        """Where the image is drawn: centred; fitted, unless it already nearly fits.

        The decoder makes frames the size of this widget (to whole 16-pixel rows), so most
        frames are drawn pixel for pixel: a copy, where scaling would cost milliseconds a frame
        on the window's thread.
        """
        if self.image is None or self.image.isNull():
            return QRectF()
        ratio = self.devicePixelRatioF()
        width, height = self.image.width() / ratio, self.image.height() / ratio
        scale = min(self.width() / width, self.height() / height)
        if scale >= 1.0 and min(self.width() - width, self.height() - height) < NEARLY_FITS:
            scale = 1.0
        w, h = width * scale, height * scale
        return QRectF(round((self.width() - w) / 2), round((self.height() - h) / 2), w, h)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), BACKGROUND)
        if self.image is not None and not self.image.isNull():
            target = self.picture_rect()
            if target.size().toSize() != self.image.deviceIndependentSize().toSize():
                painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(target, self.image)
            self.painted_image = self.image
        if self.loading:
            centre = QPointF(self.width() / 2, self.height() / 2)
            painter.setPen(QPen(PLAYED, 4, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            ring = QRectF(centre.x() - 18, centre.y() - 18, 36, 36)
            painter.drawArc(ring, -self._angle * 16, 270 * 16)
            painter.setPen(TEXT)
            below = QRectF(0, centre.y() + 24, self.width(), 20)
            painter.drawText(below, Qt.AlignmentFlag.AlignCenter, "loading…")
        if self.message:
            painter.setPen(TEXT)
            box = QRectF(self.rect()).adjusted(16, 16, -16, -16)
            painter.drawText(
                box, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.message
            )
        painter.end()


class ScrubBar(QWidget):
    """A time line: click or drag anywhere to move the playhead (`scrubbed` in seconds)."""

    scrubbed = Signal(float)
    released = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.duration = 0.0
        self.position = 0.0
        self.setMinimumHeight(22)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_duration(self, seconds: float) -> None:
        self.duration = max(0.0, seconds)
        self.update()

    def set_position(self, seconds: float) -> None:
        moved = abs(self.x_for(seconds) - self.x_for(self.position)) >= 0.5
        self.position = seconds
        if moved:  # a repaint per video frame is wasted while the playhead stays on its pixel
            self.update()

    def track(self) -> QRectF:
        return QRectF(8, self.height() / 2 - 3, self.width() - 16, 6)

    def x_for(self, seconds: float) -> float:
        track = self.track()
        fraction = seconds / self.duration if self.duration else 0.0
        return track.left() + track.width() * max(0.0, min(1.0, fraction))

    def seconds_at(self, x: float) -> float:
        track = self.track()
        fraction = (x - track.left()) / max(1.0, track.width())
        return max(0.0, min(1.0, fraction)) * self.duration

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        track = self.track()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(TRACK)
        painter.drawRoundedRect(track, 3, 3)
        x = self.x_for(self.position)
        played = QRectF(track.left(), track.top(), x - track.left(), track.height())
        painter.setBrush(PLAYED)
        painter.drawRoundedRect(played, 3, 3)
        painter.setBrush(PLAYHEAD)
        painter.drawEllipse(QPointF(x, track.center().y()), 6, 6)
        painter.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.duration:
            self.scrubbed.emit(self.seconds_at(event.position().x()))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton and self.duration:
            self.scrubbed.emit(self.seconds_at(event.position().x()))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.released.emit()


def clock_text(seconds: float) -> str:
    """0:07.25 — minutes, seconds and hundredths (a frame at 30 fps is 3.3 hundredths)."""
    seconds = max(0.0, seconds)
    return f"{int(seconds // 60)}:{seconds % 60:05.2f}"


ICONS = {
    "play": QStyle.StandardPixmap.SP_MediaPlay,
    "pause": QStyle.StandardPixmap.SP_MediaPause,
    "frame-back": QStyle.StandardPixmap.SP_MediaSkipBackward,
    "frame-forward": QStyle.StandardPixmap.SP_MediaSkipForward,
}


def tool_button(text: str, tip: str, icon: str | None = None) -> QToolButton:
    """A flat button that never takes the keyboard from the page (Space must reach the player)."""
    button = QToolButton()
    button.setText(text)
    button.setToolTip(tip)
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    button.setAutoRaise(True)
    if icon is not None:
        set_icon(button, icon)
    return button


def set_icon(button: QToolButton, name: str) -> None:
    """The style's media icon (every platform has them; a font may lack ⏮ and ⏭)."""
    button.setIcon(button.style().standardIcon(ICONS[name]))
    button.setToolTip(button.toolTip())
    button.setAccessibleName(name)
