"""The user's component library: one JSON file per published component, in a platformdirs folder.

A library file holds the definition (with its version) and the definitions it uses, so it is
complete on its own. A graph that uses a library component keeps a copy of it, with its library
name and version, so it opens and runs on a machine without the library; when the library holds
a newer version, `outdated` lists it and `updated_copy` gives the definitions to swap in.

Files a component's nodes use (a logo, a music bed) travel with it: publishing copies each into
`<name>.assets/` beside the file, filed by its content, and the library file points there; a
graph that takes the component in copies them into its own project (`carried_files` lists them,
`repoint_files` points the copied definitions at the project's copies).

    {"format": "multimodal-studio.component", "version": 1, "name": "narrated_scene",
     "component": {<a definition, as in a graph's components section>},
     "requires": {"<id>": {<definition>}, ...}}
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from studio.atomic import open_atomic, write_text_atomic
from studio.digest import file_sha256
from studio.errors import GraphError
from studio.graph.components import (
    COMPONENT_ID_PATTERN,
    ComponentDef,
    components_from_dict,
    components_to_dict,
    copy_definition,
    cycle_problems,
    dependencies,
    free_component_id,
    rename_component,
)
from studio.graph.model import Graph, Node

# The names of a node's params that hold a file (the caller knows the node types).
FileParams = Callable[[Node], Iterable[str]]

FORMAT = "multimodal-studio.component"
FILE_VERSION = 1
MAX_FILE_BYTES = 8 * 1024 * 1024
ASSETS_SUFFIX = ".assets"  # "<name>.assets/": the files a component carries


def library_dir() -> Path:
    """The library folder (`STUDIO_COMPONENTS_DIR`, else `components/` in the data folder)."""
    from studio.paths import components_dir

    return components_dir()


@dataclass
class LibraryEntry:
    """One published component: its name, version and what the node search shows."""

    name: str
    version: int
    title: str
    help: str
    category: str
    path: Path
    definitions: dict[str, ComponentDef]  # the component (id == name) and what it uses

    @property
    def definition(self) -> ComponentDef:
        return self.definitions[self.name]


@dataclass
class LibraryProblem:
    path: Path
    message: str


def list_library(folder: Path | None = None) -> tuple[list[LibraryEntry], list[LibraryProblem]]:
    """Every readable component in the library, and a problem for each file that is not one."""
    folder = folder or library_dir()
    entries, problems = [], []
    for path in sorted(folder.glob("*.json")):
        try:
            entries.append(read_entry(path))
        except GraphError as exc:
            problems.append(LibraryProblem(path, str(exc)))
    return entries, problems


def find_entry(name: str, folder: Path | None = None) -> LibraryEntry | None:
    path = (folder or library_dir()) / f"{name}.json"
    return read_entry(path) if path.is_file() else None


# Parsed entries by file, with the file's stamp when parsed: the node search lists the library
# at every keystroke and a graph's open looks up each library component, on the UI thread, so a
# file is parsed again only when it changed (an atomic rewrite is a new inode). Entries are
# shared: callers copy definitions before changing them (`insert` does).
_parsed: dict[Path, tuple[tuple[int, int, int], LibraryEntry | GraphError]] = {}


def read_entry(path: Path) -> LibraryEntry:
    """Read one library file; GraphError says what is wrong with it."""
    try:
        stat = path.stat()
    except OSError as exc:
        raise GraphError(f"cannot read component file {path.name}: {exc}") from None
    stamp = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
    known = _parsed.get(path)
    if known is None or known[0] != stamp:
        try:
            known = (stamp, _parse_entry(path, stat.st_size))
        except GraphError as exc:
            known = (stamp, exc)
        _parsed[path] = known
    if isinstance(known[1], GraphError):
        raise GraphError(str(known[1]))
    return known[1]


def _parse_entry(path: Path, size: int) -> LibraryEntry:
    try:
        if size > MAX_FILE_BYTES:
            raise GraphError(f"{path.name} is too large to be a component file")
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise GraphError(f"cannot read component file {path.name}: {exc}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise GraphError(f"{path.name} is not a component file (format is not {FORMAT!r})")
    version = doc.get("version")
    if not isinstance(version, int) or version > FILE_VERSION:
        raise GraphError(f"{path.name} was written by a newer studio; please update")
    name = doc.get("name")
    if not isinstance(name, str) or not COMPONENT_ID_PATTERN.match(name):
        raise GraphError(f"{path.name}: 'name' must be a component id like narrated_scene")
    section = dict(doc.get("requires") or {})
    if not isinstance(doc.get("requires", {}), dict):
        raise GraphError(f"{path.name}: 'requires' must be an object")
    section[name] = doc.get("component")
    definitions = components_from_dict(section, where=f"{path.name}")
    cycles = cycle_problems(definitions)
    if cycles:
        raise GraphError(f"{path.name}: {cycles[0].message}")
    main = definitions[name]
    return LibraryEntry(name, main.version, main.title, main.help, main.category, path, definitions)


# -- publishing -----------------------------------------------------------------------------------
def publish(
    graph: Graph,
    component_id: str,
    name: str | None = None,
    folder: Path | None = None,
    *,
    graph_dir: Path | None = None,
    file_params: FileParams | None = None,
) -> LibraryEntry:
    """Write a graph's component to the library as `name`; returns the entry written.

    The version goes up by one when the content differs from the library's current version
    (and stays when it is the same; a changed file is a change). With `file_params`, the files
    its nodes name (relative to `graph_dir`) are copied into the library beside it; a missing
    one is a GraphError naming the node, and nothing is written. The graph's copy is not
    changed here: the caller records the library name and version on it (an undoable step in
    the studio).
    """
    folder = folder or library_dir()
    name = name or graph.components[component_id].library or component_id
    if not COMPONENT_ID_PATTERN.match(name):
        raise GraphError(f"library names are lowercase letters, digits and '_' (got {name!r})")
    needed = dependencies(graph.components, [component_id])
    missing = sorted(d for d in needed if d not in graph.components)
    if missing:
        raise GraphError(f"component {component_id!r} uses {missing[0]!r}, which is not defined")
    definitions = {d: copy_definition(graph.components[d]) for d in sorted(needed)}
    if name != component_id:
        if name in definitions:
            raise GraphError(f"{name!r} is already the id of a component it uses")
        rename_component(definitions, component_id, name)
    main = definitions[name]
    main.library = name
    files = _files_to_carry(definitions, name, graph_dir, file_params) if file_params else {}
    existing = find_entry(name, folder)
    if existing is None:
        main.version = 1
    elif _content(existing.definitions, name) == _content(definitions, name):
        main.version = existing.version
    else:
        main.version = existing.version + 1
    section = components_to_dict(definitions)
    doc = {
        "format": FORMAT,
        "version": FILE_VERSION,
        "name": name,
        "component": section.pop(name),
        "requires": section,
    }
    for relative, source in files.items():  # the files first: the entry never names a missing one
        target = folder / relative
        if not target.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(source, "rb") as src, open_atomic(target) as out:
                shutil.copyfileobj(src, out)
    path = folder / f"{name}.json"
    write_text_atomic(path, json.dumps(doc, sort_keys=True, indent=2, ensure_ascii=False) + "\n")
    return read_entry(path)


def _file_values(
    definitions: dict[str, ComponentDef], file_params: FileParams
) -> Iterator[tuple[str, Node, str, str]]:
    """(component id, node, param, value) of every file a component's nodes name."""
    for component_id, definition in sorted(definitions.items()):
        for _node_id, node in sorted(definition.graph.nodes.items()):
            for param in file_params(node):
                value = node.params.get(param)
                if isinstance(value, str) and value:
                    yield component_id, node, param, value


def _files_to_carry(
    definitions: dict[str, ComponentDef],
    name: str,
    graph_dir: Path | None,
    file_params: FileParams,
) -> dict[str, Path]:
    """Point the definitions' file params at `<name>.assets/<digest>/<file name>`; returns each
    such path (relative to the library folder) and the file to copy there. Filed by content, so
    a changed file is a new path (and a new version) and graphs on the old version keep theirs;
    the file keeps its name, which is what a project copying it in shows."""
    from studio.graph.fileformat import resolve_asset

    files: dict[str, Path] = {}
    for component_id, node, param, value in _file_values(definitions, file_params):
        where = f"node {node.id!r} in component {component_id!r}, param {param!r}"
        if graph_dir is None:
            raise GraphError(f"{where} names {value!r}: save the graph first, so it can be found")
        source = resolve_asset(value, graph_dir)
        if not source.is_file():
            raise GraphError(f"{where}: file {value!r} not found, so it cannot be published")
        digest = file_sha256(source)[:12]
        relative = f"{name}{ASSETS_SUFFIX}/{digest}/{source.name}"
        files[relative] = source
        node.params[param] = relative
    return files


def carried_files(entry: LibraryEntry, file_params: FileParams) -> dict[str, Path]:
    """The files `entry`'s nodes name, by the value they hold: those a graph taking it in must
    copy into its own project. A file missing from the library is a GraphError."""
    folder = entry.path.parent.resolve()
    files: dict[str, Path] = {}
    for component_id, node, param, value in _file_values(entry.definitions, file_params):
        source = (folder / value).resolve()
        where = f"{entry.path.name}: node {node.id!r} in component {component_id!r}"
        where += f", param {param!r}"
        if Path(value).is_absolute() or not source.is_relative_to(folder):
            raise GraphError(f"{where} names {value!r}, which is outside the library folder")
        if not source.is_file():
            raise GraphError(f"{where}: its file {value!r} is missing from the library folder")
        files[value] = source
    return files


def repoint_files(definitions: dict[str, ComponentDef], moved: dict[str, str]) -> None:
    """Point copied definitions at the graph's own copies of their files (`moved`: the library
    value -> the project's path). Matched by value: a library value names one file by content,
    and a nested component's node may have been renamed on the way in."""
    for definition in definitions.values():
        for node in definition.graph.nodes.values():
            for param, value in node.params.items():
                if isinstance(value, str) and value in moved:
                    node.params[param] = moved[value]


def _content(definitions: dict[str, ComponentDef], name: str) -> str:
    """What makes two versions differ: everything but the version number itself."""
    section = components_to_dict(definitions)
    for entry in section.values():
        entry.pop("version", None)
    return json.dumps(section, sort_keys=True)


# -- using library components in a graph ----------------------------------------------------------
def insert(graph: Graph, entry: LibraryEntry) -> tuple[dict[str, ComponentDef], str]:
    """The definitions to add to `graph` to use `entry`, and the id its nodes will have.

    A copy of the same library name and version already in the graph is reused (nothing to add);
    ids already taken by other components are renamed.
    """
    added: dict[str, ComponentDef] = {}
    renames: dict[str, str] = {}
    taken = dict(graph.components)
    for component_id in sorted(entry.definitions, key=lambda c: c != entry.name):
        definition = entry.definitions[component_id]
        same = _same_copy(graph, definition)
        if same is not None:
            renames[component_id] = same
            continue
        new_id = component_id
        if new_id in taken:
            new_id = free_component_id(taken, component_id)
        copy = copy_definition(definition)
        copy.id = new_id
        taken[new_id] = copy
        added[new_id] = copy
        renames[component_id] = new_id
    _point_instances(added, renames)
    return added, renames[entry.name]


def _same_copy(graph: Graph, definition: ComponentDef) -> str | None:
    if not definition.library:
        return None
    for component_id, have in graph.components.items():
        if have.library == definition.library and have.version == definition.version:
            return component_id
    return None


def _point_instances(definitions: dict[str, ComponentDef], renames: dict[str, str]) -> None:
    from studio.graph.components import component_of, instance_type

    for definition in definitions.values():
        for node in definition.graph.nodes.values():
            used = component_of(node)
            if used is not None and used in renames:
                node.type = instance_type(renames[used])


@dataclass(frozen=True)
class Outdated:
    component_id: str  # in the graph
    name: str  # in the library
    have: int
    latest: int
    title: str


def outdated(graph: Graph, folder: Path | None = None) -> list[Outdated]:
    """The graph's library components of which the library holds a newer version."""
    found = []
    for component_id, definition in sorted(graph.components.items()):
        if not definition.library:
            continue
        try:
            entry = find_entry(definition.library, folder)
        except GraphError:
            continue  # a damaged library file is reported where the library is listed
        if entry is not None and entry.version > definition.version:
            found.append(
                Outdated(
                    component_id,
                    definition.library,
                    definition.version,
                    entry.version,
                    definition.title,
                )
            )
    return found


def updated_copy(
    graph: Graph, component_id: str, entry: LibraryEntry
) -> tuple[dict[str, ComponentDef], list[str]]:
    """Definitions to put in the graph so `component_id` becomes the library's version.

    Returns (definitions by id, notes): the updated one keeps its id, so the graph's nodes keep
    pointing at it; components it newly uses come along. Notes name what no longer fits (a
    param or port the new version dropped), so the user can reconnect it.
    """
    others = Graph()
    others.components = {k: v for k, v in graph.components.items() if k != component_id}
    added, main_id = insert(others, _without_copy(entry))
    new = added.pop(main_id)
    if main_id != component_id:
        new.id = component_id
        for definition in added.values():
            _point_instances({definition.id: definition}, {main_id: component_id})
    new.library, new.version = entry.name, entry.version
    added[component_id] = new
    notes = _fit_notes(graph, graph.components[component_id], new)
    return added, notes


def _without_copy(entry: LibraryEntry) -> LibraryEntry:
    """The entry, so that `insert` never reuses the outdated copy for the main component."""
    definitions = dict(entry.definitions)
    main = copy_definition(definitions[entry.name])
    main.library = None  # `_same_copy` matches only library copies
    definitions[entry.name] = main
    result = LibraryEntry(
        entry.name, entry.version, entry.title, entry.help, entry.category, entry.path, definitions
    )
    return result


def _fit_notes(graph: Graph, old: ComponentDef, new: ComponentDef) -> list[str]:
    from studio.graph.components import instance_type

    notes = []
    users = [n for n in graph.nodes.values() if n.type == instance_type(old.id)]
    for definition in graph.components.values():
        users += [n for n in definition.graph.nodes.values() if n.type == instance_type(old.id)]
    for node in users:
        for name in sorted(node.params):
            if new.exposed(name) is None:
                notes.append(f"{node.id}: {new.title} no longer has the param {name!r}")
    for port in old.inputs:
        if new.input(port.name) is None:
            notes.append(f"{new.title} no longer has the input {port.name!r}")
    for port in old.outputs:
        if new.output(port.name) is None:
            notes.append(f"{new.title} no longer has the output {port.name!r}")
    return notes
