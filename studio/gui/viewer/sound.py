"""The sound of a result through QtMultimedia, or a plain sentence saying why there is none.

Pictures never need QtMultimedia (the viewer decodes frames itself); only sound does, and on
Linux QtMultimedia needs the PulseAudio client library. Without it the viewer still shows,
steps and scrubs everything, and says that it plays silently and what to install.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QUrl

from studio.gui.previews.media_player import multimedia_error


def sound_unavailable_reason() -> str | None:
    """Why no sound can play on this machine (a sentence for the viewer), or None."""
    error = multimedia_error()
    if not error:
        return None
    detail = error.removeprefix("playback unavailable: ")
    if "libpulse" in detail:
        return (
            "No sound: the PulseAudio client library (libpulse.so.0) is missing. "
            "Install it (Debian/Ubuntu: sudo apt install libpulse0) and restart the studio."
        )
    return f"No sound: Qt Multimedia cannot load here ({detail})."


class SoundTrack(QObject):
    """Plays the audio of one file (a video's sound track or an audio result).

    `reason` says why it cannot play (no sound track, no sound system); then every call is a
    no-op and `available` is False.
    """

    def __init__(self, path: Path, has_audio: bool, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.player: Any = None
        self.reason = "" if has_audio else "This clip has no sound track."
        if has_audio:
            self.reason = sound_unavailable_reason() or ""
        if self.reason:
            return
        from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer

        self.player = QMediaPlayer(self)
        self.output = QAudioOutput(self)
        self.player.setAudioOutput(self.output)
        self.player.errorOccurred.connect(self._failed, Qt.ConnectionType.QueuedConnection)
        self.player.setSource(QUrl.fromLocalFile(str(path)))
        self.player.setActiveVideoTrack(-1)  # the viewer shows the pictures itself

    @property
    def available(self) -> bool:
        return self.player is not None

    @property
    def playing(self) -> bool:
        if self.player is None:
            return False
        from PySide6.QtMultimedia import QMediaPlayer

        return self.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState

    def _failed(self, *_args: Any) -> None:
        if self.player is not None and self.player.errorString():
            self.reason = f"No sound: {self.player.errorString()}"

    def play_from(self, seconds: float) -> None:
        if self.player is not None:
            self.player.setPosition(int(seconds * 1000))
            self.player.play()

    def pause(self) -> None:
        if self.player is not None:
            self.player.pause()

    def seek(self, seconds: float) -> None:
        if self.player is not None:
            self.player.setPosition(int(seconds * 1000))

    def position_s(self) -> float:
        return self.player.position() / 1000 if self.player is not None else 0.0

    def close(self) -> None:
        if self.player is not None:
            self.player.stop()
            self.player.setSource(QUrl())
            self.player = None
