"""What an update of a component takes away so the graph still runs, however nested."""

from __future__ import annotations

from test_component_uses import nested

from studio.graph.component_update import fit_update
from studio.graph.components import copy_definition, flatten


def test_a_dropped_setting_and_output_are_taken_out_at_every_level():
    graph, outer = nested()
    graph.nodes["s2"].params["first"] = "x"
    graph.nodes[outer].params["label"] = "y"
    v2 = copy_definition(graph.components["steps"])
    v2.params = []  # 'first' is gone
    v2.outputs = []  # and so is the output 'text'
    v2.graph.edges = [e for e in v2.graph.edges if e.dst != "outputs"]
    v2.version = 2

    cleanup = fit_update(graph, {"steps": v2}, "steps")

    assert cleanup.params == [("s2", "first"), (outer, "label")]
    # The wrapper had two outputs: 'text' from its own node, 'text_2' from the steps inside.
    join_wire = next(e for e in graph.edges if e.src == outer and e.src_port == "text_2")
    assert cleanup.edges == [join_wire]
    wrapper = cleanup.definitions["wrapper"]
    assert wrapper.params == [] and [p.name for p in wrapper.outputs] == ["text"]
    assert not [e for e in wrapper.graph.edges if e.src == "s1"]
    assert graph.components["wrapper"].params != []  # the graph itself is not changed here
    assert cleanup.removed == [
        "the setting 'first' of s2",
        "wrapper's setting 'label'",
        "wrapper's output 'text_2'",
        f"the setting 'label' of {outer}",
        f"the wire {outer}.text_2 → join.texts (wrapper has no 'text_2' now)",
    ]

    # Applied, the graph flattens (a run would accept it).
    for edge in cleanup.edges:
        graph.remove_edge(edge)
    for node_id, name in cleanup.params:
        del graph.nodes[node_id].params[name]
    graph.components.update({"steps": v2, **cleanup.definitions})
    flat = flatten(graph)
    assert f"{outer}/s1/a" in flat.nodes and "s2/b" in flat.nodes


def test_an_update_that_drops_nothing_removes_nothing():
    graph, _outer = nested()
    same = copy_definition(graph.components["steps"])
    cleanup = fit_update(graph, {"steps": same}, "steps")
    assert (cleanup.edges, cleanup.params, cleanup.definitions, cleanup.removed) == ([], [], {}, [])


def test_form_fields_that_set_a_dropped_setting_are_listed_for_removal():
    from testpack import make_registry

    from studio.engine.components import ComponentRegistry
    from studio.graph.form import Form, FormField, form_problems

    graph, outer = nested()
    # Fields on the exposed settings of both uses; only 's2' holds a value of its own.
    graph.nodes["s2"].params["first"] = "x"
    graph.form = Form(
        fields=[
            FormField("top_first", "s2", "first"),
            FormField("wrapped", outer, "label"),
            FormField("kept", "join", "separator"),
        ]
    )
    v2 = copy_definition(graph.components["steps"])
    v2.params = []
    v2.version = 2

    cleanup = fit_update(graph, {"steps": v2}, "steps")

    # The wrapper's 'label' went with the setting it exposed, so its field goes too.
    assert cleanup.form_fields == ["top_first", "wrapped"]
    assert "the form field 'top_first' (it set s2.first)" in cleanup.removed
    assert f"the form field 'wrapped' (it set {outer}.label)" in cleanup.removed
    assert graph.form.field("top_first") is not None  # the graph itself is not changed here

    # Applied, validation finds no dangling field.
    graph.components.update({"steps": v2, **cleanup.definitions})
    for node_id, name in cleanup.params:
        del graph.nodes[node_id].params[name]
    registry = ComponentRegistry(make_registry(), graph)
    assert [p.message for p in form_problems(graph, registry)] != []  # before the fields go
    graph.form.fields = [f for f in graph.form.fields if f.name not in cleanup.form_fields]
    assert form_problems(graph, registry) == []
