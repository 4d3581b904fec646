"""Projects: an untitled graph gets a folder of its own from its first edit.

The folder sits under the projects folder (`studio.paths.projects_dir()`: "Multimodal Studio" in
the user's documents) and is named after the graph ("Untitled project", "Lighthouse explainer 2").
It is what the graph's relative paths mean before it is saved:
- a file picked with Browse or dropped from outside is copied into its `assets/` at once, and the
  graph holds the path relative to the folder ("assets/photo.png"), so the studio never has to say
  that a file the user picked "leaves the graph's folder";
- exports named by a relative path ("lighthouse.mp4") are written into it, never into the working
  directory or the install folder;
- Save As starts in it.
A bundled example or template is never edited where it is installed: opening one makes a copy in a
new project folder. The folder is made when something is first written into it, so a graph that
is dropped unsaved and never ran leaves no empty folder behind.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studio.digest import file_sha256
from studio.graph.model import Graph

if TYPE_CHECKING:
    from studio.gui.document import Document

UNTITLED = "Untitled project"
ASSETS = "assets"
SYNC_COPY_LIMIT = 8_000_000  # bytes copied on the spot; more is copied in the background
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def folder_name(title: str) -> str:
    """A folder name from a title: no path separators or characters Windows refuses."""
    name = _UNSAFE.sub(" ", title).strip(" .")
    return " ".join(name.split())[:60] or UNTITLED


def new_project_folder(title: str = UNTITLED, taken: set[Path] | None = None) -> Path:
    """A project folder that does not exist yet: "<title>", "<title> 2", ... (not created)."""
    from studio.paths import projects_dir

    root = projects_dir()
    base = folder_name(title)
    taken = taken or set()
    candidate, number = root / base, 1
    while candidate.exists() or candidate in taken:
        number += 1
        candidate = root / f"{base} {number}"
    return candidate


_reserved: set[Path] = set()  # folders handed out in this session, made or not yet


def start_project(document: Document, title: str = UNTITLED) -> Path:
    """Give an untitled document its project folder (once); returns the graph's folder."""
    if document.graph_dir is not None:
        return document.graph_dir
    folder = new_project_folder(title, _reserved)
    _reserved.add(folder)
    document.project_dir = folder
    document.path_changed.emit()  # the title bar names the project
    return folder


def follow_first_edit(document: Document) -> None:
    """From its first edit on, an untitled document is a project."""

    def edited(_index: int) -> None:
        if document.path is None and document.project_dir is None and document.is_modified:
            start_project(document)

    document.undo_stack.indexChanged.connect(edited)


def suggested_file(document: Document) -> Path:
    """Where Save As starts: the graph's own file, or a file named after its project folder."""
    if document.path is not None:
        return document.path
    from studio.graph.fileformat import SUFFIX

    folder = start_project(document)
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{folder.name}{SUFFIX}"


# -- copying files into the project -----------------------------------------------------------
def copy_into_assets(source: Path, folder: Path) -> str:
    """Copy `source` into `folder/assets/` (atomically) unless it is inside `folder` already;
    return its path relative to `folder`. The same file picked twice is copied once; another
    file of the same name gets a number ("photo-2.png"). Blocking: run it off the event loop."""
    from studio.media.export import copy_file_atomic

    source = Path(source).resolve()
    folder = Path(folder).resolve()
    try:
        return source.relative_to(folder).as_posix()
    except ValueError:
        pass
    if not source.is_file():
        raise FileNotFoundError(f"{source} does not exist (or is not a file)")
    assets = folder / ASSETS
    assets.mkdir(parents=True, exist_ok=True)
    target, number, wanted = assets / source.name, 1, None
    while target.exists():
        wanted = wanted or file_sha256(source)
        if target.stat().st_size == source.stat().st_size and file_sha256(target) == wanted:
            return target.relative_to(folder).as_posix()
        number += 1
        target = assets / f"{source.stem}-{number}{source.suffix}"
    copy_file_atomic(source, target)
    return target.relative_to(folder).as_posix()


async def adopt_files(document: Document, paths: list[Path]) -> list[str]:
    """The project-relative paths of `paths`, copied into the project in the background."""
    from studio.gui.app import in_background

    folder = start_project(document)
    return [await in_background(copy_into_assets, Path(p), folder) for p in paths]


def _size(paths: list[Path]) -> int:
    total = 0
    for path in paths:
        try:
            total += Path(path).stat().st_size
        except OSError:
            pass  # the copy says what is wrong with it
    return total


def adopt_then(window: Any, document: Document, paths: list[Path], then: Any) -> None:
    """Copy files into the project, then call `then(relative_paths)`. Small files are copied
    at once (a few milliseconds); bigger ones in the background, so the window never stalls.
    A file that cannot be copied is reported in words and nothing is changed."""
    from studio.gui.app import spawn

    def failed(exc: OSError) -> None:
        names = ", ".join(Path(p).name for p in paths)
        window.report_error(
            "Could not copy into the project",
            f"{names}: {exc.strerror or exc}. The graph was not changed.",
        )

    if _size(paths) <= SYNC_COPY_LIMIT:
        folder = start_project(document)
        try:
            relative = [copy_into_assets(Path(p), folder) for p in paths]
        except OSError as exc:
            failed(exc)
            return
        then(relative)
        return

    async def work() -> None:
        try:
            relative = await adopt_files(document, paths)
        except OSError as exc:
            failed(exc)
            return
        if window.document is document:  # the user may have moved on to another graph
            then(relative)
            window.show_message(f"Copied {len(paths)} file(s) into {document.graph_dir}")

    window.show_message(f"Copying {', '.join(Path(p).name for p in paths)} into the project…")
    spawn(work(), "copying files into the project")


def needs_copy(document: Document, value: Any) -> bool:
    """True for a file path from outside the graph's folder (it must be copied in)."""
    if not isinstance(value, str) or not value.strip():
        return False
    path = Path(value).expanduser()
    if not path.is_absolute():
        return False
    folder = document.graph_dir
    if folder is None:
        return True
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return True
    return False


# -- bundled graphs open as copies -------------------------------------------------------------
def is_bundled(path: Path) -> bool:
    """True for a graph shipped with the studio (examples, templates): never edited in place."""
    from studio.paths import resources_dir

    try:
        Path(path).resolve().relative_to(resources_dir().resolve())
    except ValueError:
        return False
    return True


def copy_as_project(
    source: Path, registry: Any, parent: Any = None, title: str = "", graph: Graph | None = None
) -> Document:
    """A new untitled document holding the graph of `source` (read here unless `graph` is it,
    read already), in a new project folder; the files it refers to (relative to `source`) are
    copied into that folder."""
    from studio.graph.fileformat import load_graph
    from studio.gui.document import Document

    if graph is None:
        graph = load_graph(Path(source))
    document = Document(registry, graph, None, parent)
    name = title or str(graph.meta.get("title") or "") or Path(source).stem.replace("_", " ")
    folder = start_project(document, name)
    for node in graph.nodes.values():
        for param in document.file_params(node):
            value = node.params.get(param)
            if isinstance(value, str) and value and not Path(value).is_absolute():
                asset = (Path(source).parent / value).resolve()
                target = (folder / value).resolve()
                if asset.is_file() and target.is_relative_to(folder.resolve()):
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(asset, target)
    return document


def open_copy(window: Any, source: Path, title: str = "") -> bool:
    """Open a bundled graph (example or template) as a new untitled project: a copy, so the
    installed file is never edited and its exports never land in the install folder."""
    from studio.errors import StudioError

    try:
        document = copy_as_project(Path(source), window.registry, window, title)
    except (StudioError, OSError) as exc:
        window.report_error(f"Could not open {Path(source).name}", str(exc))
        return False
    window.set_document(document)
    window.show_message(
        f"Opened a copy of {Path(source).name} as a new project in {document.project_dir}"
    )
    return True


def add_dropped_files(window: Any, paths: list[Path], at: Any) -> None:
    """Files dropped from outside: copied into the project, then one load node each."""
    from studio.gui import editing
    from studio.gui.canvas.view import media_kind

    kinds = [media_kind(p) or "" for p in paths]
    missing = sorted({f"{k}.load" for k in kinds if k and not window.registry.get(f"{k}.load")})
    if missing:
        window.show_message("No node to load these files: " + ", ".join(missing))
    usable = [p for p, k in zip(paths, kinds, strict=True) if k and f"{k}.load" not in missing]
    if not usable:
        return
    document = window.document

    def add(relative: list[str]) -> None:
        files = [Path(r) for r in relative]
        created = editing.add_media_files(
            document, files, [media_kind(p) or "" for p in files], (at.x(), at.y())
        )
        window.scene.select_nodes(created)

    adopt_then(window, document, usable, add)
