"""Settings ▸ Voices: the offline Piper voices, and adding or downloading more.

The same operations as `studio voices`: installing checks a voice (it loads and speaks a test
sentence) off the event loop, and a failed or cut-short download never becomes a voice.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

COLUMNS = ("Name", "Key", "Language", "Quality", "Sample rate", "Source", "Licence")


class VoicesPanel(QWidget):
    """A table of the installed Piper voices, an Add button and a Download field."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        note = QLabel(
            "Offline speech uses these Piper voices (by name, key or language); eSpeak NG "
            "speaks the languages none of them covers."
        )
        note.setWordWrap(True)
        note.setObjectName("Hint")
        self.add_button = QPushButton("Add voice file…")
        self.add_button.clicked.connect(self.choose_file)
        self.name_field = QLineEdit()
        self.name_field.setPlaceholderText("a voice to download, e.g. en_GB-alba-medium")
        self.download_button = QPushButton("Download")
        self.download_button.clicked.connect(lambda: self.download(self.name_field.text()))
        self.progress = QProgressBar()
        self.progress.hide()
        self.status = QLabel()
        self.status.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.add_button)
        row.addWidget(self.name_field, 1)
        row.addWidget(self.download_button)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        self.refresh()

    def refresh(self) -> None:
        from studio.providers.offline import voices

        installed = voices.installed_voices()
        self.table.setRowCount(len(installed))
        for row, voice in enumerate(installed):
            cells = (
                voice.name,
                voice.key,
                voice.language,
                voice.quality,
                f"{voice.sample_rate} Hz",
                voice.source,
                voice.licence,
            )
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()

    def voice_keys(self) -> list[str]:
        items = (self.table.item(row, 1) for row in range(self.table.rowCount()))
        return [item.text() for item in items if item is not None]

    def _busy(self, busy: bool, message: str = "") -> None:
        for widget in (self.add_button, self.download_button, self.name_field):
            widget.setEnabled(not busy)
        self.progress.setVisible(busy)
        self.progress.setRange(0, 0)  # indeterminate until a download says its size
        if message:
            self.status.setText(message)

    # -- adding a file pair -----------------------------------------------------------------------
    def choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Add a Piper voice", "", "Piper voice model (*.onnx)"
        )
        if path:
            self.add(Path(path))

    def add(self, model: Path) -> None:
        from studio.gui.app import in_background, spawn
        from studio.providers.offline.voices import VoiceError
        from studio.providers.offline.voices_install import add_voice

        async def work() -> None:
            try:
                voice = await in_background(add_voice, model)
            except VoiceError as exc:
                self.status.setText(f"Not added: {exc}")
            else:
                self.status.setText(f"Added {voice.name} ({voice.key}).")
            finally:
                self._busy(False)
                self.refresh()

        # Busy at once (not when the task first runs), so nothing can start a second install.
        self._busy(True, f"checking {model.name}: loading it and speaking a test sentence")
        spawn(work(), f"adding the voice {model.name}")

    # -- downloading ------------------------------------------------------------------------------
    def download(self, name: str) -> None:
        from studio.errors import ProviderError
        from studio.gui.app import spawn
        from studio.providers.offline.voices import VoiceError
        from studio.providers.offline.voices_install import download_voice

        name = name.strip()
        if not name:
            self.status.setText("Type the name of a voice to download (e.g. en_GB-alba-medium).")
            return

        def progress(done: int, total: int | None, file_name: str) -> None:
            if total:
                self.progress.setRange(0, 1000)
                self.progress.setValue(round(1000 * done / total))
                self.progress.setFormat(f"{file_name}: %p%")

        async def work() -> None:
            try:
                voice = await download_voice(name, progress=progress)
            except (VoiceError, ProviderError) as exc:
                self.status.setText(f"Not downloaded: {exc}")
            else:
                self.status.setText(f"Downloaded and checked {voice.name} ({voice.key}).")
                self.name_field.clear()
            finally:
                self._busy(False)
                self.refresh()

        self._busy(True, f"downloading {name}…")
        spawn(work(), f"downloading the voice {name}")
