from __future__ import annotations

import inspect

from studio.api import NodeSpec, Output, Param, PortType
from studio.engine.registry import NodeRegistry, check_spec, load_registry


def test_every_installed_spec_is_well_formed():
    """Walk the registry: signatures, unique names, help texts, defaults inside their ranges."""
    registry = load_registry()
    assert not registry.problems, registry.problems
    assert registry.get("text.prompt") is not None
    for spec in registry.specs():
        assert check_spec(spec) is None, spec.id
        assert list(inspect.signature(spec.run).parameters) == ["ctx", "inputs", "params"]
        assert spec.title and spec.category and spec.help, spec.id
        for param in spec.params:
            assert param.help, f"{spec.id}.{param.name} has no help"
            if param.minimum is not None and param.maximum is not None:
                assert param.minimum <= param.maximum
            if param.kind == "choice":
                assert param.default in param.choices, f"{spec.id}.{param.name}"
        for port in (*spec.inputs, *spec.outputs):
            assert isinstance(port.type, PortType)


async def _run(ctx, inputs, params):
    return {}


def test_a_broken_pack_is_reported_by_name_and_the_rest_loads():
    registry = NodeRegistry()

    def broken():
        raise ImportError("No module named 'torch'")

    def malformed():
        good = NodeSpec(
            id="ok.node",
            title="OK",
            category="T",
            version=1,
            run=_run,
            outputs=(Output("t", PortType.TEXT),),
        )
        no_help = NodeSpec(
            id="bad.help",
            title="B",
            category="T",
            version=1,
            run=_run,
            params=(Param("x", "int", 1, ""),),
        )
        bad_id = NodeSpec(id="NoNamespace", title="B", category="T", version=1, run=_run)
        return [good, no_help, bad_id, "not a spec"]

    registry.register_pack("broken-pack", "1", broken)
    registry.register_pack("mixed-pack", "2", malformed)
    problems = {(p.pack, p.message) for p in registry.problems}
    assert ("broken-pack", "failed to load: ImportError: No module named 'torch'") in problems
    messages = " ".join(m for pack, m in problems if pack == "mixed-pack")
    assert "needs a help text" in messages and "namespaced" in messages
    assert "not a NodeSpec" in messages
    assert registry.get("ok.node").pack == "mixed-pack"


def test_sync_run_and_default_out_of_range_are_refused():
    def sync_run(ctx, inputs, params):
        return {}

    spec = NodeSpec(id="a.b", title="t", category="c", version=1, run=sync_run)
    assert "async" in check_spec(spec)
    spec = NodeSpec(
        id="a.b",
        title="t",
        category="c",
        version=1,
        run=_run,
        params=(Param.int("n", 500, help="h", minimum=0, maximum=10),),
    )
    assert "at most 10" in check_spec(spec)
