"""The studio's log file: what a user sends with a bug report.

Every CLI run and every start of the window appends to one rotating file, `studio.log` in the
user's log folder (`studio.paths.log_dir()`, `STUDIO_LOG_DIR` overrides it): the versions at
start-up, the command, each run with its node failures and warnings, provider errors and
unexpected exceptions with their traceback. `--debug` adds every node's start, finish and cache
hit, and library detail.

What never gets in: an API key (every line passes through `studio.providers.keys.redact`, which
knows every key this process has read) and more than a short excerpt of any text (each line is
cut at `MAX_LINE` characters, so a prompt shows its first words only).
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import platform
import shlex
import sys
from pathlib import Path
from typing import Any

LOG_FILE = "studio.log"
MAX_BYTES = 1_000_000  # one file; with its backups the log never passes ~5 MB
BACKUPS = 4
MAX_LINE = 240  # characters kept of one line of a record (prompts become an excerpt)
EXCERPT = 60  # characters kept of a quoted text
ARGUMENT = 120  # characters kept of one command-line argument (long enough for a path)
_FILE_HANDLER = "studio-log-file"
_STDERR_HANDLER = "studio-stderr"
# Libraries that log every request at INFO: their detail only with --debug.
_DEBUG_ONLY = ("httpx", "httpcore", "asyncio", "urllib3", "qasync", "websockets", "keyring")
# Libraries whose debug lines are noise (PIL's chunks) or the user's text (Piper's sentences).
_ALWAYS_QUIET = ("PIL", "piper")
# The run's story is printed by the CLI itself and shown by the GUI: on stderr it would repeat.
_FILE_ONLY = ("studio.run",)
# `log.error(..., extra=FILE_ONLY)`: for a message the caller prints itself in its own words.
FILE_ONLY = {"file_only": True}

log = logging.getLogger("studio")


def excerpt(text: str, limit: int = EXCERPT) -> str:
    """The start of `text` on one line, with how much was left out."""
    flat = " ".join(str(text).split())
    if len(flat) <= limit:
        return flat
    return f"{flat[:limit]}… (+{len(flat) - limit} chars)"


def log_file() -> Path:
    from studio.paths import log_dir

    return log_dir() / LOG_FILE


class RedactingFormatter(logging.Formatter):
    """Formats a record, then scrubs known keys and cuts every line to `MAX_LINE` characters."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        try:
            from studio.providers.keys import redact

            text = redact(text)
        except Exception:  # the log must still work when the providers cannot load
            pass
        return cut_lines(text)


def cut_lines(text: str) -> str:
    """`text` with every line cut to `MAX_LINE` characters (a prompt becomes its first words)."""
    return "\n".join(_cut(line) for line in text.split("\n"))


def _cut(line: str) -> str:
    if len(line) <= MAX_LINE:
        return line
    return f"{line[:MAX_LINE]}… (+{len(line) - MAX_LINE} chars)"


class _CurrentStderr(logging.StreamHandler):
    """Writes to whatever `sys.stderr` is now (tests and the GUI may replace it)."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


def setup(debug: bool = False, verbose: bool = False) -> Path | None:
    """Send the studio's logging to the rotating file (and warnings to stderr).

    Returns the log file's path, or None when it cannot be written (said once on stderr: the
    studio works without a log). Safe to call again: it replaces what it set up before.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() in (_FILE_HANDLER, _STDERR_HANDLER):
            root.removeHandler(handler)
            handler.close()
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    for name in _DEBUG_ONLY:
        logging.getLogger(name).setLevel(logging.DEBUG if debug else logging.WARNING)
    for name in _ALWAYS_QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)

    stderr = _CurrentStderr()
    stderr.set_name(_STDERR_HANDLER)
    stderr.setLevel(
        logging.DEBUG if debug and verbose else logging.INFO if verbose else logging.WARNING
    )
    stderr.setFormatter(RedactingFormatter("%(levelname)s %(name)s: %(message)s"))
    stderr.addFilter(
        lambda record: (
            not record.name.startswith(_FILE_ONLY) and not getattr(record, "file_only", False)
        )
    )
    root.addHandler(stderr)

    try:
        path = log_file()
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8"
        )
    except OSError as exc:
        print(
            f"note: no log file ({exc.strerror or exc}); the studio works without one",
            file=sys.stderr,
        )
        return None
    handler.set_name(_FILE_HANDLER)
    handler.setLevel(logging.DEBUG if debug else logging.INFO)
    handler.setFormatter(
        RedactingFormatter("%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s")
    )
    root.addHandler(handler)
    return path


def current_log_file() -> Path | None:
    """The file `setup` is writing to, or None."""
    for handler in logging.getLogger().handlers:
        if handler.get_name() == _FILE_HANDLER and isinstance(handler, logging.FileHandler):
            return Path(handler.baseFilename)
    return None


def log_start(what: str, argv: list[str], debug: bool = False) -> None:
    """The first lines of a CLI run or a window start: the command and the versions."""
    command = shlex.join(["studio", *(excerpt(arg, ARGUMENT) for arg in argv)])
    log.info("start %s: %s (debug %s)", what, command, "on" if debug else "off")
    log.info("versions: %s", "; ".join(f"{k} {v}" for k, v in versions().items()))


# -- versions -------------------------------------------------------------------------------------
def versions(load: bool = False) -> dict[str, str]:
    """Name -> version of the studio and what a bug report needs.

    With `load`, the libraries are imported for their runtime versions (Qt, FFmpeg): about a
    second. Without, versions come from installed metadata or already imported modules, which
    costs nothing (the start-up line of every CLI run).
    """
    from studio import __version__

    found = {
        "studio": __version__ + (" (bundle)" if getattr(sys, "frozen", False) else ""),
        "Python": f"{platform.python_version()} ({platform.python_implementation()}, "
        f"{platform.system()} {platform.release()} {platform.machine()})",
        "Qt": _qt_version(load),
        "PyAV": _av_version(load),
        "onnxruntime": _module_version("onnxruntime", "onnxruntime", load),
    }
    return found


def versions_text() -> str:
    """What `studio --version` prints: one line per component."""
    found = versions(load=True)
    lines = [f"studio {found.pop('studio')}"]
    lines += [f"{name} {version}" for name, version in found.items()]
    return "\n".join(lines)


def _module_version(module: str, distribution: str, load: bool) -> str:
    loaded = sys.modules.get(module)
    if loaded is None and load:
        try:
            import importlib

            loaded = importlib.import_module(module)
        except Exception as exc:  # a broken install is exactly what a report must show
            return f"not available ({type(exc).__name__}: {excerpt(str(exc))})"
    if loaded is not None and getattr(loaded, "__version__", None):
        return str(loaded.__version__)
    try:
        from importlib import metadata

        return metadata.version(distribution)
    except Exception:
        return "unknown"


def _qt_version(load: bool) -> str:
    pyside = _module_version("PySide6", "PySide6-Essentials", load)
    if "PySide6.QtCore" in sys.modules or load:
        try:
            from PySide6 import QtCore

            return f"{QtCore.qVersion()} (PySide6 {pyside})"
        except Exception as exc:
            return f"not available ({type(exc).__name__}: {excerpt(str(exc))})"
    return f"(not loaded; PySide6 {pyside})"


def _av_version(load: bool) -> str:
    version = _module_version("av", "av", load)
    av = sys.modules.get("av")
    ffmpeg = getattr(av, "ffmpeg_version_info", None) if av is not None else None
    return f"{version} (FFmpeg {ffmpeg})" if ffmpeg else version


# -- runs -----------------------------------------------------------------------------------------
class RunLogger:
    """An executor event sink that writes each run's story to the log.

    Always: the run's start, every failed node with its reason, every warning, the result.
    With --debug: every node's start, finish (seconds, provider, model) and cache hit.
    """

    def __init__(self) -> None:
        self._log = logging.getLogger("studio.run")

    def __call__(self, event: Any) -> None:
        kind = getattr(event, "kind", "")
        run = str(getattr(event, "run_id", ""))[:12]
        node = getattr(event, "node", "")
        if kind == "run_started":
            graph = event.graph or "the window's graph"
            self._log.info("run %s started: %s (%d nodes)", run, graph, len(event.nodes))
        elif kind == "failed":
            if event.upstream:
                self._log.info("run %s: %s skipped (%s failed)", run, node, event.upstream)
            else:
                self._log.error("run %s: node %s failed: %s", run, node, excerpt(event.error, 400))
        elif kind == "warning":
            self._log.warning("run %s: node %s: %s", run, node, excerpt(event.message, 400))
        elif kind == "cancelled":
            self._log.info("run %s: %s cancelled", run, node)
        elif kind == "run_finished":
            level = logging.INFO if event.status == "succeeded" else logging.WARNING
            failed = f", failed: {', '.join(sorted(event.failures))}" if event.failures else ""
            self._log.log(
                level,
                "run %s %s in %.1f s: %d ran, %d from the cache%s",
                run,
                event.status,
                event.seconds,
                event.executed,
                event.cached,
                failed,
            )
        elif self._log.isEnabledFor(logging.DEBUG):
            self._debug(kind, run, node, event)

    def _debug(self, kind: str, run: str, node: str, event: Any) -> None:
        if kind == "started":
            self._log.debug("run %s: %s started", run, node)
        elif kind in ("finished", "cached"):
            provenance = getattr(event, "provenance", {}) or {}
            source = " ".join(
                f"{key}={excerpt(str(provenance[key]), 40)}"
                for key in ("provider", "model", "engine")
                if provenance.get(key)
            )
            took = f" in {event.seconds:.2f} s" if kind == "finished" else " from the cache"
            self._log.debug("run %s: %s %s%s %s", run, node, kind, took, source)


def environment_summary() -> str:
    """Display-related environment for the log of a window start (never anything secret)."""
    names = ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY", "XDG_SESSION_TYPE", "DESKTOP_SESSION")
    return ", ".join(f"{name}={os.environ.get(name, '')!r}" for name in names)
