"""Typed access from a canvas item to the GraphScene that holds it."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from PySide6.QtWidgets import QGraphicsItem

    from studio.gui.canvas.scene import GraphScene


def graph_scene(item: QGraphicsItem) -> GraphScene:
    """The scene of a canvas item: node, port, edge and group items live only in a GraphScene."""
    return cast("GraphScene", item.scene())
