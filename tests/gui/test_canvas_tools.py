"""Reroute dots, wires above nodes and group frames, the minimap and find node (Ctrl+F)."""

from __future__ import annotations

from gui_helpers import brief_prompt
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtTest import QTest

from studio.graph.fileformat import dumps_graph
from studio.gui.canvas import style
from studio.gui.canvas.minimap import REFRESH_MS


def double_click(window, scene_point: QPointF) -> None:
    at = window.view.mapFromScene(scene_point)
    viewport = window.view.viewport()
    QTest.mouseDClick(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at)
    # QTest's double-click ends on the second press: let go, as a hand does.
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at)


def drag(window, start: QPointF, end: QPointF) -> None:
    viewport = window.view.viewport()
    a, b = window.view.mapFromScene(start), window.view.mapFromScene(end)
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a)
    for i in range(1, 6):
        QTest.mouseMove(viewport, a + (b - a) * i / 5)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, b)


def wire_midpoint(window) -> QPointF:
    (edge_item,) = window.scene.edges.values()
    return edge_item.path().pointAtPercent(0.5)


def test_double_click_a_wire_adds_a_dot_that_drags_and_goes_away(qtbot, window):
    _brief, _prompt = brief_prompt(window)
    window.view.fit_all()
    graph, stack = window.document.graph, window.document.undo_stack
    before, start = dumps_graph(graph), stack.index()
    middle = wire_midpoint(window)
    double_click(window, middle)
    (edge,) = graph.edges
    assert len(graph.reroutes[edge]) == 1 and window.search.isHidden()
    (edge_item,) = window.scene.edges.values()
    dot = edge_item.dots[0]
    assert (dot.scenePos() - middle).manhattanLength() < 2
    steps = stack.index()
    drag(window, dot.scenePos(), dot.scenePos() + QPointF(0, 160))
    assert stack.index() == steps + 1  # the whole drag is one undo step
    (x, y) = graph.reroutes[edge][0]
    assert abs(y - (middle.y() + 160)) < 2
    # The wire passes through the dot.
    assert edge_item.path().contains(dot.scenePos()) or any(
        (edge_item.path().pointAtPercent(t / 200) - dot.scenePos()).manhattanLength() < 3
        for t in range(201)
    )
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key.Key_Delete)  # the dot is selected after the drag
    assert edge not in graph.reroutes and graph.edges == [edge]  # the wire itself stays
    stack.undo()
    assert graph.reroutes[edge] == [(x, y)]
    double_click(window, window.scene.edges[edge].dots[0].scenePos())
    assert edge not in graph.reroutes
    while stack.index() > start:
        stack.undo()
    assert dumps_graph(graph) == before  # every dot edit was undoable, back to the bare wire


def test_deleting_a_wire_and_undoing_brings_its_dots_back(qtbot, window):
    brief, _prompt = brief_prompt(window)
    window.view.fit_all()
    graph = window.document.graph
    double_click(window, wire_midpoint(window))
    (edge,) = graph.edges
    points = list(graph.reroutes[edge])
    window.scene.select_nodes([brief])
    window.delete_selection()
    assert graph.edges == [] and graph.reroutes == {}
    window.document.undo_stack.undo()
    assert graph.reroutes == {edge: points} and len(window.scene.edges[edge].dots) == 1


def paint_scene(window, rect: QRectF) -> QImage:
    image = QImage(int(rect.width()), int(rect.height()), QImage.Format.Format_ARGB32)
    image.fill(0)
    painter = QPainter(image)
    window.scene.render(painter, QRectF(image.rect()), rect)
    painter.end()
    return image


def near(colour: QColor, expected: QColor, tolerance: int = 40) -> bool:
    return all(
        abs(a - b) <= tolerance
        for a, b in zip(colour.getRgb()[:3], expected.getRgb()[:3], strict=True)
    )


def test_a_wire_is_drawn_above_a_node_body_and_a_group_frame(qtbot, window):
    brief = window.add_node("text.brief", (0.0, 0.0))
    prompt = window.add_node("text.prompt", (900.0, 0.0))
    assert window.scene.connect_ports(brief, "brief", prompt, "brief")
    blocker = window.add_node("text.prompt", (0.0, 0.0))
    (edge_item,) = window.scene.edges.values()
    wire = edge_item.path()
    # Put the blocker's body right across the middle of the wire, and frame it in a group.
    middle = wire.pointAtPercent(0.5)
    window.document.graph.move_node(blocker, (middle.x() - 120, middle.y() - 100))
    window.scene.select_nodes([blocker])
    window.group_selection()
    (edge_item,) = window.scene.edges.values()
    middle = edge_item.path().pointAtPercent(0.5)
    body = window.scene.nodes[blocker].sceneBoundingRect()
    assert body.contains(middle)
    rect = QRectF(middle.x() - 20, middle.y() - 20, 40, 40)
    colour = paint_scene(window, rect).pixelColor(20, 20)
    assert near(colour, style.port_colour(edge_item.src.port_type)), colour.name()
    # And over the group frame (outside the node, inside the frame).
    group_rect = window.scene.groups[0].boundingRect()
    frame_point = next(
        edge_item.path().pointAtPercent(t / 100)
        for t in range(100)
        if group_rect.contains(edge_item.path().pointAtPercent(t / 100))
        and not body.adjusted(-4, -4, 4, 4).contains(edge_item.path().pointAtPercent(t / 100))
    )
    rect = QRectF(frame_point.x() - 20, frame_point.y() - 20, 40, 40)
    colour = paint_scene(window, rect).pixelColor(20, 20)
    assert near(colour, style.port_colour(edge_item.src.port_type)), colour.name()


def test_a_press_on_a_port_under_a_wire_end_still_starts_a_new_wire(qtbot, window):
    brief, prompt = brief_prompt(window)
    window.view.fit_all()
    out = window.scene.nodes[brief].outputs["brief"]
    second = window.add_node("text.prompt", (400.0, 400.0))
    window.view.fit_all()
    drag(window, out.anchor(), window.scene.nodes[second].inputs["brief"].anchor())
    # The output kept its first wire and gained a second one.
    assert sorted(e.dst for e in window.document.graph.edges) == sorted([prompt, second])


def test_the_minimap_shows_the_graph_and_a_click_moves_the_canvas_there(qtbot, window):
    near_node = window.add_node("text.brief", (0.0, 0.0))
    far = window.add_node("text.prompt", (6000.0, 3000.0))
    window.scene.select_nodes([near_node])
    window.view.fit_selection()
    minimap = window.view.minimap
    assert minimap.isVisible()
    view_rect = window.view.rect()
    assert view_rect.contains(minimap.geometry())  # in the canvas's corner
    visible = window.view.mapToScene(window.view.viewport().rect()).boundingRect()
    assert not visible.intersects(window.scene.nodes[far].sceneBoundingRect())
    target = minimap.to_map(window.scene.nodes[far].sceneBoundingRect().center()).toPoint()
    QTest.mouseClick(minimap, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, target)
    visible = window.view.mapToScene(window.view.viewport().rect()).boundingRect()
    assert visible.contains(window.scene.nodes[far].sceneBoundingRect().center())
    # What it draws: the far node's colour at its place on the map.
    image = minimap.grab().toImage()
    spot = minimap.to_map(window.scene.nodes[far].sceneBoundingRect().center()).toPoint()
    assert image.pixelColor(spot) != image.pixelColor(QPoint(5, minimap.height() // 2))
    window.actions_by_name["minimap"].trigger()
    assert not minimap.isVisible()


def test_the_minimap_draws_the_graph_again_only_when_it_changes(qtbot, window, monkeypatch):
    """The minimap overlaps the canvas, so every canvas repaint repaints it: it must not draw
    the whole graph again then (a 1,000-node graph cost twice the canvas's own paint)."""
    window.add_node("text.brief", (0.0, 0.0))
    moved = window.add_node("text.prompt", (2000.0, 1000.0))
    window.view.fit_all()
    minimap = window.view.minimap
    qtbot.waitUntil(lambda: minimap._picture is not None)
    qtbot.wait(2 * REFRESH_MS)
    drawn: list[int] = []
    draw = minimap._draw_graph
    monkeypatch.setattr(minimap, "_draw_graph", lambda: drawn.append(1) or draw())
    for _ in range(5):
        window.view.viewport().repaint()
    assert drawn == []
    item = window.scene.nodes[moved]
    item.setPos(item.pos() + QPointF(0.0, -900.0))  # the map's framing stays: nodes span it
    qtbot.waitUntil(lambda: len(drawn) > 0)
    image = minimap.grab().toImage()
    spot = minimap.to_map(item.sceneBoundingRect().center()).toPoint()
    assert image.pixelColor(spot) != image.pixelColor(QPoint(5, minimap.height() // 2))


def test_ctrl_f_finds_a_node_by_title_or_id_and_frames_it(qtbot, window):
    ids = [window.add_node("text.prompt", (i * 700.0, 0.0)) for i in range(5)]
    window.document.graph.set_title(ids[3], "Narration script")
    window.scene.select_nodes([ids[0]])
    window.view.fit_selection()
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    finder = window.finder
    assert finder is not None and finder.isVisible()
    QTest.keyClicks(finder.field, "narration")
    assert finder.results.count() == 1
    QTest.keyClick(finder.field, Qt.Key.Key_Return)
    assert not finder.isVisible()
    assert window.scene.selected_node_ids() == [ids[3]]
    visible = window.view.mapToScene(window.view.viewport().rect()).boundingRect()
    assert visible.contains(window.scene.nodes[ids[3]].sceneBoundingRect())
    QTest.keyClick(window.view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(window.finder.field, ids[1])  # by id
    assert window.finder.results.item(0).data(Qt.ItemDataRole.UserRole) == ids[1]
    QTest.keyClicks(window.finder.field, "zzz")
    assert window.finder.results.count() == 0 and "No node matches" in window.finder.hint.text()
    QTest.keyClick(window.finder.field, Qt.Key.Key_Escape)
    assert not window.finder.isVisible()
