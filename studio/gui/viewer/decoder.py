"""Video frames for the viewer, decoded with PyAV on a worker thread.

The window's thread only sends commands (show the frame at a time, step, play at a rate,
pause) and receives small finished QImages, already scaled to the picture's size. Playback is
paced by a `PlaybackClock` both threads read: the worker sleeps until each frame is due and
drops frames that are late, so a loaded machine shows fewer frames, never a frozen window.
Playing backwards (J) decodes the second before the playhead forwards and shows it reversed.
"""

from __future__ import annotations

import contextlib
import os
import queue
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QImage

REVERSE_CHUNK_S = 1.0  # played backwards a second at a time
CACHE_FRAMES = 48  # recent frames kept for stepping back without a seek
FORWARD_WITHOUT_SEEK_S = 2.0  # a target this close ahead is reached by decoding on
MAX_FRAME_GAP_S = 0.12  # while late, still show a frame this often so the picture moves
DECODER_NICENESS = 4


@dataclass(frozen=True)
class VideoInfo:
    width: int
    height: int
    fps: float
    duration: float  # seconds
    frames: int
    has_audio: bool
    codec: str


@dataclass(frozen=True)
class Frame:
    image: QImage
    index: int
    time: float  # seconds from the first frame
    serial: int  # the command it answers: older ones are dropped by the receiver
    last: bool  # the clip's final frame


class PlaybackClock:
    """Where playback is now, in clip seconds; read by the window and the decoder thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._base = 0.0
        self._origin: float | None = None
        self.rate = 1.0

    @property
    def running(self) -> bool:
        return self._origin is not None

    def start(self, position: float, rate: float = 1.0) -> None:
        with self._lock:
            self._base, self._origin, self.rate = position, time.monotonic(), rate

    def stop(self) -> float:
        with self._lock:
            self._base = self._now()
            self._origin = None
            return self._base

    def now(self) -> float:
        with self._lock:
            return self._now()

    def _now(self) -> float:
        if self._origin is None:
            return self._base
        return self._base + (time.monotonic() - self._origin) * self.rate

    def sync(self, position: float, tolerance: float = 0.08) -> None:
        """Follow another clock (the sound's) when it has drifted more than `tolerance` s."""
        if self.running and abs(self.now() - position) > tolerance:
            self.start(position, self.rate)


class _Relay(QObject):
    """The decoder's signals; it has no parent, so it lives as long as the thread needs it."""

    opened = Signal(object)  # VideoInfo
    frame_ready = Signal(object)  # Frame
    failed = Signal(str)
    ended = Signal(int)  # serial of the play command that reached an end
    finished = Signal()


_closing: set[Any] = set()  # decoders whose thread is still ending (kept alive until it has)


class VideoDecoder:
    """Decodes one file on its own thread. Connect to `signals` before calling `start`."""

    def __init__(self, path: Path, clock: PlaybackClock, size: tuple[int, int]) -> None:
        self.path = Path(path)
        self.clock = clock
        self.signals = _Relay()
        self.serial = 0
        self._commands: queue.Queue[tuple[Any, ...]] = queue.Queue()
        self._commands.put(("size", *size))
        self._thread = threading.Thread(
            target=self._work, name=f"studio-viewer {self.path.name}", daemon=True
        )

    def start(self) -> None:
        """Open the file and decode its first frame."""
        self.serial += 1
        self._commands.put(("show", 0.0, self.serial))
        self._thread.start()

    # -- commands (window's thread) ----------------------------------------------------------------
    def show_at(self, seconds: float) -> int:
        """Show the frame on screen at `seconds` (a still; playback stops)."""
        return self._send("show", max(0.0, seconds))

    def step(self, frames: int) -> int:
        return self._send("step", frames)

    def play(self, rate: float) -> int:
        """Play from the clock's position at `rate` (negative: backwards); start the clock first."""
        return self._send("play", rate)

    def pause(self) -> int:
        return self._send("pause")

    def set_size(self, width: int, height: int) -> None:
        self._commands.put(("size", width, height))

    def close(self) -> None:
        """Stop the thread; the file is closed by it. Never waits."""
        self._commands.put(("quit",))
        if self._thread.is_alive():
            _closing.add(self)
            self.signals.finished.connect(
                self._forget_when_done, Qt.ConnectionType.QueuedConnection
            )

    def _forget_when_done(self) -> None:
        if self._thread.is_alive():  # the last lines of the thread are still running
            QTimer.singleShot(50, self._forget_when_done)
        else:
            _closing.discard(self)

    def _send(self, *command: Any) -> int:
        self.serial += 1
        self._commands.put((*command, self.serial))
        return self.serial

    # -- the worker thread -------------------------------------------------------------------------
    def _work(self) -> None:
        # Between the window (0) and the render workers (10): at their niceness a busy machine
        # starved the decoder (a seek took seconds); at the window's it took the window's share.
        if sys.platform.startswith("linux"):
            with contextlib.suppress(OSError):
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), DECODER_NICENESS)
        try:
            _Worker(self).run()
        except Exception as exc:  # reported in the viewer, never a silent dead thread
            self.signals.failed.emit(f"{self.path.name}: {exc or type(exc).__name__}")
        finally:
            self.signals.finished.emit()


class _Worker:
    def __init__(self, decoder: VideoDecoder) -> None:
        self.decoder = decoder
        self.signals = decoder.signals
        self.clock = decoder.clock
        self.commands = decoder._commands
        self.pending: list[tuple[Any, ...]] = []
        self.size = (640, 360)
        self.serial = 0
        self.mode = "still"  # "still", "play" or "reverse"
        self.rate = 1.0
        self.position: float | None = None  # time of the frame last decoded
        self.shown_time = 0.0  # time of the frame last sent to the window
        self.held: Any = None  # a decoded frame waiting for its time while a command came in
        self.reverse: list[Frame] = []
        self.cache: OrderedDict[int, Frame] = OrderedDict()
        self.last_emit = 0.0
        self.frames: Iterator[Any] = iter(())

    def run(self) -> None:
        import av

        with av.open(str(self.decoder.path)) as container:
            if not container.streams.video:
                raise ValueError("has no video stream")
            stream = container.streams.video[0]
            self.container, self.stream = container, stream
            self.time_base = float(stream.time_base or 1 / 90_000)
            self.start = stream.start_time * self.time_base if stream.start_time else 0.0
            fps = float(stream.average_rate or stream.guessed_rate or 25)
            if stream.duration:
                duration = stream.duration * self.time_base
            elif container.duration:
                duration = container.duration / 1_000_000
            else:
                duration = 0.0
            frames = stream.frames or round(duration * fps)
            self.fps, self.duration, self.frame_count = fps, duration, frames
            self.signals.opened.emit(
                VideoInfo(
                    stream.codec_context.width,
                    stream.codec_context.height,
                    fps,
                    duration,
                    frames,
                    bool(container.streams.audio),
                    stream.codec_context.name,
                )
            )
            self.frames = container.decode(stream)
            while self._handle_commands():
                if self.mode == "play":
                    self._play_one()
                elif self.mode == "reverse":
                    self._reverse_one()

    # -- commands --------------------------------------------------------------------------------
    def _handle_commands(self) -> bool:
        """Take the waiting commands (waiting for one when still); False on quit."""
        commands = self.pending
        self.pending = []
        if not commands:
            try:
                timeout = None if self.mode == "still" else 0.0
                commands.append(self.commands.get(timeout=timeout))
            except queue.Empty:
                return True
        with contextlib.suppress(queue.Empty):
            while True:
                commands.append(self.commands.get_nowait())
        # Scrubbing sends many positions: only the last "show" counts, and the steps after it
        # (a held arrow key) add up into one.
        last_show = max((i for i, c in enumerate(commands) if c[0] == "show"), default=-1)
        steps = [i for i, c in enumerate(commands) if c[0] == "step" and i > last_show]
        resized = False
        for i, command in enumerate(commands):
            kind = command[0]
            if kind == "quit":
                return False
            if kind == "size":
                if (command[1], command[2]) != self.size:
                    self.size = (command[1], command[2])
                    self.cache.clear()
                    resized = True
                continue
            self.serial = command[-1]
            if (kind == "show" and i < last_show) or (kind == "step" and i not in steps[-1:]):
                continue  # a later position wins; earlier steps are added into the last one
            if kind == "step":
                command = ("step", sum(commands[j][1] for j in steps), command[-1])
            if kind == "show":
                self.mode, self.held, self.reverse = "still", None, []
                self._emit(self._decode_at(command[1]))
            elif kind == "step":
                self.mode, self.held, self.reverse = "still", None, []
                self._step(command[1])
            elif kind == "play":
                self.rate = command[1]
                self.mode = "play" if self.rate > 0 else "reverse"
                self.reverse = []
                if self.mode == "play" and self.held is None:
                    self._continue_after(self.shown_time)
                # From the frame shown, now that it is ready: a slow seek before it would
                # otherwise make every frame late (the sound, where it plays, corrects this).
                self.clock.start(self.shown_time, self.rate)
            elif kind == "pause":
                self.mode, self.held, self.reverse = "still", None, []
        moved = last_show >= 0 or bool(steps)
        if resized and self.mode == "still" and not moved and self.last_emit:
            self._emit(self._decode_at(self.shown_time))  # the same frame, sharp at the new size
        return True

    def _wait_until_due(self, at: float) -> bool:
        """Sleep until the clock reaches `at`; False when a command came first."""
        while True:
            ahead = (at - self.clock.now()) / self.rate  # rate < 0 when playing backwards
            if ahead <= 0.002:
                return True
            try:
                command = self.commands.get(timeout=min(ahead, 0.05))
            except queue.Empty:
                continue
            self.pending.append(command)
            return False

    # -- decoding --------------------------------------------------------------------------------
    def _next(self) -> Any:
        frame = next(self.frames, None)
        if frame is not None:
            self.position = self._time(frame)
        return frame

    def _time(self, frame: Any) -> float:
        return float(frame.time or 0.0) - self.start

    def _index(self, seconds: float) -> int:
        return max(0, round(seconds * self.fps))

    def _seek(self, seconds: float) -> None:
        target = int((seconds + self.start) / self.time_base)
        self.container.seek(target, stream=self.stream, backward=True)
        self.frames = self.container.decode(self.stream)
        self.position = None

    def _decode_at(self, seconds: float) -> Frame | None:
        """The frame on screen at `seconds`: the last one starting at or before it."""
        seconds = min(seconds, max(0.0, self.duration - 0.5 / self.fps))
        index = self._index(seconds)
        if index in self.cache:
            return self._replace_serial(self.cache[index])
        ahead = None if self.position is None else seconds - self.position
        if ahead is None or not 0 < ahead <= FORWARD_WITHOUT_SEEK_S:
            self._seek(seconds)
        half = 0.5 / self.fps
        previous = None
        while True:
            frame = self._next()
            if frame is None:
                return self._convert(previous, last=True) if previous is not None else None
            if self._time(frame) + half >= seconds:
                return self._convert(frame)
            previous = frame

    def _continue_after(self, seconds: float) -> None:
        """Make the next decoded frame the one after the frame at `seconds`."""
        half = 0.5 / self.fps
        if self.position is not None and abs(self.position - seconds) < half:
            return
        self._seek(seconds)
        while self.position is None or self.position + half < seconds:
            if self._next() is None:
                return

    def _step(self, frames: int) -> None:
        self._emit(self._decode_at(self.shown_time + frames / self.fps))

    def _play_one(self) -> None:
        frame = self.held if self.held is not None else self._next()
        self.held = None
        if frame is None:
            self.mode = "still"
            self.signals.ended.emit(self.serial)
            return
        at = self._time(frame)
        late = self.clock.now() - at > 1.0 / self.fps
        if late and time.monotonic() - self.last_emit < MAX_FRAME_GAP_S:
            return  # dropped: decoding is behind the clock
        if not self._wait_until_due(at):
            self.held = frame  # shown after the command, if still playing
            return
        self._emit(self._convert(frame))

    def _reverse_one(self) -> None:
        if not self.reverse:
            end = self.shown_time
            if end <= 0.0:
                self.mode = "still"
                self.signals.ended.emit(self.serial)
                return
            begin = max(0.0, end - REVERSE_CHUNK_S)
            self._seek(begin)
            chunk = []
            while True:
                frame = self._next()
                if frame is None or self._time(frame) >= end - 0.25 / self.fps:
                    break
                if self._time(frame) + 0.5 / self.fps >= begin:
                    chunk.append(self._convert(frame))
            if not chunk:
                self.mode = "still"
                self.signals.ended.emit(self.serial)
                return
            self.reverse = chunk
        frame = self.reverse[-1]
        late = frame.time - self.clock.now() > 1.0 / self.fps
        if late and time.monotonic() - self.last_emit < MAX_FRAME_GAP_S:
            self.reverse.pop()
            self.shown_time = frame.time
            return
        if not self._wait_until_due(frame.time):
            return
        self.reverse.pop()
        self._emit(frame)

    def _convert(self, frame: Any, last: bool = False) -> Frame:
        """Scale into the picture's box (never up) and make an image the window can paint."""
        import numpy as np

        box_w, box_h = self.size
        scale = min(1.0, box_w / frame.width, box_h / frame.height)
        width = int(frame.width * scale)
        if width < frame.width:  # rows of whole 64-byte blocks: FFmpeg adds no padding to them
            width = max(16, width - width % 16)
        height = max(2, round(width * frame.height / frame.width) & ~1)
        pixels = frame.to_ndarray(width=width, height=height, format="bgra")
        # A row FFmpeg padded (an odd source width) leaves a strided view QImage cannot take.
        pixels = np.ascontiguousarray(pixels)
        image = QImage(
            pixels.data, width, height, pixels.strides[0], QImage.Format.Format_RGB32
        ).copy()
        seconds = self._time(frame)
        index = self._index(seconds)
        is_last = last or (self.frame_count > 0 and index >= self.frame_count - 1)
        result = Frame(image, index, seconds, self.serial, is_last)
        self.cache[index] = result
        self.cache.move_to_end(index)
        while len(self.cache) > CACHE_FRAMES:
            self.cache.popitem(last=False)
        return result

    def _replace_serial(self, frame: Frame) -> Frame:
        return Frame(frame.image, frame.index, frame.time, self.serial, frame.last)

    def _emit(self, frame: Frame | None) -> None:
        if frame is None:
            return
        if frame.serial != self.serial:
            frame = self._replace_serial(frame)
        self.shown_time = frame.time
        self.last_emit = time.monotonic()
        self.signals.frame_ready.emit(frame)
