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
