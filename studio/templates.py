"""The template gallery: graphs to start from, shipped in `resources/templates/`.

Each template is a graph file (`<name>.json`) whose `meta` holds its `title`, a one-line
`description` and its place in the gallery (`order`), beside a card picture (`<name>.png`, a frame
of what it renders, made by `docs/templates/thumbnails.py`). Every template renders offline as it
is: the tests render each one.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Template:
    name: str  # the file's stem, stable: "podcast_audiogram"
    title: str
    description: str  # one line, for the card
    graph: Path
    thumbnail: Path | None
    order: int


def templates_dir() -> Path:
    from studio.paths import resources_dir

    return resources_dir() / "templates"


def list_templates(folder: Path | None = None) -> list[Template]:
    """The templates in gallery order. A file that cannot be read is left out (and logged):
    the gallery shows the others."""
    folder = folder or templates_dir()
    found = []
    for graph in sorted(folder.glob("*.json")):
        try:
            meta = json.loads(graph.read_text("utf-8")).get("meta", {})
        except (OSError, ValueError, AttributeError) as exc:
            log.warning("template %s cannot be read: %s", graph, exc)
            continue
        picture = graph.with_suffix(".png")
        order = meta.get("order")
        found.append(
            Template(
                name=graph.stem,
                title=str(meta.get("title") or graph.stem.replace("_", " ").capitalize()),
                description=" ".join(str(meta.get("description", "")).split()),
                graph=graph,
                thumbnail=picture if picture.is_file() else None,
                order=order if isinstance(order, int) else 1000,
            )
        )
    return sorted(found, key=lambda t: (t.order, t.title))


def find_template(name: str, folder: Path | None = None) -> Template | None:
    return next((t for t in list_templates(folder) if t.name == name), None)
