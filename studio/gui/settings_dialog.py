"""Settings: API keys (keyring, else environment), server URLs, cache size, default providers,
offline voices."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from studio.gui.settings import GuiSettings
from studio.gui.voices_panel import VoicesPanel

SERVERS = (
    ("comfyui", "ComfyUI"),
    ("ollama", "Ollama"),
    ("openai_compat", "OpenAI-compatible (LM Studio, vLLM)"),
)


class SettingsDialog(QDialog):
    """Changes apply when OK is pressed; keys are stored at once by their own buttons."""

    def __init__(
        self,
        providers: Any = None,
        cache: Any = None,
        parent: QWidget | None = None,
        focus_key: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.resize(640, 460)
        self.settings = GuiSettings.load()
        # A damaged settings file is told here, where the user can fix it (never a crash).
        self.problems = list(self.settings.problems)
        self.providers = providers
        self.cache = cache
        self.tabs = QTabWidget()
        self.tabs.addTab(self._keys_page(), "Keys")
        self.tabs.addTab(self._servers_page(), "Servers")
        self.tabs.addTab(self._cache_page(), "Cache")
        self.tabs.addTab(self._defaults_page(), "Default providers")
        self.tabs.addTab(VoicesPanel(), "Voices")
        self.message = QLabel()
        self.message.setObjectName("Error")
        self.message.setWordWrap(True)
        self.message.setText("\n".join(self.problems))
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.apply_and_close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        if focus_key in self.key_rows:  # "Add key…" on a node: straight to that key's field
            self.tabs.setCurrentIndex(0)
            self.key_rows[focus_key][1].setFocus()

    # -- keys -------------------------------------------------------------------------------------
    def _keys_page(self) -> QWidget:
        """Keys go to the keyring; without one, the page says what to install and offers to use
        a key for this session only (kept in memory, never on disk)."""
        from studio.providers import keys

        page = QWidget()
        form = QFormLayout(page)
        usable, words = keys.keyring_status()
        self.keyring_usable = usable
        if usable:
            text = words
        else:
            text = (
                f"No keyring on this system, so keys cannot be saved. {keys.keyring_install_hint()}"
                " Meanwhile, a key typed here is used until the studio quits (kept in memory "
                "only, never written to disk), or set its environment variable."
            )
        self.keys_note = QLabel(text)
        self.keys_note.setWordWrap(True)
        self.keys_note.setObjectName("Hint")
        self.keys_note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow(self.keys_note)
        self.key_rows: dict[str, tuple[QLabel, QLineEdit]] = {}
        self.key_buttons: dict[str, tuple[QPushButton, QPushButton]] = {}
        for provider in sorted(keys.KEY_ENV_VARS):
            status = QLabel()
            field = QLineEdit()
            field.setEchoMode(QLineEdit.EchoMode.Password)
            field.setPlaceholderText(f"paste a key (or set {keys.KEY_ENV_VARS[provider]})")
            store = QPushButton("Store" if usable else "Use for this session")
            remove = QPushButton("Remove" if usable else "Forget")
            store.clicked.connect(lambda _c=False, p=provider: self.store_key(p))
            remove.clicked.connect(lambda _c=False, p=provider: self.remove_key(p))
            field.returnPressed.connect(lambda p=provider: self.store_key(p))
            row = QHBoxLayout()
            row.addWidget(field, 1)
            row.addWidget(store)
            row.addWidget(remove)
            row.addWidget(status)
            form.addRow(provider, row)
            self.key_rows[provider] = (status, field)
            self.key_buttons[provider] = (store, remove)
            self._show_key_status(provider)
        return page

    def _show_key_status(self, provider: str) -> None:
        from studio.providers import keys

        self.key_rows[provider][0].setText(keys.key_status(provider).describe())

    def store_key(self, provider: str) -> None:
        from studio.providers import keys

        field = self.key_rows[provider][1]
        if not field.text().strip():
            return
        try:
            if self.keyring_usable:
                keys.set_key(provider, field.text())
            else:
                keys.set_session_key(provider, field.text())
        except keys.KeyStoreError as exc:
            self.message.setText(str(exc))
            return
        field.clear()
        self.message.setText("")
        self._show_key_status(provider)

    def remove_key(self, provider: str) -> None:
        from studio.providers import keys

        try:
            keys.clear_session_key(provider)
            if self.keyring_usable:
                keys.delete_key(provider)
        except keys.KeyStoreError as exc:
            self.message.setText(str(exc))
            return
        self._show_key_status(provider)

    # -- servers ----------------------------------------------------------------------------------
    def _servers_page(self) -> QWidget:
        from studio.providers import settings

        page = QWidget()
        form = QFormLayout(page)
        self.url_fields: dict[str, QLineEdit] = {}
        for provider, title in SERVERS:
            try:
                urls = settings.base_urls(provider)
            except settings.SettingsError as exc:
                urls = []
                self.problems.append(str(exc))
            field = QLineEdit(",".join(urls))
            field.setToolTip(
                f"Base URL; the environment variable {settings.env_var_for(provider)}"
                " overrides it. ComfyUI takes several, separated by commas."
            )
            form.addRow(title, field)
            self.url_fields[provider] = field
        return page

    # -- cache ------------------------------------------------------------------------------------
    def _cache_page(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.cache_limit = QDoubleSpinBox()
        self.cache_limit.setRange(0.5, 10_000)
        self.cache_limit.setSuffix(" GB")
        self.cache_limit.setValue(self.settings.cache_max_gb)
        self.cache_limit.setToolTip(
            "After each run the least recently used results are removed "
            "until the cache fits; those nodes simply run again."
        )
        self.cache_info = QLabel("…")
        clear = QPushButton("Clear the cache")
        clear.clicked.connect(self.clear_cache)
        form.addRow("Maximum size", self.cache_limit)
        form.addRow("Now", self.cache_info)
        form.addRow(clear)
        self._show_cache_info()
        return page

    def _show_cache_info(self) -> None:
        if self.cache is None:
            self.cache_info.setText("")
            return
        from studio.gui.app import in_background, spawn

        async def show() -> None:
            info = await in_background(self.cache.info)
            self.cache_info.setText(
                f"{info['entries']} results, {info['objects']} files, "
                f"{info['bytes'] / 1e6:.1f} MB in {info['path']}"
            )

        spawn(show(), "reading the cache size")

    def clear_cache(self) -> None:
        if self.cache is not None:
            self.cache.clear()
            self._show_cache_info()

    # -- default providers ------------------------------------------------------------------------
    def _defaults_page(self) -> QWidget:
        from studio.providers.base import Capability

        page = QWidget()
        form = QFormLayout(page)
        self.default_combos: dict[str, QComboBox] = {}
        for capability in Capability:
            combo = QComboBox()
            ids = self.providers.ids_for(capability) if self.providers else []
            for provider_id in ids:
                combo.addItem(provider_id, provider_id)
            chosen = self.settings.default_providers.get(capability.value, "offline")
            if combo.findData(chosen) >= 0:
                combo.setCurrentIndex(combo.findData(chosen))
            form.addRow(capability.value, combo)
            self.default_combos[capability.value] = combo
        return page

    # -- apply ------------------------------------------------------------------------------------
    def apply(self) -> bool:
        """Save every page; False (with the reason shown) when a value is unusable."""
        from studio.providers import settings

        try:
            for provider, field in self.url_fields.items():
                text = field.text().strip()
                default = settings.DEFAULT_URLS.get(provider, "")
                settings.set_base_url(provider, text if text and text != default else None)
        except settings.SettingsError as exc:
            self.message.setText(str(exc))
            self.tabs.setCurrentIndex(1)
            return False
        self.settings.cache_max_gb = self.cache_limit.value()
        self.settings.default_providers = {
            cap: combo.currentData()
            for cap, combo in self.default_combos.items()
            if combo.currentData()
        }
        self.settings.save()
        return True

    def apply_and_close(self) -> None:
        if self.apply():
            self.accept()
