"""Copy/paste as graph JSON (between windows and from a text editor), duplicate, group, align."""

from __future__ import annotations

import json

from gui_helpers import brief_prompt
from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QApplication


def test_copy_puts_graph_json_on_the_clipboard_and_paste_makes_fresh_nodes(qtbot, make_window):
    source = make_window()
    brief, prompt = brief_prompt(source)
    lonely = source.add_node("image.generate", (800.0, 0.0))
    source.scene.select_nodes([brief, prompt])
    source.copy()
    text = QApplication.clipboard().text()
    doc = json.loads(text)  # plain graph JSON: readable in any text editor
    assert doc["format"] == "multimodal-studio.graph"
    assert set(doc["nodes"]) == {brief, prompt} and len(doc["edges"]) == 1
    assert lonely not in text

    target = make_window()  # another window: the clipboard is the only link
    target.add_node("text.brief", (0.0, 0.0))  # takes the id brief_1
    target.paste()
    graph = target.document.graph
    assert len(graph.nodes) == 3
    new = sorted(target.scene.selected_node_ids())
    assert len(new) == 2 and brief not in new
    (edge,) = graph.edges
    assert {edge.src, edge.dst} == set(new)
    assert graph.positions[edge.dst] == (440.0, 40.0)  # offset from where it was copied
    target.document.undo_stack.undo()
    assert len(graph.nodes) == 1


def test_paste_of_hand_written_json_and_of_junk(qtbot, window):
    QApplication.clipboard().setText(
        json.dumps(
            {
                "format": "multimodal-studio.graph",
                "version": 2,
                "nodes": {"p": {"type": "text.prompt", "params": {"template": "hello {a}"}}},
                "edges": [],
            }
        )
    )
    window.paste()
    (node,) = window.document.graph.nodes.values()
    assert node.params == {"template": "hello {a}"}
    messages = []
    window.statusBar().messageChanged.connect(messages.append)
    QApplication.clipboard().setText("just some words")
    window.paste()
    assert len(window.document.graph.nodes) == 1
    assert messages and "Nothing to paste" in messages[0]


def test_duplicate_keeps_inner_edges_and_groups(qtbot, window):
    brief, prompt = brief_prompt(window)
    window.scene.select_nodes([brief, prompt])
    window.group_selection()
    window.duplicate()
    graph = window.document.graph
    assert len(graph.nodes) == 4 and len(graph.edges) == 2 and len(graph.groups) == 2
    assert set(graph.groups[1].nodes) == set(window.scene.selected_node_ids())
    assert window.document.undo_stack.undoText().startswith("Paste")


def test_align_and_distribute(qtbot, window):
    ids = [
        window.add_node("text.prompt", (x, y))
        for x, y in ((0.0, 0.0), (100.0, 37.0), (900.0, -20.0))
    ]
    window.scene.select_nodes(ids)
    window.align("top")
    assert {window.document.graph.positions[n][1] for n in ids} == {-20.0}
    window.distribute("horizontal")
    xs = sorted(window.document.graph.positions[n][0] for n in ids)
    width = window.scene.nodes[ids[0]].width
    assert xs[0] == 0.0 and xs[2] == 900.0
    assert (xs[1] - xs[0] - width) == (xs[2] - xs[1] - width)
    window.document.undo_stack.undo()
    window.document.undo_stack.undo()
    assert window.document.graph.positions[ids[1]] == (100.0, 37.0)


def test_groups_follow_their_nodes_and_ungroup(qtbot, window):
    brief, prompt = brief_prompt(window)
    window.scene.select_nodes([brief, prompt])
    window.group_selection()
    (frame,) = window.scene.groups
    before = frame.boundingRect()
    window.scene.select_nodes([prompt])
    start = window.scene.nodes[prompt].scenePos()
    window.scene.begin_node_drag(start)
    window.scene.drag_nodes_to(start + QPointF(300, 0))
    window.scene.end_node_drag()
    assert frame.boundingRect().width() == before.width() + 300
    window.scene.select_nodes([brief, prompt])
    window.ungroup_selection()
    assert window.document.graph.groups == [] and window.scene.groups == []
    assert len(window.document.graph.nodes) == 2
