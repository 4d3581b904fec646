"""A streaming encoder: numpy frames (+ an optional soundtrack) in, an MP4, WebM or GIF file out.

Frames go straight to the encoder one at a time, so memory stays flat however long the video.
MP4 is H.264 yuv420p (libx264) + AAC 48 kHz stereo with `+faststart`; WebM is VP9 + Opus; GIF is
palette-quantised frames without sound.

Speed, measured on the studio's reference machine: PyAV matches the ffmpeg command line only when
the H.264 encoder runs with frame threads (`thread_type="FRAME"`; PyAV's default is slice threads)
and frames arrive already in yuv420p. So RGB frames are converted here with OpenCV's whole-frame
RGB->I420 conversion (BT.601, limited range, tagged as such), and the timeline hands over I420
frames directly.

The file is written under a temporary name beside the target and renamed into place only when it
is complete: the export path never holds a half-written file, also after an error or a cancel.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studio.atomic import fsync_dir
from studio.errors import Cancelled
from studio.media.audio_feed import AUDIO_CHANNELS, AUDIO_RATE, AudioFeeder, samples_at
from studio.media.containers import VIDEO_FORMATS
from studio.media.errors import MediaError

if TYPE_CHECKING:
    import numpy as np

FORMATS = VIDEO_FORMATS
__all__ = ["AUDIO_CHANNELS", "AUDIO_RATE"]  # re-exported: where callers have long found them


@dataclass(frozen=True)
class Quality:
    """Encoder settings for one quality preset."""

    h264_crf: int
    h264_preset: str
    vp9_crf: int
    vp9_speed: int  # libvpx cpu-used: higher is faster and coarser
    audio_kbps: int
    gif_width: int  # GIFs are large: they are scaled down to at most this width
    gif_fps: int
    # FFmpeg's AAC coders: "fast" needs 2.5x less CPU than the default "twoloop", and at these
    # bit rates a narration-over-music track sounds the same; "high" keeps the careful one.
    aac_coder: str = "fast"


QUALITY_PRESETS: dict[str, Quality] = {
    # 128 kb/s, not 96: at 96 the AAC encoder pushed a -1.5 dBFS mix to +1.2 dBFS (clipping).
    "draft": Quality(28, "superfast", 40, 8, 128, 360, 10),
    "standard": Quality(21, "veryfast", 33, 6, 160, 480, 12),
    "high": Quality(17, "medium", 26, 4, 256, 640, 15, aac_coder="twoloop"),
}


def quality_preset(name: str) -> Quality:
    try:
        return QUALITY_PRESETS[name]
    except KeyError:
        known = ", ".join(QUALITY_PRESETS)
        raise MediaError(f"unknown quality preset {name!r} (known: {known})") from None


def even_size(width: int, height: int) -> tuple[int, int, str | None]:
    """The nearest even size at or below (width, height), and a sentence when it had to change.

    H.264 and VP9 in 4:2:0 need even sides; 1921x1081 becomes 1920x1080.
    """
    if width < 2 or height < 2:
        raise MediaError(f"a video must be at least 2x2 pixels, got {width}x{height}")
    w, h = width - width % 2, height - height % 2
    if (w, h) == (width, height):
        return w, h, None
    return w, h, f"size {width}x{height} adjusted to {w}x{h} (video needs even sides)"


def rgb_to_i420(rgb: np.ndarray) -> np.ndarray:
    """An RGB uint8 frame (h, w, 3) with even sides -> an I420 frame (h*3/2, w), BT.601 limited."""
    import cv2

    return cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420)


def i420_planes(frame: np.ndarray, width: int, height: int) -> list[np.ndarray]:
    """Views (y, u, v) into a contiguous I420 array (height*3/2, width).

    The chroma planes are (height/2, width/2) each, stored one after the other; they are not
    whole rows of the array unless height is a multiple of 4, hence the flat slicing.
    """
    flat = frame.reshape(-1)
    luma, chroma = width * height, (width // 2) * (height // 2)
    return [
        flat[:luma].reshape(height, width),
        flat[luma : luma + chroma].reshape(height // 2, width // 2),
        flat[luma + chroma : luma + 2 * chroma].reshape(height // 2, width // 2),
    ]


def i420_to_rgb(yuv: np.ndarray) -> np.ndarray:
    """The inverse of `rgb_to_i420` (for previews and tests)."""
    import cv2

    return cv2.cvtColor(yuv, cv2.COLOR_YUV2RGB_I420)


def temp_path_beside(target: Path) -> Path:
    """A fresh, unused file name in the target's folder (same file system, so rename is atomic).

    The file is not created here: the muxer creates it, with the user's usual permissions
    (a `mkstemp` file would stay private to its owner after the rename).
    """
    import secrets

    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    while True:
        tmp = target.parent / f".{target.stem}.{secrets.token_hex(6)}.part{target.suffix}"
        if not tmp.exists():
            return tmp


def add_video_stream(
    container: Any,
    format: str,
    quality: Quality,
    fps: Fraction,
    width: int,
    height: int,
    *,
    forced_keyframes: bool = False,
) -> Any:
    """The video encoder stream of a container: H.264 (mp4), VP9 (webm) or GIF, at `quality`.

    With `forced_keyframes`, a frame marked `pict_type = I` starts a new closed GOP (an IDR
    frame for H.264): where an export's segments begin.
    """
    q = quality
    if format == "mp4":
        stream = container.add_stream("libx264", rate=fps)
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": str(q.h264_crf), "preset": q.h264_preset}
        if forced_keyframes:
            stream.options = {**stream.options, "forced-idr": "1"}
        stream.thread_type = "FRAME"  # x264 frame threads: see the module docstring
        stream.thread_count = 0
    elif format == "webm":
        stream = container.add_stream("libvpx-vp9", rate=fps)
        stream.pix_fmt = "yuv420p"
        stream.options = {
            "crf": str(q.vp9_crf),
            "b": "0",
            "deadline": "good",
            "cpu-used": str(q.vp9_speed),
            "row-mt": "1",
        }
        stream.thread_count = os.cpu_count() or 2
    else:
        stream = container.add_stream("gif", rate=fps)
        stream.pix_fmt = "pal8"
    stream.width, stream.height = width, height
    if format != "gif":
        tag_bt601(stream.codec_context)
    return stream


class VideoEncoder:
    """Encode frames one by one into `path`; `close()` finishes and renames into place.

    Use it as a context manager: an exception (a cancel too) inside the block removes the
    temporary file and leaves `path` untouched.

        with VideoEncoder(out, width=1280, height=720, fps=30, audio=wav) as enc:
            for frame in frames:
                enc.write(frame)          # RGB (h, w, 3) or I420 (h*3/2, w) uint8
    """

    def __init__(
        self,
        path: Path,
        *,
        width: int,
        height: int,
        fps: float | Fraction,
        format: str = "mp4",
        quality: str = "standard",
        audio: Path | np.ndarray | Iterator[np.ndarray] | None = None,
        audio_rate: int = AUDIO_RATE,
    ) -> None:
        import av

        if format not in FORMATS:
            raise MediaError(f"unknown video format {format!r} (known: {', '.join(FORMATS)})")
        if fps <= 0:
            raise MediaError(f"frame rate must be positive, got {fps}")
        self.path = Path(path)
        self.format = format
        self.quality = quality_preset(quality)
        self.fps = Fraction(fps).limit_denominator(1001)
        self.width, self.height, self.adjustment = even_size(int(width), int(height))
        self.frames_written = 0
        self._closed = False
        self._tmp = temp_path_beside(self.path)
        container_options = {"movflags": "+faststart"} if format == "mp4" else {}
        muxer = {"mp4": "mp4", "webm": "webm", "gif": "gif"}[format]
        try:
            self._container = av.open(
                str(self._tmp), "w", format=muxer, container_options=container_options
            )
            self._video = add_video_stream(
                self._container, self.format, self.quality, self.fps, self.width, self.height
            )
            self._audio: AudioFeeder | None = None
            if audio is not None and format != "gif":
                self._audio = AudioFeeder(
                    self._container,
                    format=format,
                    kbps=self.quality.audio_kbps,
                    aac_coder=self.quality.aac_coder,
                    audio=audio,
                    audio_rate=audio_rate,
                )
        except BaseException:
            self._discard()
            raise

    # -- writing --------------------------------------------------------------------------------
    def write(self, frame: np.ndarray) -> None:
        """Encode one frame: RGB (h, w, 3) uint8, or I420 (h*3/2, w) uint8 at the output size."""
        import av

        if self._closed:
            raise MediaError("the encoder is already closed")
        if frame.ndim == 3:
            frame = frame[: self.height, : self.width]
            if frame.shape[:2] != (self.height, self.width):
                raise MediaError(
                    f"frame is {frame.shape[1]}x{frame.shape[0]}, "
                    f"the video is {self.width}x{self.height}"
                )
            if self.format == "gif":
                video_frame = _gif_frame(frame)
            else:
                video_frame = av.VideoFrame.from_ndarray(rgb_to_i420(frame), format="yuv420p")
        else:
            if frame.shape != (self.height * 3 // 2, self.width):
                raise MediaError(
                    f"I420 frame has shape {frame.shape}, expected "
                    f"{(self.height * 3 // 2, self.width)}"
                )
            if self.format == "gif":
                video_frame = _gif_frame(i420_to_rgb(frame))
            else:
                video_frame = av.VideoFrame.from_ndarray(frame, format="yuv420p")
        video_frame.pts = self.frames_written
        video_frame.time_base = 1 / self.fps
        self._container.mux(self._video.encode(video_frame))
        self.frames_written += 1
        if self._audio is not None:
            # Keep audio interleaved with video so the file plays while it streams and the
            # muxer never has to buffer minutes of one stream.
            self._audio.feed(samples_at(self.frames_written, self.fps))

    def close(self) -> Path:
        """Flush the encoders, finish the file and move it to `path`. Returns `path`."""
        if self._closed:
            return self.path
        if self.frames_written == 0:
            self.abort()
            raise MediaError("no frames to encode: the video would be empty")
        try:
            self._container.mux(self._video.encode(None))
            if self._audio is not None:
                self._audio.finish(samples_at(self.frames_written, self.fps))
            self._container.close()
            with open(self._tmp, "rb+") as handle:
                os.fsync(handle.fileno())
            os.replace(self._tmp, self.path)
        except BaseException:
            self.abort()
            raise
        self._closed = True
        fsync_dir(self.path.parent)
        return self.path

    def abort(self) -> None:
        """Stop without producing a file: the temporary file goes, `path` is left as it was."""
        if self._closed:
            return
        self._closed = True
        self._discard()

    def _discard(self) -> None:
        container = getattr(self, "_container", None)
        if container is not None:
            with contextlib.suppress(Exception):
                container.close()
        with contextlib.suppress(OSError):
            os.unlink(self._tmp)

    def __enter__(self) -> VideoEncoder:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


class Prefetch:
    """Run a frame generator in a worker thread, a few frames ahead of the encoder.

    Frame making (OpenCV, numpy, decoding) and x264 both release the GIL, so while the encoder
    thread waits on x264 the next frames are already being made. Exceptions from the generator
    come out of `next()` in the consumer; `close()` stops the worker and closes the generator.
    """

    _END = object()

    def __init__(self, frames: Iterable[Any], depth: int = 4) -> None:
        import queue
        import threading

        self._queue: queue.Queue[tuple[Any, BaseException | None]] = queue.Queue(depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._work, args=(iter(frames),), name="frame-maker", daemon=True
        )
        self._thread.start()

    def _put(self, item: tuple[Any, BaseException | None]) -> bool:
        import queue

        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _work(self, frames: Iterator[Any]) -> None:
        try:
            for frame in frames:
                if not self._put((frame, None)):
                    return
            self._put((self._END, None))
        except BaseException as exc:  # handed to the consumer, raised there
            self._put((self._END, exc))
        finally:
            close = getattr(frames, "close", None)
            if close is not None:
                close()

    def __iter__(self) -> Prefetch:
        return self

    def __next__(self) -> Any:
        item, error = self._queue.get()
        if item is self._END:
            self._stop.set()
            if error is not None:
                raise error
            raise StopIteration
        return item

    def close(self) -> None:
        """Stop the worker (it finishes the frame in hand) and wait for it."""
        import queue

        self._stop.set()
        with contextlib.suppress(queue.Empty):
            while True:
                self._queue.get_nowait()
        self._thread.join()


def encode_frames(
    frames: Iterable[np.ndarray],
    path: Path,
    *,
    width: int,
    height: int,
    fps: float | Fraction,
    total_frames: int | None = None,
    format: str = "mp4",
    quality: str = "standard",
    audio: Path | np.ndarray | Iterator[np.ndarray] | None = None,
    progress: Callable[[float | None, str], Any] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Path:
    """Encode a stream of frames into `path` (atomically), with progress and cancellation."""
    ahead = Prefetch(frames)
    try:
        with VideoEncoder(
            path, width=width, height=height, fps=fps, format=format, quality=quality, audio=audio
        ) as encoder:
            for index, frame in enumerate(ahead):
                if should_stop is not None and should_stop():
                    raise Cancelled("cancelled")
                encoder.write(frame)
                if progress is not None and index % 10 == 0:
                    fraction = index / total_frames if total_frames else None
                    progress(fraction, "encoding")
    finally:
        ahead.close()
    if progress is not None:
        progress(1.0, "encoded")
    return Path(path)


# -- helpers ---------------------------------------------------------------------------------------
def tag_bt601(codec_context: Any) -> None:
    """Say in the stream what the pixels are: BT.601 matrix, limited range (OpenCV's I420).

    FFmpeg's own AVCOL_* numbers (PyAV's Colorspace enum holds swscale's, which differ).
    """
    codec_context.colorspace = 6  # AVCOL_SPC_SMPTE170M: the BT.601 matrix
    codec_context.color_range = 1  # AVCOL_RANGE_MPEG: limited, 16..235
    codec_context.color_primaries = 1  # AVCOL_PRI_BT709: sRGB content has BT.709 primaries
    codec_context.color_trc = 1  # AVCOL_TRC_BT709


def _gif_frame(rgb: np.ndarray) -> Any:
    """Quantise one RGB frame to its own 256-colour palette (GIF allows a palette per frame)."""
    import av
    import numpy as np
    from PIL import Image

    image = Image.fromarray(np.ascontiguousarray(rgb)).quantize(
        256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE
    )
    palette = np.zeros((256, 4), np.uint8)
    rgb_palette = np.frombuffer(bytes(image.getpalette() or []), np.uint8).reshape(-1, 3)[:256]
    palette[: len(rgb_palette), 1:] = rgb_palette
    palette[:, 0] = 255  # opaque
    # PyAV takes pal8 as (indices, palette); its stub only admits a single array.
    frame = (np.asarray(image), palette)
    return av.VideoFrame.from_ndarray(frame, format="pal8")  # type: ignore[arg-type]
