"""The welcome screen: at start and on File > New, with the template gallery and recent files."""

from __future__ import annotations

import os
import subprocess
import sys

from gui_helpers import brief_prompt, click_menu
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from studio.graph.fileformat import load_graph
from studio.gui.welcome import WelcomeScreen, thumbnail_path
from studio.paths import projects_dir
from studio.templates import list_templates

LEFT = Qt.MouseButton.LeftButton


def welcome_of(qtbot, window) -> WelcomeScreen:
    qtbot.waitUntil(lambda: window.findChild(WelcomeScreen) is not None)
    screen = window.findChild(WelcomeScreen)
    qtbot.waitExposed(screen)
    return screen


def test_file_new_shows_the_gallery_and_a_card_opens_its_template_as_a_project(qtbot, window):
    window.activateWindow()
    QTest.keyClick(window.view, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    screen = welcome_of(qtbot, window)
    titles = [card.title.text() for card in screen.cards]
    assert titles == [t.title for t in list_templates()]
    assert titles[:2] == ["Lighthouse explainer", "Vertical product teaser"]
    for card in screen.cards:
        picture = card.picture.pixmap()
        assert not picture.isNull() and picture.width() == 240
        assert card.line.text() and card.line.isVisible()
    audiogram = next(c for c in screen.cards if c.title.text() == "Podcast audiogram")
    QTest.mouseClick(audiogram, LEFT, pos=QPoint(40, 40))
    qtbot.waitUntil(lambda: not screen.isVisible())
    document = window.document
    template = load_graph(audiogram.template.graph)
    assert sorted(document.graph.nodes) == sorted(template.nodes)
    assert document.path is None
    assert document.project_dir == projects_dir() / "Podcast audiogram"
    assert window.windowTitle().startswith("Podcast audiogram")


def test_esc_leaves_the_canvas_as_it_was(qtbot, window):
    brief, _prompt = brief_prompt(window)
    click_menu(qtbot, window, "File", "New…")
    screen = welcome_of(qtbot, window)
    QTest.keyClick(screen, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not screen.isVisible())
    assert brief in window.document.graph.nodes


def test_blank_graph_asks_about_unsaved_work_and_starts_empty(qtbot, window):
    brief_prompt(window)
    asked = []
    window.ask_save_changes = lambda: asked.append(1) or "discard"
    click_menu(qtbot, window, "File", "New…")
    screen = welcome_of(qtbot, window)
    QTest.mouseClick(screen.blank_button, LEFT)
    qtbot.waitUntil(lambda: not window.document.graph.nodes)
    assert asked == [1] and window.document.path is None


def test_recent_files_show_a_picture_of_their_graph_and_open_on_click(qtbot, window, tmp_path):
    brief_prompt(window)
    saved = tmp_path / "harbour.studiograph"
    assert window._save_to(saved)
    picture = QImage(str(thumbnail_path(saved)))
    assert picture.width() == 320 and picture.height() == 180
    colours = {picture.pixel(x, y) for x in range(320) for y in range(180)}
    assert len(colours) > 20  # the nodes and the wire are drawn, not a blank card
    window.new_document()
    click_menu(qtbot, window, "File", "New…")
    screen = welcome_of(qtbot, window)
    item = screen.recent.item(0)
    assert item.text().startswith("harbour.studiograph")
    assert not item.icon().isNull()
    rect = screen.recent.visualItemRect(item)
    QTest.mouseClick(screen.recent.viewport(), LEFT, pos=rect.center())
    qtbot.waitUntil(lambda: window.document.path == saved.resolve())
    assert len(window.document.graph.nodes) == 2


def test_open_the_example_from_the_welcome_screen_makes_a_copy(qtbot, window):
    click_menu(qtbot, window, "File", "New…")
    screen = welcome_of(qtbot, window)
    QTest.mouseClick(screen.example_button, LEFT)
    qtbot.waitUntil(lambda: len(window.document.graph.nodes) == 15)
    assert window.document.path is None
    assert window.document.project_dir.parent == projects_dir()


START_SCRIPT = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

app = QApplication(sys.argv[:1])
seen = []

def look_and_close():
    for widget in QApplication.topLevelWidgets():
        if widget.isVisible() and widget.objectName() == "Welcome":
            seen.append((widget.windowTitle(), len(widget.cards)))
    for widget in QApplication.topLevelWidgets():
        if widget.inherits("QMainWindow"):
            widget.close()

QTimer.singleShot(4000, look_and_close)
from studio.cli import main
code = main([])
print("welcome:", seen)
sys.exit(code)
"""


def test_the_studio_starts_on_the_welcome_screen(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-c", START_SCRIPT], capture_output=True, text=True, timeout=120, env=env
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "welcome: [('Welcome — Multimodal Studio', 6)]" in done.stdout, done.stdout


def test_the_welcome_screen_fits_a_small_screen(qtbot, window):
    screen = WelcomeScreen([], window)
    qtbot.addWidget(screen)
    room = window.screen().availableGeometry()
    assert screen.width() <= room.width() and screen.height() <= room.height()
    assert QApplication.instance() is not None


def test_a_recent_file_in_a_deep_folder_is_shortened_not_scrolled_sideways(qtbot, window, tmp_path):
    deep = tmp_path.joinpath(*(["a-folder-with-a-long-descriptive-name"] * 6))
    deep.mkdir(parents=True)
    graph = deep / "harbour.studiograph"
    brief_prompt(window)
    assert window._save_to(graph)
    screen = WelcomeScreen([str(graph)], window)
    qtbot.addWidget(screen)
    screen.resize(900, 600)
    screen.show()
    qtbot.waitExposed(screen)
    item = screen.recent.item(0)
    assert item.toolTip() == str(graph)  # the whole path is one hover away
    assert not screen.recent.horizontalScrollBar().isVisible()
    assert screen.recent.horizontalScrollBar().maximum() == 0
