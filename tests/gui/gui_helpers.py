"""Helpers shared by the GUI tests (imported by name: pytest puts this folder on sys.path)."""

from __future__ import annotations

from pathlib import Path

from studio.api import NodeSpec, Output, Param, PortType


def wait_idle(qtbot, window, timeout: int = 20_000) -> None:
    """Wait until the window's run, and every queued one, has finished."""
    qtbot.waitUntil(lambda: not window.runner.busy and not window.queue.entries, timeout=timeout)


def brief_prompt(window) -> tuple[str, str]:
    """A Creative Brief wired into a Prompt, built the way the menu commands build it."""
    brief = window.add_node("text.brief", (0.0, 0.0))
    prompt = window.add_node("text.prompt", (400.0, 0.0))
    assert window.scene.connect_ports(brief, "brief", prompt, "brief")
    return brief, prompt


async def _slow_run(ctx, inputs, params):
    import asyncio

    steps = params["steps"]
    for i in range(steps):
        ctx.check_cancelled()
        ctx.progress(i / steps, f"step {i + 1} of {steps}")
        await asyncio.sleep(params["delay"])
    return {"text": f"slept {steps} steps"}


async def _failing_run(ctx, inputs, params):
    from studio.api import NodeError

    raise NodeError(params["message"])


SLOW = NodeSpec(
    id="test.slow",
    title="Slow",
    category="Test",
    version=1,
    run=_slow_run,
    outputs=(Output("text", PortType.TEXT),),
    params=(
        Param.int("steps", 50, help="How many steps.", minimum=1, maximum=10_000),
        Param.float("delay", 0.05, help="Seconds per step.", minimum=0.0, maximum=10.0),
    ),
)
FAILING = NodeSpec(
    id="test.fail",
    title="Always Fails",
    category="Test",
    version=1,
    run=_failing_run,
    outputs=(Output("text", PortType.TEXT),),
    params=(Param.string("message", "the engine is out of paint", help="What the failure says."),),
)


def registry_with_test_nodes():
    """The installed registry plus a slow node and a failing node (for cancel and errors)."""
    from studio.engine.registry import load_registry

    registry = load_registry()
    registry.register(SLOW, pack="tests")
    registry.register(FAILING, pack="tests")
    return registry


def write_png(path: Path, size=(96, 64), colour=(200, 60, 30)) -> Path:
    from PIL import Image

    Image.new("RGB", size, colour).save(path)
    return path


def write_wav(path: Path, seconds: float = 1.0, rate: int = 16_000) -> Path:
    """A tone whose loudness ramps up: the waveform's right side must be taller than its left."""
    import wave

    import numpy as np

    t = np.arange(int(seconds * rate)) / rate
    samples = np.sin(2 * np.pi * 440 * t) * np.linspace(0.05, 0.9, t.size) * 32767
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes(samples.astype("<i2").tobytes())
    return path


def write_mp4(path: Path, frames: int = 24, size=(160, 96)) -> Path:
    """An H.264 clip at 24 fps going from red to blue."""
    import av
    import numpy as np

    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=24)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        for i in range(frames):
            image = np.zeros((size[1], size[0], 3), dtype=np.uint8)
            blue = round(255 * i / max(1, frames - 1))
            image[..., 0] = 255 - blue
            image[..., 2] = blue
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def click_menu(qtbot, window, *path: str) -> None:
    """Open a menu of the menu bar and click its items with the mouse, as a user does."""
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    bar = window.menuBar()
    top = next(a for a in bar.actions() if a.text().replace("&", "") == path[0])
    QTest.mouseMove(bar, bar.actionGeometry(top).center())  # the pointer goes there first
    QTest.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.actionGeometry(top).center())
    menu = top.menu()
    qtbot.waitUntil(menu.isVisible)
    for name in path[1:]:
        item = next(a for a in menu.actions() if a.text().replace("&", "") == name)
        target = menu.actionGeometry(item).center()
        QTest.mouseMove(menu, target + QPoint(3, 1))  # a menu acts on a mouse that moved over it
        QTest.mouseMove(menu, target)
        QTest.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(item).center())
        if item.menu() is not None:
            menu = item.menu()
            qtbot.waitUntil(menu.isVisible)
