"""Exports never replace a file silently, and the Export dialog leaves the node's path alone.

Run All asks Replace / Keep Both / Cancel when its export is there already (Keep Both writes a
numbered file, Replace is remembered for the graph); auto-run leaves such an export stale; the
Export dialog writes where the user chose without rewriting the node, unless they tick the box.
"""

from __future__ import annotations

from dialog_driving import answer_replace, button_named, click, toolbar_button, when_shown
from gui_helpers import wait_idle, write_mp4
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest

from studio.graph.outputs import numbered_file, output_file
from studio.gui.export_dialog import ExportDialog

THEIRS = b"an export made earlier, not to be lost"


def clip_to_export(qtbot, window, tmp_path) -> tuple[str, str]:
    """A loaded clip wired into an Export Video node, in a graph saved in tmp_path."""
    clip = write_mp4(tmp_path / "clip.mp4", frames=12)
    window.add_files([clip], QPointF(0, 0))
    (load,) = window.document.graph.nodes
    export = window.add_node("export.video", (400.0, 0.0))
    assert window.scene.connect_ports(load, "video", export, "video")
    assert window._save_to(tmp_path / "g.json")
    return load, export


def is_video(path) -> bool:
    import av

    with av.open(str(path)) as container:
        return container.streams.video[0].codec_context.name == "h264"


def log_text(window) -> str:
    return "\n".join(text for _level, text in window.run_log.lines)


def test_numbered_names_count_on():
    from pathlib import Path

    assert numbered_file(Path("/nowhere/lighthouse.mp4")).name == "lighthouse-2.mp4"
    assert numbered_file(Path("/nowhere/take-7.mp4")).name == "take-8.mp4"
    assert output_file("out/piece", Path("/g"), "webm") == Path("/g/out/piece.webm")
    assert output_file("piece", Path("/g"), None) is None  # a base name, not a file
    assert output_file("a.mp4", None, "mp4") is None


def test_run_all_asks_before_replacing_an_export(qtbot, window, tmp_path):
    _load, export = clip_to_export(qtbot, window, tmp_path)
    theirs = tmp_path / "output.mp4"
    theirs.write_bytes(THEIRS)
    run_all = toolbar_button(window, "run_all")

    asked = answer_replace("Keep Both")
    click(run_all)
    qtbot.waitUntil(lambda: bool(asked), timeout=10_000)
    wait_idle(qtbot, window, timeout=60_000)
    assert theirs.read_bytes() == THEIRS  # kept
    assert is_video(tmp_path / "output-2.mp4")
    assert window.document.graph.nodes[export].params["path"] == "output.mp4"
    assert "output.mp4 is kept; this run writes output-2.mp4" in log_text(window)

    asked = answer_replace("Cancel")
    click(run_all)
    qtbot.waitUntil(lambda: bool(asked), timeout=10_000)
    assert not window.runner.busy and not window.queue.entries
    assert not (tmp_path / "output-3.mp4").exists() and theirs.read_bytes() == THEIRS
    assert "Run not started: it would replace output.mp4" in log_text(window)

    asked = answer_replace("Replace")
    click(run_all)
    qtbot.waitUntil(lambda: bool(asked), timeout=10_000)
    wait_idle(qtbot, window, timeout=60_000)
    assert theirs.read_bytes() != THEIRS and is_video(theirs)
    assert window.states.get(export).state == "done"

    # Replace covers the file for this graph: iterating on the render asks no more.
    first = theirs.stat().st_mtime_ns
    window.actions_by_name["run_all"].trigger()
    wait_idle(qtbot, window, timeout=60_000)
    assert theirs.stat().st_mtime_ns != first and window.states.get(export).state == "done"


def test_the_file_a_run_of_this_graph_wrote_is_replaced_by_the_next_run(qtbot, window, tmp_path):
    _load, export = clip_to_export(qtbot, window, tmp_path)
    written = tmp_path / "output.mp4"
    run_all = toolbar_button(window, "run_all")
    click(run_all)  # nothing there yet: no question
    wait_idle(qtbot, window, timeout=60_000)
    first = written.stat().st_mtime_ns
    window.scene.select_nodes([export])
    combo = window.inspector.editors["quality"].combo
    combo.setFocus()
    QTest.keyClick(combo, Qt.Key.Key_Down)  # iterating on the render
    asked = answer_replace("Cancel")
    click(run_all)
    wait_idle(qtbot, window, timeout=60_000)
    asked.stop()
    assert asked == []  # this graph's own render: replaced without a question
    assert written.stat().st_mtime_ns != first and window.states.get(export).state == "done"
    assert not (tmp_path / "output-2.mp4").exists()


def test_auto_run_leaves_an_export_stale_rather_than_replace_it(qtbot, window, tmp_path):
    _load, export = clip_to_export(qtbot, window, tmp_path)
    theirs = tmp_path / "output.mp4"
    theirs.write_bytes(THEIRS)
    click(toolbar_button(window, "auto_run"))
    assert window.autorun.enabled
    window.scene.select_nodes([export])
    combo = window.inspector.editors["quality"].combo
    combo.setFocus()
    QTest.keyClick(combo, Qt.Key.Key_Down)  # an edit: auto-run would run the export
    qtbot.waitUntil(lambda: "Auto-run left the export stale" in log_text(window), timeout=10_000)
    wait_idle(qtbot, window)
    assert theirs.read_bytes() == THEIRS and not (tmp_path / "output-2.mp4").exists()
    assert window.states.get(export).state == "idle"


def drive_export_dialog(qtbot, path_text: str, tick: bool = False, then=None) -> list:
    """Type the file name in the Export dialog, tick the box if asked, click Export."""

    def fill(dialog) -> None:
        field = dialog.path
        field.setFocus()
        QTest.keySequence(field, QKeySequence.StandardKey.SelectAll)
        QTest.keyClicks(field, path_text)
        if tick:
            box = dialog.use_for_node
            QTest.mouseClick(box, Qt.MouseButton.LeftButton, pos=box.rect().center())
            assert box.isChecked()
        if then is not None:
            then(dialog)
        click(button_named(dialog, "Export"))

    return when_shown(lambda w: isinstance(w, ExportDialog), fill)


def test_the_export_dialog_writes_the_chosen_file_and_leaves_the_node_alone(
    qtbot, window, tmp_path
):
    _load, export = clip_to_export(qtbot, window, tmp_path)
    stack = window.document.undo_stack
    edits = stack.count()
    final = tmp_path / "final.mp4"
    shown = drive_export_dialog(qtbot, str(final))
    click(toolbar_button(window, "export"))
    assert shown
    wait_idle(qtbot, window, timeout=60_000)
    assert is_video(final)
    assert window.document.graph.nodes[export].params["path"] == "output.mp4"
    assert stack.count() == edits and not (tmp_path / "output.mp4").exists()

    # The same name again: the dialog asks; Cancel keeps it open, Keep Both numbers the file.
    before = final.read_bytes()
    answers: list[list] = []
    still_open: list[bool] = []

    def answer_twice(dialog) -> None:
        answers.append(answer_replace("Cancel"))
        click(button_named(dialog, "Export"))
        still_open.append(bool(answers[0]) and dialog.isVisible())  # choose another name
        answers.append(answer_replace("Keep Both"))

    shown = drive_export_dialog(qtbot, str(final), tick=True, then=answer_twice)
    click(toolbar_button(window, "export"))
    assert shown and still_open == [True] and all(answers)
    wait_idle(qtbot, window, timeout=60_000)
    kept = tmp_path / "final-2.mp4"
    assert is_video(kept) and final.read_bytes() == before
    # Ticked: the node's path is the chosen file now, one undoable edit.
    assert window.document.graph.nodes[export].params["path"] == str(kept)
    stack.undo()
    assert window.document.graph.nodes[export].params["path"] == "output.mp4"


def test_replace_in_the_export_dialog_is_not_asked_again_by_the_run(qtbot, window, tmp_path):
    _load, _export = clip_to_export(qtbot, window, tmp_path)
    final = tmp_path / "final.mp4"
    final.write_bytes(THEIRS)
    answers = answer_replace("Replace")
    drive_export_dialog(qtbot, str(final))
    click(toolbar_button(window, "export"))
    wait_idle(qtbot, window, timeout=60_000)
    assert len(answers) == 1 and is_video(final)
    asked_again = [w for w in window.findChildren(type(answers[0])) if w.isVisible()]
    assert asked_again == []


def test_the_export_path_has_a_save_as_button_in_the_inspector(
    qtbot, window, tmp_path, monkeypatch
):
    from PySide6.QtWidgets import QFileDialog

    _load, export = clip_to_export(qtbot, window, tmp_path)
    elsewhere = tmp_path.parent / f"{tmp_path.name}-elsewhere" / "picked.mp4"
    elsewhere.parent.mkdir()
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(elsewhere), ""))
    )
    window.scene.select_nodes([export])
    editor = window.inspector.editors["path"]
    assert editor.browse.text() == "Save as…" and editor.browse.isVisible()
    click(editor.browse)
    assert window.document.graph.nodes[export].params["path"] == str(elsewhere)
    assert editor.line.text() == str(elsewhere)
    window.actions_by_name["run_all"].trigger()  # picked by the user: it may leave the folder
    wait_idle(qtbot, window, timeout=60_000)
    assert is_video(elsewhere), log_text(window)


def test_replace_agreed_in_save_as_is_not_asked_again_by_the_run(
    qtbot, window, tmp_path, monkeypatch
):
    from PySide6.QtWidgets import QFileDialog

    _load, export = clip_to_export(qtbot, window, tmp_path)
    final = tmp_path / "final.mp4"
    final.write_bytes(THEIRS)  # the save dialog asked "replace it?" and the user said yes
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(final), ""))
    )
    window.scene.select_nodes([export])
    click(window.inspector.editors["path"].browse)
    asked = answer_replace("Cancel")
    click(toolbar_button(window, "run_all"))
    wait_idle(qtbot, window, timeout=60_000)
    asked.stop()
    assert asked == [] and is_video(final)
