"""Edits inside components reach the run controller like edits at the top.

The controller listens to the file's graph; a component's inside is another graph (its
definition's), edited through a view of the document. `DefinitionWatch` listens to every
definition's graph and to definitions being replaced (an update from the library), and hands
each edit on with the component it happened in, so the uses of that component (and what follows
them) are marked stale and auto-run runs them again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from studio.graph.components import ComponentDef
    from studio.gui.document import Document

# (component id, model event kind, its details); kind "replaced" when the definition was swapped.
OnEdit = Callable[[str, str, dict[str, Any]], None]


class DefinitionWatch:
    """Subscribes to the inner graph of each component definition of one document."""

    def __init__(self, on_edit: OnEdit) -> None:
        self.on_edit = on_edit
        self.document: Document | None = None
        self._watched: dict[str, tuple[ComponentDef, Callable[[str, dict[str, Any]], None]]] = {}

    def follow(self, document: Document) -> None:
        self.stop()
        self.document = document
        document.components_changed.connect(self._components_changed)
        self._subscribe()

    def stop(self) -> None:
        if self.document is not None:
            self.document.components_changed.disconnect(self._components_changed)
        for definition, listener in self._watched.values():
            definition.graph.unsubscribe(listener)
        self._watched.clear()
        self.document = None

    def _subscribe(self) -> list[str]:
        """Follow the document's definitions as they are now; returns the ids replaced."""
        assert self.document is not None
        components = self.document.graph.components
        replaced = []
        for component_id in list(self._watched):
            definition, listener = self._watched[component_id]
            if components.get(component_id) is not definition:
                definition.graph.unsubscribe(listener)
                del self._watched[component_id]
                if component_id in components:
                    replaced.append(component_id)
        for component_id, definition in components.items():
            if component_id not in self._watched:
                listener = self._listener(component_id)
                definition.graph.subscribe(listener)
                self._watched[component_id] = (definition, listener)
        return replaced

    def _listener(self, component_id: str) -> Callable[[str, dict[str, Any]], None]:
        def listener(kind: str, details: dict[str, Any]) -> None:
            self.on_edit(component_id, kind, details)

        return listener

    def _components_changed(self, _ids: list[str]) -> None:
        # Tagging a version after publishing changes a definition in place: nothing to re-run.
        for component_id in self._subscribe():
            self.on_edit(component_id, "replaced", {})
