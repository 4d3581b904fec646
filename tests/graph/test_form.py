"""The app-mode form: the file section round-trips, values are checked before any is set."""

from __future__ import annotations

import pytest

from studio.errors import GraphError
from studio.graph.fileformat import load_graph, save_graph
from studio.graph.form import (
    Form,
    FormError,
    FormField,
    apply_values,
    field_name_problem,
    form_from_dict,
    form_to_dict,
    resolve_fields,
)
from studio.graph.model import Graph, Node


def graph_with_form() -> Graph:
    graph = Graph()
    graph.add_node(Node("brief", "text.brief", {"subject": "a lighthouse"}))
    graph.add_node(Node("photo", "image.load", {}))
    graph.form = Form(
        title="T",
        result="brief",
        fields=[
            FormField("brief", "brief", "subject", label="Brief", help="Say it."),
            FormField("mood", "brief", "mood", choices=("calm", "tense")),
            FormField("picture", "photo", "file"),
        ],
    )
    return graph


def test_the_form_section_round_trips(tmp_path):
    path = tmp_path / "g.studiograph"
    save_graph(graph_with_form(), path)
    again = load_graph(path)
    assert again.form == graph_with_form().form


def test_a_bad_value_changes_nothing(registry):
    graph = graph_with_form()
    with pytest.raises(FormError, match="field 'mood' expects one of calm, tense"):
        apply_values(graph, registry, {"brief": "a fox", "mood": "sleepy"})
    assert graph.nodes["brief"].params == {"subject": "a lighthouse"}


def test_a_file_field_takes_an_existing_file_relative_to_the_base_folder(registry, tmp_path):
    graph = graph_with_form()
    (tmp_path / "p.png").write_bytes(b"x")
    with pytest.raises(FormError, match=r"field 'picture': no such file 'q\.png'"):
        apply_values(graph, registry, {"picture": "q.png"}, base_dir=tmp_path)
    done = apply_values(graph, registry, {"picture": "p.png"}, base_dir=tmp_path)
    assert done == {"picture": str((tmp_path / "p.png").resolve())}
    assert graph.nodes["photo"].params["file"] == done["picture"]


def test_resolved_fields_fall_back_to_the_params_label_and_help(registry):
    fields = {f.field.name: f for f in resolve_fields(graph_with_form(), registry)}
    assert fields["brief"].label == "Brief" and fields["brief"].help == "Say it."
    assert fields["mood"].label and fields["mood"].help  # the param's own title and help
    assert fields["mood"].value == "calm, hopeful"  # the param's default


def test_one_rule_names_fields_in_files_and_in_the_studio():
    assert field_name_problem("voice_2") == ""
    assert "already has a field named 'mood'" in field_name_problem("mood", {"brief", "mood"})
    for bad in ("Voice", "2voice", "my voice", "_voice", "v" * 41):
        assert "cannot be a field name" in field_name_problem(bad), bad
    assert "needs a name" in field_name_problem("")
    # A file with such a name is refused with the same words, at the field's name.
    doc = form_to_dict(graph_with_form().form)
    doc["fields"][1]["name"] = "My mood"
    with pytest.raises(GraphError, match="'My mood' cannot be a field name") as caught:
        form_from_dict(doc)
    assert caught.value.path == "$.form.fields[1].name"
