"""The Help menu: the user guide read inside the studio, the shortcuts, the examples."""

from __future__ import annotations

from gui_helpers import click_menu
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QTextDocument
from PySide6.QtTest import QTest

from studio.gui.help_menu import GuideWindow, guide_dir
from studio.paths import projects_dir, resources_dir


def test_the_user_guide_opens_inside_the_studio_and_follows_its_links(qtbot, window):
    click_menu(qtbot, window, "Help", "User Guide")
    qtbot.waitUntil(lambda: window.findChild(GuideWindow) is not None)
    guide = window.findChild(GuideWindow)
    qtbot.waitExposed(guide)
    page = guide.browser.toPlainText()
    assert page.startswith("Multimodal Studio user guide")
    assert guide.browser.source().toLocalFile() == str(guide_dir() / "README.md")
    guide.browser.setSource(QUrl("building-graphs.md"))  # what a click on the link does
    assert guide.browser.toPlainText().startswith("Building a graph")
    picture = guide.browser.document().resource(
        QTextDocument.ResourceType.ImageResource, QUrl("screenshots/node-search.png")
    )
    assert picture is not None and not picture.isNull()  # its screenshots show
    QTest.mouseClick(guide.back, Qt.MouseButton.LeftButton)
    assert guide.browser.toPlainText().startswith("Multimodal Studio user guide")


def test_f1_opens_the_guide(qtbot, window):
    window.activateWindow()
    QTest.keyClick(window.view, Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: window.findChild(GuideWindow) is not None)


def test_help_shows_the_shortcuts(qtbot, window):
    click_menu(qtbot, window, "Help", "Keyboard Shortcuts")
    qtbot.waitUntil(window.overlay.isVisible)


def test_open_example_opens_a_copy_in_a_new_project(qtbot, window):
    example = resources_dir() / "examples" / "lighthouse.json"
    before = example.read_bytes()
    click_menu(qtbot, window, "Help", "Open Example", "The Lighthouse — an example story")
    qtbot.waitUntil(lambda: len(window.document.graph.nodes) == 15)
    assert window.document.path is None
    assert window.document.project_dir.parent == projects_dir()
    assert example.read_bytes() == before
