"""A component node's run state sums up its inside as it runs: running with the progress of all
its inner nodes together (moving as each of them moves), failed with the first error, done when
all are done, stale while any result inside is."""

from __future__ import annotations

from types import SimpleNamespace

from comphelp import make_component
from testpack import make_registry

from studio.graph.model import Graph, Node
from studio.gui.components_states import StateRollup
from studio.gui.node_state import NodeStates


def steps_in_a_component():
    graph = Graph()
    graph.add_node(Node("src", "test.const", {"value": "x"}))
    for node_id in ("a", "b", "c", "d"):
        graph.add_node(Node(node_id, "test.sleep", {"label": node_id}))
    graph.add_node(Node("end", "test.sleep", {"label": "end"}))
    for src, dst in (("src", "a"), ("a", "b"), ("b", "c"), ("c", "d"), ("d", "end")):
        graph.connect(src, "text", dst, "text")
    use = make_component(graph, make_registry(), ["a", "b", "c", "d"], "steps", "Four steps")
    states = NodeStates()
    StateRollup(states, lambda: SimpleNamespace(graph=graph))
    return states, use


def test_the_component_node_shows_the_progress_of_its_inside_as_it_moves(qapp):
    states, use = steps_in_a_component()
    seen = []  # the component node's bar, each time it changed

    def changed(node_id):
        if node_id == use and states.get(use).fraction is not None:
            seen.append(states.get(use).fraction)

    states.status_changed.connect(changed)
    for inner in "abcd":
        states.set_state(f"{use}/{inner}", "queued")
    assert states.get(use).state == "queued"
    states.set_state(f"{use}/a", "running", fraction=0.0)
    assert (states.get(use).state, states.get(use).fraction) == ("running", 0.0)
    states.set_progress(f"{use}/a", 0.5)
    assert states.get(use).fraction == 0.125  # a half of one of four
    states.set_state(f"{use}/a", "done")
    states.set_state(f"{use}/b", "running", fraction=0.0)
    states.set_progress(f"{use}/b", 0.5)
    assert states.get(use).fraction == 0.375
    states.set_state(f"{use}/b", "done")
    states.set_state(f"{use}/c", "cached")
    states.set_state(f"{use}/d", "running", fraction=0.0)
    assert states.get(use).fraction == 0.75
    assert seen == sorted(seen) and len(set(seen)) >= 4  # it moved, forward only
    states.set_state(f"{use}/d", "done")
    assert (states.get(use).state, states.get(use).fraction) == ("done", None)


def test_a_failure_inside_fails_the_component_node_with_its_error(qapp):
    states, use = steps_in_a_component()
    states.set_state(f"{use}/a", "done")
    states.set_state(f"{use}/b", "failed", error="b: the model ran out of memory")
    status = states.get(use)
    assert (status.state, status.error) == ("failed", "b: the model ran out of memory")
