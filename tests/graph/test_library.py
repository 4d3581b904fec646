"""The component library: publishing with versions, using from a graph, offering updates."""

from __future__ import annotations

import json
import shutil

import pytest
from comphelp import make_component
from testpack import make_registry

from studio.errors import GraphError
from studio.graph.components import flatten, instance_type
from studio.graph.fileformat import load_graph, save_graph
from studio.graph.library import (
    carried_files,
    find_entry,
    insert,
    library_dir,
    list_library,
    outdated,
    publish,
    repoint_files,
    updated_copy,
)
from studio.graph.model import Graph, Node


def steps_graph() -> tuple[Graph, str]:
    graph = Graph()
    graph.add_node(Node("src", "test.const", {"value": "x"}))
    graph.add_node(Node("a", "test.sleep", {"label": "a"}))
    graph.add_node(Node("b", "test.sleep", {"label": "b"}))
    graph.add_node(Node("end", "test.sleep", {"label": "end"}))
    graph.connect("src", "text", "a", "text")
    graph.connect("a", "text", "b", "text")
    graph.connect("b", "text", "end", "text")
    node = make_component(
        graph, make_registry(), ["a", "b"], "steps", "Two steps", [("first", "a", "label")]
    )
    graph.components["steps"].help = "Adds two labels."
    graph.components["steps"].category = "Text tools"
    return graph, node


def use(graph: Graph, entry, node_id: str = "used") -> str:
    added, component_id = insert(graph, entry)
    graph.components.update(added)
    graph.add_node(Node(node_id, instance_type(component_id)))
    return component_id


def test_publishing_writes_one_file_whose_version_goes_up_only_when_it_changes():
    graph, _ = steps_graph()
    first = publish(graph, "steps")
    assert first.path == library_dir() / "steps.json"
    assert (first.name, first.version, first.title) == ("steps", 1, "Two steps")
    assert publish(graph, "steps").version == 1  # the same content: the same version
    graph.components["steps"].graph.nodes["b"].params["label"] = "B"
    assert publish(graph, "steps").version == 2
    doc = json.loads(first.path.read_text())
    assert doc["format"] == "multimodal-studio.component" and doc["name"] == "steps"
    assert doc["component"]["version"] == 2 and doc["component"]["library"] == "steps"
    assert doc["component"]["nodes"]["b"]["params"]["label"] == "B"


def test_the_library_lists_its_components_and_names_a_broken_file():
    graph, _ = steps_graph()
    publish(graph, "steps", name="two_steps")
    (library_dir() / "junk.json").write_text("{not json")
    entries, problems = list_library()
    assert [(e.name, e.title, e.category, e.help) for e in entries] == [
        ("two_steps", "Two steps", "Text tools", "Adds two labels.")
    ]
    assert len(problems) == 1 and problems[0].path.name == "junk.json"
    assert "cannot read component file junk.json" in problems[0].message


def test_a_graph_using_a_library_component_keeps_a_copy_and_runs_without_the_library(tmp_path):
    graph, _ = steps_graph()
    publish(graph, "steps")
    other = Graph()
    other.add_node(Node("src", "test.const", {"value": "y"}))
    component_id = use(other, find_entry("steps"))
    other.connect("src", "text", "used", "text")
    copy = other.components[component_id]
    assert (component_id, copy.library, copy.version) == ("steps", "steps", 1)
    path = tmp_path / "other.json"
    save_graph(other, path)
    shutil.rmtree(library_dir())  # another machine: no library at all
    loaded = load_graph(path)
    flat = flatten(loaded)
    assert sorted(flat.nodes) == ["src", "used/a", "used/b"]
    saved = json.loads(path.read_text())["components"]["steps"]
    assert saved["library"] == "steps" and saved["version"] == 1


def test_inserting_reuses_the_same_version_and_renames_around_a_different_one():
    graph, _ = steps_graph()
    entry = publish(graph, "steps")
    other = Graph()
    assert use(other, entry, "one") == "steps"
    assert use(other, entry, "two") == "steps"  # the same copy serves both nodes
    assert list(other.components) == ["steps"]
    mine = Graph()
    mine.components["steps"] = steps_graph()[0].components["steps"]
    mine.components["steps"].library = None  # a local component that happens to share the id
    assert use(mine, entry) == "steps_2"


def test_a_nested_component_carries_the_components_it_uses():
    graph, node = steps_graph()
    make_component(graph, make_registry(), [node, "end"], "outer", "Outer")
    entry = publish(graph, "outer")
    doc = json.loads(entry.path.read_text())
    assert list(doc["requires"]) == ["steps"]
    other = Graph()
    other.add_node(Node("src", "test.const", {"value": "y"}))
    use(other, find_entry("outer"))
    other.connect("src", "text", "used", "text")
    assert sorted(other.components) == ["outer", "steps"]
    assert sorted(flatten(other).nodes) == sorted(
        ["src", f"used/{node}/a", f"used/{node}/b", "used/end"]
    )


def test_a_newer_library_version_is_offered_and_the_update_says_what_no_longer_fits():
    graph, _ = steps_graph()
    publish(graph, "steps")
    user = Graph()
    user.add_node(Node("src", "test.const", {"value": "y"}))
    use(user, find_entry("steps"))
    user.connect("src", "text", "used", "text")
    user.nodes["used"].params["first"] = "mine"
    assert outdated(user) == []
    # The author changes the component: a new inner label, the exposed param renamed.
    graph.components["steps"].graph.nodes["b"].params["label"] = "B"
    graph.components["steps"].params[0].name = "opening"
    latest = publish(graph, "steps")
    assert latest.version == 2
    (found,) = outdated(user)
    assert (found.component_id, found.have, found.latest) == ("steps", 1, 2)
    definitions, notes = updated_copy(user, "steps", latest)
    assert notes == ["used: Two steps no longer has the param 'first'"]
    new = definitions["steps"]
    assert (new.version, new.library) == (2, "steps")
    assert new.graph.nodes["b"].params["label"] == "B"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"format": "x"}', "is not a component file"),
        ('{"format": "multimodal-studio.component", "version": 9}', "newer studio"),
        ('{"format": "multimodal-studio.component", "version": 1, "name": "Bad"}', "'name'"),
    ],
)
def test_a_file_that_is_not_a_component_is_refused_by_name(text, message):
    (library_dir() / "x.json").write_text(text)
    entries, problems = list_library()
    assert entries == [] and message in problems[0].message


def test_a_library_file_is_parsed_again_only_when_it_changes():
    """The node search lists the library at each popup, on the UI thread: an unchanged file
    is not parsed again, a changed, broken or mended one is."""
    graph, _ = steps_graph()
    path = publish(graph, "steps").path
    first = find_entry("steps")
    assert find_entry("steps") is first and list_library()[0] == [first]

    graph.components["steps"].graph.nodes["b"].params["label"] = "B"
    assert publish(graph, "steps").version == 2
    assert find_entry("steps").version == 2  # rewritten: read again

    good = path.read_text()
    path.write_text("{ not json")
    with pytest.raises(GraphError, match=r"cannot read component file steps\.json"):
        find_entry("steps")
    _entries, problems = list_library()
    assert [p.path for p in problems] == [path]
    path.write_text(good)
    assert find_entry("steps").version == 2


def labels_are_files(node):
    """The test pack has no file params: these tests treat test.sleep's label as one."""
    return ["label"] if node.type == "test.sleep" else []


def test_a_published_component_carries_its_files_named_by_content(tmp_path):
    graph, _ = steps_graph()
    (tmp_path / "assets").mkdir()
    logo = tmp_path / "assets" / "logo.png"
    logo.write_bytes(b"first logo")
    graph.components["steps"].graph.nodes["a"].params["label"] = "assets/logo.png"
    graph.components["steps"].graph.nodes["b"].params["label"] = "assets/logo.png"

    entry = publish(graph, "steps", graph_dir=tmp_path, file_params=labels_are_files)
    inner = entry.definition.graph.nodes
    carried = inner["a"].params["label"]
    assert carried.startswith("steps.assets/") and carried.endswith("/logo.png")
    assert inner["b"].params["label"] == carried
    assert (library_dir() / carried).read_bytes() == b"first logo"
    assert graph.components["steps"].graph.nodes["a"].params["label"] == "assets/logo.png"
    assert carried_files(entry, labels_are_files) == {carried: (library_dir() / carried).resolve()}
    same = publish(graph, "steps", graph_dir=tmp_path, file_params=labels_are_files)
    assert same.version == 1  # the same file: the same version

    logo.write_bytes(b"a new logo")  # same name, new content: a new version, a new file
    newer = publish(graph, "steps", graph_dir=tmp_path, file_params=labels_are_files)
    assert newer.version == 2
    assert newer.definition.graph.nodes["a"].params["label"] != carried
    assert (library_dir() / carried).read_bytes() == b"first logo"  # graphs on v1 keep theirs

    # Taken into a graph: the copies point at the project's own files.
    copy = Graph()
    added, component_id = insert(copy, newer)
    moved = {v: "assets/logo.png" for v in carried_files(newer, labels_are_files)}
    repoint_files(added, moved)
    assert added[component_id].graph.nodes["a"].params["label"] == "assets/logo.png"
    assert newer.definition.graph.nodes["a"].params["label"].startswith("steps.assets/")


def test_publishing_a_component_whose_file_is_missing_writes_nothing(tmp_path):
    graph, _ = steps_graph()
    graph.components["steps"].graph.nodes["a"].params["label"] = "assets/gone.png"
    with pytest.raises(GraphError, match="node 'a' in component 'steps', param 'label': file"):
        publish(graph, "steps", graph_dir=tmp_path, file_params=labels_are_files)
    with pytest.raises(GraphError, match="save the graph first"):
        publish(graph, "steps", file_params=labels_are_files)
    assert not library_dir().exists() or list(library_dir().iterdir()) == []


def test_a_library_file_naming_a_file_outside_the_library_is_refused():
    graph, _ = steps_graph()
    path = publish(graph, "steps").path
    doc = json.loads(path.read_text())  # a library file someone handed over, edited
    doc["component"]["nodes"]["a"]["params"]["label"] = "../../etc/passwd"
    path.write_text(json.dumps(doc))
    with pytest.raises(GraphError, match="which is outside the library folder"):
        carried_files(find_entry("steps"), labels_are_files)
