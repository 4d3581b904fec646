"""The viewer panel: one node's result at full size, with a page per kind of result."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPlainTextEdit,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from studio.gui.viewer.audio_page import AudioPage
from studio.gui.viewer.image_page import ImagePage
from studio.gui.viewer.result_actions import ResultActions
from studio.gui.viewer.video_page import VideoPage

HINT = (
    "Double-click a preview, or select a node and press Space, to see its result here.\n\n"
    "Video: Space plays, J K L shuttle, ← → step a frame.   Image: 1 = 100 %, F = fit."
)


class ViewerPanel(QWidget):
    def __init__(self, actions: ResultActions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.result_actions = actions
        self.title = QLabel("")
        self.title.setObjectName("ViewerTitle")
        self.title.setStyleSheet("font-weight: bold;")
        self.output_combo = QComboBox()
        self.output_combo.setToolTip("Which output of the node to show")
        self.output_combo.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.stale_label = QLabel("stale: from before an edit, run to refresh")
        self.stale_label.setStyleSheet("color: #1b1d22; background: #b8a25a; padding: 1px 6px;")
        self.stale_label.hide()
        header = QHBoxLayout()
        header.addWidget(self.title, 1)
        header.addWidget(self.stale_label)
        header.addWidget(self.output_combo)
        self.empty = QLabel(HINT)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.image_page = ImagePage()
        self.video_page = VideoPage()
        self.audio_page = AudioPage()
        self.stack = QStackedWidget()
        for page in (self.empty, self.text, self.image_page, self.video_page, self.audio_page):
            self.stack.addWidget(page)
        for page in (self.image_page, self.video_page, self.audio_page):
            page.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            page.customContextMenuRequested.connect(lambda pos, p=page: self._context_menu(p, pos))
        column = QVBoxLayout(self)
        column.setContentsMargins(6, 6, 6, 6)
        column.addLayout(header)
        column.addWidget(self.stack, 1)
        self.outputs: dict[str, Any] = {}
        self.output_name: str | None = None
        self.value: Any = None
        self.output_combo.currentIndexChanged.connect(self._output_chosen)
        self.show_nothing()

    # -- what is shown ----------------------------------------------------------------------------
    def show_nothing(self, message: str = HINT) -> None:
        self._unload()
        self.title.setText("Viewer")
        self.output_combo.hide()
        self.stale_label.hide()
        self.empty.setText(message)
        self.stack.setCurrentWidget(self.empty)
        self.outputs, self.output_name, self.value = {}, None, None

    def show_outputs(self, title: str, outputs: dict[str, Any], stale: bool) -> None:
        """Show one node's outputs (name -> value, in the node's order); keeps the chosen one."""
        self.title.setText(title)
        self.set_stale(stale)
        shown = {n: v for n, v in outputs.items() if _viewable(v)}
        if not shown:
            self.show_nothing("This node has no result to show yet: run it.")
            self.title.setText(title)
            return
        name = self.output_name if self.output_name in shown else next(iter(shown))
        self.outputs = shown
        self.output_combo.blockSignals(True)
        self.output_combo.clear()
        self.output_combo.addItems(list(shown))
        self.output_combo.setCurrentText(name)
        self.output_combo.blockSignals(False)
        self.output_combo.setVisible(len(shown) > 1)
        self._show_value(name, shown[name])

    def set_stale(self, stale: bool) -> None:
        self.stale_label.setVisible(stale)

    def _output_chosen(self, index: int) -> None:
        name = self.output_combo.itemText(index)
        if name in self.outputs:
            self._show_value(name, self.outputs[name])

    def _show_value(self, name: str, value: Any) -> None:
        if name == self.output_name and _same(value, self.value):
            return  # the same result again (a status change): keep playing, keep the zoom
        self._unload()
        self.output_name, self.value = name, value
        items = value if isinstance(value, list) else [value]
        items = [v for v in items if v is not None]
        first = items[0]
        if isinstance(first, str):
            self.text.setPlainText("\n\n".join(str(v) for v in items))
            self.stack.setCurrentWidget(self.text)
        elif first.kind == "image":
            self.image_page.load([v for v in items if getattr(v, "kind", "") == "image"])
            self.stack.setCurrentWidget(self.image_page)
        elif first.kind == "video":
            self.video_page.load(first)
            self.stack.setCurrentWidget(self.video_page)
        elif first.kind == "audio":
            self.audio_page.load(first)
            self.stack.setCurrentWidget(self.audio_page)

    def _unload(self) -> None:
        self.video_page.unload()
        self.audio_page.unload()

    def focus_page(self) -> None:
        """Give the keyboard to the page shown (so Space plays the video just opened)."""
        page = self.stack.currentWidget()
        if page is not None:
            page.setFocus(Qt.FocusReason.OtherFocusReason)

    def pause(self) -> None:
        self.video_page.pause()
        self.audio_page.pause()

    # -- right-click ------------------------------------------------------------------------------
    def current_artifact(self) -> Any:
        page = self.stack.currentWidget()
        if page is self.image_page and self.image_page.artifacts:
            return self.image_page.artifacts[self.image_page.index]
        if page is self.video_page:
            return self.video_page.artifact
        if page is self.audio_page:
            return self.audio_page.artifact
        return None

    def result_menu(self) -> QMenu | None:
        artifact = self.current_artifact()
        if artifact is None:
            return None
        menu = QMenu(self)
        self.result_actions.add_to(menu, artifact.path)
        return menu

    def _context_menu(self, page: QWidget, pos: QPoint) -> None:
        menu = self.result_menu()
        if menu is not None:
            menu.popup(page.mapToGlobal(pos))


def _viewable(value: Any) -> bool:
    from studio.api import Artifact

    items = value if isinstance(value, list) else [value]
    first = next((v for v in items if v is not None), None)
    if isinstance(first, str):
        return bool(first)
    return isinstance(first, Artifact) and first.kind in ("image", "video", "audio")


def _same(a: Any, b: Any) -> bool:
    """The same result: equal text, or the same files (content and place: an export may be a
    copy of its input, and "reveal in folder" must show the export)."""

    def key(value: Any) -> list[Any]:
        items = value if isinstance(value, list) else [value]
        return [(v.digest, str(v.path)) if hasattr(v, "digest") else v for v in items]

    return key(a) == key(b)
