"""A small node pack for engine tests and benches: sleeps, failures, joins and a media node."""

from __future__ import annotations

import asyncio

from studio.api import (
    Capability,
    Input,
    NodeError,
    NodeSpec,
    Output,
    Param,
    PortType,
    TextRequest,
)


async def _const(ctx, inputs, params):
    return {"text": params["value"]}


async def _sleep(ctx, inputs, params):
    # Stands in for a remote call: waits without using the CPU.
    await asyncio.sleep(params["seconds"])
    return {"text": f"{inputs.get('text') or ''}+{params['label']}"}


# group -> (how many have arrived, set when all have): nodes of one run share one event loop.
_RENDEZVOUS: dict[str, tuple[int, asyncio.Event]] = {}


async def _rendezvous(ctx, inputs, params):
    """Waits until `count` nodes of its group are running at once: proves overlap, not speed."""
    group, count = params["group"], params["count"]
    arrived, everyone = _RENDEZVOUS.get(group) or (0, asyncio.Event())
    _RENDEZVOUS[group] = (arrived + 1, everyone)
    if arrived + 1 >= count:
        everyone.set()
    try:
        await asyncio.wait_for(everyone.wait(), params["patience"])
    except TimeoutError:
        seen = _RENDEZVOUS[group][0]
        raise NodeError(f"only {seen} of {count} nodes of {group!r} ran at once") from None
    return {"text": f"+{params['label']}"}


async def _fail(ctx, inputs, params):
    raise NodeError(params["message"])


async def _crash(ctx, inputs, params):
    return {"text": 1 / 0}


async def _warn(ctx, inputs, params):
    ctx.warn(params["message"])
    return {"text": "degraded"}


async def _bad_meta(ctx, inputs, params):
    import numpy as np

    path = ctx.scratch / "out.bin"
    path.write_bytes(b"pixels")
    # A third-party node's easy mistake: a numpy scalar where JSON needs a plain number.
    return {"image": await ctx.store(path, "image", {"loudness": np.float32(-14.2)})}


async def _cancel_fails(ctx, inputs, params):
    async def cancel_remote_job():
        raise RuntimeError("the provider answered 500 to the cancel")

    ctx.on_cancel(cancel_remote_job)
    ctx.progress(None, "remote job accepted")
    for _ in range(3000):
        ctx.check_cancelled()
        await asyncio.sleep(0.01)
    return {"text": "never cancelled"}


async def _join(ctx, inputs, params):
    return {"text": params["separator"].join(inputs["texts"])}


async def _media(ctx, inputs, params):
    path = ctx.scratch / "out.bin"
    data = (inputs.get("text") or params["content"]).encode()
    await ctx.run_cpu(path.write_bytes, data)
    ctx.progress(1.0, "written")
    return {"image": await ctx.store(path, "image", {"size": len(data)})}


async def _wait_cancel(ctx, inputs, params):
    for _ in range(1000):
        ctx.check_cancelled()
        await asyncio.sleep(0.01)
    return {"text": "never cancelled"}


async def _remote(ctx, inputs, params):
    provider = ctx.providers.get(params["provider"], Capability.TEXT)
    result = await provider.complete_text(TextRequest(prompt=params["prompt"]), ctx)
    return {"text": result.text}


def _text_spec(id, run, params=(), inputs=(), version=1):
    return NodeSpec(
        id=id,
        title=id,
        category="Test",
        version=version,
        run=run,
        inputs=inputs,
        outputs=(Output("text", PortType.TEXT),),
        params=params,
    )


OPTIONAL_TEXT = (Input("text", PortType.TEXT, optional=True),)

SPECS = [
    _text_spec("test.const", _const, (Param.string("value", "x", help="the text"),)),
    _text_spec(
        "test.sleep",
        _sleep,
        (
            Param.float("seconds", 0.0, help="wait", minimum=0, maximum=60),
            Param.string("label", "s", help="appended"),
        ),
        OPTIONAL_TEXT,
    ),
    _text_spec(
        "test.rendezvous",
        _rendezvous,
        (
            Param.string("group", "g", help="nodes meeting each other"),
            Param.int("count", 2, help="how many meet", minimum=1, maximum=100),
            Param.float("patience", 30.0, help="seconds to wait for the others", minimum=0),
            Param.string("label", "r", help="the output"),
        ),
    ),
    _text_spec(
        "test.fail", _fail, (Param.string("message", "boom", help="the error"),), OPTIONAL_TEXT
    ),
    _text_spec("test.crash", _crash, (), OPTIONAL_TEXT),
    _text_spec(
        "test.join",
        _join,
        (Param.string("separator", ",", help="between"),),
        (Input("texts", PortType.TEXT_LIST),),
    ),
    _text_spec("test.wait_cancel", _wait_cancel, (), OPTIONAL_TEXT),
    _text_spec("test.cancel_fails", _cancel_fails, (), OPTIONAL_TEXT),
    _text_spec("test.warn", _warn, (Param.string("message", "font replaced", help="the warning"),)),
    NodeSpec(
        id="test.bad_meta",
        title="bad metadata",
        category="Test",
        version=1,
        run=_bad_meta,
        outputs=(Output("image", PortType.IMAGE),),
    ),
    _text_spec(
        "test.remote",
        _remote,
        (
            Param.provider(Capability.TEXT, default="slow"),
            Param.string("prompt", "p", help="the prompt"),
        ),
    ),
    NodeSpec(
        id="test.media",
        title="media",
        category="Test",
        version=1,
        run=_media,
        inputs=OPTIONAL_TEXT,
        outputs=(Output("image", PortType.IMAGE),),
        params=(
            Param.string("content", "pixels", help="file content"),
            Param.int("width", 64, help="width", minimum=1, maximum=4096),
        ),
    ),
]


def specs():
    return SPECS


def chain(*nodes):
    """A graph of (id, type, params) nodes, each one's text output into the next one's input."""
    from studio.graph.model import Graph, Node

    graph = Graph()
    previous = None
    for node_id, type_id, params in nodes:
        graph.add_node(Node(node_id, type_id, params))
        if previous:
            graph.connect(previous, "text", node_id, "text")
        previous = node_id
    return graph


def make_registry():
    from studio.engine.registry import NodeRegistry

    registry = NodeRegistry()
    registry.register_pack("test-pack", "1.0", specs)
    from nodes import node_specs

    registry.register_pack("multimodal-studio", "0", node_specs)
    return registry
