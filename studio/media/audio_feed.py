"""A movie's sound, encoded in step with its pictures: AAC for MP4, Opus for WebM and Matroska.

`AudioFeeder` takes the soundtrack from a file, an array or an iterator of chunks and encodes it
into one audio stream of an output container, sample by sample up to the point the caller asks
for, so audio stays interleaved with video while the file is written and the muxer never buffers
minutes of one stream. The sound is cut or padded with silence to exactly the length asked for:
a film's sound ends with its last frame, to the sample.
"""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from studio.media.errors import MediaError

if TYPE_CHECKING:
    import numpy as np
    from av.audio.stream import AudioStream

AUDIO_RATE = 48000
AUDIO_CHANNELS = 2


class AudioFeeder:
    """Encode a soundtrack into `container` (AAC in MP4, else Opus) as far as `feed(until)` asks."""

    def __init__(
        self,
        container: Any,
        *,
        format: str,
        kbps: int,
        aac_coder: str,
        audio: Path | np.ndarray | Iterator[np.ndarray],
        audio_rate: int = AUDIO_RATE,
    ) -> None:
        codec: Literal["aac", "libopus"] = "aac" if format == "mp4" else "libopus"
        stream: AudioStream = container.add_stream(codec, rate=AUDIO_RATE)
        stream.layout = "stereo"
        stream.bit_rate = kbps * 1000
        if codec == "aac":
            stream.options = {"aac_coder": aac_coder}
        self.stream = stream
        self._container = container
        self._source: Iterator[np.ndarray] | None = audio_chunks(audio, audio_rate)
        self._pending: np.ndarray | None = None
        self.samples = 0  # samples already sent to the encoder

    def feed(self, until: int) -> None:
        """Encode the sound up to sample `until` (silence where the soundtrack has ended)."""
        import av
        import numpy as np

        while self.samples < until:
            chunk = self._pending
            self._pending = None
            if chunk is None:
                chunk = next(self._source, None) if self._source else None
            if chunk is None:  # the soundtrack is shorter than the video: pad with silence
                chunk = np.zeros((AUDIO_CHANNELS, min(until - self.samples, 4096)), np.float32)
                self._source = None
            need = until - self.samples
            if chunk.shape[1] > need:
                chunk, self._pending = chunk[:, :need], chunk[:, need:]
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(chunk), format="fltp", layout="stereo"
            )
            frame.sample_rate = AUDIO_RATE
            frame.pts = self.samples
            frame.time_base = Fraction(1, AUDIO_RATE)
            self._container.mux(self.stream.encode(frame))
            self.samples += chunk.shape[1]

    def finish(self, until: int) -> None:
        """Encode up to sample `until`, drop the rest of the soundtrack and flush the encoder."""
        self.feed(until)
        self._container.mux(self.stream.encode(None))
        self._source = self._pending = None


def samples_at(frames: int, fps: Fraction) -> int:
    """The sample where video frame `frames` begins (frame-exact: rounded to the nearest)."""
    return round(frames / fps * AUDIO_RATE)


def audio_chunks(
    audio: Path | np.ndarray | Iterator[np.ndarray], rate: int = AUDIO_RATE
) -> Iterator[np.ndarray]:
    """Planar float32 stereo chunks (2, n) at 48 kHz, read lazily from a file or an array, or
    taken as they come from an iterator of such chunks (a caller that decodes in its own way)."""
    import numpy as np

    if isinstance(audio, (str, Path)):
        yield from _decode_audio_chunks(Path(audio))
        return
    if isinstance(audio, Iterator):
        yield from audio
        return
    samples = np.asarray(audio, np.float32)
    if samples.ndim == 1:
        samples = samples[:, None]
    if samples.shape[1] == 1:
        samples = np.repeat(samples, 2, axis=1)
    samples = samples[:, :2]
    if rate != AUDIO_RATE:
        samples = _resample_linear(samples, rate, AUDIO_RATE)
    for start in range(0, len(samples), 48000):
        yield np.ascontiguousarray(samples[start : start + 48000].T)


def _resample_linear(samples: np.ndarray, src: int, dst: int) -> np.ndarray:
    import numpy as np

    n_out = round(len(samples) * dst / src)
    positions = np.arange(n_out) * (src / dst)
    idx = np.arange(len(samples))
    return np.stack(
        [np.interp(positions, idx, samples[:, c]) for c in range(samples.shape[1])], axis=1
    ).astype(np.float32)


def _decode_audio_chunks(path: Path) -> Iterator[np.ndarray]:
    import av

    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError) as exc:
        raise MediaError(f"cannot read the soundtrack {path.name}: {exc}") from None
    with container:
        if not container.streams.audio:
            raise MediaError(f"{path.name} has no audio stream")
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="fltp", layout="stereo", rate=AUDIO_RATE)
        try:
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    yield out.to_ndarray()
            for out in resampler.resample(None):
                yield out.to_ndarray()
        except av.error.FFmpegError as exc:
            raise MediaError(f"cannot decode the soundtrack {path.name}: {exc}") from None


class AudioCopier:
    """Copy an encoded sound's packets (AAC in an .m4a, Opus in a .webm) into `container` in
    step with its video.

    The sound was encoded once, whole (`encode_sound`); copying its packets costs no encoding and
    changes no sample, so the delivered sound is the very one measured when it was made.
    """

    def __init__(self, container: Any, source: Path) -> None:
        import av

        self._source = av.open(str(source))
        try:
            stream = self._source.streams.audio[0]
        except IndexError:
            self._source.close()
            raise MediaError(f"{Path(source).name} has no sound to copy") from None
        base = stream.time_base
        if base is None:
            self._source.close()
            raise MediaError(f"{Path(source).name} does not say its time base")
        self._base = Fraction(base)
        self._container = container
        self.stream = container.add_stream_from_template(stream)
        self._packets = self._source.demux(stream)
        self._pending: Any = None

    def feed(self, until: float) -> None:
        """Copy the packets that start before `until` seconds."""
        while True:
            packet = self._pending if self._pending is not None else next(self._packets, None)
            self._pending = None
            if packet is None:
                return
            if packet.dts is None or packet.pts is None:  # the end-of-stream marker
                continue
            if packet.pts * self._base >= until:
                self._pending = packet
                return
            packet.stream = self.stream
            self._container.mux(packet)

    def finish(self) -> None:
        """Copy the rest and close the source."""
        self.feed(float("inf"))
        self._source.close()

    def close(self) -> None:
        self._source.close()


def encode_sound(
    wav: Path, out: Path, *, samples: int, kbps: int, aac_coder: str, format: str = "mp4"
) -> Path:
    """Encode a soundtrack exactly `samples` long, atomically: AAC in an audio-only MP4, or
    Opus in an audio-only WebM for `format="webm"`."""
    import os

    import av

    from studio.media.encode import temp_path_beside

    out = Path(out)
    tmp = temp_path_beside(out)
    try:
        with av.open(str(tmp), "w", format=format) as container:
            feeder = AudioFeeder(
                container, format=format, kbps=kbps, aac_coder=aac_coder, audio=Path(wav)
            )
            feeder.finish(samples)
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return out
