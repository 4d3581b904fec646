"""Hostile `components` and `form` sections (graph file version 4): mutated documents.

The same property as test_graph_fuzz: a loaded graph (that validates, flattens into ordinary
nodes or refuses with a GraphError, lists its form's problems, saves and reloads to the same
file) or a GraphError with a message. A component definition or a form field is data from
someone else's file: nothing in it may crash the studio.
"""

from __future__ import annotations

import copy
import json

from comphelp import make_component
from fuzz_settings import SAFETY, examples
from hypothesis import given, settings
from hypothesis import strategies as st
from test_graph_fuzz import REGISTRY, _apply, _slots, check, json_values

from studio.engine.components import ComponentRegistry
from studio.errors import GraphError
from studio.graph.components import flatten
from studio.graph.fileformat import dumps_graph, parse_graph
from studio.graph.form import Form, FormField, form_problems
from studio.graph.model import Graph, Node


def _doc_with_component_and_form() -> dict:
    graph = Graph()
    graph.add_node(Node("brief", "text.brief", {"subject": "a harbour at dawn"}), (0, 0))
    graph.add_node(Node("prompt", "text.prompt", {"template": "{subject}, {mood}"}), (200, 0))
    graph.add_node(Node("enhance", "text.prompt", {"template": "{brief}"}), (400, 0))
    graph.connect("brief", "brief", "prompt", "brief")
    graph.connect("prompt", "text", "enhance", "brief")
    inner = make_component(
        graph, REGISTRY, ["prompt"], "shot", exposed=[("look", "prompt", "template")]
    )
    make_component(graph, REGISTRY, [inner, "enhance"], "scene")  # nested
    graph.form = Form(
        fields=[FormField("subject", "brief", "subject", "Subject", "What it is about")],
        title="A form",
    )
    return json.loads(dumps_graph(graph))


DOC = _doc_with_component_and_form()


def check_v4(text: str) -> str:
    outcome = check(text)
    if outcome == "loaded":
        graph = parse_graph(text)
        try:
            flat = flatten(graph)  # what a run executes
        except GraphError as exc:
            assert exc.message.strip()
        else:
            assert all("/" in n or n in graph.nodes for n in flat.nodes)
        problems = form_problems(graph, ComponentRegistry(REGISTRY, graph))
        assert all(isinstance(p, GraphError) and p.message for p in problems)
    return outcome


def test_the_unmutated_document_loads_flattens_and_keeps_its_form():
    assert DOC["version"] >= 4 and DOC["components"] and DOC["form"]["fields"]
    assert check_v4(json.dumps(DOC)) == "loaded"
    graph = parse_graph(json.dumps(DOC))
    assert sorted(graph.components) == ["scene", "shot"]
    assert dumps_graph(graph) == dumps_graph(parse_graph(dumps_graph(graph)))


@settings(SAFETY, max_examples=examples(400))
@given(data=st.data())
def test_mutated_components_and_form_sections(data):
    doc = copy.deepcopy(DOC)
    for _ in range(data.draw(st.integers(1, 4))):
        slots = [p for p in _slots(doc) if p and p[0] in ("components", "form", "nodes")]
        path = data.draw(st.sampled_from(slots))
        action = data.draw(st.sampled_from(["replace", "replace", "delete", "add"]))
        doc = _apply(doc, path, action, data.draw(json_values))
        check_v4(json.dumps(doc))
