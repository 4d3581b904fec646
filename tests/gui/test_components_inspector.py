"""Inside a component, the inspector is the same as at the top: a node's run error and warnings
(of the use entered) are shown, and the settings exposed on the component node are marked."""

from __future__ import annotations

from gui_helpers import registry_with_test_nodes, wait_idle
from test_components_gui import click_node, make_with_keys
from test_stale import type_number


def test_an_inner_nodes_error_and_warning_show_in_the_inspector(qtbot, make_window):
    window = make_window(registry_with_test_nodes())
    card = window.add_node("image.title_card", (0.0, 0.0))
    for name, value in (("width", 160), ("height", 96)):
        type_number(qtbot, window.inspector.editors[name].spin, value)
    describe = window.add_node("image.describe", (400.0, 0.0))
    window.inspector.editors["question"].value_edited.emit("Is there a boat?", False)
    failing = window.add_node("test.fail", (0.0, 300.0))
    assert window.scene.connect_ports(card, "image", describe, "image")
    (use,) = make_with_keys(qtbot, window, [card, describe, failing], "Checks")
    window.run_all()
    wait_idle(qtbot, window)
    assert window.states.get(f"{use}/{failing}").state == "failed"

    click_node(qtbot, window, use, double=True)
    assert window.components.depth == 1
    click_node(qtbot, window, failing)
    label = window.inspector.error_label
    assert label.isVisible() and label.objectName() == "Error"
    assert label.text() == "Failed: the engine is out of paint"

    click_node(qtbot, window, describe)
    label = window.inspector.error_label
    assert label.isVisible() and label.objectName() == "Warning"
    assert "cannot see what is in a picture" in label.text()

    click_node(qtbot, window, card)
    assert not window.inspector.error_label.isVisible()
    # Back at the top, the inspector follows the file's states again.
    window.components.leave()
    click_node(qtbot, window, use)
    assert window.inspector.error_label.text() == "Failed: the engine is out of paint"


def test_settings_exposed_on_the_component_are_marked_inside(qtbot, window):
    brief = window.add_node("text.brief", (0.0, 0.0))
    card = window.add_node("image.title_card", (400.0, 0.0))
    assert window.scene.connect_ports(brief, "brief", card, "text")
    (use,) = make_with_keys(
        qtbot, window, [card], "Card", ticks=[(card, "font_size"), (card, "width")]
    )
    click_node(qtbot, window, use, double=True)
    click_node(qtbot, window, card)
    notes = window.inspector.exposed_notes
    assert set(notes) == {"font_size", "width"}
    assert notes["width"].isVisible()
    assert notes["width"].text().startswith("↳ exposed as 'width' on the component “Card”")
    assert "height" not in notes
    # At the top, a node's settings are its own: nothing is marked.
    window.components.leave()
    click_node(qtbot, window, brief)
    assert window.inspector.exposed_notes == {}
