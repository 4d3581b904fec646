"""App mode's Export offers the containers the Export Video node writes (MP4, WebM, GIF): the
result's own is copied, another is converted in a worker thread with progress on the bar and
Cancel, written atomically, while the window keeps running. Driven through the buttons."""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QTimer
from test_app_mode import click, small_graph, streams

from studio.media import export as media_export


def rendered(qtbot, make_app, folder: Path, seconds: str = "0.5"):
    app = make_app(small_graph(folder))
    app.form.editors["seconds"].set_value(seconds)
    click(app.render_button)
    qtbot.waitUntil(lambda: app.status.text().startswith("Done"), timeout=60_000)
    assert app.result_artifact().path.suffix == ".mp4"
    return app


def held_until(gate: threading.Event, real):
    """The real conversion, started only once the gate opens: the test can see the Qt loop
    running while a conversion is in its worker thread, however fast the machine."""

    def waiting(*args, **kwargs):
        if not gate.wait(30):
            raise TimeoutError("the test never opened the gate")
        return real(*args, **kwargs)

    return waiting


def test_export_converts_to_webm_and_gif_off_the_qt_thread_with_progress(
    qtbot, make_app, tmp_path, monkeypatch
):
    app = rendered(qtbot, make_app, tmp_path, "2")
    gate = threading.Event()
    monkeypatch.setattr(media_export, "export_video", held_until(gate, media_export.export_video))
    out = tmp_path / "out"
    out.mkdir()
    offered, chosen = [], iter([out / "card.webm", out / "card.gif", out / "card"])
    app.ask_export_path = lambda parent, suggested, formats: (
        offered.append((suggested.name, formats)) or str(next(chosen))
    )
    bar = []
    app.progress.valueChanged.connect(bar.append)
    ticks = []  # the Qt loop keeps running while the conversion works
    timer = QTimer(app)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(10)

    click(app.export_button)
    assert [ext for ext, _text in offered[0][1]] == ["mp4", "webm", "gif"]
    assert offered[0][0] == "card.mp4"
    qtbot.waitUntil(lambda: app.converting is not None)
    assert app.status.text() == "Converting to WEBM: card.webm…"
    assert not app.export_button.isEnabled() and not app.render_button.isEnabled()
    assert app.cancel_button.isEnabled()
    seen = len(ticks)  # the worker holds at the gate; the loop must go on ticking meanwhile
    qtbot.waitUntil(lambda: len(ticks) >= seen + 3, timeout=5_000)
    assert app.converting is not None
    gate.set()
    qtbot.waitUntil(lambda: app.status.text() == f"Exported to {out / 'card.webm'}", timeout=60_000)
    timer.stop()
    assert streams(out / "card.webm") == [("video", "vp9")]  # the card has no sound
    assert any(0 < v < 1000 for v in bar) and app.progress.value() == 1000
    assert app.export_button.isEnabled() and app.render_button.isEnabled()

    click(app.export_button)  # a GIF: no sound
    qtbot.waitUntil(lambda: app.status.text() == f"Exported to {out / 'card.gif'}", timeout=60_000)
    assert streams(out / "card.gif") == [("video", "gif")]

    click(app.export_button)  # no extension typed: the result's own, copied as it is
    qtbot.waitUntil(lambda: app.status.text() == f"Exported to {out / 'card.mp4'}", timeout=60_000)
    assert (out / "card.mp4").read_bytes() == app.result_artifact().path.read_bytes()
    assert sorted(p.name for p in out.iterdir()) == ["card.gif", "card.mp4", "card.webm"]


def test_cancel_stops_a_conversion_and_leaves_nothing_behind(qtbot, make_app, tmp_path):
    app = rendered(qtbot, make_app, tmp_path, "20")
    out = tmp_path / "out"
    out.mkdir()
    app.ask_export_path = lambda parent, suggested, formats: str(out / "long.webm")
    click(app.export_button)
    qtbot.waitUntil(lambda: app.converting is not None and app.progress.value() > 0, timeout=30_000)
    click(app.cancel_button)
    qtbot.waitUntil(lambda: app.converting is None, timeout=30_000)
    assert app.status.text() == "Export cancelled: nothing was written."
    assert list(out.iterdir()) == []  # no file, no part file
    assert app.export_button.isEnabled() and not app.cancel_button.isEnabled()
