"""A QMediaPlayer made on first use (QtMultimedia is imported only when something plays)."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Slot

_unavailable: str | None = None
_now_playing: weakref.ref[Any] | None = None


def take_turn(player: Any) -> None:
    """`player` starts playing: the one that played before pauses (one plays at a time).

    Anything that plays (inline previews, the viewer) calls this first and has a
    `pause_playback()` method.
    """
    global _now_playing
    previous = _now_playing() if _now_playing is not None else None
    if previous is not None and previous is not player:
        try:
            previous.pause_playback()
        except RuntimeError:  # its Qt side is gone already: nothing plays there
            pass
    _now_playing = weakref.ref(player)


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


class Player(QObject):
    """Plays one file; reports position (ms), duration (ms), playing state and video frames.

    A QObject living on the window's thread: the player and the video sink signal from their
    own threads, so every connection here is queued to this thread (a direct call into Python
    from those threads could deadlock against the window's thread holding the GIL).
    """

    def __init__(
        self,
        path: Path,
        on_change: Callable[[], None],
        on_frame: Callable[[Any], None] | None = None,
    ) -> None:
        super().__init__()
        from PySide6.QtCore import QUrl
        from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer

        self._on_change, self._on_frame = on_change, on_frame
        self.player = QMediaPlayer(self)
        self.audio = QAudioOutput(self)
        self.player.setAudioOutput(self.audio)
        self.sink = None
        if on_frame is not None:
            from PySide6.QtMultimedia import QVideoSink

            self.sink = QVideoSink(self)
            self.player.setVideoOutput(self.sink)
            self.sink.videoFrameChanged.connect(self._frame, Qt.ConnectionType.QueuedConnection)
        for signal in (
            self.player.positionChanged,
            self.player.durationChanged,
            self.player.playbackStateChanged,
            self.player.errorOccurred,
        ):
            signal.connect(self._changed, Qt.ConnectionType.QueuedConnection)
        self.player.setSource(QUrl.fromLocalFile(str(path)))

    @Slot()
    def _changed(self, *_args: Any) -> None:
        self._on_change()

    @Slot(object)
    def _frame(self, frame: Any) -> None:
        if self._on_frame is not None:
            self._on_frame(frame)

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
            take_turn(self)
            self.player.play()

    def pause_playback(self) -> None:
        self.player.pause()

    def seek(self, fraction: float, duration_s: float) -> None:
        duration = self.player.duration() or int(duration_s * 1000)
        self.player.setPosition(int(duration * fraction))

    def position_s(self) -> float:
        return self.player.position() / 1000

    def duration_s(self) -> float:
        return self.player.duration() / 1000

    def close(self) -> None:
        """Stop playing and release the player (callbacks stop first)."""
        self._on_change, self._on_frame = (lambda: None), None
        self.player.stop()
        self.deleteLater()
