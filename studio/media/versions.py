"""Versions of one piece: which format, language, container and loudness each one is delivered in.

A versions list is plain text, one version a line, its words in any order::

    16x9                      # 1920x1080, the piece's language, MP4, online loudness (-14 LUFS)
    9x16 fr                   # vertical, in French
    1x1 de webm podcast       # square, German, WebM, -16 LUFS
    720x1280 en gif           # a custom size

Formats: 16x9 (1920x1080), 9x16 (1080x1920), 1x1 (1080x1080), 4x5 (1080x1350), or WxH; "16:9"
is read as 16x9. Containers: mp4, webm, gif. Loudness: online (online_video, -14 LUFS), podcast
(-16), broadcast (-23, EBU R 128). Anything else on the line is the language (a code such as fr
or pt-br, or a name such as French). `#` starts a comment.

A version is named FORMAT.LANGUAGE (`9x16.fr`) and written as BASE.FORMAT.LANGUAGE.EXT beside
the base path (`piece.9x16.fr.mp4`), so its file name is predictable from the list alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from studio.media.containers import VIDEO_FORMATS

FORMATS: dict[str, tuple[int, int]] = {
    "16x9": (1920, 1080),
    "9x16": (1080, 1920),
    "1x1": (1080, 1080),
    "4x5": (1080, 1350),
}
CONTAINERS = VIDEO_FORMATS
LOUDNESS = {
    "online": "online_video",
    "online_video": "online_video",
    "podcast": "podcast",
    "broadcast": "broadcast",
    "ebu": "broadcast",
}
_CUSTOM = re.compile(r"^(\d{2,5})x(\d{2,5})$")
_RATIO = re.compile(r"^(\d{1,2})[:x](\d{1,2})$")


class VersionError(ValueError):
    """A versions list that cannot be read: the message names the line and the word."""


@dataclass(frozen=True)
class Version:
    """One deliverable: a frame size, a language, a container and a loudness target."""

    format: str  # "9x16", or "720x1280" for a custom size
    width: int
    height: int
    language: str  # a normalised code: "fr", "pt-br"
    container: str = "mp4"
    loudness: str = "online_video"  # a name in media.loudness.DELIVERY_TARGETS

    @property
    def name(self) -> str:
        """FORMAT.LANGUAGE, e.g. 9x16.fr (what --versions and the versions panel call it)."""
        return f"{self.format}.{self.language}"

    @property
    def full_name(self) -> str:
        """FORMAT.LANGUAGE.EXT, unique within a list."""
        return f"{self.name}.{self.container}"

    def path_for(self, base: str) -> str:
        """The version's file beside `base` (a path; its own extension, if any, is dropped)."""
        stem = strip_extension(base)
        return f"{stem}.{self.format}.{self.language}.{self.container}"


def strip_extension(base: str) -> str:
    """`out/piece.mp4` -> `out/piece`; a name without a video extension is kept whole."""
    text = base.strip()
    suffix = PurePosixPath(text.replace("\\", "/")).suffix.lower()
    return text[: -len(suffix)] if suffix in {f".{c}" for c in CONTAINERS} else text


def format_size(word: str) -> tuple[str, int, int] | None:
    """('9x16', 1080, 1920) for a format word, or None when the word is not a format."""
    text = word.strip().lower()
    ratio = _RATIO.match(text)
    if ratio:
        name = f"{int(ratio[1])}x{int(ratio[2])}"
        if name in FORMATS:
            return (name, *FORMATS[name])
    custom = _CUSTOM.match(text)
    if custom:
        width, height = int(custom[1]), int(custom[2])
        return (f"{width}x{height}", width, height)
    return None


def parse_versions(text: str, default_language: str = "en") -> list[Version]:
    """The versions of a list (see the module docstring); raises VersionError naming the line."""
    from studio.providers.translation import LanguageError, normalise_language

    try:
        source = normalise_language(default_language or "en")
    except LanguageError as exc:
        raise VersionError(f"the piece's language: {exc}") from None
    versions: list[Version] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].replace(",", " ").strip()
        if not line:
            continue
        size: tuple[str, int, int] | None = None
        language = container = loudness = None
        extra: list[str] = []
        for word in line.split():
            lower = word.lower()
            found = format_size(lower)
            if found is not None and size is None:
                size = found
            elif lower in CONTAINERS and container is None:
                container = lower
            elif lower in LOUDNESS and loudness is None:
                loudness = LOUDNESS[lower]
            else:
                extra.append(word)
        if size is None:
            raise VersionError(
                f"line {number} ({raw.strip()!r}) names no format: start it with 16x9, 9x16, "
                "1x1, 4x5 or a size such as 720x1280"
            )
        if len(extra) > 1:
            # A language name of several words ("Norwegian Bokmål") is one language.
            extra = [" ".join(extra)]
        if extra:
            try:
                language = normalise_language(extra[0])
            except LanguageError as exc:
                raise VersionError(f"line {number} ({raw.strip()!r}): {exc}") from None
        name, width, height = size
        if width % 2 or height % 2 or not (16 <= width <= 7680 and 16 <= height <= 7680):
            raise VersionError(
                f"line {number}: {width}x{height} is not a size a video can have (even sides, "
                "16 to 7680 pixels)"
            )
        version = Version(
            name, width, height, language or source, container or "mp4", loudness or "online_video"
        )
        if version.full_name in seen:
            raise VersionError(
                f"line {number} repeats line {seen[version.full_name]} ({version.full_name}): "
                "both would write the same file"
            )
        seen[version.full_name] = number
        versions.append(version)
    if not versions:
        raise VersionError("the versions list is empty: write one version a line, e.g. '9x16 fr'")
    return versions


def select_versions(versions: Sequence[Version], wanted: Iterable[str] | str) -> list[Version]:
    """The versions asked for: "all", or names (9x16.fr, or 9x16.fr.webm for one container).

    Raises VersionError naming an unknown name and the known ones.
    """
    names = [wanted] if isinstance(wanted, str) else list(wanted)
    names = [n.strip() for name in names for n in name.split(",") if n.strip()]
    if not names or names == ["all"]:
        return list(versions)
    chosen: list[Version] = []
    for name in names:
        matches = [v for v in versions if name.lower() in (v.name, v.full_name)]
        if not matches:
            known = ", ".join(dict.fromkeys(v.name for v in versions))
            raise VersionError(f"no version named {name!r} (the versions: {known}, or all)")
        chosen.extend(v for v in matches if v not in chosen)
    return [v for v in versions if v in chosen]  # in the list's order
