"""Decoding for previews, off the event loop: thumbnails, video poster frames, audio waveforms.

Results are small (a scaled QImage, a few hundred peaks) and cached by file digest, so a node
redrawn or rebuilt never decodes its media again.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage, QImageReader

from studio.gui.app import lower_thread_priority

_POOL = ThreadPoolExecutor(
    max_workers=2, thread_name_prefix="studio-preview", initializer=lower_thread_priority
)
_CACHE: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_CACHE_SIZE = 256


def load(
    key: tuple[Any, ...],
    function: Callable[..., Any],
    *args: Any,
    on_done: Callable[[Any], None],
    what: str,
    on_error: Callable[[str], None] | None = None,
    keep: bool = True,
) -> None:
    """Compute `function(*args)` in the preview pool (or take it from the cache), then `on_done`.

    A failure calls `on_error` (the preview shows it) and is also reported in the run log.
    `keep=False` for big results (a full-size image): they are not kept in the cache.
    """
    if key in _CACHE:
        _CACHE.move_to_end(key)
        on_done(_CACHE[key])
        return
    from studio.gui.app import spawn

    async def work() -> None:
        try:
            result = await asyncio.get_running_loop().run_in_executor(_POOL, function, *args)
        except Exception as exc:
            if on_error is not None:
                on_error(str(exc) or type(exc).__name__)
            raise
        if keep:
            _CACHE[key] = result
            while len(_CACHE) > _CACHE_SIZE:
                _CACHE.popitem(last=False)
        on_done(result)

    spawn(work(), what)


def thumbnail(path: Path, width: int, height: int) -> QImage:
    """An image scaled to fit width x height, decoded at that size (cheap for big images)."""
    reader = QImageReader(str(path))
    reader.setAutoTransform(True)
    size = reader.size()
    if size.isValid():
        reader.setScaledSize(size.scaled(QSize(width, height), Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    if image.isNull():
        raise ValueError(f"cannot read image {path.name}: {reader.errorString()}")
    return image


def full_image(path: Path) -> QImage:
    reader = QImageReader(str(path))
    reader.setAutoTransform(True)
    image = reader.read()
    if image.isNull():
        raise ValueError(f"cannot read image {path.name}: {reader.errorString()}")
    return image


def video_poster(path: Path, width: int, height: int) -> tuple[QImage, float]:
    """The first frame of a video (scaled to fit) and the video's duration in seconds."""
    import av
    import numpy as np

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        duration = (
            float(stream.duration * stream.time_base)
            if stream.duration and stream.time_base
            else (container.duration / 1_000_000 if container.duration else 0.0)
        )
        for frame in container.decode(stream):
            scale = min(width / frame.width, height / frame.height)
            w, h = max(2, int(frame.width * scale)), max(2, int(frame.height * scale))
            # PyAV pads rows; QImage needs one contiguous buffer.
            rgb = np.ascontiguousarray(
                frame.reformat(width=w, height=h, format="rgb24").to_ndarray()
            )
            image = QImage(rgb.data, w, h, rgb.strides[0], QImage.Format.Format_RGB888).copy()
            return image, duration
    raise ValueError(f"{path.name} has no video frames")


def waveform(path: Path, buckets: int) -> tuple[list[float], float]:
    """Peak amplitude (0..1) of each of `buckets` slices of the audio, and its duration in s."""
    import av
    import numpy as np

    rate = 8000
    chunks = []
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
        for frame in container.decode(stream):
            for out in resampler.resample(frame):
                chunks.append(out.to_ndarray().reshape(-1))
        for out in resampler.resample(None):
            chunks.append(out.to_ndarray().reshape(-1))
    samples = np.concatenate(chunks) if chunks else np.zeros(1, dtype=np.float32)
    duration = len(samples) / rate
    usable = len(samples) - len(samples) % buckets if len(samples) >= buckets else 0
    if usable:
        peaks = np.abs(samples[:usable]).reshape(buckets, -1).max(axis=1)
    else:
        peaks = np.resize(np.abs(samples), buckets)
    top = float(peaks.max()) or 1.0
    return [float(p) / top for p in peaks], duration
