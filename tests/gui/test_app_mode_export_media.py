"""App mode's Export of a picture (PNG, JPEG, WebP) and a sound (WAV, FLAC, MP3, Opus, M4A): the
result's own format is copied byte for byte, another is converted in the background through
the same path as a video's, and a bad source or a failed write says why, leaving nothing.
Driven through the buttons, with the save dialog's answer given by the test."""

from __future__ import annotations

from pathlib import Path

import av
from PIL import Image
from test_app_mode import click

from studio.graph.fileformat import save_graph
from studio.graph.form import Form, FormField
from studio.graph.model import Graph, Node
from studio.media.sound_convert import sound_formats


def picture_graph(folder: Path) -> Path:
    graph = Graph()
    graph.add_node(Node("card", "image.title_card", {"title": "Hi", "width": 96, "height": 54}))
    graph.form = Form(result="card", fields=[FormField("title", "card", "title", label="Title")])
    path = folder / "card.studiograph"
    save_graph(graph, path)
    return path


def sound_graph(folder: Path) -> Path:
    graph = Graph()
    graph.add_node(Node("music", "audio.music", {"duration": 1.5}))
    graph.form = Form(
        result="music", fields=[FormField("seconds", "music", "duration", label="Length")]
    )
    path = folder / "tune.studiograph"
    save_graph(graph, path)
    return path


def rendered(qtbot, make_app, graph: Path):
    app = make_app(graph)
    click(app.render_button)
    qtbot.waitUntil(lambda: app.status.text().startswith("Done"), timeout=120_000)
    return app


def export_to(qtbot, app, target: Path, expect: str = "", offered: list | None = None) -> None:
    """Click Export…, answer the save dialog with `target`, wait for the status line `expect`
    (by default: exported to `target`)."""
    app.ask_export_path = lambda parent, suggested, formats: (
        (offered is not None and offered.append((suggested.name, formats))) or str(target)
    )
    click(app.export_button)
    expect = expect or f"Exported to {target}"
    qtbot.waitUntil(lambda: app.status.text() == expect, timeout=60_000)
    assert app.converting is None and app.export_button.isEnabled()


FAILED = "Export failed: nothing was written."


def played(path: Path) -> tuple[str, float]:
    """The codec and the seconds a player decodes from a sound file."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        samples = sum(frame.samples for frame in container.decode(stream))
        return stream.codec_context.name, samples / stream.codec_context.sample_rate


def test_a_picture_exports_as_jpeg_and_webp_and_its_own_png_as_it_is(qtbot, make_app, tmp_path):
    app = rendered(qtbot, make_app, picture_graph(tmp_path))
    source = Path(app.result_artifact().path)
    assert source.suffix == ".png"
    out = tmp_path / "out"
    out.mkdir()
    offered: list = []
    export_to(qtbot, app, out / "card.jpg", offered=offered)
    assert offered[0][0] == "card.png"
    assert [ext for ext, _text in offered[0][1]] == ["png", "jpg", "webp"]
    assert "flattened onto white" in dict(offered[0][1])["jpg"]
    with Image.open(out / "card.jpg") as image:
        assert (image.format, image.size) == ("JPEG", (96, 54))

    export_to(qtbot, app, out / "card.webp")
    with Image.open(out / "card.webp") as image:
        assert (image.format, image.size) == ("WEBP", (96, 54))

    # No extension typed: its own PNG, copied.
    export_to(qtbot, app, out / "card", f"Exported to {out / 'card.png'}")
    assert (out / "card.png").read_bytes() == source.read_bytes()
    assert sorted(p.name for p in out.iterdir()) == ["card.jpg", "card.png", "card.webp"]
    assert app.progress.value() == 1000 and app.render_button.isEnabled()


def test_a_sound_exports_as_flac_and_a_lossy_format_of_the_same_length(qtbot, make_app, tmp_path):
    app = rendered(qtbot, make_app, sound_graph(tmp_path))
    source = Path(app.result_artifact().path)
    assert source.suffix == ".wav"
    _codec, seconds = played(source)
    out = tmp_path / "out"
    out.mkdir()
    offered: list = []
    export_to(qtbot, app, out / "tune.flac", offered=offered)
    assert [ext for ext, _text in offered[0][1]] == list(sound_formats())
    codec, length = played(out / "tune.flac")
    assert codec == "flac" and abs(length - seconds) <= 0.05

    lossy = "mp3" if "mp3" in sound_formats() else "opus"
    export_to(qtbot, app, out / f"tune.{lossy}")
    codec, length = played(out / f"tune.{lossy}")
    assert codec.startswith(lossy) and abs(length - seconds) <= 0.05, (codec, length, seconds)

    export_to(qtbot, app, out / "tune.m4a")
    codec, length = played(out / "tune.m4a")
    assert codec == "aac" and abs(length - seconds) <= 0.05, length

    export_to(qtbot, app, out / "tune.wav")  # its own: copied byte for byte
    assert (out / "tune.wav").read_bytes() == source.read_bytes()
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["tune.flac", f"tune.{lossy}", "tune.m4a", "tune.wav"]
    )


def test_a_failed_write_or_a_bad_source_says_why_and_leaves_nothing(qtbot, make_app, tmp_path):
    app = rendered(qtbot, make_app, picture_graph(tmp_path))
    out = tmp_path / "out"
    (out / "card.jpg").mkdir(parents=True)  # where the file should go, a folder stands
    export_to(qtbot, app, out / "card.jpg", FAILED)
    assert app.problem.isVisible()
    assert app.problem.text() == f"Could not export to {out / 'card.jpg'}: Is a directory"
    assert [p.name for p in out.iterdir()] == ["card.jpg"] and not any((out / "card.jpg").iterdir())

    source = Path(app.result_artifact().path)
    source.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))  # the result's file, damaged since
    app.status.setText("")  # the same failure line again: wait for it anew
    export_to(qtbot, app, out / "card.webp", FAILED)
    assert app.problem.text() == (
        f"Could not export to {out / 'card.webp'}: the result is cut short or damaged: "
        "it starts like a PNG picture, but the rest cannot be read"
    )
    assert [p.name for p in out.iterdir()] == ["card.jpg"]
    assert app.export_button.isEnabled() and not app.cancel_button.isEnabled()
    # Rendered again (the damaged cache entry is found and made anew), it exports, and the
    # earlier failure is no longer shown.
    click(app.render_button)
    qtbot.waitUntil(lambda: app.status.text().startswith("Done"), timeout=60_000)
    export_to(qtbot, app, out / "again.webp")
    assert not app.problem.isVisible()
    with Image.open(out / "again.webp") as image:
        assert image.format == "WEBP"
