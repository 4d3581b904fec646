"""The SHA-256 of a file, read in blocks so a large one never sits in memory: the one function
behind cache keys, segment and sound keys, library and project copies and voice checks."""

from __future__ import annotations

import hashlib
from pathlib import Path

BLOCK = 1 << 20


def file_sha256(path: Path) -> str:
    """The hex SHA-256 of `path`'s bytes (blocking: large files take a while)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(BLOCK):
            digest.update(block)
    return digest.hexdigest()
