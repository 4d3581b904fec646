"""Take the viewer screenshot: the example's finished video playing in the viewer (Xvfb, 1600x1000).

    xvfb-run -s '-screen 0 1600x1000x24' python docs/screenshots/take_viewer_screenshot.py

Runs the lighthouse example on throw-away folders, double-clicks the timeline's preview as a user
would, plays the video for a few seconds and writes viewer-video.png beside this file while it
plays.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from shots import example_copy, save, take, until


async def scenario(window, home: Path) -> None:
    from PySide6.QtCore import QPointF, Qt
    from PySide6.QtTest import QTest

    window.open_path(example_copy(home))
    window.run_all()
    await until(lambda: not window.runner.busy, 900)
    item = window.scene.nodes["timeline"]
    window.scene.select_nodes(["timeline"])
    window.view.fit(window.scene.nodes_rect(["motion_sea", "timeline", "export"]))
    await until(lambda: getattr(item.preview_item, "poster", None) is not None, 60)
    preview = item.preview_item
    at = window.view.mapFromScene(preview.mapToScene(preview.picture.center() - QPointF(0, 10)))
    QTest.mouseDClick(
        window.view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at
    )
    page = window.viewer.panel.video_page
    await until(lambda: page.view.painted_image is not None, 30)
    page.seek(7.0)  # into the second shot, a caption on screen
    await asyncio.sleep(0.5)
    QTest.keyClick(page, Qt.Key.Key_Space)  # play
    await asyncio.sleep(2.5)
    assert page.playing, "the video should be playing for the screenshot"
    save(window, "viewer-video.png")
    page.pause()


if __name__ == "__main__":
    raise SystemExit(take(scenario))
