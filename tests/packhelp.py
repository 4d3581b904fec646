"""Write a one-module node pack laid out as pip installs it (a module plus its dist-info), so the
studio finds it through its entry point, in this process or in a `studio` child process."""

from __future__ import annotations

import os
from pathlib import Path


def write_pack(site: Path, module: str, source: str, dist: str = "") -> Path:
    """`module.py` exporting `node_specs`, registered as a pack; returns `site` (a path entry)."""
    dist = dist or module.replace("_", "-")
    site.mkdir(parents=True, exist_ok=True)
    (site / f"{module}.py").write_text(source)
    info = site / f"{dist.replace('-', '_')}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        f"[multimodal_studio.nodes]\n{module} = {module}:node_specs\n"
    )
    return site


def env_with(site: Path) -> dict[str, str]:
    """The environment for a child process that sees the pack (and the code under test)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(site), env.get("PYTHONPATH", "")) if p)
    return env


# A pack with one slow node type, `slow.step` (20 s unless cancelled), for cancel and signal tests.
SLOW_PACK = """
import asyncio
from studio.api import NodeSpec, Output, PortType


async def run(ctx, inputs, params):
    for i in range(400):
        ctx.check_cancelled()
        ctx.progress(i / 400)
        await asyncio.sleep(0.05)
    return {"text": "done"}


def node_specs():
    return [NodeSpec(id="slow.step", title="Step", category="Slow", version=1, run=run,
                     outputs=(Output("text", PortType.TEXT),))]
"""
