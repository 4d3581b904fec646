"""Hostile graph files: thousands of generated and mutated documents and byte strings.

The only outcomes allowed: a loaded graph (that validates without raising, saves, and reloads to
the same file) or a `GraphError` with a message. Anything else (a TypeError, an OverflowError, a
RecursionError, a file that opens but cannot be saved) is a bug in the loader.
"""

from __future__ import annotations

import copy
import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from bundle.bundle_project import SPECS, make_graph
from fuzz_settings import SAFETY, examples
from hypothesis import given, settings
from hypothesis import strategies as st

from studio.api import Capability, NodeSpec, Output, Param, PortType
from studio.engine.registry import NodeRegistry
from studio.errors import GraphError
from studio.graph.fileformat import FORMAT, dumps_graph, load_graph, parse_graph
from studio.graph.model import Group, Node
from studio.graph.validate import validate_graph

NODE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


async def _run(ctx, inputs, params):
    return {"text": ""}


# One param of every kind, so validation meets every coercion with hostile values.
EVERY_KIND = NodeSpec(
    id="fz.every",
    title="Every kind",
    category="Fuzz",
    version=1,
    run=_run,
    outputs=(Output("text", PortType.TEXT),),
    params=(
        Param.int("i", 1, help="int", minimum=0, maximum=10),
        Param.float("f", 0.5, help="float", minimum=0.0, maximum=1.0),
        Param.bool("b", True, help="bool"),
        Param.string("s", "x", help="string"),
        Param.text("t", "x", help="text"),
        Param.choice("c", "a", ("a", "b"), help="choice"),
        Param.seed(),
        Param.file("path", help="file", optional=True),
        Param.color("colour", "#112233", help="colour"),
        Param.provider(Capability.IMAGE),
    ),
)


def _registry() -> NodeRegistry:
    from nodes import node_specs

    registry = NodeRegistry()
    registry.register_pack("multimodal-studio", "0", node_specs)
    registry.register_pack("bundle-test", "1", lambda: [*SPECS, EVERY_KIND])
    return registry


REGISTRY = _registry()


def _base_doc() -> dict[str, Any]:
    graph = make_graph()
    graph.add_node(Node("every", "fz.every", {"i": 3, "f": 0.25, "c": "b", "path": ""}), (5, 5))
    graph.add_node(Node("gone", "missing.node", {"x": [1, {"y": None}]}, pack="missing-pack"))
    graph.groups.append(Group("Inputs", ["brief", "load"], "#224466"))
    graph.meta["description"] = "naïve café ✓ — 文字"
    return json.loads(dumps_graph(graph))


BASE_DOC = _base_doc()
BASE_BYTES = dumps_graph(parse_graph(json.dumps(BASE_DOC))).encode("utf-8")
V1_DOC = {
    "format": FORMAT,
    "version": 1,
    "nodes": {
        "a": {"type": "text.brief", "params": {}, "position": [1, 2]},
        "b": {"type": "text.prompt", "params": {}, "position": [3, 4]},
    },
    "edges": [["a", "brief", "b", "brief"]],
}

HUGE = [10**400, -(10**400), 2**63, 2**64 + 1, 10**4000, 1e308, -1e-320, 0.1]
NASTY_TEXT = [
    "",
    "\ud800",
    "\udfff",
    "\x00",
    "\u202e",
    "é" * 300,
    "a\n",
    "$",
    "..",
    "/etc/x",
    "os.system",
    "__import__('os')",
    "\\",
    "\uffff",
    "\U0010ffff",
]
leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(HUGE),
    st.sampled_from(NASTY_TEXT),
)
json_values = st.recursive(
    leaves,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.one_of(st.text(max_size=8), st.sampled_from(NASTY_TEXT)), inner, max_size=4
        )
    ),
    max_leaves=8,
)


def check(data: bytes | str) -> str:
    """The property: a usable graph, or a GraphError with a message."""
    try:
        graph = parse_graph(data)
    except GraphError as exc:
        assert exc.message.strip() and str(exc).strip()
        return "refused"
    for node_id in graph.nodes:
        assert NODE_ID.fullmatch(node_id), node_id
    problems = validate_graph(graph, REGISTRY)
    assert all(isinstance(p, GraphError) and p.message for p in problems)
    text = dumps_graph(graph)
    text.encode("utf-8")  # a graph that opens must be savable
    again = parse_graph(text)
    validate_graph(again, REGISTRY)  # as on opening: marks the nodes whose pack is missing
    assert dumps_graph(again) == text
    return "loaded"


def _slots(value: Any, path: tuple = ()) -> list[tuple]:
    """Every place in a document a value could be replaced or deleted."""
    found = [path]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _slots(child, (*path, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            found += _slots(child, (*path, i))
    return found


def _apply(doc: Any, path: tuple, action: str, new: Any) -> Any:
    if not path:
        return new if action != "delete" else {}
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    last = path[-1]
    if action == "delete":
        del parent[last]
    elif action == "add" and isinstance(parent, dict):
        parent[f"{last}_extra"] = new
    else:
        parent[last] = new
    return doc


# Each example checks the file after every mutation step: thousands of files in all.
@settings(SAFETY, max_examples=examples(600))
@given(data=st.data())
def test_structurally_mutated_graphs(data):
    doc = copy.deepcopy(data.draw(st.sampled_from([BASE_DOC, V1_DOC])))
    for _ in range(data.draw(st.integers(1, 4))):
        path = data.draw(st.sampled_from(_slots(doc)))
        action = data.draw(st.sampled_from(["replace", "replace", "delete", "add"]))
        doc = _apply(doc, path, action, data.draw(json_values))
        check(json.dumps(doc))
    check(json.dumps(doc, ensure_ascii=False).encode("utf-8", "surrogatepass"))


node_like = st.fixed_dictionaries(
    {
        "type": st.sampled_from(
            ["text.brief", "text.prompt", "bt.load", "bt.stamp", "fz.every", "x.y"]
        )
        | json_values
    },
    optional={
        "params": st.dictionaries(
            st.sampled_from(
                [
                    "i",
                    "f",
                    "b",
                    "s",
                    "t",
                    "c",
                    "seed",
                    "path",
                    "colour",
                    "provider",
                    "file",
                    "template",
                    "subject",
                ]
            ),
            json_values,
            max_size=4,
        )
        | json_values,
        "title": json_values,
        "type_version": json_values,
        "pack": json_values,
    },
)
ids = st.sampled_from(["a", "b", "c", "load", "stamp"]) | st.text(max_size=6)
edge_like = st.fixed_dictionaries(
    {
        "from": ids | json_values,
        "out": st.sampled_from(["text", "image", "brief"]) | json_values,
        "to": ids | json_values,
        "in": st.sampled_from(["text", "image", "brief"]) | json_values,
    },
    optional={"order": json_values},
)
documents = st.fixed_dictionaries(
    {"format": st.just(FORMAT) | json_values, "version": st.sampled_from([1, 2]) | json_values},
    optional={
        "nodes": st.dictionaries(ids, node_like | json_values, max_size=5) | json_values,
        "edges": st.lists(edge_like | json_values, max_size=5) | json_values,
        "layout": st.fixed_dictionaries(
            {},
            optional={
                "positions": st.dictionaries(ids, st.lists(json_values, max_size=3) | json_values),
                "groups": st.lists(
                    st.fixed_dictionaries(
                        {},
                        optional={
                            "title": json_values,
                            "nodes": st.lists(ids | json_values),
                            "color": json_values,
                        },
                    )
                    | json_values,
                    max_size=3,
                ),
            },
        )
        | json_values,
        "meta": json_values,
    },
)


@settings(SAFETY, max_examples=examples(500))
@given(doc=documents)
def test_generated_graph_documents(doc):
    check(json.dumps(doc))


TOKENS = [
    b'"',
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b":",
    b"1e999",
    b"NaN",
    b"-Infinity",
    b"-0",
    b'"\\ud800"',
    b"\\u0000",
    b"9" * 5000,
    b"true",
    b"null",
    b"\xff",
    b"\xef\xbb\xbf",
    b"\xc3",
    b'"nodes"',
    b'"type"',
    b'"version": 3',
    b"[" * 3000,
]


@settings(SAFETY, max_examples=examples(1000))
@given(data=st.data())
def test_byte_mutated_graph_files(data):
    raw = bytearray(BASE_BYTES)
    for _ in range(data.draw(st.integers(1, 6))):
        at = data.draw(st.integers(0, len(raw)))
        op = data.draw(st.sampled_from(["flip", "delete", "insert", "token", "truncate"]))
        if op == "flip" and at < len(raw):
            raw[at] ^= 1 << data.draw(st.integers(0, 7))
        elif op == "delete":
            del raw[at : at + data.draw(st.integers(1, 40))]
        elif op == "insert":
            raw[at:at] = data.draw(st.binary(min_size=1, max_size=8))
        elif op == "token":
            raw[at:at] = data.draw(st.sampled_from(TOKENS))
        elif op == "truncate":
            del raw[at:]
        check(bytes(raw))


@settings(SAFETY, max_examples=examples(100))
@given(
    depth=st.integers(1, 5_000) | st.sampled_from([900, 990, 1000, 50_000]),
    slot=st.sampled_from(["format", "version", "nodes", "meta", "params", "position", "group"]),
)
def test_deep_nesting_anywhere(depth, slot):
    doc = copy.deepcopy(BASE_DOC)
    marker = "__DEEP__"
    if slot == "params":
        doc["nodes"]["brief"]["params"]["subject"] = marker
    elif slot == "position":
        doc["layout"]["positions"]["brief"] = marker
    elif slot == "group":
        doc["layout"]["groups"][0]["nodes"] = marker
    else:
        doc[slot] = marker
    deep = "[" * depth + "]" * depth if depth % 2 else '{"a":' * depth + "1" + "}" * depth
    check(json.dumps(doc).replace(json.dumps(marker), deep))


def test_the_seed_files_load():
    assert check(BASE_BYTES) == "loaded"
    assert check(json.dumps(V1_DOC)) == "loaded"


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\x00" * 100,
        b"\xff\xfe{",
        b"[]",
        b"null",
        b"0",
        b'{"format": "multimodal-studio.graph", "version": 2}',
    ],
)
def test_odd_files_on_disk(tmp_path, content):
    path = tmp_path / "g.json"
    path.write_bytes(content)
    try:
        graph = load_graph(path)
    except GraphError as exc:
        assert exc.message
    else:
        assert graph.nodes == {}
    with pytest.raises(GraphError, match="folder"):
        load_graph(tmp_path)
    with pytest.raises(GraphError, match="no such file"):
        load_graph(tmp_path / "none.json")


def test_recursion_limit_is_not_raised_by_the_suite():
    # The deep-nesting test must meet the interpreter's real limit, not a raised one.
    assert sys.getrecursionlimit() <= 10_000
    assert isinstance(Path, type)
