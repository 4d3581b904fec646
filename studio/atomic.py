"""Atomic file writes: a temp file in the same folder, fsync, rename. A crash leaves old or new."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO


@contextlib.contextmanager
def open_atomic(path: Path) -> Iterator[BinaryIO]:
    """A binary file to write that appears at `path` whole, only when the block ends normally.

    The file gets the mode a plain write would give it (mkstemp's temp file is private, 0600,
    which would keep a shared export or bundle from other users)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.chmod(tmp, _mode_for(path))
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)


def write_bytes_atomic(path: Path, data: bytes) -> None:
    with open_atomic(path) as handle:
        handle.write(data)


def give_plain_mode(tmp: Path, path: Path) -> None:
    """Give a finished temp file the mode a plain write of `path` would (for writers that
    manage their own temp file, like the streaming WAV writer)."""
    os.chmod(tmp, _mode_for(path))


def write_text_atomic(path: Path, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))


def move_atomic(src: Path, dst: Path) -> None:
    """Move a finished file into place; across file systems, copy to a temp file first."""
    src, dst = Path(src), Path(dst)
    try:
        os.replace(src, dst)
    except OSError:
        fd, tmp = tempfile.mkstemp(prefix=f".{dst.name}.", suffix=".tmp", dir=dst.parent)
        os.close(fd)
        try:
            shutil.copyfile(src, tmp)
            with open(tmp, "rb+") as handle:
                os.fsync(handle.fileno())
            os.replace(tmp, dst)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        src.unlink(missing_ok=True)
    fsync_dir(dst.parent)


def _current_umask() -> int:
    # Reading the umask means setting it; done once, at import, before worker threads exist.
    umask = os.umask(0)
    os.umask(umask)
    return umask


_UMASK = _current_umask()


def _mode_for(path: Path) -> int:
    """The existing file's mode, or what the umask gives a new file."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        return 0o666 & ~_UMASK


def fsync_dir(folder: Path) -> None:
    # Makes the rename itself durable; not possible on every platform, so best effort.
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
