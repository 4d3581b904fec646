"""The window tells the truth about a run: degraded results carry a warning badge (also when they
come from the cache), and a run with prices nobody knows is asked about once, never shown free."""

from __future__ import annotations

from gui_helpers import registry_with_test_nodes, wait_idle

from studio.api import Capability, NodeSpec, Output, Param, PortType


async def _warn(ctx, inputs, params):
    ctx.warn(params["message"])
    return {"text": "made with a fallback font"}


async def _paid(ctx, inputs, params):
    return {"text": "no provider was called"}


WARN = NodeSpec(
    id="test.warn",
    title="Warns",
    category="Test",
    version=1,
    run=_warn,
    outputs=(Output("text", PortType.TEXT),),
    params=(Param.string("message", "caption font replaced", help="The warning."),),
)
PAID = NodeSpec(
    id="test.paid",
    title="Paid",
    category="Test",
    version=1,
    run=_paid,
    outputs=(Output("text", PortType.TEXT),),
    params=(
        Param.provider(Capability.IMAGE, default="openai"),
        Param.string("model", "dall-e-3", help="The model."),
    ),
)


def registry():
    registry = registry_with_test_nodes()
    registry.register(WARN, pack="tests")
    registry.register(PAID, pack="tests")
    return registry


def test_a_warning_shows_as_a_badge_in_the_inspector_and_log_and_again_from_the_cache(
    qtbot, make_window, tmp_path
):
    window = make_window(registry())
    node = window.add_node("test.warn", (0.0, 0.0))
    window.run_all()
    wait_idle(qtbot, window)
    status = window.states.get(node)
    assert status.state == "done" and status.warnings == ["caption font replaced"]
    item = window.scene.nodes[node]
    assert "caption font replaced" in item.toolTip()
    window.scene.select_nodes([node])
    label = window.inspector.error_label
    assert label is not None and not label.isHidden()
    assert "caption font replaced" in label.text() and label.objectName() == "Warning"
    assert ("warning", f"{node}: caption font replaced") in window.run_log.lines
    window.grab().save(str(tmp_path / "warning.png"))

    window.run_all()  # from the cache: just as degraded, so just as marked
    wait_idle(qtbot, window)
    status = window.states.get(node)
    assert status.state == "cached" and status.warnings == ["caption font replaced"]


def test_unknown_prices_are_asked_about_once_and_never_shown_free(qtbot, make_window, monkeypatch):
    window = make_window(registry())
    asked = []
    answers = iter([False, True])
    window.runner.confirm_unknown_cost = lambda estimate: (
        asked.append(estimate.describe()) or next(answers)
    )
    node = window.add_node("test.paid", (0.0, 0.0))
    qtbot.waitUntil(lambda: "unknown price" in window.summary.text(), timeout=10_000)
    assert "free" not in window.summary.text()

    window.run_all()  # the user says no: nothing runs
    assert len(asked) == 1 and "1 node of unknown price: openai dall-e-3" in asked[0]
    assert window.states.get(node).state == "idle"
    assert any("Run not started" in text for _level, text in window.run_log.lines)

    window.run_all()  # asked again, the user says yes
    wait_idle(qtbot, window)
    assert len(asked) == 2 and window.states.get(node).state == "done"

    window.states.set_state(node, "idle")
    window.runner.request(None)  # the same unknown price: not asked a third time
    wait_idle(qtbot, window)
    assert len(asked) == 2


def test_damaged_settings_files_are_told_at_start(make_window, studio_dirs):
    (studio_dirs / "config" / "providers.json").write_text("{ not json")
    (studio_dirs / "config" / "gui.json").write_text('{"cache_max_gb": "lots"}')
    window = make_window()
    warnings = [text for level, text in window.run_log.lines if level == "warning"]
    assert any("providers.json: not valid JSON" in text for text in warnings), warnings
    assert any("cache_max_gb" in text for text in warnings), warnings
