"""Right-click: node actions on a node (which gets selected), add and paste on empty canvas."""

from __future__ import annotations

from gui_helpers import brief_prompt

from studio.gui.context_menu import canvas_menu


def _texts(menu):
    return [a.text().replace("&", "") for a in menu.actions() if not a.isSeparator()]


def test_right_click_on_a_node_selects_it_and_offers_node_actions(qtbot, window):
    brief, prompt = brief_prompt(window)
    window.view.fit_all()
    item = window.scene.nodes[prompt]
    pos = window.view.mapFromScene(item.sceneBoundingRect().center())
    menu = canvas_menu(window, pos)
    assert window.scene.selected_node_ids() == [prompt]
    texts = _texts(menu)
    assert texts[0] == "Run Up to Selected" and menu.actions()[0].isEnabled()
    assert {"Copy", "Duplicate", "Delete"} <= set(texts)
    next(a for a in menu.actions() if a.text().replace("&", "") == "Delete").trigger()
    assert prompt not in window.document.graph.nodes and brief in window.document.graph.nodes


def test_right_click_on_empty_canvas_offers_add_and_paste(qtbot, window):
    menu = canvas_menu(window, window.view.viewport().rect().topLeft())
    texts = _texts(menu)
    assert texts[0] == "Add Node…" and "Paste" in texts
    menu.actions()[0].trigger()
    assert window.search.isVisible()
