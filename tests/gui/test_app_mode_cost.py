"""App mode and a known price: the cost line shows it, and Render asks in a box before running;
No runs nothing, Yes renders. The question is the real message box, answered with the mouse."""

from __future__ import annotations

from gui_helpers import registry_with_test_nodes
from PySide6.QtWidgets import QMessageBox
from test_app_mode import click

from studio.api import Capability, NodeSpec, Output, Param, PortType
from studio.graph.fileformat import save_graph
from studio.graph.form import Form, FormField
from studio.graph.model import Graph, Node

RAN: list[str] = []


async def _paid(ctx, inputs, params):
    RAN.append(params["prompt"])  # the fake provider: counts calls, bills nobody
    return {"text": f"a picture of {params['prompt']}"}


PAID = NodeSpec(
    id="test.paid_known",
    title="Paid picture",
    category="Test",
    version=1,
    run=_paid,
    outputs=(Output("text", PortType.TEXT),),
    params=(
        Param.provider(Capability.IMAGE, default="openai"),
        Param.string("model", "gpt-image-1", help="The model (a listed price)."),
        Param.string("prompt", "a lighthouse", help="What to picture."),
    ),
)


def paid_app(make_app, tmp_path):
    """App mode on one node of known price whose prompt is the form's field."""
    RAN.clear()
    registry = registry_with_test_nodes()
    registry.register(PAID, pack="tests")
    graph = Graph()
    graph.add_node(Node("paid", "test.paid_known", {}))
    graph.form = Form(result="paid", fields=[FormField("prompt", "paid", "prompt")])
    path = tmp_path / "paid.studiograph"
    save_graph(graph, path)
    return make_app(path, registry)


def test_a_known_price_is_shown_and_asked_for_and_no_runs_nothing(qtbot, make_app, tmp_path):
    app = paid_app(make_app, tmp_path)
    qtbot.waitUntil(lambda: app.cost.text().startswith("Estimated cost: $0.042"), timeout=20_000)
    assert "paid $0.042" in app.cost.text() and "free" not in app.cost.text()

    click(app.render_button)  # asked first, in a box; No (Cancel) runs nothing
    qtbot.waitUntil(lambda: app.cost_box is not None and app.cost_box.isVisible(), timeout=20_000)
    box = app.cost_box
    assert "$0.042" in box.text() and "Render anyway?" in box.text()
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.Cancel)
    click(box.button(QMessageBox.StandardButton.Cancel))
    qtbot.waitUntil(lambda: app.status.text().startswith("Not rendered"), timeout=10_000)
    qtbot.wait(200)
    assert RAN == [] and not app.runner.busy and app.states.get("paid").state == "idle"
    assert app.render_button.isEnabled()

    click(app.render_button)  # Yes renders
    qtbot.waitUntil(lambda: app.cost_box is not None and app.cost_box.isVisible(), timeout=20_000)
    click(app.cost_box.button(QMessageBox.StandardButton.Yes))
    qtbot.waitUntil(lambda: app.status.text().startswith("Done"), timeout=20_000)
    assert RAN == ["a lighthouse"]


def test_an_edit_while_the_cost_is_asked_does_not_slip_into_the_confirmed_render(
    qtbot, make_app, tmp_path
):
    """The form stays editable while the price is asked; the render that the user confirmed
    uses the values that were checked and priced, not a value typed meanwhile."""
    from PySide6.QtTest import QTest

    app = paid_app(make_app, tmp_path)
    qtbot.waitUntil(lambda: app.cost.text().startswith("Estimated cost"), timeout=20_000)
    click(app.render_button)
    qtbot.waitUntil(lambda: app.cost_box is not None and app.cost_box.isVisible(), timeout=20_000)
    editor = app.form.editors["prompt"].editor
    editor.setFocus()
    editor.selectAll()
    QTest.keyClicks(editor, "a dragon")  # typed while the box waits
    qtbot.wait(1500)  # the cost line's debounced update sets it on the hidden graph
    click(app.cost_box.button(QMessageBox.StandardButton.Yes))
    qtbot.waitUntil(lambda: app.status.text().startswith("Done"), timeout=20_000)
    assert RAN == ["a lighthouse"]
    assert "a picture of a lighthouse" in str(app.states.get("paid").outputs)
    # Its result is text, not a file: the status does not promise something to play or export.
    assert "made no file to show or export" in app.status.text()
    assert not app.export_button.isEnabled()
