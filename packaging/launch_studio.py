"""Entry script for the frozen app: the same `studio` command as the installed console script."""

from __future__ import annotations

import sys

from studio.cli import main

if __name__ == "__main__":
    sys.exit(main())
