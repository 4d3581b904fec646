"""The graph file: versioned JSON, deterministic on save, strict and precise on load.

Layout of version 4::

    {"format": "multimodal-studio.graph", "version": 4,
     "nodes": {"<id>": {"type": "image.generate", "type_version": 1, "pack": "...",
                        "params": {...}, "title": "...", "mode": "bypass" | "mute"}},
     "edges": [{"from": "<id>", "out": "<port>", "to": "<id>", "in": "<port>", "order": 0}],
     "layout": {"positions": {"<id>": [x, y]}, "groups": [{"title", "nodes", "color"}],
                "collapsed": ["<id>"], "colors": {"<id>": "#rrggbb"},
                "reroutes": [{"from", "out", "to", "in", "order", "points": [[x, y]]}]},
     "components": {"<component id>": {"title", "version", "inputs", "outputs", "params",
                                       "nodes", "edges", "layout", ...}},
     "form": {"fields": [{"name", "node", "param", "label", "help", "choices"}]},
     "meta": {...}}

A node without "mode" runs normally. Version 3 added "mode" (a studio that ignored it would run
a bypassed or muted node, so older studios must refuse these files) and the layout's collapsed
nodes, colours and reroute dots. Version 4 added `components` (studio.graph.components) and
`form` (studio.graph.form), written only when used: a studio that ignored them would drop the
component definitions on its next save, so older studios must refuse these files too.

No field is ever imported or executed: type ids are looked up in the registry, nothing more.
"""

from __future__ import annotations

import json
import math
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from studio.atomic import write_text_atomic
from studio.errors import GraphError
from studio.graph.model import (
    BYPASS,
    COLOUR_PATTERN,
    MUTE,
    NODE_ID_PATTERN,
    NORMAL,
    Edge,
    Graph,
    Group,
    Node,
)

FORMAT = "multimodal-studio.graph"
CURRENT_VERSION = 4
MAX_FILE_BYTES = 16 * 1024 * 1024  # a real graph is kilobytes; refuse junk before parsing it
SUFFIX = ".studiograph"  # the graph file's own extension; `.json` graphs (saved before) still load


# -- migrations: version N -> N+1, each a pure function on the parsed JSON ------------------------
def _migrate_1_to_2(doc: dict[str, Any]) -> dict[str, Any]:
    """Version 1 kept each node's position inside the node and edges as 4-item lists."""
    positions: dict[str, Any] = {}
    nodes = doc.get("nodes")
    if isinstance(nodes, dict):
        for node_id, entry in nodes.items():
            if isinstance(entry, dict) and "position" in entry:
                positions[node_id] = entry.pop("position")
    edges = []
    # Anything but a list is left for the loader to report ("'edges' must be a list").
    old_edges = doc.get("edges") or []
    for i, edge in enumerate(old_edges if isinstance(old_edges, list) else []):
        if isinstance(edge, list) and len(edge) == 4:
            edges.append(
                {"from": edge[0], "out": edge[1], "to": edge[2], "in": edge[3], "order": i}
            )
        else:
            edges.append(edge)
    doc["edges"] = edges if isinstance(old_edges, list) else old_edges
    doc["layout"] = {"positions": positions, "groups": []}
    doc["version"] = 2
    return doc


def _migrate_2_to_3(doc: dict[str, Any]) -> dict[str, Any]:
    """Version 3 only added optional fields (node modes, more layout): every node runs."""
    doc["version"] = 3
    return doc


def _migrate_3_to_4(doc: dict[str, Any]) -> dict[str, Any]:
    """Version 4 added the optional `components` and `form` sections: nothing to convert."""
    doc["version"] = 4
    return doc


MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {
    1: _migrate_1_to_2,
    2: _migrate_2_to_3,
    3: _migrate_3_to_4,
}


# -- loading --------------------------------------------------------------------------------------
def load_graph(path: Path) -> Graph:
    """Read a graph file. Raises GraphError naming the JSON path of the first structural problem."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise GraphError(f"{path.name} is {size / 1e6:.0f} MB: too large to be a graph file")
        data = path.read_bytes()
    except FileNotFoundError:
        raise GraphError(f"no such file: {path}") from None
    except IsADirectoryError:
        raise GraphError(f"{path} is a folder, not a graph file") from None
    except PermissionError:
        raise GraphError(f"cannot read {path}: permission denied") from None
    graph = parse_graph(data, source=path.name)
    graph.meta["_path"] = str(path.resolve())
    return graph


def parse_graph(data: bytes | str, source: str = "graph") -> Graph:
    if isinstance(data, bytes):
        if len(data) > MAX_FILE_BYTES:
            raise GraphError(f"{source} is too large to be a graph file")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise GraphError(
                f"{source} is not a text file (byte {exc.start} is not UTF-8)"
            ) from None
    else:
        text = data
    try:
        doc = json.loads(text, parse_constant=_refuse_constant, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        raise GraphError(f"{source} is not valid JSON ({exc.msg} at {where})") from None
    except RecursionError:
        raise GraphError(f"{source} is nested too deeply to be a graph file") from None
    except ValueError as exc:
        raise GraphError(f"{source}: {exc}") from None
    if "\\u" in text or not isinstance(data, bytes):
        _refuse_lone_surrogates(doc, source)
    return graph_from_dict(doc, source)


def _refuse_lone_surrogates(doc: Any, source: str) -> None:
    # JSON can spell half a UTF-16 pair ("\ud800"); such text could never be saved as UTF-8.
    try:
        json.dumps(doc, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise GraphError(
            f"{source} holds text that is not valid Unicode (a lone \\u escape "
            "between \\ud800 and \\udfff)"
        ) from None
    except RecursionError:
        raise GraphError(f"{source} is nested too deeply to be a graph file") from None


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json.loads keeps the last of two equal keys; two nodes with one id must be an error.
    doc: dict[str, Any] = {}
    for key, value in pairs:
        if key in doc:
            raise ValueError(f"duplicate key {key!r} (node ids and fields must be unique)")
        doc[key] = value
    return doc


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def graph_from_dict(doc: Any, source: str = "graph") -> Graph:
    if not isinstance(doc, dict):
        raise GraphError(f"{source} is not a graph file (top level is not an object)", path="$")
    if doc.get("format") != FORMAT:
        raise GraphError(
            f"{source} is not a Multimodal Studio graph (format is "
            f"{doc.get('format')!r}, expected {FORMAT!r})",
            path="$.format",
        )
    version = doc.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise GraphError("version must be a positive whole number", path="$.version")
    if version > CURRENT_VERSION:
        raise GraphError(
            f"{source} was written by a newer studio (file version {version}, this "
            f"studio reads up to {CURRENT_VERSION}); please update",
            path="$.version",
        )
    while version < CURRENT_VERSION:
        doc = MIGRATIONS[version](doc)
        version = doc["version"]

    graph = Graph()
    nodes = _expect(doc, "nodes", dict, "$")
    for node_id, entry in nodes.items():
        where = f"$.nodes.{node_id}"
        if not NODE_ID_PATTERN.match(node_id):
            raise GraphError("node ids use letters, digits, '_' and '-' (at most 64)", path=where)
        if not isinstance(entry, dict):
            raise GraphError("a node must be an object", node=node_id, path=where)
        type_id = _expect(entry, "type", str, where)
        params = _expect(entry, "params", dict, where, default={})
        title = _expect(entry, "title", str, where, default=None)
        type_version = _expect(entry, "type_version", int, where, default=1)
        pack = _expect(entry, "pack", str, where, default=None)
        mode = _expect(entry, "mode", str, where, default=NORMAL)
        if mode not in (NORMAL, BYPASS, MUTE):
            raise GraphError(
                f"'mode' must be {BYPASS!r} or {MUTE!r}, got {mode!r}",
                node=node_id,
                path=f"{where}.mode",
            )
        graph.nodes[node_id] = Node(
            node_id, type_id, dict(params), title, type_version, pack, raw=dict(entry), mode=mode
        )

    edges = _expect(doc, "edges", list, "$", default=[])
    seen: set[Edge] = set()
    for i, entry in enumerate(edges):
        where = f"$.edges[{i}]"
        if not isinstance(entry, dict):
            raise GraphError("an edge must be an object", path=where)
        src, out = _expect(entry, "from", str, where), _expect(entry, "out", str, where)
        dst, inp = _expect(entry, "to", str, where), _expect(entry, "in", str, where)
        order = _expect(entry, "order", int, where, default=0)
        for node_id, key in ((src, "from"), (dst, "to")):
            if node_id not in graph.nodes:
                raise GraphError(
                    f"edge refers to node {node_id!r}, which does not exist",
                    node=node_id,
                    path=f"{where}.{key}",
                )
        edge = Edge(dst=dst, dst_port=inp, order=order, src=src, src_port=out)
        if edge in seen:
            raise GraphError("the same edge appears twice", node=dst, port=inp, path=where)
        seen.add(edge)
        graph.edges.append(edge)

    layout = _expect(doc, "layout", dict, "$", default={})
    positions = _expect(layout, "positions", dict, "$.layout", default={})
    for node_id, pos in positions.items():
        where = f"$.layout.positions.{node_id}"
        if not isinstance(pos, list) or len(pos) != 2 or not all(_is_finite_number(v) for v in pos):
            raise GraphError("a position is [x, y]", node=node_id, path=where)
        if node_id in graph.nodes:  # stale layout of a deleted node is dropped, not an error
            graph.positions[node_id] = (float(pos[0]), float(pos[1]))
    for i, group in enumerate(_expect(layout, "groups", list, "$.layout", default=[])):
        where = f"$.layout.groups[{i}]"
        if not isinstance(group, dict):
            raise GraphError("a group must be an object", path=where)
        members = _expect(group, "nodes", list, where, default=[])
        graph.groups.append(
            Group(
                title=_expect(group, "title", str, where, default="Group"),
                nodes=[n for n in members if isinstance(n, str) and n in graph.nodes],
                color=_expect(group, "color", str, where, default="#3a3f4b"),
            )
        )
    _read_node_looks(graph, layout)
    _read_reroutes(graph, layout)
    # "_" keys are runtime state (like "_path", where a save goes): never taken from a file.
    meta = _expect(doc, "meta", dict, "$", default={})
    graph.meta = {k: v for k, v in meta.items() if not k.startswith("_")}
    _read_sections(doc, graph)
    return graph


def _read_sections(doc: dict[str, Any], graph: Graph) -> None:
    """The component definitions and the app-mode form, when the file has them."""
    from studio.graph.components import components_from_dict, cycle_problems
    from studio.graph.form import form_from_dict

    if "components" in doc:
        graph.components = components_from_dict(doc["components"])
        cycles = cycle_problems(graph.components)
        if cycles:
            raise cycles[0]
    if "form" in doc:
        graph.form = form_from_dict(doc["form"])


def _read_node_looks(graph: Graph, layout: dict[str, Any]) -> None:
    """Collapsed nodes and header colours; entries of nodes that no longer exist are dropped."""
    for i, node_id in enumerate(_expect(layout, "collapsed", list, "$.layout", default=[])):
        if not isinstance(node_id, str):
            raise GraphError("a collapsed node is named by its id", path=f"$.layout.collapsed[{i}]")
        if node_id in graph.nodes:
            graph.collapsed.add(node_id)
    for node_id, colour in _expect(layout, "colors", dict, "$.layout", default={}).items():
        if not isinstance(colour, str) or not COLOUR_PATTERN.match(colour):
            raise GraphError(
                'a colour is "#rrggbb"', node=node_id, path=f"$.layout.colors.{node_id}"
            )
        if node_id in graph.nodes:
            graph.colours[node_id] = colour.lower()


def _read_reroutes(graph: Graph, layout: dict[str, Any]) -> None:
    """The dots each wire is routed through; those of a wire that no longer exists are dropped."""
    for i, entry in enumerate(_expect(layout, "reroutes", list, "$.layout", default=[])):
        where = f"$.layout.reroutes[{i}]"
        if not isinstance(entry, dict):
            raise GraphError("a reroute entry must be an object", path=where)
        edge = Edge(
            dst=_expect(entry, "to", str, where),
            dst_port=_expect(entry, "in", str, where),
            order=_expect(entry, "order", int, where, default=0),
            src=_expect(entry, "from", str, where),
            src_port=_expect(entry, "out", str, where),
        )
        points = _expect(entry, "points", list, where)
        for point in points:
            if not (
                isinstance(point, list)
                and len(point) == 2
                and all(_is_finite_number(v) for v in point)
            ):
                raise GraphError("a reroute point is [x, y]", path=f"{where}.points")
        if edge in graph.edges and points:
            graph.reroutes[edge] = [(float(x), float(y)) for x, y in points]


def _is_finite_number(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int too large to be a float
        return False


_MISSING = object()


def _expect(doc: dict[str, Any], key: str, kind: type, where: str, default: Any = _MISSING) -> Any:
    if key not in doc:
        if default is _MISSING:
            raise GraphError(f"missing field {key!r}", path=where)
        return default
    value = doc[key]
    if value is None and default is None:
        return None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        names = {dict: "an object", list: "a list", str: "text", int: "a whole number"}
        raise GraphError(
            f"{key!r} must be {names.get(kind, kind.__name__)}, got {type(value).__name__}",
            path=f"{where}.{key}",
        )
    return value


# -- saving ---------------------------------------------------------------------------------------
def graph_to_dict(graph: Graph) -> dict[str, Any]:
    nodes: dict[str, Any] = {}
    for node_id, node in graph.nodes.items():
        if node.unknown and node.raw is not None:
            entry = dict(node.raw)  # kept as read; only what the canvas edits is written over it
            entry.pop("mode", None)
            entry.pop("title", None)
        else:
            entry = {"type": node.type, "type_version": node.type_version, "params": node.params}
            if node.pack:
                entry["pack"] = node.pack
        if node.title:
            entry["title"] = node.title
        if node.mode != NORMAL:
            entry["mode"] = node.mode
        nodes[node_id] = entry
    edges = [
        {"from": e.src, "out": e.src_port, "to": e.dst, "in": e.dst_port, "order": e.order}
        for e in sorted(graph.edges)
    ]
    positions = {
        n: [round(float(x), 1), round(float(y), 1)]
        for n, (x, y) in graph.positions.items()
        if n in graph.nodes
    }
    groups = [{"title": g.title, "nodes": sorted(g.nodes), "color": g.color} for g in graph.groups]
    layout: dict[str, Any] = {"positions": positions, "groups": groups}
    collapsed = sorted(n for n in graph.collapsed if n in graph.nodes)
    if collapsed:
        layout["collapsed"] = collapsed
    colours = {n: c for n, c in graph.colours.items() if n in graph.nodes}
    if colours:
        layout["colors"] = colours
    reroutes = [
        {
            "from": e.src,
            "out": e.src_port,
            "to": e.dst,
            "in": e.dst_port,
            "order": e.order,
            "points": [[round(float(x), 1), round(float(y), 1)] for x, y in graph.reroutes[e]],
        }
        for e in sorted(graph.reroutes)
        if e in graph.edges and graph.reroutes[e]
    ]
    if reroutes:
        layout["reroutes"] = reroutes
    meta = {k: v for k, v in graph.meta.items() if not k.startswith("_")}
    doc = {
        "format": FORMAT,
        "version": CURRENT_VERSION,
        "nodes": nodes,
        "edges": edges,
        "layout": layout,
        "meta": meta,
    }
    if graph.components:
        from studio.graph.components import components_to_dict

        doc["components"] = components_to_dict(graph.components)
    if graph.form is not None:
        from studio.graph.form import form_to_dict

        doc["form"] = form_to_dict(graph.form)
    return doc


def dumps_graph(graph: Graph) -> str:
    return graph_json(graph_to_dict(graph))


HEAD_KEYS = ("format", "version")


def graph_json(data: dict[str, Any]) -> str:
    """The file's text: `format` and `version` first, every other key sorted (diffs stay small).

    The format field must come early: file managers tell a graph saved as .json from other JSON
    by its content, and GLib reads only a file's first 4 KiB to decide; the `components` and
    `form` sections would sort before it.
    """
    # json's own sort_keys, not a Python walk: a deeply nested meta must not hit the recursion
    # limit.
    head = [f"  {json.dumps(key)}: {json.dumps(data[key])}" for key in HEAD_KEYS if key in data]
    rest = {key: value for key, value in data.items() if key not in HEAD_KEYS}
    body = json.dumps(rest, indent=2, sort_keys=True, ensure_ascii=False)
    entries = head + ([body[2:-2]] if rest else [])
    return "{\n" + ",\n".join(entries) + "\n}\n" if entries else "{}\n"


def save_graph(
    graph: Graph,
    path: Path,
    file_params: Callable[[Node], list[str]] | None = None,
    output_params: Callable[[Node], list[str]] | None = None,
) -> list[str]:
    """Write the graph atomically. Returns notes for the user (assets copied beside the file).

    `file_params(node)` names a node's file params: absolute paths there are stored relative to
    the graph's folder, and files outside that folder are first copied into `assets/` beside it.
    `output_params(node)` names where nodes write: the file never holds an absolute path there
    (see `studio.graph.outputs`); the graph in memory keeps the user's choice for this session.
    """
    path = Path(path).resolve()
    notes: list[str] = []
    if file_params is not None:
        for node in graph.nodes.values():
            for name in file_params(node):
                value = node.params.get(name)
                if isinstance(value, str) and value and Path(value).is_absolute():
                    node.params[name], note = _relative_asset(Path(value), path.parent)
                    if note:
                        notes.append(note)
    data = graph_to_dict(graph)
    _portable_outputs(graph, data, path.parent, output_params, notes)
    text = graph_json(data)
    try:
        write_text_atomic(path, text)
    except PermissionError:
        raise GraphError(
            f"cannot save to {path}: permission denied (nothing was changed; "
            "choose Save As to write elsewhere)"
        ) from None
    except FileNotFoundError:
        raise GraphError(f"cannot save to {path}: the folder does not exist") from None
    except OSError as exc:
        raise GraphError(f"cannot save to {path}: {exc.strerror or exc}") from None
    graph.meta["_path"] = str(path)
    return notes


def _portable_outputs(
    graph: Graph,
    data: dict[str, Any],
    folder: Path,
    output_params: Callable[[Node], list[str]] | None,
    notes: list[str],
) -> None:
    """Make `data` (the file's contents) hold output paths relative, never absolute ones.

    The graph in memory keeps the user's choice for the rest of the session.
    """
    from studio.graph.outputs import portable_output

    if output_params is None:
        return
    for node in graph.nodes.values():
        for name in output_params(node):
            value = node.params.get(name)
            if isinstance(value, str) and value:
                stored, note = portable_output(value, folder)
                if stored != value:
                    params = dict(data["nodes"][node.id]["params"])
                    params[name] = stored
                    data["nodes"][node.id]["params"] = params
                if note:
                    notes.append(f"node {node.id!r}: {note}")


def _relative_asset(asset: Path, folder: Path) -> tuple[str, str | None]:
    try:
        return asset.resolve().relative_to(folder).as_posix(), None
    except ValueError:
        pass
    target_dir = folder / "assets"
    target_dir.mkdir(exist_ok=True)
    target = target_dir / asset.name
    stem, suffix, i = asset.stem, asset.suffix, 1
    while target.exists() and not _same_file(target, asset):
        target = target_dir / f"{stem}-{i}{suffix}"
        i += 1
    if not target.exists():
        shutil.copy2(asset, target)
    return target.relative_to(folder).as_posix(), f"copied {asset} into {target_dir}"


def _same_file(a: Path, b: Path) -> bool:
    return a.stat().st_size == b.stat().st_size and a.read_bytes() == b.read_bytes()


def resolve_asset(value: str, graph_dir: Path) -> Path:
    """Resolve a stored asset path; refuse any that escapes the graph's folder."""
    if not value:
        raise GraphError("no file chosen")
    # An absolute path is accepted only inside the folder (the GUI may hold one before a save).
    resolved = (graph_dir / Path(value)).resolve()
    try:
        resolved.relative_to(graph_dir.resolve())
    except ValueError:
        raise GraphError(f"asset path {value!r} leaves the graph's folder; refused") from None
    return resolved
