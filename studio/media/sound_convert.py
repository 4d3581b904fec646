"""A finished sound in another format, for an export: WAV, FLAC, MP3, Opus or M4A.

Decoded by `audio_io.iter_audio` (whatever the studio reads; a damaged stretch plays as silence)
and encoded by the FFmpeg inside PyAV's wheels: no ffmpeg program is looked for, and a format is
offered only where this machine's PyAV has its encoder (`sound_formats`). The sound keeps its
sample rate where the format takes it, and is mono or stereo (surround is mixed down). The file
appears at its target whole or not at all: it is written beside it and renamed when complete.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from studio.atomic import fsync_dir
from studio.media.errors import MediaError, stop_check

LOSSLESS_CODECS = ("pcm_", "flac", "alac", "wavpack", "tta", "ape")


@dataclass(frozen=True)
class SoundFormat:
    extension: str
    description: str
    muxer: str
    encoder: str
    sample_format: str
    kbps_per_channel: int = 0  # 0: lossless


# Bit rates as music tools set them for a master's lossy copy: MP3 at its 320 kb/s ceiling,
# AAC at 256 kb/s (iTunes Plus), Opus at 160 kb/s (transparent for stereo music).
FORMATS = (
    SoundFormat("wav", "WAV sound, 16-bit PCM", "wav", "pcm_s16le", "s16"),
    SoundFormat("flac", "FLAC sound, lossless", "flac", "flac", "s16"),
    SoundFormat("mp3", "MP3 sound, 320 kb/s", "mp3", "libmp3lame", "fltp", 160),
    SoundFormat("opus", "Opus sound in Ogg, 160 kb/s", "ogg", "libopus", "flt", 80),
    SoundFormat("m4a", "M4A sound, AAC 256 kb/s", "ipod", "aac", "fltp", 128),
)


@functools.lru_cache(maxsize=1)
def sound_formats() -> dict[str, str]:
    """extension -> description of the formats this machine's PyAV can write, in offer order."""
    import av

    available = set(av.codec.codecs_available)
    return {f.extension: f.description for f in FORMATS if _encodes(f.encoder, available)}


def _encodes(encoder: str, available: set[str]) -> bool:
    import av

    if encoder not in available:
        return False
    try:
        av.codec.Codec(encoder, "w")
    except Exception:  # a decoder of that name only, or a build without it
        return False
    return True


def convert_sound(
    source: Path,
    target: Path,
    fmt: str,
    *,
    progress: Callable[[float | None, str], Any] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> dict[str, Any]:
    """Write the sound of `source` to `target` as `fmt` (an extension of `sound_formats`),
    atomically. Returns path, codec, sample_rate, channels and seconds written. MediaError in
    user words for a bad source or a failed encode; Cancelled when `should_stop` says so; the
    target is untouched and no part file stays in either case."""
    from studio.media.audio_io import audio_header

    chosen = next((f for f in FORMATS if f.extension == fmt), None)
    if chosen is None or fmt not in sound_formats():
        known = ", ".join(sound_formats())
        raise MediaError(f"a sound cannot be written as {fmt!r} here (known: {known})")
    source, target = Path(source), Path(target)
    header = audio_header(source)
    channels = 1 if header["channels"] == 1 else 2
    rate = _rate(chosen.encoder, header["sample_rate"])
    sample_format = chosen.sample_format
    if chosen.extension == "flac" and _deeper_than_16_bits(header):
        sample_format = "s32"  # FFmpeg's FLAC encoder keeps 24 bits of it

    check = stop_check(should_stop)

    from studio.media.encode import temp_path_beside

    tmp = temp_path_beside(target)
    try:
        written = _encode(
            source, tmp, chosen, sample_format, rate, channels, header, check, progress
        )
        check()
        _commit(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return {
        "path": target,
        "codec": chosen.encoder,
        "sample_rate": rate,
        "channels": channels,
        "seconds": written / rate,
    }


def _encode(
    source: Path,
    tmp: Path,
    chosen: SoundFormat,
    sample_format: str,
    rate: int,
    channels: int,
    header: dict[str, Any],
    check: Callable[[], None],
    progress: Callable[[float | None, str], Any] | None,
) -> int:
    """Decode `source` chunk by chunk into `tmp`; the number of samples per channel written."""
    import av

    from studio.media.audio_io import iter_audio

    layout = "mono" if channels == 1 else "stereo"
    expected = header["claimed_seconds"] * rate
    options = {"movflags": "+faststart"} if chosen.muxer == "ipod" else {}
    written = 0
    try:
        with av.open(str(tmp), "w", format=chosen.muxer, options=options) as out:
            stream: Any = out.add_stream(chosen.encoder, rate=rate)
            stream.layout = layout
            stream.format = sample_format
            if chosen.kbps_per_channel:
                stream.bit_rate = chosen.kbps_per_channel * channels * 1000
            for chunk in iter_audio(source, sample_rate=rate, channels=channels, check=check):
                check()
                frame = av.AudioFrame.from_ndarray(
                    chunk.reshape(1, -1), format="flt", layout=layout
                )
                frame.sample_rate = rate
                frame.pts = written
                frame.time_base = Fraction(1, rate)
                out.mux(stream.encode(frame))
                written += len(chunk)
                if progress is not None:
                    progress(min(1.0, written / expected) if expected else None, "converting")
            if not written:
                raise MediaError(f"{source.name} has no sound in it (0 seconds)")
            out.mux(stream.encode(None))
    except av.FFmpegError as exc:
        raise MediaError(f"could not write the {chosen.extension.upper()} file: {exc}") from None
    return written


def _rate(encoder: str, source_rate: int) -> int:
    """The source's rate where the encoder takes it, else 48 kHz (which every encoder takes)."""
    import av

    rates = av.codec.Codec(encoder, "w").audio_rates
    if source_rate and (not rates or source_rate in rates):
        return source_rate
    return 48000


def _deeper_than_16_bits(header: dict[str, Any]) -> bool:
    """A lossless source with more than 16 bits (24-bit or float WAV, 24-bit FLAC)."""
    return header["codec"].startswith(LOSSLESS_CODECS) and header["sample_bytes"] > 2


def _commit(tmp: Path, target: Path) -> None:
    """The finished part file, flushed to disk, renamed over the target."""
    with open(tmp, "rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, target)
    fsync_dir(target.parent)
