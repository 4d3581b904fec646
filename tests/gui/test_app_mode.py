"""App mode: a graph's form alone (brief, mood, voice → Render), the result and Export.

Driven through the real widgets: keys typed into the fields, buttons clicked with the mouse."""

from __future__ import annotations

from pathlib import Path

import av
import pytest
from gui_helpers import click_menu, registry_with_test_nodes, write_png
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QComboBox, QPlainTextEdit

from studio.graph.fileformat import save_graph
from studio.graph.form import Form, FormField
from studio.graph.model import Graph, Node
from studio.gui.settings import GuiSettings
from studio.paths import resources_dir

EXAMPLE = resources_dir() / "examples" / "lighthouse.json"


def click(widget) -> None:
    QTest.mouseClick(widget, Qt.MouseButton.LeftButton)


def type_into(qtbot, editor, text: str) -> None:
    editor.setFocus()
    QTest.keyClick(editor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(editor, Qt.Key.Key_Delete)
    QTest.keyClicks(editor, text)


def choose(qtbot, combo: QComboBox, text: str) -> None:
    """Pick an item the way the keyboard does: focus, then type its first letters."""
    combo.setFocus()
    while combo.currentText() != text:
        QTest.keyClick(combo, Qt.Key.Key_Down)
        assert combo.currentIndex() < combo.count()


def streams(path: Path) -> list[tuple[str, str]]:
    with av.open(str(path)) as container:
        return sorted((s.type, s.codec_context.name) for s in container.streams)


def small_graph(folder: Path, with_form: bool = True) -> Path:
    """A title card shown for a moment, and a picture to load: a form over a few params."""
    graph = Graph()
    graph.add_node(Node("card", "image.title_card", {"title": "Hi", "width": 64, "height": 36}))
    clip = {"duration": 0.5, "preset": "custom", "width": 64, "height": 36, "fps": "24"}
    graph.add_node(Node("clip", "video.from_image", clip))
    graph.connect("card", "image", "clip", "image")
    if with_form:
        graph.form = Form(
            title="Little card",
            result="clip",
            fields=[
                FormField("title", "card", "title", label="Title", help="The words on the card."),
                FormField("seconds", "clip", "duration", label="Length"),
                FormField("motion", "clip", "motion", label="Motion"),
            ],
        )
    path = folder / "card.studiograph"
    save_graph(graph, path)
    return path


# -- the example, start to finish -----------------------------------------------------------------
@pytest.mark.timeout(300)
def test_the_example_renders_a_typed_brief_and_exports_an_mp4(qtbot, make_app, tmp_path):
    app = make_app(EXAMPLE)
    assert app.title.text() == "The Lighthouse: your own story"
    assert list(app.form.editors) == ["brief", "mood", "style", "voice", "format"]
    brief = app.form.editors["brief"].editor
    assert isinstance(brief, QPlainTextEdit) and "narration" in brief.toolTip()
    type_into(qtbot, brief, "a red fox on a snowy hill")
    voice = app.form.editors["voice"].editor
    assert isinstance(voice, QComboBox) and voice.currentText() == "joe"
    qtbot.waitUntil(lambda: app.cost.text().startswith("Estimated cost: free"), timeout=30_000)
    click(app.render_button)
    qtbot.waitUntil(lambda: app.runner.busy, timeout=30_000)
    assert app.cancel_button.isEnabled() and not app.form.isEnabled()  # nothing to edit mid-run
    qtbot.waitUntil(lambda: not app.runner.busy, timeout=250_000)
    assert app.status.text().startswith("Done"), app.status.text()
    assert app.progress.value() == 1000
    narration = app.states.get("narration_text").outputs["text"]
    assert narration.startswith("On the edge of the land, a red fox on a snowy hill keeps")
    assert app.viewer.stack.currentWidget() is app.viewer.video_page
    # Export: a copy where the user chose, written whole.
    target = tmp_path / "mine" / "fox.mp4"
    target.parent.mkdir()
    offered = []
    app.ask_export_path = lambda parent, suggested, formats: offered.append(formats) or str(target)
    assert app.export_button.isEnabled()
    click(app.export_button)
    qtbot.waitUntil(lambda: app.status.text() == f"Exported to {target}", timeout=30_000)
    assert [ext for ext, _text in offered[0]] == ["mp4", "webm", "gif"]
    assert streams(target) == [("audio", "aac"), ("video", "h264")]
    assert target.read_bytes() == Path(app.result_artifact().path).read_bytes()
    assert not list(target.parent.glob(".*"))  # no temporary file left behind
    # The example itself is untouched: app mode rendered a copy in a project folder.
    assert "red fox" not in EXAMPLE.read_text()
    assert app.document.graph_dir != EXAMPLE.parent


# -- values: checked, refused with a message, remembered ------------------------------------------
def test_a_bad_value_is_refused_under_its_field_and_nothing_runs(qtbot, make_app, tmp_path):
    app = make_app(small_graph(tmp_path))
    seconds = app.form.editors["seconds"]
    assert seconds.editor.text() == "0.5"
    assert "from 0.1 to" in seconds.editor.placeholderText()
    type_into(qtbot, seconds.editor, "soon")
    click(app.render_button)
    assert seconds.problem.isVisible()
    assert "Expects a number, got str 'soon'" in seconds.problem.text()
    assert app.problem.text() == "Check Length: nothing was rendered."
    type_into(qtbot, seconds.editor, "-2")
    click(app.render_button)
    assert "at least 0.1" in seconds.problem.text()
    qtbot.wait(300)
    assert not app.runner.busy and app.states.get("clip").state == "idle"
    # Typing again clears the message; a good value renders.
    type_into(qtbot, seconds.editor, "1")
    assert not seconds.problem.isVisible()
    click(app.render_button)
    qtbot.waitUntil(lambda: app.status.text().startswith("Done"), timeout=60_000)
    assert app.result_artifact().meta["duration"] == 1.0


def test_the_last_values_come_back_when_the_graph_is_opened_again(qtbot, make_app, tmp_path):
    path = small_graph(tmp_path)
    app = make_app(path)
    type_into(qtbot, app.form.editors["title"].editor, "Hello again")
    choose(qtbot, app.form.editors["motion"].editor, "pan_right")
    app.close()
    stored = GuiSettings.load().form_values[str(path.resolve())]
    assert stored["title"] == "Hello again" and stored["motion"] == "pan_right"
    again = make_app(path)
    assert again.form.editors["title"].editor.toPlainText() == "Hello again"
    assert again.form.editors["motion"].editor.currentText() == "pan_right"
    assert again.form.editors["seconds"].editor.text() == "0.5"
    # The graph file itself never changes in app mode.
    assert "Hello again" not in path.read_text()


def test_a_remembered_value_no_longer_allowed_is_dropped_and_said(qtbot, make_app, tmp_path):
    path = small_graph(tmp_path)
    settings = GuiSettings.load()
    settings.form_values[str(path.resolve())] = {"motion": "spin", "title": "Kept"}
    settings.save()
    app = make_app(path)
    assert app.form.editors["title"].editor.toPlainText() == "Kept"
    assert app.form.editors["motion"].editor.currentText() != "spin"
    assert "Motion" in app.statusBar().currentMessage()


# -- a picture field, the cost, cancel ------------------------------------------------------------
def test_a_picture_chosen_with_browse_is_copied_into_the_project_and_rendered(
    qtbot, make_app, tmp_path
):
    project = tmp_path / "project"
    project.mkdir()
    graph = Graph()
    graph.add_node(Node("photo", "image.load", {}))
    graph.form = Form(fields=[FormField("picture", "photo", "file", label="Your picture")])
    path = project / "picture.studiograph"
    save_graph(graph, path)
    outside = write_png(tmp_path / "holiday.png", size=(80, 48))
    app = make_app(path)
    field = app.form.editors["picture"]
    assert field.browse is not None
    app.form.ask_file = lambda parent, title, filters: str(outside)
    click(field.browse)
    qtbot.waitUntil(lambda: field.editor.text() == "assets/holiday.png")
    assert (project / "assets" / "holiday.png").read_bytes() == outside.read_bytes()
    click(app.render_button)
    qtbot.waitUntil(lambda: app.status.text().startswith("Done"), timeout=60_000)
    assert app.viewer.stack.currentWidget() is app.viewer.image_page


def test_cancel_stops_the_render_and_the_window_stays_usable(qtbot, make_app, tmp_path):
    graph = Graph()
    graph.add_node(Node("slow", "test.slow", {"steps": 400, "delay": 0.05}))
    graph.form = Form(result="slow", fields=[FormField("steps", "slow", "steps", label="Steps")])
    path = tmp_path / "slow.studiograph"
    save_graph(graph, path)
    app = make_app(path, registry_with_test_nodes())
    click(app.render_button)
    qtbot.waitUntil(lambda: app.progress.value() > 0, timeout=20_000)
    assert app.status.text() == "Rendering: Slow…"
    click(app.cancel_button)
    qtbot.waitUntil(lambda: not app.runner.busy, timeout=30_000)
    assert app.status.text().startswith("Cancelled")
    type_into(qtbot, app.form.editors["steps"].editor, "2")
    click(app.render_button)
    qtbot.waitUntil(lambda: app.status.text().startswith("Done"), timeout=30_000)


def test_a_paid_render_asks_first_and_a_no_runs_nothing(qtbot, make_app, tmp_path):
    from studio.api import Capability, NodeSpec, Output, Param, PortType

    async def run(ctx, inputs, params):
        return {"text": "no provider was called"}

    paid = NodeSpec(
        id="test.paid",
        title="Paid",
        category="Test",
        version=1,
        run=run,
        outputs=(Output("text", PortType.TEXT),),
        params=(
            Param.provider(Capability.IMAGE, default="openai"),
            Param.string("model", "nobody-knows-this-model", help="The model."),
        ),
    )
    registry = registry_with_test_nodes()
    registry.register(paid, pack="tests")
    graph = Graph()
    graph.add_node(Node("paid", "test.paid", {}))
    graph.form = Form(result="paid", fields=[FormField("model", "paid", "model")])
    path = tmp_path / "paid.studiograph"
    save_graph(graph, path)
    app = make_app(path, registry)
    qtbot.waitUntil(lambda: "unknown price" in app.cost.text(), timeout=20_000)
    asked = []
    app.confirm_cost = lambda estimate: asked.append(estimate.describe()) or False
    click(app.render_button)
    qtbot.waitUntil(lambda: bool(asked))
    qtbot.waitUntil(lambda: app.status.text().startswith("Not rendered"))
    assert not app.runner.busy and app.states.get("paid").state != "done"


# -- no form, the window's size, the studio's View menu -------------------------------------------
def test_a_graph_without_a_form_says_how_to_make_one(qtbot, make_app, tmp_path):
    app = make_app(small_graph(tmp_path, with_form=False))
    assert app.notice.isVisible() and "no form" in app.notice.text()
    assert "Add to Form" in app.notice.text()
    assert not app.render_button.isEnabled() and not app.export_button.isEnabled()


def test_a_graph_read_already_is_shown_as_it_was_handed_on(qtbot, make_app, tmp_path):
    """`studio app` reads the file before any window: the window takes that graph, unread again
    (a graph of the user's in place, a bundled example as a copy in a new project)."""
    from studio.graph.fileformat import load_graph

    for path, kept_in_place in ((small_graph(tmp_path), True), (EXAMPLE, False)):
        graph = load_graph(path)
        graph.form.title = "As handed on"  # not in the file: seen only if this graph is shown
        app = make_app()
        assert app.open_path(path, graph)
        assert app.document.graph is graph and app.title.text() == "As handed on"
        assert app.document.path == (path.resolve() if kept_in_place else None)
        assert list(app.form.editors)


def test_the_window_fits_a_1366x768_laptop_screen(qtbot, make_app):
    app = make_app(EXAMPLE)
    laptop = QRect(0, 0, 1366, 768)
    app.fit_to_screen(laptop)
    qtbot.wait(50)
    assert laptop.contains(app.geometry())
    hint = app.minimumSizeHint()
    assert hint.width() <= 1366 and hint.height() <= 700
    for widget in (app.render_button, app.cancel_button, app.export_button, app.progress):
        assert widget.isVisible()
        corner = widget.mapTo(app, QPoint(widget.width(), widget.height()))
        assert app.rect().contains(corner - QPoint(1, 1)), widget


def test_view_app_mode_opens_the_studios_graph_as_its_form(qtbot, window, tmp_path):
    assert window.open_path(small_graph(tmp_path))
    click_menu(qtbot, window, "View", "App Mode…")
    app = window.app_window
    qtbot.waitUntil(app.isVisible)
    assert list(app.form.editors) == ["title", "seconds", "motion"]
    type_into(qtbot, app.form.editors["title"].editor, "Changed in app mode")
    click(app.render_button)
    qtbot.waitUntil(lambda: app.status.text().startswith("Done"), timeout=60_000)
    # The studio's graph is not edited by app mode.
    assert window.document.graph.nodes["card"].params["title"] == "Hi"
    assert not window.document.is_modified
    app.close()


# -- defining the form in the studio ---------------------------------------------------------------
def right_click_label(qtbot, window, text: str):
    """Right-click the inspector's label of a param, as the window system does; the menu."""
    from PySide6.QtGui import QContextMenuEvent
    from PySide6.QtWidgets import QApplication, QLabel, QMenu

    label = next(
        lab
        for lab in window.inspector.widget().findChildren(QLabel)
        if lab.text().lower().startswith(text.lower())
    )
    event = QContextMenuEvent(
        QContextMenuEvent.Reason.Mouse, QPoint(4, 4), label.mapToGlobal(QPoint(4, 4))
    )
    QApplication.sendEvent(label, event)
    qtbot.waitUntil(lambda: isinstance(QApplication.activePopupWidget(), QMenu))
    return label, QApplication.activePopupWidget()


def click_action(qtbot, menu, text: str) -> None:
    item = next(a for a in menu.actions() if a.text().startswith(text))
    target = menu.actionGeometry(item).center()
    QTest.mouseMove(menu, target + QPoint(3, 1))
    QTest.mouseMove(menu, target)
    QTest.mouseClick(menu, Qt.MouseButton.LeftButton, pos=target)


def test_add_to_form_from_the_inspector_then_app_mode_shows_it(qtbot, window, tmp_path):
    brief = window.add_node("text.brief", (0.0, 0.0))
    window.add_node("image.title_card", (400.0, 0.0))  # what app mode shows
    window.scene.select_nodes([brief])
    _label, menu = right_click_label(qtbot, window, "Subject")
    click_action(qtbot, menu, "Add to Form…")
    dialog = window.inspector.form_dialog
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.name.text() == "subject" and dialog.help.toPlainText()
    type_into(qtbot, dialog.name, "Brief!")  # not a field name: refused until it is
    assert not dialog.buttons.button(dialog.buttons.StandardButton.Ok).isEnabled()
    assert "lowercase letters" in dialog.message.text()
    type_into(qtbot, dialog.name, "brief")
    type_into(qtbot, dialog.label, "Your brief")
    click(dialog.buttons.button(dialog.buttons.StandardButton.Ok))
    form = window.document.graph.form
    assert [(f.name, f.node, f.param, f.label) for f in form.fields] == [
        ("brief", brief, "subject", "Your brief")
    ]
    # A string param can narrow its values to a list: they become a combo box in app mode.
    _label, menu = right_click_label(qtbot, window, "Mood")
    click_action(qtbot, menu, "Add to Form…")
    dialog = window.inspector.form_dialog
    type_into(qtbot, dialog.choices, "calm, tense")
    click(dialog.buttons.button(dialog.buttons.StandardButton.Ok))
    assert window.document.graph.form.fields[1].choices == ("calm", "tense")
    # Saved with the graph, undoable, and what app mode shows.
    path = tmp_path / "formed.studiograph"
    window.document.save(path)
    assert '"form"' in path.read_text()
    click_menu(qtbot, window, "View", "App Mode…")
    app = window.app_window
    qtbot.waitUntil(app.isVisible)
    assert [e.label.text() for e in app.form.editors.values()] == ["Your brief", "Mood"]
    assert isinstance(app.form.editors["mood"].editor, QComboBox)
    app.close()
    window.undo_group.undo()
    assert [f.name for f in window.document.graph.form.fields] == ["brief"]
    _label, menu = right_click_label(qtbot, window, "Subject")
    click_action(qtbot, menu, "Remove “Your brief” from Form")
    assert window.document.graph.form is None


def test_app_mode_prepares_the_engines_in_the_background_once_shown(qtbot, make_app, tmp_path):
    """As the studio does: the engines are imported in a worker thread right after the window
    shows, so the first Render does not freeze the window importing them."""
    app = make_app(small_graph(tmp_path))
    assert app.warmed_up  # started when it showed
    ready = []
    app.runner.providers_ready.connect(lambda: ready.append(True))
    qtbot.waitUntil(lambda: bool(ready), timeout=60_000)


def test_a_broken_node_pack_is_named_in_app_mode_too(qtbot, make_app, tmp_path):
    from nodes import node_specs
    from studio.engine.registry import NodeRegistry

    def broken():
        raise ImportError("No module named 'torch'")

    registry = NodeRegistry()
    registry.register_pack("multimodal-studio", "0", node_specs)
    registry.register_pack("studio-broken-pack", "1.0", broken)
    app = make_app(small_graph(tmp_path), registry)
    assert app.warnings.isVisible()
    assert "Node pack 'studio-broken-pack'" in app.warnings.text()
    assert "torch" in app.warnings.text()
    assert app.render_button.isEnabled()  # everything else works
