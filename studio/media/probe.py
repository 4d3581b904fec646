"""What a media file is, told from its first bytes and its header, without decoding it whole.

- `open_av(path)` opens a file with PyAV whatever encoding its tags are in, on any PyAV we support.
- `sniff(path)` names the container a file's first bytes announce ("an MP4/MOV file"), so a file
  that starts right but cannot be opened is called cut short or damaged, not unreadable junk.
- `probe_asset(path, kind)` checks an asset the way its load node will, from the header and at
  most one decoded frame: kind, decodable, size limits. `studio validate` runs it on every file a
  graph names, so a broken file is reported before a render starts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from studio.media.errors import MediaError, check_media_file

# The largest video frame a load will convert: DCI 8K (8192x4320) and its portrait form fit.
MAX_VIDEO_SIDE = 8192

# (offset, bytes, what the file says it is). Checked in order; the first match wins.
_SIGNATURES: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\x89PNG\r\n\x1a\n", "a PNG picture"),
    (0, b"\xff\xd8\xff", "a JPEG picture"),
    (0, b"GIF87a", "a GIF picture"),
    (0, b"GIF89a", "a GIF picture"),
    (0, b"II*\x00", "a TIFF picture"),
    (0, b"MM\x00*", "a TIFF picture"),
    (0, b"qoif", "a QOI picture"),
    (0, b"\x00\x00\x00\x0cjP  ", "a JPEG 2000 picture"),
    (0, b"\x1a\x45\xdf\xa3", "a Matroska/WebM file"),
    (0, b"OggS", "an Ogg file"),
    (0, b"fLaC", "a FLAC file"),
    (0, b"ID3", "an MP3 file"),
    (0, b"FLV\x01", "an FLV video"),
    (0, b"\x30\x26\xb2\x75\x8e\x66\xcf\x11", "a Windows Media file"),
    (0, b"\x00\x00\x01\xba", "an MPEG program stream"),
)
_RIFF_KINDS = {b"WAVE": "a WAV file", b"AVI ": "an AVI video", b"WEBP": "a WebP picture"}
_QUICKTIME_BOXES = (b"ftyp", b"moov", b"mdat", b"free", b"wide", b"skip")
_PICTURE_BRANDS = {b"avif": "an AVIF picture", b"avis": "an AVIF picture"}
_PICTURE_BRANDS.update(dict.fromkeys((b"heic", b"heix", b"mif1", b"msf1"), "a HEIF picture"))


def sniff(path: Path) -> str | None:
    """The kind of file the first bytes of `path` announce ("an MP4/MOV file"), or None.

    Pictures end in "picture", so a caller can tell them from sound and video containers.
    """
    try:
        with open(path, "rb") as handle:
            head = handle.read(32)
    except OSError:
        return None
    if head[:4] == b"RIFF" and head[8:12] in _RIFF_KINDS:
        return _RIFF_KINDS[head[8:12]]
    if head[4:8] in _QUICKTIME_BOXES:
        if head[4:8] == b"ftyp" and head[8:12] in _PICTURE_BRANDS:
            return _PICTURE_BRANDS[head[8:12]]
        return "an MP4/MOV file"
    for offset, magic, label in _SIGNATURES:
        if head[offset : offset + len(magic)] == magic:
            return label
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        return "an MP3/AAC file"  # an MPEG audio frame's 11-bit sync word
    return None


def unreadable(path: Path, what: str) -> MediaError:
    """The error for a sound or video file FFmpeg could not open: cut short when its start is
    right for one."""
    started = sniff(path)
    if started is not None and not started.endswith("picture"):
        return MediaError(
            f"{path.name} is cut short or damaged: it starts like {started}, "
            "but the rest cannot be read"
        )
    return MediaError(f"{path.name} is not {what} this studio can read")


def open_av(path: Path) -> Any:
    """`av.open` for reading, tolerant of tags that are not UTF-8 on every PyAV we support.

    PyAV before 19 decodes tags strictly unless told `metadata_errors="ignore"` (a file with a
    Latin-1 title would not open); PyAV 19 removed that argument and always decodes tags with
    `surrogateescape`, which never fails.
    """
    import av

    if _strict_tags():
        return av.open(str(path), metadata_errors="ignore")
    return av.open(str(path))


def _strict_tags() -> bool:
    import av

    try:
        return int(av.__version__.split(".")[0]) < 19
    except ValueError:
        return False


# -- assets ----------------------------------------------------------------------------------------
KINDS = ("image", "video", "audio")


def probe_asset(path: Path, kind: str) -> None:
    """Raise MediaError with the reason, in user words, when `path` cannot be used as `kind`.

    Fast: headers, and one decoded frame or packet for sound and video; never a whole decode.
    What it refuses, the load node refuses too (the same checks and messages).
    """
    path = Path(path)
    if kind == "image":
        from studio.media.images import check_image_header

        check_image_header(path)  # refuses what load_image would (its 100-megapixel limit too)
    elif kind == "video":
        from studio.media.video_io import check_video_header

        check_video_header(path)
    elif kind == "audio":
        from studio.media.audio_io import check_audio_header

        check_audio_header(path)
    else:
        check_media_file(path, "a file")
