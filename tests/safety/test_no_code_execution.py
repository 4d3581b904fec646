"""No field of a graph file or a bundle can make the studio import or execute anything.

Every string field below names something that would run if it were ever imported, evaluated or
unpickled: a canary module on sys.path that leaves a marker file when imported, `os.system` calls,
`__import__` expressions, pickles, a `.pth` file. The graph is opened, validated, run, saved, packed
and unpacked (also through the CLI), and a process-wide audit hook watches for any import of a
named module and any os.system / subprocess / pickle / marshal event.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import pickle
import sys
import zipfile
from pathlib import Path

import pytest
from bundle.bundle_project import make_registry, run, write_png

from studio.bundle import BundleError, pack_graph, unpack_bundle
from studio.bundle.unpack import unpack
from studio.cli import main
from studio.engine.cache import Cache
from studio.graph.fileformat import FORMAT, load_graph, save_graph
from studio.graph.validate import validate_graph

CANARY = "studio_canary_payload"
# (marshal.loads is not here: importing any installed module reads its .pyc with it.)
DANGEROUS_EVENTS = (
    "os.system",
    "os.exec",
    "os.posix_spawn",
    "os.spawn",
    "subprocess.Popen",
    "pickle.find_class",
    "ctypes.dlopen",
)


class AuditLog:
    """Records audit events while `watching` (a hook cannot be removed: installed once)."""

    def __init__(self) -> None:
        self.watching = False
        self.events: list[tuple[str, str]] = []
        sys.addaudithook(self)

    def __call__(self, event: str, args: tuple) -> None:
        if not self.watching:
            return
        if event == "import":
            self.events.append((event, str(args[0])))
        elif event.startswith(DANGEROUS_EVENTS):
            self.events.append((event, repr(args)[:200]))


AUDIT = AuditLog()


@pytest.fixture
def canary(tmp_path, monkeypatch):
    """A module that, if ever imported, writes a marker; and a shell command that does too."""
    marker = tmp_path / "EXECUTED"
    site = tmp_path / "site"
    site.mkdir()
    payload = f"open({str(marker)!r}, 'a').write(__name__)\n"
    (site / f"{CANARY}.py").write_text(payload + "def node_specs():\n    return []\n")
    monkeypatch.syspath_prepend(str(site))
    shell = f"touch {marker}"
    AUDIT.events.clear()
    AUDIT.watching = True
    yield marker, shell
    AUDIT.watching = False
    imported = [name for kind, name in AUDIT.events if kind == "import" and CANARY in name]
    dangerous = [e for e in AUDIT.events if e[0] != "import"]
    assert not imported, f"a named module was imported: {imported}"
    assert not dangerous, f"dangerous events: {dangerous[:5]}"
    assert not marker.exists(), "a payload ran"
    assert CANARY not in sys.modules


class Evil:
    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command,))


def hostile_graph(folder: Path, shell: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_png(folder / "cat.png")
    (folder / f"{CANARY}.py").write_text(f"import os\nos.system({shell!r})\n")
    evil = f"__import__('os').system({shell!r})"
    nodes = {
        # Node types naming modules, callables and import syntax: looked up, never imported.
        "t1": {"type": CANARY, "params": {}},
        "t2": {"type": f"{CANARY}.node_specs", "params": {}, "pack": CANARY},
        "t3": {"type": f"{CANARY}:node_specs", "params": {"x": evil}, "pack": f"{CANARY}:x"},
        "t4": {"type": "os.system", "params": {"command": shell}},
        "t5": {"type": "builtins.eval", "params": {"source": evil}},
        "t6": {"type": "__import__", "params": {"name": CANARY}},
        "t7": {"type": "pickle.loads", "params": {"data": pickle.dumps(Evil(shell)).hex()}},
        # Real nodes whose params carry payloads: they are data.
        "brief": {
            "type": "text.brief",
            "title": evil,
            "pack": CANARY,
            "params": {"subject": evil, "mood": "{__import__}", "style": shell},
        },
        "prompt": {
            "type": "text.prompt",
            "params": {
                "template": "{subject} {a.__class__} {brief.__globals__} {0} %(x)s $HOME "
                "{{__import__('os')}}"
            },
        },
        "load": {"type": "bt.load", "params": {"file": f"{CANARY}.py"}},
        "load2": {"type": "bt.load", "params": {"file": "cat.png"}},
        "stamp": {"type": "bt.stamp", "params": {"seed": 1}},
    }
    edges = [
        {"from": "brief", "out": "brief", "to": "prompt", "in": "brief"},
        {"from": "prompt", "out": "text", "to": "stamp", "in": "text"},
        {"from": "load2", "out": "image", "to": "stamp", "in": "image"},
        {"from": "brief", "out": CANARY, "to": "t1", "in": evil},
    ]
    doc = {
        "format": FORMAT,
        "version": 2,
        "nodes": nodes,
        "edges": edges,
        "layout": {
            "positions": {"brief": [0, 0]},
            "groups": [{"title": evil, "nodes": ["brief"], "color": CANARY}],
        },
        "meta": {
            "loader": f"{CANARY}:node_specs",
            "py/object": f"{CANARY}.Evil",
            "!!python/object/apply:os.system": [shell],
            "__class__": CANARY,
            "_path": "/etc/passwd",
            "sys.path": ["."],
        },
    }
    path = folder / "graph.json"
    path.write_text(json.dumps(doc, indent=2))
    return path


def test_graph_fields_never_import_or_execute(tmp_path, canary, monkeypatch):
    _, shell = canary
    graph_path = hostile_graph(tmp_path / "project", shell)
    registry = make_registry()
    graph = load_graph(graph_path)
    assert graph.meta["_path"] == str(graph_path.resolve())  # the file cannot choose it
    problems = validate_graph(graph, registry, graph_path.parent)
    unknown = {p.node for p in problems if "unknown node type" in p.message}
    assert unknown == {"t1", "t2", "t3", "t4", "t5", "t6", "t7"}

    result, _ = run(graph_path, registry, Cache(tmp_path / "cache"), targets=["stamp", "load"])
    assert result.status == "succeeded", result.failures
    text = result.outputs["prompt"]["text"]
    assert "{a.__class__}" in text and "{brief.__globals__}" in text and "$HOME" in text
    assert f"__import__('os').system({shell!r})" in text  # the subject, as words
    loaded = result.outputs["load"]["image"].path.read_text()
    assert loaded.startswith("import os")  # the .py "asset" was copied as bytes, not imported

    save_graph(graph, tmp_path / "saved.json")
    assert (
        json.loads((tmp_path / "saved.json").read_text())["nodes"]["t7"]
        == json.loads(graph_path.read_text())["nodes"]["t7"]
    )

    monkeypatch.setattr("studio.engine.registry.load_registry", make_registry)
    assert main(["validate", str(graph_path)]) == 2
    assert main(["render", str(graph_path), "--to", "stamp"]) == 0
    assert main(["nodes"]) == 0


def test_bundles_never_import_or_execute(tmp_path, canary):
    _, shell = canary
    registry = make_registry()
    graph_path = hostile_graph(tmp_path / "project", shell)
    cache = Cache(tmp_path / "cache")
    run(graph_path, registry, cache, targets=["stamp", "load"])
    info = pack_graph(
        graph_path, tmp_path / "p.studiopack", with_results=True, registry=registry, cache=cache
    )
    assert f"assets/{CANARY}.py" in info.assets

    # Add what a hostile sender would: pickles as assets and as a cached result, a .pth among
    # the assets, a manifest naming modules as packs, loaders and provenance.
    evil_pickle = pickle.dumps(Evil(shell))
    digest = hashlib.sha256(evil_pickle).hexdigest()
    hostile = tmp_path / "hostile.studiopack"
    with zipfile.ZipFile(info.path) as src, zipfile.ZipFile(hostile, "w") as dst:
        manifest = json.loads(src.read("manifest.json"))
        for item in src.infolist():
            if item.filename != "manifest.json":
                dst.writestr(item, src.read(item))
        extra = {
            "assets/model.pkl": evil_pickle,
            f"results/objects/{digest}.pkl": evil_pickle,
            "assets/evil.pth": f"import os; os.system({shell!r})\n".encode(),
        }
        for name, data in extra.items():
            dst.writestr(name, data)
            manifest["files"][name] = {
                "sha256": hashlib.sha256(data).hexdigest(),
                "size": len(data),
            }
        manifest["packs"][CANARY] = "1.0"
        manifest["entry_points"] = {"multimodal_studio.nodes": f"{CANARY}:node_specs"}
        manifest["results"]["load"]["provenance"].update(
            provider=CANARY, model=f"{CANARY}.Model", loader="pickle.loads"
        )
        manifest["results"]["load"]["outputs"]["image"] = {
            "artifact": {
                "kind": "image",
                "digest": digest,
                "suffix": ".pkl",
                "meta": {"py/reduce": CANARY},
            }
        }
        dst.writestr("manifest.json", json.dumps(manifest))

    report = unpack(
        hostile, tmp_path / "there", cache=Cache(tmp_path / "cache2"), registry=registry
    )
    assert (report.graph.parent / "assets" / "model.pkl").read_bytes() == evil_pickle
    assert "load" in report.imported  # the pickle entered the cache as bytes, verified
    result, _ = run(report.graph, registry, Cache(tmp_path / "cache2"), targets=["stamp", "load"])
    assert result.status == "succeeded"
    assert result.outputs["load"]["image"].path.read_bytes() == evil_pickle

    # Members that could shadow a module or be picked up by an interpreter are refused outright.
    for name in ("evil.pth", "sitecustomize.py", "json.py", f"{CANARY}.py", "usercustomize.pth"):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as zf:
            zf.writestr(name, b"import os\n")
        path = tmp_path / f"{name}.studiopack"
        path.write_bytes(buffer.getvalue())
        with pytest.raises(BundleError, match="not part of a bundle"):
            unpack_bundle(path, tmp_path / f"out-{name}")
    assert main(["unpack", str(hostile), str(tmp_path / "cli-there")]) == 0


def test_the_watch_sees_a_payload_that_does_run(tmp_path, monkeypatch):
    """The control: the same canary and audit hook do catch an import and a shell call."""
    marker = tmp_path / "EXECUTED"
    site = tmp_path / "site"
    site.mkdir()
    name = f"{CANARY}_control"
    (site / f"{name}.py").write_text(f"open({str(marker)!r}, 'a').write(__name__)\n")
    monkeypatch.syspath_prepend(str(site))
    AUDIT.events.clear()
    AUDIT.watching = True
    try:
        __import__(name)
        os.system(":")
    finally:
        AUDIT.watching = False
        sys.modules.pop(name, None)
    assert marker.read_text() == name
    assert ("import", name) in AUDIT.events
    assert any(kind == "os.system" for kind, _ in AUDIT.events)
