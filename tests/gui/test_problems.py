"""The problems panel lists every problem before a run, with its node: a click frames the node, a
missing key offers "Add key…"; run log lines that name a node do the same."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest

from studio.graph.model import Node


def wait_checked(qtbot, window) -> None:
    checker = window.problems
    qtbot.waitUntil(
        lambda: checker.done == checker.generation and not checker.timer.isActive(),
        timeout=60_000,
    )


def rows(window) -> list[tuple[str | None, str]]:
    tree = window.problems.panel.tree
    return [
        (tree.topLevelItem(i).data(0, Qt.ItemDataRole.UserRole), tree.topLevelItem(i).text(1))
        for i in range(tree.topLevelItemCount())
    ]


@pytest.fixture
def troubled(window, tmp_path, monkeypatch):
    """A saved graph with one of each problem, and the providers loaded."""
    for name in ("FAL_KEY", "BFL_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    from studio.providers import keys

    keys.forget_cached()
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)  # cut short
    window._save_to(tmp_path / "troubled.json")
    graph = window.document.graph
    ids = {
        "unwired": window.add_node("image.generate", (0.0, 0.0)),  # required prompt missing
        "paid": window.add_node("image.generate", (0.0, 400.0)),
        "photo": window.add_node("image.load", (0.0, 800.0)),
        "words": window.add_node("text.prompt", (-500.0, 400.0)),
    }
    window.document.graph.set_param(ids["paid"], "provider", "fal")
    window.document.graph.set_param(ids["photo"], "file", "broken.png")
    window.document.graph.set_param(ids["words"], "template", "a {moood} sea")
    assert window.scene.connect_ports(ids["words"], "text", ids["paid"], "prompt")
    graph.add_node(Node("ghost", "fancy.thing", {}, pack="studio-fancy"), (600.0, 0.0))
    window.document.mark_unknown_nodes()
    ids["ghost"] = "ghost"
    assert window.runner.providers is not None  # load the engines now, as the warm-up would
    window.problems.schedule_now()
    return ids


def test_every_kind_of_problem_is_listed_with_its_node(qtbot, window, troubled):
    wait_checked(qtbot, window)
    found = rows(window)
    by_node = {node: [text for n, text in found if n == node] for node, _ in found}
    assert any("required input 'prompt'" in t for t in by_node[troubled["unwired"]])
    assert any("fal" in t.lower() and "no key" in t for t in by_node[troubled["paid"]])
    assert any("broken.png" in t for t in by_node[troubled["photo"]])
    assert any("unknown node type 'fancy.thing'" in t for t in by_node["ghost"])
    assert any("{moood} names no input" in t for t in by_node[troubled["words"]])
    dock = window.docks["problems"]
    assert dock.windowTitle() == f"Problems ({len(found)})"
    # Missing input and unknown type refuse the run; no key, a damaged file and {moood} fail
    # their node.
    summary = window.problems.panel.summary.text()
    assert summary.startswith("2 stop a run · 3 would fail their node"), summary
    # The "no key" row has its button; the others do not.
    tree = window.problems.panel.tree
    buttons = [tree.itemWidget(tree.topLevelItem(i), 2) for i in range(tree.topLevelItemCount())]
    labelled = [b.text() for b in buttons if b is not None]
    assert labelled == ["Add key…"]


def test_clicking_a_problem_selects_and_frames_its_node(qtbot, window, troubled):
    wait_checked(qtbot, window)
    tree = window.problems.panel.tree
    target = troubled["photo"]
    row = next(i for i, (node, _) in enumerate(rows(window)) if node == target)
    window.scene.select_nodes([troubled["unwired"]])
    window.view.centerOn(5000, 5000)
    rect = tree.visualItemRect(tree.topLevelItem(row))
    QTest.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.scene.selected_node_ids() == [target]
    visible = window.view.mapToScene(window.view.viewport().rect()).boundingRect()
    assert visible.contains(window.scene.nodes[target].sceneBoundingRect())


def test_fixing_a_problem_takes_it_off_the_list(qtbot, window, troubled):
    wait_checked(qtbot, window)
    assert any(n == troubled["words"] for n, _ in rows(window))
    window.document.graph.set_param(troubled["words"], "template", "a calm sea")
    wait_checked(qtbot, window)
    assert not any(n == troubled["words"] for n, _ in rows(window))
    window.document.undo_stack.setClean()


def test_add_key_opens_the_keys_page_at_that_provider_and_a_session_key_clears_it(
    qtbot, window, troubled
):
    from studio.providers import keys

    wait_checked(qtbot, window)
    tree = window.problems.panel.tree
    row = next(i for i, (n, _) in enumerate(rows(window)) if n == troubled["paid"])
    button = tree.itemWidget(tree.topLevelItem(row), 2)
    seen = {}

    def in_dialog():
        dialog = window.key_dialog
        seen["tab"] = dialog.tabs.tabText(dialog.tabs.currentIndex())
        status, field = dialog.key_rows["fal"]
        seen["focus"] = field.hasFocus()
        QTest.keyClicks(field, "fal-session-key-777")
        QTest.keyClick(field, Qt.Key.Key_Return)
        seen["status"] = status.text()
        dialog.reject()

    QTimer.singleShot(300, in_dialog)
    try:
        QTest.mouseClick(button, Qt.MouseButton.LeftButton)
        assert seen == {
            "tab": "Keys",
            "focus": True,
            "status": "set for this session (in memory, not saved)",
        }
        wait_checked(qtbot, window)
        assert not any("no key" in text for _, text in rows(window))
    finally:
        keys.clear_session_key("fal")


def test_run_log_lines_naming_a_node_frame_it_when_clicked(qtbot, window, troubled):
    window.run_all()  # refused: the graph has problems; each is logged with its node
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=30_000)
    log = window.run_log
    target = troubled["unwired"]
    document = log.document()
    block = next(
        document.findBlockByNumber(i)
        for i in range(document.blockCount())
        if f"node '{target}'" in document.findBlockByNumber(i).text()
    )
    window.scene.select_nodes([])
    cursor = log.textCursor()
    cursor.setPosition(block.position() + 12)
    point = log.cursorRect(cursor).center()
    QTest.mouseClick(log.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert window.scene.selected_node_ids() == [target]


def test_a_missing_key_failure_offers_add_key_in_the_inspector_not_a_cli_command(
    qtbot, window, troubled
):
    node = troubled["paid"]
    error = "no key for fal.ai; set it with `studio keys set fal` or the env var FAL_KEY"
    window.states.set_state(node, "failed", error=error)
    window.scene.select_nodes([node])
    inspector = window.inspector
    assert "studio keys" not in inspector.error_label.text()
    assert "Add key…" in inspector.error_label.text() and "FAL_KEY" in inspector.error_label.text()
    assert inspector.key_button.isVisible()
    asked = []
    inspector.key_requested.disconnect()
    inspector.key_requested.connect(asked.append)
    QTest.mouseClick(inspector.key_button, Qt.MouseButton.LeftButton)
    assert asked == ["fal"]
    assert "studio keys" not in window.scene.nodes[node].toolTip()
