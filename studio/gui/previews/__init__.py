"""Inline previews: one small QGraphicsItem per modality, drawn from cached pixmaps.

`preview_value` picks what a node shows (its first output that has a value, or the live preview
while it runs); `make_preview` builds the item for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PySide6.QtCore import QSizeF
    from PySide6.QtWidgets import QGraphicsItem

    from studio.api import NodeSpec

LIVE_PREVIEW = "_preview"  # key of the value a running node sent with ctx.preview()


# Nodes whose preview needs more room than the standard box: (width, height) of the preview.
LARGE_PREVIEWS = {"compare.": (400.0, 300.0), "check.coherence": (520.0, 150.0)}


def preview_size(spec: NodeSpec | None) -> tuple[float, float] | None:
    """The preview box of a node that needs a larger one (a compare grid), else None."""
    if spec is None:
        return None
    return next(
        (size for prefix, size in LARGE_PREVIEWS.items() if spec.id.startswith(prefix)), None
    )


def preview_value(spec: NodeSpec | None, outputs: dict[str, Any]) -> Any:
    if not outputs:
        return None
    if spec is not None and spec.calls is not None:  # a compare node: its grid
        from studio.gui.previews.compare_grid import grid_value

        grid = grid_value(outputs)
        if grid is not None:
            return grid
    if spec is not None and spec.id == "check.coherence":  # its strip of moods
        from studio.gui.previews.coherence_strip import strip_value

        strip = strip_value(outputs)
        if strip is not None:
            return strip
    names = [o.name for o in spec.outputs] if spec else list(outputs)
    for name in names:
        value = outputs.get(name)
        if value not in (None, "", []):
            return value
    return outputs.get(LIVE_PREVIEW)


def make_preview(value: Any, size: QSizeF) -> QGraphicsItem | None:
    """The preview item for a port value: text, image, video, audio (a list shows its first)."""
    from studio.api import Artifact

    custom = getattr(value, "make_preview", None)  # a value that draws itself (a compare grid)
    if custom is not None:
        return custom(size)
    count = 1
    if isinstance(value, list):
        count = len(value)
        value = next((v for v in value if v is not None), None)
    if isinstance(value, str):
        from studio.gui.previews.text import TextPreview

        return TextPreview(value, size)
    if isinstance(value, Artifact):
        if value.kind == "image":
            from studio.gui.previews.image import ImagePreview

            return ImagePreview(value, size, count)
        if value.kind == "video":
            from studio.gui.previews.video import VideoPreview

            return VideoPreview(value, size)
        if value.kind == "audio":
            from studio.gui.previews.audio import AudioPreview

            return AudioPreview(value, size)
    return None
