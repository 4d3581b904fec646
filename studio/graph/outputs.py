"""Where a graph may write files: inside its own folder, or where the user chose in this session.

A graph file comes from anywhere (a bundle, a download), so the place it names for an export must
not reach outside its folder: an absolute or escaping output path read from a file is refused
before anything runs. A place the user picks now (`-o`, `--set`, the Export dialog, the inspector)
is marked as chosen and accepted. Saving or packing never writes the author's absolute paths: an
output inside the folder is stored relative, one outside is stored as its bare file name.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath, PureWindowsPath

from studio.graph.model import Graph

# Runtime meta ("_" keys are never read from or written to a file): output paths the user chose.
CHOSEN_KEY = "_chosen_outputs"


def choose_output(graph: Graph, value: str) -> None:
    """Mark an output path as chosen by the user in this session, so it may leave the folder."""
    chosen = graph.meta.setdefault(CHOSEN_KEY, set())
    chosen.add(value.strip())


def is_chosen(graph: Graph, value: str) -> bool:
    return value.strip() in graph.meta.get(CHOSEN_KEY, ())


def chosen_outputs(graph: Graph) -> set[str]:
    return set(graph.meta.get(CHOSEN_KEY, ()))


def _is_absolute(value: str) -> bool:
    # A Windows path in a file made on Windows is absolute wherever it is read.
    return (
        Path(value).expanduser().is_absolute()
        or PureWindowsPath(value).is_absolute()
        or value.startswith("~")
    )


def output_problem(graph: Graph, value: str, graph_dir: Path | None) -> str | None:
    """Why a node may not write to `value` (words for the user), or None when it may."""
    value = value.strip()
    if not value:
        return "choose where to write the file (the path is empty)"
    if is_chosen(graph, value):
        return None
    advice = "choose the file with -o (studio render) or in the Export dialog"
    if _is_absolute(value) and not _inside(Path(value).expanduser(), graph_dir):
        return (
            f"the graph names {value!r} as where to write, outside its own folder; "
            f"a graph may only write inside its folder: {advice}"
        )
    if graph_dir is None:
        return f"save the graph first, so {value!r} has a folder to be relative to, or {advice}"
    if not _inside(graph_dir / value, graph_dir):
        return f"{value!r} leaves the graph's folder; a graph may only write inside it: {advice}"
    return None


def _inside(path: Path, folder: Path | None) -> bool:
    if folder is None:
        return False
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def portable_output(value: str, folder: Path) -> tuple[str, str | None]:
    """What a saved graph or bundle holds for an output path, and a note when it changed.

    Inside the folder: the path relative to it. Elsewhere: the bare file name (the export goes
    next to the graph when it is opened elsewhere), so no author's folder or user name leaks.
    """
    text = value.strip()
    if not text or (not _is_absolute(text) and ".." not in PurePosixPath(text).parts):
        return text, None
    path = Path(text).expanduser()
    if path.is_absolute():
        try:
            return path.resolve().relative_to(folder.resolve()).as_posix(), None
        except ValueError:
            pass
    name = PureWindowsPath(text).name if "\\" in text else PurePosixPath(text).name
    return name, f"the export path {text!r} is outside the graph's folder; the file keeps {name!r}"


# -- a file that is already there -----------------------------------------------------------------
# The window never replaces an existing export without the user's word: before a run it asks
# Replace / Keep both / Cancel (studio/gui/replace_guard.py), and "Keep both" writes the next free
# numbered name. `studio render` replaces its output: its user named the file on the command line.


def output_file(value: str, graph_dir: Path | None, fmt: str | None) -> Path | None:
    """The file a node writes for its output path `value`, as the export nodes resolve it:
    relative to the graph's folder, with the format's extension when it has none.

    None when it cannot be known: no folder for a relative path, or a base name without an
    extension or format (the Versions node names its files from a base).
    """
    text = value.strip()
    if not text:
        return None
    path = Path(text).expanduser()
    if not path.is_absolute():
        if graph_dir is None:
            return None
        path = graph_dir / path
    if not path.suffix:
        if not fmt:
            return None
        path = path.with_suffix(f".{fmt}")
    return path


def numbered_file(path: Path) -> Path:
    """The first free name beside `path` that keeps both: lighthouse.mp4 -> lighthouse-2.mp4.

    A name that already ends in -N counts on from N (lighthouse-2.mp4 -> lighthouse-3.mp4).
    """
    stem, number = path.stem, 2
    head, dash, tail = stem.rpartition("-")
    if dash and head and tail.isdigit():
        stem, number = head, int(tail) + 1
    while True:
        candidate = path.with_name(f"{stem}-{number}{path.suffix}")
        if not candidate.exists():
            return candidate
        number += 1
