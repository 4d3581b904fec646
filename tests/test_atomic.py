from __future__ import annotations

import os
import stat

from studio.atomic import write_text_atomic


def test_a_new_file_gets_the_usual_mode_and_an_existing_one_keeps_its_own(tmp_path):
    import studio.atomic

    umask = os.umask(0o022)
    try:
        new = tmp_path / "new.json"
        write_text_atomic(new, "{}")
        assert stat.S_IMODE(new.stat().st_mode) == 0o666 & ~studio.atomic._UMASK
        shared = tmp_path / "shared.json"
        shared.write_text("old")
        shared.chmod(0o664)
        write_text_atomic(shared, "new")
        assert shared.read_text() == "new"
        assert stat.S_IMODE(shared.stat().st_mode) == 0o664
    finally:
        os.umask(umask)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.json", "shared.json"]


def test_pictures_sounds_and_bundles_are_readable_like_any_file_the_user_writes(tmp_path):
    """mkstemp makes temp files private (0600): a shared sheet, WAV or bundle must not be."""
    import numpy as np
    from PIL import Image

    import studio.atomic
    from studio.bundle.pack import pack_graph
    from studio.engine.cache import Cache
    from studio.engine.registry import NodeRegistry
    from studio.graph.fileformat import save_graph
    from studio.graph.model import Graph
    from studio.media.audio_io import write_wav
    from studio.media.images import save_png_atomic

    usual = 0o666 & ~studio.atomic._UMASK
    save_png_atomic(Image.new("RGB", (4, 4)), tmp_path / "sheet.png")
    write_wav(tmp_path / "voice.wav", np.zeros((480, 2)))
    save_graph(Graph(), tmp_path / "piece.studiograph")
    pack_graph(
        tmp_path / "piece.studiograph",
        tmp_path / "piece.studiopack",
        registry=NodeRegistry(),
        cache=Cache(tmp_path / "cache"),
    )
    for name in ("sheet.png", "voice.wav", "piece.studiopack"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == usual, name
    left = sorted(p.name for p in tmp_path.iterdir() if p.name != "cache")
    assert left == ["piece.studiograph", "piece.studiopack", "sheet.png", "voice.wav"]


def test_an_exported_copy_of_a_private_cache_file_is_the_users_own_file(tmp_path):
    import studio.atomic
    from studio.gui.export_dialog import copy_result

    cached = tmp_path / "cache" / "result.mp4"
    cached.parent.mkdir()
    cached.write_bytes(b"video")
    cached.chmod(0o600)
    copy_result(cached, tmp_path / "out" / "piece.mp4")
    exported = tmp_path / "out" / "piece.mp4"
    assert exported.read_bytes() == b"video"
    assert stat.S_IMODE(exported.stat().st_mode) == 0o666 & ~studio.atomic._UMASK
    assert [p.name for p in exported.parent.iterdir()] == ["piece.mp4"]
