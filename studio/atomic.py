"""Atomic file writes: a temp file in the same folder, fsync, rename. A crash leaves old or new."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_bytes_atomic(path: Path, data: bytes) -> None:
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            # mkstemp makes the file private (0600); give it the mode a plain write would.
            os.chmod(tmp, _mode_for(path))
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)


def write_text_atomic(path: Path, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))


def move_atomic(src: Path, dst: Path) -> None:
    """Move a finished file into place; across file systems, copy to a temp file first."""
    src, dst = Path(src), Path(dst)
    try:
        os.replace(src, dst)
    except OSError:
        import shutil

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
