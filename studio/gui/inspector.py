"""The inspector: an editor per param of the selected node, generated from its NodeSpec."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from studio.gui.commands import ParamSetCommand
from studio.gui.form_actions import install_form_menu, mark_in_form
from studio.gui.key_help import for_gui, missing_key_provider
from studio.gui.param_editors import EDITORS, OutputEditor, ParamEditor
from studio.gui.param_links import ParamLinks

if TYPE_CHECKING:
    from studio.api import Param
    from studio.gui.document import Document
    from studio.gui.node_state import NodeStates


def keys_env(provider_id: str) -> str:
    from studio.providers.keys import KEY_ENV_VARS

    return KEY_ENV_VARS.get(provider_id, "its environment variable")


class ProviderEditor(ParamEditor):
    """Providers offering the param's capability, each with its readiness; a missing key links
    to Settings."""

    settings_requested = Signal()
    key_requested = Signal(str)  # provider id: "Add key…"

    def __init__(self, param: Param, providers: Any, parent: QWidget | None = None) -> None:
        super().__init__(param, parent)
        from PySide6.QtWidgets import QVBoxLayout as Column

        column = Column()
        column.setContentsMargins(0, 0, 0, 0)
        self.combo = QComboBox()
        self.combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.combo.setMinimumContentsLength(12)
        self.status = QLabel()
        self.status.setObjectName("Hint")
        self.status.setTextFormat(Qt.TextFormat.RichText)
        self.status.setWordWrap(True)
        self.status.linkActivated.connect(lambda _link: self._link())
        column.addWidget(self.combo)
        column.addWidget(self.status)
        self._layout.addLayout(column)
        self.readiness: dict[str, Any] = {}
        self.providers = [
            p for p in (providers.all() if providers else []) if param.capability in p.capabilities
        ]
        for provider in self.providers:
            self.combo.addItem(provider.title or provider.id, provider.id)
        self.combo.activated.connect(
            lambda i: self.value_edited.emit(self.combo.itemData(i), False)
        )
        self.combo.currentIndexChanged.connect(lambda _i: self._show_status())
        if self.providers:
            from studio.gui.app import spawn

            spawn(self._check(), "checking providers")

    def _link(self) -> None:
        readiness = self.readiness.get(self.combo.currentData())
        if readiness is not None and "key" in readiness.state:
            self.key_requested.emit(self.combo.currentData())
        else:
            self.settings_requested.emit()

    async def _check(self) -> None:
        from shiboken6 import isValid

        for index, provider in enumerate(self.providers):
            readiness = await provider.readiness()
            if not isValid(self.combo):  # the inspector moved on to another node meanwhile
                return
            self.readiness[provider.id] = readiness
            mark = "●" if readiness.ready else "○"
            self.combo.setItemText(
                index, f"{mark} {provider.title or provider.id} — {readiness.state}"
            )
        self._show_status()

    def _show_status(self) -> None:
        provider_id = self.combo.currentData()
        readiness = self.readiness.get(provider_id)
        if readiness is None:
            self.status.setText("")
        elif readiness.ready:
            self.status.setText(readiness.detail or readiness.state)
        elif "key" in readiness.state:
            self.status.setText(
                f"{readiness.state} — <a href='settings'>Add key…</a>"
                f" (or set {keys_env(provider_id)})"
            )
        else:
            self.status.setText(
                f"{readiness.detail or readiness.state} — <a href='settings'>check Settings…</a>"
            )

    def set_value(self, value: Any) -> None:
        index = self.combo.findData(value)
        if index < 0:  # a provider that is not installed: keep showing what the file says
            self.combo.addItem(f"{value} (not installed)", value)
            index = self.combo.count() - 1
        self.combo.setCurrentIndex(index)


class Inspector(QScrollArea):
    settings_requested = Signal()
    key_requested = Signal(str)  # provider id: a missing key's "Add key…"
    replace_approved = Signal(str)  # a file Save as… picked and the user agreed to replace

    def __init__(
        self, states: NodeStates, providers: Any = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        # Editors wrap and shrink to the panel; a sideways scroll bar would hide their ends.
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.states = self.base_states = states
        self.providers = providers
        self.document: Document | None = None
        self.node_id: str | None = None
        self.editors: dict[str, ParamEditor] = {}
        self.labels: dict[str, QLabel] = {}  # each param's label (▣ marks a form field)
        self.exposed_notes: dict[str, QLabel] = {}  # inside a component: "exposed as 'seed'…"
        self.error_label: QLabel | None = None
        self.links: ParamLinks | None = None
        # Copies files picked from outside into the project, then calls back (the window sets it).
        self.adopt_files: Callable[[list[Path], Callable[[list[str]], None]], None] | None = None
        states.status_changed.connect(self._status_changed)
        self._show_empty()

    def set_document(self, document: Document, states: NodeStates | None = None) -> None:
        """Edit `document`'s nodes; `states` are its run states (a component's inside has its
        own view of them, by inner id), else those the inspector was made with."""
        if self.document is not None:
            self.document.graph.unsubscribe(self._on_model)
        self.document = document
        document.graph.subscribe(self._on_model)
        self._follow_states(states or self.base_states)
        self.show_node(None)

    def _follow_states(self, states: NodeStates) -> None:
        if states is self.states:
            return
        with contextlib.suppress(RuntimeError):  # the scene that owned the old view is gone
            self.states.status_changed.disconnect(self._status_changed)
        self.states = states
        states.status_changed.connect(self._status_changed)

    def _show_empty(self, text: str = "Select a node to edit its settings.") -> None:
        label = QLabel(text)
        label.setObjectName("Hint")
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setWordWrap(True)
        self.setWidget(label)
        self.editors = {}
        self.labels = {}
        self.error_label = None
        self.links = None

    def show_node(self, node_id: str | None) -> None:
        """Build the editors for a node (None clears the inspector)."""
        self.node_id = node_id
        self.links = None
        if node_id is None or self.document is None or node_id not in self.document.graph.nodes:
            self.node_id = None
            self._show_empty()
            return
        node = self.document.graph.nodes[node_id]
        spec = self.document.spec_of(node_id)
        page = QWidget()
        column = QVBoxLayout(page)
        title = QLabel(
            f"<b>{node.title or (spec.title if spec else node.type)}</b>"
            f"  <span style='color:#8a8f98'>{node_id} · {node.type}</span>"
        )
        title.setWordWrap(True)
        column.addWidget(title)
        if spec is None:
            pack = f"pack “{node.pack}”" if node.pack else "a pack"
            note = QLabel(
                f"This node comes from {pack}, which is not installed. It is kept "
                "exactly as it is when you save; install the pack to edit or run it."
            )
            note.setWordWrap(True)
            column.addWidget(note)
            column.addStretch(1)
            self.setWidget(page)
            self.editors = {}
            return
        if spec.help:
            help_label = QLabel(spec.help)
            help_label.setWordWrap(True)
            help_label.setObjectName("Hint")
            column.addWidget(help_label)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setObjectName("Error")
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        column.addWidget(self.error_label)
        self.key_button = QPushButton("Add key…")  # shown when the failure is a missing key
        self.key_button.hide()
        self.key_button.clicked.connect(
            lambda _c=False: self.key_requested.emit(self.key_button.property("provider"))
        )
        column.addWidget(self.key_button, 0, Qt.AlignmentFlag.AlignLeft)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        column.addLayout(form)
        self.editors = {}
        self.labels = {}
        self.exposed_notes = {}
        for param in spec.params:
            editor = self._make_editor(param)
            editor.set_value(node.params.get(param.name, param.default))
            editor.value_edited.connect(
                lambda value, continuous, name=param.name: self._edited(name, value, continuous)
            )
            if isinstance(editor, OutputEditor):
                editor.replace_approved.connect(self.replace_approved)
            label = QLabel(param.title or param.name.replace("_", " "))
            label.setToolTip(param.help)
            install_form_menu(self, label, node_id, param)  # right-click: Add to Form…
            form.addRow(label, editor)
            self.editors[param.name] = editor
            self.labels[param.name] = label
            exposed = exposed_note(self.document, node_id, param.name)
            if exposed:  # inside a component: this setting is also on the component node
                note = QLabel(exposed)
                note.setObjectName("Hint")
                note.setWordWrap(True)
                form.addRow("", note)
                self.exposed_notes[param.name] = note
        if not spec.params:
            column.addWidget(QLabel("This node has no settings."))
        column.addStretch(1)
        self.setWidget(page)
        self.links = ParamLinks(self.document.graph, node_id, spec, self.editors)
        self.links.refresh()  # sizes follow a preset; template variables are checked
        self._status_changed(node_id)

    def _make_editor(self, param: Param) -> ParamEditor:
        if param.kind == "provider":
            editor = ProviderEditor(param, self.providers)
            editor.settings_requested.connect(self.settings_requested)
            editor.key_requested.connect(self.key_requested)
            return editor
        if param.kind == "candidates":
            from studio.gui.candidates_editor import CandidatesEditor

            return CandidatesEditor(param, self.providers)
        return EDITORS.get(param.kind, EDITORS["string"])(param)

    def _edited(self, name: str, value: Any, continuous: bool) -> None:
        if self.document is None or self.node_id is None:
            return
        if self.document.graph.nodes[self.node_id].params.get(name) == value:
            return
        editor = self.editors.get(name)
        if self.adopt_files and editor and editor.param.kind == "file":
            from studio.gui.projects import needs_copy

            if needs_copy(self.document, value):  # a file from outside: copied in, then set
                node_id, document = self.node_id, self.document
                self.adopt_files(
                    [Path(value).expanduser()],
                    lambda relative: self._set(document, node_id, name, relative[0]),
                )
                return
        self.document.push(ParamSetCommand(self.document, self.node_id, name, value, continuous))

    def _set(self, document: Document, node_id: str, name: str, value: Any) -> None:
        node = document.graph.nodes.get(node_id)
        if node is not None and node.params.get(name) != value:
            document.push(ParamSetCommand(document, node_id, name, value))

    def _on_model(self, kind: str, details: dict[str, Any]) -> None:
        if kind == "param_changed" and details["node"] == self.node_id:
            editor = self.editors.get(details["name"])
            if editor is not None:
                editor.set_value(details["value"])
        if self.links is not None and (
            (kind == "param_changed" and details["node"] == self.node_id)
            or (kind in ("edge_added", "edge_removed") and details["edge"].dst == self.node_id)
        ):
            self.links.refresh()
        elif kind == "node_removed" and details["node"].id == self.node_id:
            self.show_node(None)
        elif kind == "form_changed":
            self._mark_form_fields()

    def _mark_form_fields(self) -> None:
        node_id = self.node_id
        if self.document is None or node_id is None:
            return
        spec = self.document.spec_of(node_id)
        for param in spec.params if spec else ():
            label = self.labels.get(param.name)
            if label is not None:
                mark_in_form(self, label, node_id, param)

    def _status_changed(self, node_id: str) -> None:
        if node_id != self.node_id or self.error_label is None:
            return
        status = self.states.get(node_id)
        provider = missing_key_provider(status.error) if status.state == "failed" else None
        self.key_button.setProperty("provider", provider)
        self.key_button.setVisible(provider is not None)
        if status.state == "failed":
            self.error_label.setObjectName("Error")
            self.error_label.setText(f"Failed: {for_gui(status.error)}")
        elif status.state == "skipped":  # not this node's fault: told, not in red
            self.error_label.setObjectName("Warning")
            self.error_label.setText(status.error[:1].upper() + status.error[1:])
        else:
            self.error_label.setObjectName("Warning")
            self.error_label.setText("\n".join(f"⚠ {w}" for w in status.warnings))
        # The theme's colour follows the object name only after a re-polish.
        self.error_label.style().unpolish(self.error_label)
        self.error_label.style().polish(self.error_label)
        self.error_label.setVisible(status.state in ("failed", "skipped") or bool(status.warnings))


def exposed_note(document: Any, node_id: str, name: str) -> str:
    """Inside a component, what says that a node's param is exposed on the component node."""
    definition = getattr(document, "definition", None)
    if definition is None:
        return ""
    names = [p.name for p in definition.params if p.node == node_id and p.param == name]
    if not names:
        return ""
    shown = " and ".join(f"'{n}'" for n in names)
    return (
        f"↳ exposed as {shown} on the component “{definition.title}”: this value is the "
        "default, each use may set its own"
    )
