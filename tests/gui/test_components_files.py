"""A library component that uses a file (a brand logo) takes the file along: publishing copies it
into the library, and a new graph that takes the component in from node search gets its own copy
in its project, so it runs there. Driven with the menu and the search like the other tests."""

from __future__ import annotations

from gui_helpers import wait_idle
from PIL import Image
from test_components_gui import add_from_search, make_with_keys, publish_with_menu

from studio.graph.fileformat import save_graph
from studio.graph.library import library_dir, list_library
from studio.graph.model import Graph, Node


def logo_graph(folder):
    """A saved graph whose logo picture (in its assets/) goes on a title card."""
    (folder / "assets").mkdir(parents=True)
    Image.new("RGB", (64, 32), (200, 30, 30)).save(folder / "assets" / "logo.png")
    graph = Graph()
    graph.add_node(Node("logo", "image.load", {"file": "assets/logo.png"}))
    card = {"width": 320, "height": 180, "background": "image", "title": "Outro"}
    graph.add_node(Node("card", "image.title_card", card))
    graph.connect("logo", "image", "card", "image")
    graph.positions.update({"logo": (0.0, 0.0), "card": (420.0, 0.0)})
    path = folder / "brand.studiograph"
    save_graph(graph, path)
    return path


def test_a_library_component_takes_its_file_into_the_new_project(qtbot, window, tmp_path):
    assert window.open_path(logo_graph(tmp_path / "brand"))
    (node_id,) = make_with_keys(qtbot, window, ["logo"], "Brand logo")
    publish_with_menu(qtbot, window, node_id)
    (entry,), problems = list_library()
    assert not problems
    carried = entry.definition.graph.nodes["logo"].params["file"]
    assert carried.startswith("brand_logo.assets/") and carried.endswith("/logo.png")
    original = (tmp_path / "brand" / "assets" / "logo.png").read_bytes()
    assert (library_dir() / carried).read_bytes() == original

    window.new_document()
    texts = add_from_search(window, "brand logo")
    assert texts[0].startswith("Brand logo")
    document = window.document
    (added,) = document.graph.nodes
    inner = document.graph.components["brand_logo"].graph.nodes["logo"]
    assert inner.params["file"] == "assets/logo.png"  # the project's own copy, its own name
    assert document.graph_dir is not None  # the graph became a project when the file came in
    assert (document.graph_dir / "assets" / "logo.png").read_bytes() == original

    window.run_all()
    wait_idle(qtbot, window, timeout=60_000)
    assert window.states.get(added).state == "done"


def test_a_library_component_whose_file_went_missing_is_not_inserted(qtbot, window, tmp_path):
    assert window.open_path(logo_graph(tmp_path / "brand"))
    (node_id,) = make_with_keys(qtbot, window, ["logo"], "Brand logo")
    publish_with_menu(qtbot, window, node_id)
    (entry,), _problems = list_library()
    (library_dir() / entry.definition.graph.nodes["logo"].params["file"]).unlink()
    errors = []
    window.report_error = lambda title, text: errors.append((title, text))

    window.new_document()
    add_from_search(window, "brand logo")
    assert not window.document.graph.nodes and not window.document.graph.components
    ((title, text),) = errors
    assert title == "Could not use the library component"
    assert "node 'logo' in component 'brand_logo', param 'file'" in text
    assert "is missing from the library folder" in text


def test_an_update_brings_the_new_version_of_its_file_along(qtbot, window, tmp_path):
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    brand = logo_graph(tmp_path / "brand")
    assert window.open_path(brand)
    (node_id,) = make_with_keys(qtbot, window, ["logo"], "Brand logo")
    publish_with_menu(qtbot, window, node_id)
    assert window.save()
    # Another project takes version 1 in and is saved.
    window.new_document()
    add_from_search(window, "brand logo")
    other = window.document.graph_dir / "other.studiograph"
    assert window._save_to(other)
    first = (other.parent / "assets" / "logo.png").read_bytes()

    # The brand gets a new logo, published as version 2.
    assert window.open_path(brand)
    Image.new("RGB", (64, 32), (30, 30, 200)).save(tmp_path / "brand" / "assets" / "logo.png")
    publish_with_menu(qtbot, window, node_id)
    assert window.document.graph.components["brand_logo"].version == 2
    assert window.save()

    assert window.open_path(other)
    bar = window.components.actions.update_bar
    assert "Brand logo (v1 → v2)" in bar.text.text()
    QTest.mouseClick(bar.update_button, Qt.MouseButton.LeftButton)
    inner = window.document.graph.components["brand_logo"].graph.nodes["logo"]
    assert inner.params["file"] == "assets/logo-2.png"  # beside the old one, which v1 used
    new = (tmp_path / "brand" / "assets" / "logo.png").read_bytes()
    assert (other.parent / "assets" / "logo-2.png").read_bytes() == new != first
    assert (other.parent / "assets" / "logo.png").read_bytes() == first
