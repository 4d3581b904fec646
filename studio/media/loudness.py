"""Loudness by the standard: ITU-R BS.1770-4 / EBU R 128, measured by FFmpeg's `ebur128` filter.

The measuring is FFmpeg's (the filter PyAV bundles, run in a PyAV filter graph): K-weighting,
400 ms blocks overlapping by 75 %, the -70 LUFS absolute and -10 LU relative gates, channels
summed with their BS.1770 weights, and the true peak from 4x oversampling (192 kHz). The filter
keeps histograms, not the signal, so a meter fed block by block stays flat in memory however long
the programme (a 10-minute stereo track held whole as float64 would be 460 MB).

Deliveries name their targets: online video -14 LUFS, podcasts -16 LUFS, broadcast -23 LUFS
(EBU R 128), each with peaks at most -1 dBTP.

Limits of the filter, kept honest here: it reports peaks as linear values with three decimals
(0.01 dB near full scale, coarser for very quiet signals), and programmes shorter than one 400 ms
block, or silent ones, have no integrated loudness (`integrated` is None).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studio.media.errors import MediaError

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class DeliveryTarget:
    """Where a programme goes, and the loudness and peak ceiling that delivery expects."""

    name: str
    lufs: float
    max_true_peak: float  # dBTP


DELIVERY_TARGETS: dict[str, DeliveryTarget] = {
    target.name: target
    for target in (
        DeliveryTarget("online_video", -14.0, -1.0),  # YouTube, social video
        DeliveryTarget("podcast", -16.0, -1.0),
        DeliveryTarget("broadcast", -23.0, -1.0),  # EBU R 128
    )
}
DEFAULT_DELIVERY = "online_video"
# The filter's integrated value when no block passed the absolute gate (silence, or under 0.4 s).
_NOTHING_MEASURED = -70.0


def delivery_target(name: str) -> DeliveryTarget:
    """The named delivery target, or a MediaError listing the known names."""
    try:
        return DELIVERY_TARGETS[name]
    except KeyError:
        known = ", ".join(DELIVERY_TARGETS)
        raise MediaError(f"unknown loudness target {name!r} (known: {known})") from None


@dataclass(frozen=True)
class Loudness:
    """What a BS.1770 meter read over a whole programme."""

    integrated: float | None  # LUFS; None: silent or shorter than one 400 ms block
    true_peak: float | None  # dBTP; None when not measured (or silent)
    sample_peak: float | None  # dBFS; None when silent
    loudness_range: float  # LU (EBU Tech 3342)
    seconds: float

    def as_meta(self) -> dict[str, Any]:
        """Rounded figures for artifact metadata and provenance (None where nothing was read)."""
        return {
            "integrated_lufs": _rounded(self.integrated),
            "true_peak_dbtp": _rounded(self.true_peak),
            "sample_peak_dbfs": _rounded(self.sample_peak),
            "loudness_range_lu": round(self.loudness_range, 1),
        }

    def describe(self) -> str:
        """One line for a log: 'loudness -14.0 LUFS integrated, true peak -1.6 dBTP, ...'."""
        if self.integrated is None:
            return f"loudness: nothing to measure ({self.seconds:.1f} s of silence or too short)"
        parts = [f"loudness {self.integrated:.1f} LUFS integrated"]
        if self.true_peak is not None:
            parts.append(f"true peak {self.true_peak:.1f} dBTP")
        parts.append(f"loudness range {self.loudness_range:.1f} LU")
        return ", ".join(parts)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _to_db(linear: float) -> float | None:
    return 20.0 * math.log10(linear) if linear > 0.0 else None


class LoudnessMeter:
    """A BS.1770-4 / EBU R 128 meter fed block by block; `result()` reads the whole programme.

        meter = LoudnessMeter(48000, 2, true_peak=True)
        for block in blocks:            # float32 (frames, channels)
            meter.add(block)
        loudness = meter.result()

    True peak costs about eight times the rest (4x oversampling); ask for it where it is reported.
    """

    def __init__(self, sample_rate: int = 48000, channels: int = 2, *, true_peak: bool = False):
        import av

        if channels not in (1, 2):
            raise MediaError(f"the loudness meter takes 1 or 2 channels, not {channels}")
        self.sample_rate = int(sample_rate)
        self.channels = channels
        self.true_peak = true_peak
        self._layout = "mono" if channels == 1 else "stereo"
        self._graph = av.filter.Graph()
        source = self._graph.add_abuffer(
            format="flt",
            sample_rate=self.sample_rate,
            layout=self._layout,
            time_base=Fraction(1, self.sample_rate),
        )
        options = "metadata=1:framelog=quiet" + (":peak=true" if true_peak else "")
        meter = self._graph.add("ebur128", options)
        sink = self._graph.add("abuffersink")
        source.link_to(meter)
        meter.link_to(sink)
        self._graph.configure()
        self._frames = 0
        self._sample_peak = 0.0
        self._metadata: dict[str, str] = {}  # the running figures, as the filter last tagged them
        self._result: Loudness | None = None

    def add(self, samples: np.ndarray) -> None:
        """Feed float samples shaped (frames, channels) (or (frames,) for a mono meter)."""
        import av
        import numpy as np

        if self._result is not None:
            raise MediaError("the loudness meter has already given its result")
        block = np.ascontiguousarray(samples, dtype=np.float32).reshape(-1, self.channels)
        if len(block) == 0:
            return
        self._sample_peak = max(self._sample_peak, float(np.max(np.abs(block))))
        frame = av.AudioFrame.from_ndarray(block.reshape(1, -1), format="flt", layout=self._layout)
        frame.sample_rate = self.sample_rate
        frame.pts = self._frames
        frame.time_base = Fraction(1, self.sample_rate)
        self._frames += len(block)
        self._graph.push(frame)
        self._drain()

    def _drain(self) -> None:
        import av

        while True:
            try:
                frame = self._graph.pull()
            except (av.error.BlockingIOError, av.error.EOFError):
                return
            # The filter tags only frames in which a 100 ms step ends; keep the newest such.
            metadata = frame.metadata
            if metadata:
                self._metadata = metadata

    def result(self) -> Loudness:
        """Finish measuring and return the programme's figures (the meter takes no more)."""
        if self._result is not None:
            return self._result
        self._graph.push(None)
        self._drain()
        metadata = self._metadata
        integrated = float(metadata.get("lavfi.r128.I", _NOTHING_MEASURED))
        true_peak = None
        if self.true_peak and "lavfi.r128.true_peak" in metadata:
            true_peak = _to_db(float(metadata["lavfi.r128.true_peak"]))
        self._result = Loudness(
            integrated=integrated if integrated > _NOTHING_MEASURED else None,
            true_peak=true_peak,
            sample_peak=_to_db(self._sample_peak),
            loudness_range=float(metadata.get("lavfi.r128.LRA", 0.0)),
            seconds=self._frames / self.sample_rate,
        )
        return self._result


def measure_samples(
    samples: np.ndarray, sample_rate: int = 48000, *, true_peak: bool = False
) -> Loudness:
    """Measure in-memory samples, (frames, channels) with 1 or 2 channels, or mono (frames,)."""
    import numpy as np

    frames = np.asarray(samples, dtype=np.float32)
    channels = 1 if frames.ndim == 1 else frames.shape[1]
    meter = LoudnessMeter(sample_rate, channels, true_peak=true_peak)
    step = int(sample_rate)
    for start in range(0, len(frames), step):
        meter.add(frames[start : start + step])
    return meter.result()


def measure_file(
    path: Path, *, true_peak: bool = True, check: Callable[[], None] | None = None
) -> Loudness:
    """Measure the first audio stream of any file (an exported MP4 too), decoded block by block.

    It is measured at its own sample rate (true peak depends on it) and channel count; more than
    two channels are folded to stereo by FFmpeg's standard down-mix first.
    """
    from studio.media.audio_io import iter_audio

    rate, channels = _stream_format(Path(path))
    meter = LoudnessMeter(rate, channels, true_peak=true_peak)
    for block in iter_audio(Path(path), sample_rate=rate, channels=channels, check=check):
        meter.add(block)
    return meter.result()


def _stream_format(path: Path) -> tuple[int, int]:
    """(sample rate, 1 or 2 channels) of a file's first audio stream, read from its header."""
    from studio.media.audio_io import _open_audio

    container, stream = _open_audio(path)
    try:
        rate = stream.codec_context.sample_rate or 48000
        channels = 1 if stream.codec_context.channels == 1 else 2
    finally:
        container.close()
    return rate, channels
