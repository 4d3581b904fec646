"""The studio and its app-mode window render one at a time: while app mode renders, the
studio's Run is disabled and says why (a run asked for anyway waits in the queue, then starts);
while the studio runs, app mode's Render is disabled and says why. App mode's runs never touch
the studio's queue file. Driven through the menus, the toolbar and the buttons."""

from __future__ import annotations

from gui_helpers import click_menu, registry_with_test_nodes, wait_idle
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QToolBar
from test_app_mode import click

from studio.graph.fileformat import save_graph
from studio.graph.form import Form, FormField
from studio.graph.model import Graph, Node


def slow_graph(folder, steps: int = 400):
    graph = Graph()
    graph.add_node(Node("slow", "test.slow", {"steps": steps, "delay": 0.05}))
    graph.form = Form(result="slow", fields=[FormField("steps", "slow", "steps", label="Steps")])
    path = folder / "slow.studiograph"
    save_graph(graph, path)
    return path


def toolbar_button(window, name: str):
    toolbar = window.findChild(QToolBar, "main-toolbar")
    return toolbar.widgetForAction(window.actions_by_name[name])


def open_app_mode(qtbot, window):
    click_menu(qtbot, window, "View", "App Mode…")
    app = window.app_window
    qtbot.waitUntil(app.isVisible)
    return app


def test_while_app_mode_renders_the_studios_run_waits_and_says_why(qtbot, make_window, tmp_path):
    window = make_window(registry_with_test_nodes())
    assert window.open_path(slow_graph(tmp_path))
    window.scene.select_nodes(["slow"])
    app = open_app_mode(qtbot, window)
    click(app.render_button)
    qtbot.waitUntil(lambda: app.runner.busy, timeout=20_000)

    run_all = window.actions_by_name["run_all"]
    button = toolbar_button(window, "run_all")
    assert not run_all.isEnabled() and not button.isEnabled()
    assert not window.actions_by_name["run_to"].isEnabled()
    assert run_all.toolTip().startswith("App mode is rendering: Run waits until it is done")
    assert not window.queue_panel.start.isEnabled()
    assert "App mode is rendering" in window.queue_panel.start.toolTip()
    click(button)  # a disabled button and its shortcut do nothing
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.wait(200)
    assert not window.runner.busy and window.states.get("slow").state == "idle"
    # A run asked for anyway (an Export does that) waits in the studio's queue.
    entry = window.runner.request(["slow"])
    assert entry is not None and [e.id for e in window.queue.entries] == [entry.id]
    assert any("waits while app mode is rendering" in t for _l, t in window.run_log.lines)
    qtbot.wait(300)
    assert not window.runner.busy

    click(app.cancel_button)  # app mode is done: Run is back, the queued run starts
    qtbot.waitUntil(lambda: run_all.isEnabled(), timeout=30_000)
    assert window.actions_by_name["run_to"].isEnabled()  # one node is selected
    assert "App mode" not in run_all.toolTip()
    qtbot.waitUntil(lambda: window.runner.busy, timeout=10_000)
    window.runner.cancel()
    wait_idle(qtbot, window, 30_000)
    app.close()


def test_while_the_studio_runs_app_modes_render_waits_and_says_why(qtbot, make_window, tmp_path):
    window = make_window(registry_with_test_nodes())
    assert window.open_path(slow_graph(tmp_path))
    app = open_app_mode(qtbot, window)
    assert app.render_button.isEnabled()
    click(toolbar_button(window, "run_all"))
    qtbot.waitUntil(lambda: window.runner.busy, timeout=20_000)
    qtbot.waitUntil(lambda: not app.render_button.isEnabled())
    assert app.render_button.toolTip() == (
        "The studio is running a graph: Render waits until it is done"
    )
    assert app.status.text().startswith("The studio is running a graph")
    click(app.render_button)
    qtbot.wait(200)
    assert not app.runner.busy and app.states.get("slow").state == "idle"
    window.runner.cancel()
    qtbot.waitUntil(app.render_button.isEnabled, timeout=30_000)
    assert app.render_button.toolTip() == "" and app.status.text().startswith("Fill in")
    # Opened while the studio runs, app mode waits from the start.
    app.close()
    click(toolbar_button(window, "run_all"))
    qtbot.waitUntil(lambda: window.runner.busy, timeout=20_000)
    app = open_app_mode(qtbot, window)
    assert not app.render_button.isEnabled() and app.runner.held_by
    window.runner.cancel()
    qtbot.waitUntil(app.render_button.isEnabled, timeout=30_000)
    app.close()


def test_app_mode_neither_reads_nor_writes_the_studios_queue(qtbot, make_window, tmp_path):
    from studio.graph.fileformat import graph_to_dict
    from studio.gui.run_queue import QueueEntry, RunQueue
    from studio.paths import state_dir

    restored = Graph()
    restored.add_node(Node("other", "test.slow", {"steps": 2, "delay": 0.01}))
    queue_file = state_dir() / "run-queue.json"
    RunQueue(queue_file).add(QueueEntry("left from last time", graph_to_dict(restored), None))
    saved = queue_file.read_text()
    window = make_window(registry_with_test_nodes())
    assert [e.label for e in window.queue.entries] == ["left from last time"]
    assert window.open_path(slow_graph(tmp_path, steps=2))
    app = open_app_mode(qtbot, window)
    assert app.runner.queue.entries == [] and not app.runner.queue.persistent
    click(app.render_button)
    qtbot.waitUntil(lambda: app.status.text().startswith("Done"), timeout=30_000)
    qtbot.wait(300)  # a run of the restored entry would start now
    assert not app.runner.busy and app.states.get("other").state == "idle"
    assert queue_file.read_text() == saved  # the studio's queue waits for its Start queue
    assert [e.label for e in window.queue.entries] == ["left from last time"]
    app.close()
