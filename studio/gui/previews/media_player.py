"""A QMediaPlayer made on first use (QtMultimedia is imported only when something plays)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

_unavailable: str | None = None


def multimedia_error() -> str | None:
    """Why playback cannot work here (e.g. a missing system audio library), or None."""
    global _unavailable
    if _unavailable is None:
        try:
            import PySide6.QtMultimedia  # noqa: F401
        except ImportError as exc:
            _unavailable = f"playback unavailable: {exc}"
        else:
            _unavailable = ""
    return _unavailable or None


class Player:
    """Plays one file; reports position (ms), duration (ms), playing state and video frames."""

    def __init__(
        self,
        path: Path,
        on_change: Callable[[], None],
        on_frame: Callable[[Any], None] | None = None,
    ) -> None:
        from PySide6.QtCore import QUrl
        from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer

        self.player = QMediaPlayer()
        self.audio = QAudioOutput()
        self.player.setAudioOutput(self.audio)
        self.sink = None
        if on_frame is not None:
            from PySide6.QtMultimedia import QVideoSink

            self.sink = QVideoSink()
            self.player.setVideoOutput(self.sink)
            self.sink.videoFrameChanged.connect(on_frame)
        self.player.positionChanged.connect(lambda _p: on_change())
        self.player.durationChanged.connect(lambda _d: on_change())
        self.player.playbackStateChanged.connect(lambda _s: on_change())
        self.player.errorOccurred.connect(lambda *_a: on_change())
        self.player.setSource(QUrl.fromLocalFile(str(path)))

    @property
    def playing(self) -> bool:
        from PySide6.QtMultimedia import QMediaPlayer

        return self.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState

    @property
    def error(self) -> str:
        return self.player.errorString()

    def toggle(self) -> None:
        if self.playing:
            self.player.pause()
        else:
            self.player.play()

    def seek(self, fraction: float, duration_s: float) -> None:
        duration = self.player.duration() or int(duration_s * 1000)
        self.player.setPosition(int(duration * fraction))

    def position_s(self) -> float:
        return self.player.position() / 1000

    def duration_s(self) -> float:
        return self.player.duration() / 1000

    def close(self) -> None:
        from PySide6.QtCore import QUrl

        self.player.stop()
        if self.sink is not None:
            self.sink.videoFrameChanged.disconnect()
        self.player.setSource(QUrl())
        self.player.deleteLater()
        self.audio.deleteLater()
