"""The welcome screen: shown at start and on File > New.

Three ways in, as the first minute of a session needs them: a template from the gallery (a card
with a picture and one line each; it opens as a new untitled project), a recent file (with a
picture of its graph, taken when it was last opened or saved), or a blank graph. Esc or closing
the screen leaves the canvas as it was.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QImage, QMouseEvent, QPainter, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from studio.templates import Template, list_templates

if TYPE_CHECKING:
    from studio.gui.main_window import MainWindow

CARD_PICTURE = QSize(240, 135)
RECENT_PICTURE = QSize(96, 54)
THUMBNAIL_SIZE = QSize(320, 180)
COLUMNS = 3
STYLE = """
#Welcome { background: #1b1d22; }
#WelcomeTitle { font-size: 20px; font-weight: 600; color: #eef1f5; }
#SectionTitle { font-size: 13px; font-weight: 600; color: #c9ced6; }
#TemplateCard { background: #23262d; border: 1px solid #30343d; border-radius: 8px; }
#TemplateCard:hover { border-color: #3d9cff; background: #272b33; }
#CardTitle { font-weight: 600; color: #eef1f5; }
#CardLine { color: #9aa1ad; }
"""


# -- pictures of recent graphs -------------------------------------------------------------------
def thumbnail_path(graph_file: Path) -> Path:
    """Where the picture of a graph file is kept (state folder, named by the file's path)."""
    from studio.paths import state_dir

    key = hashlib.sha1(str(Path(graph_file).resolve()).encode("utf-8")).hexdigest()[:20]
    return state_dir() / "thumbnails" / f"{key}.png"


def capture_thumbnail(window: MainWindow) -> Path | None:
    """Draw the window's graph (its nodes, as laid out) into the picture of its file."""
    from studio.atomic import move_atomic

    path = window.document.path
    scene = window.scene
    if path is None or not scene.nodes:
        return None
    image = QImage(THUMBNAIL_SIZE, QImage.Format.Format_RGB32)
    image.fill(QColor("#1b1d22"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    source = scene.nodes_rect().adjusted(-40, -40, 40, 40)
    scene.render(painter, QRectF(image.rect()), source, Qt.AspectRatioMode.KeepAspectRatio)
    painter.end()
    target = thumbnail_path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{target.name}.part.png")
    if not image.save(str(temp)):
        temp.unlink(missing_ok=True)
        raise OSError(f"cannot write {temp}")
    move_atomic(temp, target)
    return target


def _picture(path: Path | None, size: QSize) -> QPixmap:
    pixmap = QPixmap(str(path)) if path is not None and path.is_file() else QPixmap()
    if pixmap.isNull():
        pixmap = QPixmap(size)
        pixmap.fill(QColor("#2a2d34"))
        return pixmap
    return pixmap.scaled(
        size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
    )


# -- the screen ----------------------------------------------------------------------------------
class TemplateCard(QFrame):
    """A template: its picture, its title and one line. A click chooses it."""

    clicked = Signal(object)  # the Template

    def __init__(self, template: Template, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.template = template
        self.setObjectName("TemplateCard")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip(f"Open “{template.title}” as a new project")
        self.setFixedWidth(CARD_PICTURE.width() + 20)
        column = QVBoxLayout(self)
        column.setContentsMargins(10, 10, 10, 10)
        self.picture = QLabel()
        self.picture.setPixmap(_picture(template.thumbnail, CARD_PICTURE))
        self.picture.setFixedSize(CARD_PICTURE)
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title = QLabel(template.title)
        self.title.setObjectName("CardTitle")
        self.line = QLabel(template.description)
        self.line.setObjectName("CardLine")
        self.line.setWordWrap(True)
        for widget in (self.picture, self.title, self.line):
            column.addWidget(widget)
        column.addStretch(1)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(
            event.position().toPoint()
        ):
            self.clicked.emit(self.template)
        super().mouseReleaseEvent(event)


class WelcomeScreen(QDialog):
    """Start something: a template, a recent file, a blank graph, a file, the example."""

    template_chosen = Signal(object)  # Template
    recent_chosen = Signal(str)
    blank_chosen = Signal()
    open_chosen = Signal()
    example_chosen = Signal()

    def __init__(self, recent_files: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Welcome")
        self.setWindowTitle("Welcome — Multimodal Studio")
        self.setStyleSheet(STYLE)
        outer = QHBoxLayout(self)
        outer.setContentsMargins(24, 20, 24, 20)
        outer.setSpacing(24)
        outer.addLayout(self._start_column(recent_files), 0)
        outer.addLayout(self._gallery(), 1)
        self._fit()

    def _start_column(self, recent_files: list[str]) -> QVBoxLayout:
        column = QVBoxLayout()
        title = QLabel("Multimodal Studio")
        title.setObjectName("WelcomeTitle")
        column.addWidget(title)
        hint = QLabel("Pictures, motion, voices and music from one graph — offline by default.")
        hint.setObjectName("Hint")
        hint.setWordWrap(True)
        column.addWidget(hint)
        self.blank_button = QPushButton("Blank graph")
        self.open_button = QPushButton("Open…")
        self.example_button = QPushButton("Open the example")
        for button, signal in (
            (self.blank_button, self.blank_chosen),
            (self.open_button, self.open_chosen),
            (self.example_button, self.example_chosen),
        ):
            button.clicked.connect(signal)
            button.clicked.connect(self.accept)
            column.addWidget(button)
        recent_title = QLabel("Recent")
        recent_title.setObjectName("SectionTitle")
        column.addSpacing(10)
        column.addWidget(recent_title)
        self.recent = QListWidget()
        self.recent.setIconSize(RECENT_PICTURE)
        self.recent.setMinimumWidth(280)
        # A deep folder is shortened in the middle (the full path is the tooltip), never a
        # sideways scroll bar under the list.
        self.recent.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.recent.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        for file in recent_files:
            path = Path(file)
            item = QListWidgetItem(
                QIcon(_picture(thumbnail_path(path), RECENT_PICTURE)),
                f"{path.name}\n{path.parent}",
            )
            item.setData(Qt.ItemDataRole.UserRole, file)
            item.setToolTip(file)
            if not path.exists():
                item.setText(f"{path.name}\n(missing) {path.parent}")
                item.setForeground(QColor("#8a919d"))
            self.recent.addItem(item)
        if not recent_files:
            empty = QListWidgetItem("Graphs you open or save appear here.")
            empty.setFlags(Qt.ItemFlag.NoItemFlags)
            self.recent.addItem(empty)
        self.recent.itemActivated.connect(self._recent_activated)
        self.recent.itemClicked.connect(self._recent_activated)
        column.addWidget(self.recent, 1)
        return column

    def _gallery(self) -> QVBoxLayout:
        column = QVBoxLayout()
        title = QLabel("Start from a template")
        title.setObjectName("SectionTitle")
        column.addWidget(title)
        grid_host = QWidget()
        grid = QGridLayout(grid_host)
        grid.setSpacing(14)
        grid.setContentsMargins(0, 0, 0, 0)
        self.cards: list[TemplateCard] = []
        for index, template in enumerate(list_templates()):
            card = TemplateCard(template)
            card.clicked.connect(self._template_clicked)
            grid.addWidget(card, index // COLUMNS, index % COLUMNS)
            self.cards.append(card)
        grid.setRowStretch(grid.rowCount(), 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(grid_host)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        column.addWidget(scroll, 1)
        return column

    def _fit(self) -> None:
        """As big as the gallery wants, within the screen."""
        wanted = QSize(COLUMNS * (CARD_PICTURE.width() + 34) + 360, 720)
        parent = self.parentWidget()
        screen = parent.screen() if parent is not None else self.screen()
        if screen is not None:
            room = screen.availableGeometry().size() * 0.92
            wanted = wanted.boundedTo(room)
        self.resize(wanted)

    def _template_clicked(self, template: Template) -> None:
        self.template_chosen.emit(template)
        self.accept()

    def _recent_activated(self, item: QListWidgetItem) -> None:
        file = item.data(Qt.ItemDataRole.UserRole)
        if file:
            self.recent_chosen.emit(file)
            self.accept()


def example_graph() -> Path:
    from studio.paths import resources_dir

    return resources_dir() / "examples" / "lighthouse.json"


def show_welcome(window: MainWindow) -> WelcomeScreen:
    """Open the welcome screen over the window (not modal for the app: it never blocks the loop)."""
    from studio.gui import projects

    screen = WelcomeScreen(list(window.recent.files), window)
    screen.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def template(chosen: Template) -> None:
        if window.maybe_save():
            projects.open_copy(window, chosen.graph, chosen.title)

    def example() -> None:
        if window.maybe_save():
            projects.open_copy(window, example_graph())

    screen.template_chosen.connect(template)
    screen.recent_chosen.connect(lambda file: window.open_path(file))
    screen.blank_chosen.connect(window.new_document)
    screen.open_chosen.connect(window.open_dialog)
    screen.example_chosen.connect(example)
    screen.open()
    return screen


def install(window: MainWindow) -> None:
    """Keep a picture of every graph the window opens or saves, for the recent list."""

    def changed() -> None:
        try:
            capture_thumbnail(window)
        except OSError as exc:  # a picture is a nicety, never a reason to fail a save
            window.run_log.append("warning", f"Could not keep a picture of the graph: {exc}")

    window.recent.files_changed.connect(changed)
