"""Named sizes, colours and z-order of the canvas (one place, so items never invent their own)."""

from __future__ import annotations

import hashlib

from PySide6.QtGui import QColor

from studio.graph.types import PortType

# -- geometry ---------------------------------------------------------------------------------
NODE_WIDTH = 240.0
HEADER_HEIGHT = 28.0
PORT_ROW_HEIGHT = 20.0
PORT_RADIUS = 6.0
PREVIEW_HEIGHT = 120.0
PREVIEW_MARGIN = 8.0
CORNER_RADIUS = 6.0
GRID_SIZE = 20.0
GROUP_MARGIN = 24.0
GROUP_TITLE_HEIGHT = 26.0
# Below this zoom a node is drawn as a coloured block: titles and ports would be unreadable.
DETAIL_ZOOM = 0.45
ZOOM_MIN, ZOOM_MAX = 0.05, 4.0

# -- z-order ----------------------------------------------------------------------------------
Z_GROUP = -20.0
Z_NODE = 0.0
Z_NODE_SELECTED = 1.0
# Wires above nodes (and group frames): a node dragged over a wire never hides it.
Z_EDGE = 2.0
Z_DRAGGED_EDGE = 50.0

# -- colours ----------------------------------------------------------------------------------
CANVAS_BACKGROUND = QColor("#1b1d22")
GRID_MINOR = QColor("#23262d")
GRID_MAJOR = QColor("#2b2f37")
NODE_BODY = QColor("#2a2d34")
NODE_BODY_UNKNOWN = QColor("#3a3a3a")
NODE_BORDER = QColor("#14161a")
NODE_BORDER_SELECTED = QColor("#f0f0f0")
NODE_TITLE_TEXT = QColor("#f2f2f2")
PORT_LABEL_TEXT = QColor("#b9bec8")
PREVIEW_BACKGROUND = QColor("#17191d")
PREVIEW_TEXT = QColor("#d8dbe0")
DIMMED_ALPHA = 50
UNKNOWN_TEXT = QColor("#9a9a9a")
RUBBER_BAND = QColor(120, 170, 255, 60)

PORT_COLOURS: dict[PortType, QColor] = {
    PortType.TEXT: QColor("#e6c35c"),
    PortType.IMAGE: QColor("#4fa3ff"),
    PortType.VIDEO: QColor("#c46cff"),
    PortType.AUDIO: QColor("#3fd49a"),
    PortType.TEXT_LIST: QColor("#e6c35c"),
    PortType.IMAGE_LIST: QColor("#4fa3ff"),
    PortType.VIDEO_LIST: QColor("#c46cff"),
    PortType.AUDIO_LIST: QColor("#3fd49a"),
    PortType.VISUAL_LIST: QColor("#8f88ff"),
}
UNKNOWN_PORT_COLOUR = QColor("#8a8a8a")
# A result that is usable but degraded (node warnings).
WARNING_BADGE = QColor("#d99a1e")
WARNING_BADGE_TEXT = QColor("#1b1d22")

CATEGORY_COLOURS: dict[str, QColor] = {
    "text": QColor("#9c7a1e"),
    "image": QColor("#2c64a6"),
    "video": QColor("#6d35a3"),
    "audio": QColor("#237f5b"),
    "music": QColor("#237f5b"),
    "speech": QColor("#237f5b"),
    "compose": QColor("#a34a35"),
    "export": QColor("#a3354f"),
    "utility": QColor("#4b5563"),
}

STATE_COLOURS: dict[str, QColor] = {
    "idle": QColor("#6b7280"),
    "queued": QColor("#9ca3af"),
    "running": QColor("#3d9cff"),
    "cached": QColor("#7fb77e"),
    "done": QColor("#4caf50"),
    "failed": QColor("#e05252"),
    "cancelled": QColor("#d59b3a"),
    "stale": QColor("#b8a25a"),  # a result kept from before an edit (not a run state)
    "skipped": QColor("#8b93a1"),  # not run because a node before it failed
    "bypassed": QColor("#a855f7"),
}
STALE_PREVIEW_OPACITY = 0.4

GROUP_DEFAULT_COLOUR = "#3a3f4b"


def port_colour(port_type: PortType | None) -> QColor:
    """The colour of a port (and of the edges leaving it)."""
    return PORT_COLOURS.get(port_type, UNKNOWN_PORT_COLOUR) if port_type else UNKNOWN_PORT_COLOUR


def category_colour(category: str) -> QColor:
    """A category's header colour; unknown categories get a stable muted colour from their name."""
    colour = CATEGORY_COLOURS.get(category.lower())
    if colour is not None:
        return colour
    hue = int(hashlib.sha1(category.encode()).hexdigest()[:4], 16) % 360
    return QColor.fromHsl(hue, 90, 85)
