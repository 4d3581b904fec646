"""A compare node's preview: one cell per candidate (its result, provider and model, time, cost).

Images show as thumbnails, sound and video with their own play controls (the ordinary previews,
one per cell). The pick has a bright frame; a click on a cell (its picture or its caption)
makes it the pick, one undoable param edit; until the next run the new pick has a dashed frame.
A failed candidate's cell says why. The grid can be exported as a contact sheet PNG.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QRectF, QSizeF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsSceneMouseEvent

from studio.gui.canvas import style
from studio.gui.canvas.node_item import font
from studio.gui.previews.base import PreviewItem
from studio.media.contact_sheet import caption_lines, columns_for

if TYPE_CHECKING:
    from studio.api import Artifact

# The node's preview area: wide enough for two columns of readable captions.
GRID_SIZE = (400.0, 300.0)
CAPTION_HEIGHT = 30.0
GAP = 6.0
PICK_COLOUR = QColor("#3d9cff")
FAILED_COLOUR = QColor("#e5534b")
BADGE_BACKGROUND = QColor(0, 0, 0, 160)


class CompareGrid:
    """The value a compare node previews: its pick, its cells, the candidates' artifacts."""

    def __init__(self, picked: Artifact, listed: list[Artifact]) -> None:
        grid = picked.meta["compare"]
        self.picked = picked
        self.pick = int(grid["pick"])
        self.cells: list[dict[str, Any]] = list(grid["cells"])
        self.artifacts: dict[int, Artifact] = {}
        for cell in self.cells:
            index = cell.get("index")
            if isinstance(index, int) and 0 <= index < len(listed):
                self.artifacts[int(cell["number"])] = listed[index]
        blob = json.dumps([picked.digest, self.pick, self.cells], sort_keys=True, default=str)
        self.digest = "grid-" + hashlib.sha256(blob.encode()).hexdigest()

    def make_preview(self, size: QSizeF) -> CompareGridItem:
        return CompareGridItem(self, size)


def grid_value(outputs: dict[str, Any]) -> CompareGrid | None:
    """The grid of a compare node's outputs, or None when they hold none (not run yet)."""
    from studio.api import Artifact

    picked = next(iter(outputs.values()), None) if outputs else None
    if not isinstance(picked, Artifact) or not isinstance(picked.meta.get("compare"), dict):
        return None
    listed = outputs.get("candidates")
    return CompareGrid(picked, list(listed) if isinstance(listed, list) else [])


class CompareGridItem(PreviewItem):
    def __init__(self, grid: CompareGrid, size: QSizeF) -> None:
        super().__init__(size)
        self.grid = grid
        self.cell_rects: list[QRectF] = []
        self.children_previews: list[QGraphicsItem] = []
        self._watched: Any = None
        count = max(1, len(grid.cells))
        cols = columns_for(count)
        rows = math.ceil(count / cols)
        width = (size.width() - GAP * (cols - 1)) / cols
        height = (size.height() - GAP * (rows - 1)) / rows
        from studio.gui.previews import make_preview

        for i, cell in enumerate(grid.cells):
            rect = QRectF((i % cols) * (width + GAP), (i // cols) * (height + GAP), width, height)
            self.cell_rects.append(rect)
            artifact = grid.artifacts.get(int(cell["number"]))
            if artifact is None:
                continue
            media = rect.adjusted(3, 3, -3, -3 - CAPTION_HEIGHT)
            child = make_preview(artifact, media.size())
            if child is not None:
                child.setParentItem(self)
                child.setPos(media.topLeft())
                self.children_previews.append(child)
        self.setAcceptedMouseButtons(Qt.MouseButton.LeftButton)
        self.setToolTip("Click a cell to pick it; right-click to export a contact sheet.")

    # -- the node this grid belongs to -----------------------------------------------------------
    def _node(self) -> Any:
        parent = self.parentItem()
        return getattr(parent, "node", None)

    def asked_pick(self) -> int:
        """The pick the node's param asks for now (it may be newer than the shown result)."""
        node = self._node()
        value = node.params.get("pick", self.grid.pick) if node is not None else self.grid.pick
        return int(value) if isinstance(value, int) and not isinstance(value, bool) else 0

    def _watch_model(self) -> None:
        """Repaint when the pick param changes (a click, an undo, the inspector)."""
        if self._watched is not None or self.scene() is None:
            return
        document = getattr(self.scene(), "document", None)
        if document is None:
            return
        self._watched = document.graph
        self._watched.subscribe(self._on_model)

    def _on_model(self, kind: str, details: dict[str, Any]) -> None:
        node = self._node()
        if kind == "param_changed" and node is not None and details.get("node") == node.id:
            self.update()
            if self.parentItem() is not None:
                self.parentItem().update()

    def dispose(self) -> None:
        if self._watched is not None:
            self._watched.unsubscribe(self._on_model)
            self._watched = None
        # The cells' previews are Qt children of this item: release each one (its player, its
        # pending work) and detach it, so Qt and Python never both delete it.
        children, self.children_previews = self.children_previews, []
        for child in children:
            dispose = getattr(child, "dispose", None)
            if dispose:
                dispose()
            child.setParentItem(None)  # type: ignore[arg-type]  # the stub omits None; Qt takes it
            if child.scene() is not None:
                child.scene().removeItem(child)

    # -- painting ----------------------------------------------------------------------------------
    def paint(self, painter: QPainter, option: Any, widget: Any = None) -> None:
        self._watch_model()
        asked = self.asked_pick()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        metrics = QFontMetricsF(font("small"))
        for cell, rect in zip(self.grid.cells, self.cell_rects, strict=False):
            number = int(cell["number"])
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(style.PREVIEW_BACKGROUND)
            painter.drawRoundedRect(rect, 4, 4)
            media = rect.adjusted(3, 3, -3, -3 - CAPTION_HEIGHT)
            if cell["status"] != "ok":
                painter.setFont(font("small"))
                painter.setPen(FAILED_COLOUR.lighter(120))
                painter.drawText(
                    media.adjusted(6, 16, -6, -4),
                    Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                    str(cell.get("error") or "failed"),
                )
            caption = QRectF(
                rect.left() + 6, rect.bottom() - CAPTION_HEIGHT, rect.width() - 12, CAPTION_HEIGHT
            )
            who, what = caption_lines(cell)
            painter.setFont(font("small"))
            painter.setPen(style.PREVIEW_TEXT)
            half = caption.height() / 2
            painter.drawText(
                QRectF(caption.left(), caption.top(), caption.width(), half),
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                metrics.elidedText(who, Qt.TextElideMode.ElideMiddle, caption.width()),
            )
            painter.setPen(FAILED_COLOUR if cell["status"] != "ok" else style.UNKNOWN_TEXT)
            painter.drawText(
                QRectF(caption.left(), caption.top() + half, caption.width(), half),
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                metrics.elidedText(what, Qt.TextElideMode.ElideRight, caption.width()),
            )
            if number == self.grid.pick:
                painter.setPen(QPen(PICK_COLOUR, 2.5))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRoundedRect(rect.adjusted(1, 1, -1, -1), 4, 4)
            if asked and number == asked and asked != self.grid.pick:
                pen = QPen(PICK_COLOUR.lighter(130), 2.0, Qt.PenStyle.DashLine)
                painter.setPen(pen)
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRoundedRect(rect.adjusted(1, 1, -1, -1), 4, 4)

    # -- choosing ----------------------------------------------------------------------------------
    def cell_at(self, x: float, y: float) -> int | None:
        for cell, rect in zip(self.grid.cells, self.cell_rects, strict=False):
            if rect.contains(x, y):
                return int(cell["number"])
        return None

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        number = self.cell_at(event.pos().x(), event.pos().y())
        if number is None or event.button() != Qt.MouseButton.LeftButton:
            event.ignore()
            return
        event.accept()
        self.choose(number)

    def choose(self, number: int) -> bool:
        """Make cell `number` the pick (an undoable edit of the node's `pick` param)."""
        node = self._node()
        scene = self.scene()
        document = getattr(scene, "document", None)
        if node is None or document is None or node.params.get("pick") == number:
            return False
        from studio.gui.commands import ParamSetCommand

        document.push(ParamSetCommand(document, node.id, "pick", number, False))
        self.update()
        return True

    # -- the right-click menu's extra actions ------------------------------------------------------
    def menu_actions(self) -> list[tuple[str, Any]]:
        return [("Export Contact Sheet…", self.export_sheet_dialog)]

    def export_sheet_dialog(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        views = self.scene().views() if self.scene() is not None else []
        parent = views[0].window() if views else None
        path, _ = QFileDialog.getSaveFileName(
            parent, "Export Contact Sheet", "contact-sheet.png", "PNG images (*.png)"
        )
        if path:
            self.export_sheet(Path(path))

    def export_sheet(self, path: Path) -> None:
        """Write the contact sheet PNG off the event loop; the run log says where or why not."""
        from studio.gui.app import spawn

        spawn(self._export(path), f"exporting the contact sheet to {path.name}")

    async def _export(self, path: Path) -> Path:
        import asyncio

        from studio.media.contact_sheet import render_contact_sheet

        title = str(getattr(self.parentItem(), "title", "") or "Candidates")
        prompt = str(self.grid.picked.meta.get("prompt") or self.grid.picked.meta.get("text") or "")
        paths = {n: a.path for n, a in self.grid.artifacts.items()}
        written: Path = await asyncio.get_running_loop().run_in_executor(
            None,
            lambda: render_contact_sheet(
                self.grid.cells, paths, path, pick=self.grid.pick, title=title, subtitle=prompt
            ),
        )
        scene = self.scene()
        if scene is not None and hasattr(scene, "message"):
            scene.message.emit(f"Contact sheet written to {written}")
        return written
