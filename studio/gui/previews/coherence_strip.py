"""The coherence check's preview: a strip laid out like the timeline, one row per modality.

Each segment's cell is coloured by its mood: the hue by valence (blue sad, grey neutral, amber
happy), the lightness by energy (dark calm, light lively). A clash outlines the two cells in
red and marks the segment (a close call, told but not flagged, gets a dashed amber outline);
a click on a marked segment lists its suggestions, each one a
single undoable param edit on the node the suggestion names (nothing changes until chosen).
"""

from __future__ import annotations

import hashlib
import json
from functools import partial
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsSceneHoverEvent, QGraphicsSceneMouseEvent, QMenu

from studio.gui.canvas import style
from studio.gui.canvas.node_item import font
from studio.gui.previews.base import PreviewItem

STRIP_SIZE = (520.0, 150.0)
LABEL_WIDTH = 66.0
MARK_HEIGHT = 14.0
FOOTER_HEIGHT = 18.0
ROWS = ("picture", "music", "narration")
CLASH_COLOUR = QColor("#ff5a4f")
CLOSE_COLOUR = QColor("#e8b04a")
EMPTY_COLOUR = QColor("#24272d")


def mood_colour(valence: float, energy: float) -> QColor:
    """Blue for sad, grey for neutral, amber for happy; darker when calm, lighter when lively."""
    valence = max(-1.0, min(1.0, valence))
    energy = max(-1.0, min(1.0, energy))
    hue = 212 if valence < 0 else 36
    saturation = int(40 + 200 * abs(valence))
    lightness = int(110 + 60 * energy)
    return QColor.fromHsl(hue, min(255, saturation), max(40, min(215, lightness)))


class CoherenceStrip:
    """The value a coherence check previews: its report."""

    def __init__(self, report: dict[str, Any], text: str) -> None:
        self.report = report
        self.text = text
        blob = json.dumps(report, sort_keys=True, default=str)
        self.digest = "coherence-" + hashlib.sha256(blob.encode()).hexdigest()

    def make_preview(self, size: Any) -> CoherenceStripItem:
        return CoherenceStripItem(self, size)


def strip_value(outputs: dict[str, Any]) -> CoherenceStrip | None:
    data = outputs.get("data")
    if not isinstance(data, str):
        return None
    try:
        report = json.loads(data)
    except ValueError:
        return None
    if not isinstance(report, dict) or report.get("format") != "studio.coherence":
        return None
    return CoherenceStrip(report, str(outputs.get("report") or ""))


class CoherenceStripItem(PreviewItem):
    def __init__(self, strip: CoherenceStrip, size: Any) -> None:
        super().__init__(size)
        self.strip = strip
        self.report = strip.report
        self.setAcceptHoverEvents(True)
        self.setAcceptedMouseButtons(Qt.MouseButton.LeftButton)
        self.setToolTip(self._summary())

    # -- geometry --------------------------------------------------------------------------------
    @property
    def lanes(self) -> QRectF:
        return QRectF(
            LABEL_WIDTH,
            MARK_HEIGHT,
            self.size.width() - LABEL_WIDTH - 4,
            self.size.height() - MARK_HEIGHT - FOOTER_HEIGHT,
        )

    def segment_rect(self, segment: dict[str, Any]) -> QRectF:
        lanes = self.lanes
        total = max(1e-6, float(self.report.get("duration") or 1.0))
        left = lanes.left() + lanes.width() * float(segment["start"]) / total
        right = lanes.left() + lanes.width() * float(segment["end"]) / total
        return QRectF(left, lanes.top(), max(2.0, right - left), lanes.height())

    def cell_rect(self, segment: dict[str, Any], row: int) -> QRectF:
        column = self.segment_rect(segment)
        height = column.height() / len(ROWS)
        return QRectF(
            column.left() + 1, column.top() + row * height + 1, column.width() - 2, height - 2
        )

    def segment_at(self, x: float, y: float) -> dict[str, Any] | None:
        for segment in self.report["segments"]:
            rect = self.segment_rect(segment).adjusted(0, -MARK_HEIGHT, 0, 0)
            if rect.contains(x, y):
                return segment
        return None

    # -- painting ----------------------------------------------------------------------------------
    def paint(self, painter: QPainter, option: Any, widget: Any = None) -> None:
        self.paint_background(painter)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setFont(font("small"))
        metrics = QFontMetricsF(font("small"))
        lanes = self.lanes
        row_height = lanes.height() / len(ROWS)
        for row, name in enumerate(ROWS):
            painter.setPen(style.PREVIEW_TEXT)
            painter.drawText(
                QRectF(6, lanes.top() + row * row_height, LABEL_WIDTH - 10, row_height),
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                name,
            )
        for segment in self.report["segments"]:
            clashing = {m for clash in segment["mismatches"] for m in clash["between"]}
            close = {m for near in segment.get("close_calls", []) for m in near["between"]}
            for row, name in enumerate(ROWS):
                cell = self.cell_rect(segment, row)
                mood = segment.get(name)
                painter.setPen(Qt.PenStyle.NoPen)
                if mood is None:
                    painter.setBrush(EMPTY_COLOUR)
                else:
                    painter.setBrush(mood_colour(mood["valence"], mood["energy"]))
                painter.drawRoundedRect(cell, 3, 3)
                if name in clashing:
                    painter.setPen(QPen(CLASH_COLOUR, 2.2))
                    painter.setBrush(Qt.BrushStyle.NoBrush)
                    painter.drawRoundedRect(cell.adjusted(1, 1, -1, -1), 3, 3)
                elif name in close:  # a close call: told, not flagged
                    painter.setPen(QPen(CLOSE_COLOUR, 1.4, Qt.PenStyle.DashLine))
                    painter.setBrush(Qt.BrushStyle.NoBrush)
                    painter.drawRoundedRect(cell.adjusted(1, 1, -1, -1), 3, 3)
            column = self.segment_rect(segment)
            painter.setPen(style.UNKNOWN_TEXT)
            painter.drawText(
                QRectF(column.left() + 3, 0, column.width() - 6, MARK_HEIGHT),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                f"{segment['index']}",
            )
            if segment["mismatches"]:
                self._paint_mark(painter, column)
        footer = QRectF(
            6, self.size.height() - FOOTER_HEIGHT, self.size.width() - 12, FOOTER_HEIGHT
        )
        painter.setPen(CLASH_COLOUR if not self.report["coherent"] else style.PREVIEW_TEXT)
        painter.drawText(
            footer,
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
            metrics.elidedText(self._summary(), Qt.TextElideMode.ElideRight, footer.width()),
        )

    def _paint_mark(self, painter: QPainter, column: QRectF) -> None:
        """A red triangle with "!" over a segment that has a clash."""
        cx = column.center().x()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(CLASH_COLOUR)
        painter.drawPolygon(
            QPolygonF([QPointF(cx - 7, 1), QPointF(cx + 7, 1), QPointF(cx, MARK_HEIGHT - 1)])
        )
        painter.setPen(QColor("#ffffff"))
        painter.drawText(QRectF(cx - 7, 0, 14, MARK_HEIGHT - 3), Qt.AlignmentFlag.AlignCenter, "!")

    def _summary(self) -> str:
        if self.report["coherent"]:
            return "coherent: picture, music and narration agree in every segment"
        flagged = ", ".join(str(i) for i in self.report["flagged_segments"])
        count = self.report["mismatches"]
        return (
            f"{count} mismatch{'es' if count != 1 else ''} in segment"
            f"{'s' if len(self.report['flagged_segments']) != 1 else ''} {flagged} — "
            "click a marked segment for suggestions"
        )

    # -- hovering and clicking ---------------------------------------------------------------------
    def hoverMoveEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        segment = self.segment_at(event.pos().x(), event.pos().y())
        self.setToolTip(segment_tooltip(segment) if segment else self._summary())

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        segment = self.segment_at(event.pos().x(), event.pos().y())
        if segment is None or event.button() != Qt.MouseButton.LeftButton:
            event.ignore()
            return
        event.accept()
        menu = self.segment_menu(segment)
        menu.popup(event.screenPos())

    def _check_node(self) -> str | None:
        node = getattr(self.parentItem(), "node", None)
        return getattr(node, "id", None)

    def segment_menu(self, segment: dict[str, Any]) -> QMenu:
        """What can be done about a segment: each suggestion's actions, and copying the report."""
        from studio.gui.coherence_actions import NodeTarget, resolve_action

        menu = QMenu()
        document = getattr(self.scene(), "document", None)
        check_id = self._check_node()
        if not segment["mismatches"]:
            menu.addAction(f"Segment {segment['index']}: coherent").setEnabled(False)
        for clash in segment["mismatches"]:
            menu.addAction(clash["suggestion"]).setEnabled(False)
            for action in clash["actions"]:
                found = (
                    resolve_action(document, check_id, segment, action)
                    if document is not None and check_id is not None
                    else "the graph is not open"
                )
                if isinstance(found, NodeTarget):
                    apply = partial(self.apply, document, str(found), action)
                    menu.addAction(f"{action['label']} (node {found})", apply)
                else:
                    item = menu.addAction(f"{action['label']} — {found}")
                    item.setEnabled(False)
            menu.addSeparator()
        menu.addAction("Copy the Report", self.copy_report)
        return menu

    def apply(self, document: Any, node_id: str, action: dict[str, Any]) -> str:
        """Make one suggested edit (undoable) and say so in the status bar."""
        from studio.gui.coherence_actions import apply_action

        said = apply_action(document, node_id, action)
        scene = self.scene()
        if scene is not None and hasattr(scene, "message"):
            scene.message.emit(said)
        return said

    def copy_report(self) -> None:
        from PySide6.QtWidgets import QApplication

        QApplication.clipboard().setText(self.strip.text)


def segment_tooltip(segment: dict[str, Any]) -> str:
    lines = [f"Segment {segment['index']} ({segment['start']:.1f}-{segment['end']:.1f} s)"]
    for name in ROWS:
        mood = segment.get(name)
        if mood is None:
            lines.append(f"{name}: not connected")
        else:
            lines.append(
                f"{name}: valence {mood['valence']:+.2f}, energy {mood['energy']:+.2f} — "
                f"{', '.join(mood['words'])}"
            )
    for clash in segment["mismatches"]:
        lines.append(f"⚠ {clash['suggestion']}")
    for near in segment.get("close_calls", []):
        lines.append(f"close call, not flagged (gap {near['gap']:.2f}): {near['text']}")
    return "\n".join(lines)
