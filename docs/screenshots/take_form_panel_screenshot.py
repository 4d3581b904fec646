"""Take the Form panel screenshot: the lighthouse example's form in View > Form (Xvfb).

    xvfb-run -a -s '-screen 0 1600x1000x24' python docs/screenshots/take_form_panel_screenshot.py

Opens a copy of the example on throw-away folders, shows View > Form, chooses the voice field
and writes form-panel.png (the whole window: the field's Name, Label, Help and allowed values)
beside this file.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from shots import example_copy, save, take, until  # noqa: E402


async def scenario(window, home: Path) -> None:
    window.open_path(example_copy(home / "graphs"))
    window.docks["form"].toggleViewAction().trigger()
    editor = window.form_editor
    await until(editor.isVisible, 10)
    names = [editor.list.item(i).text() for i in range(editor.list.count())]
    editor.list.setCurrentRow(next(i for i, n in enumerate(names) if n.startswith("Voice")))
    await until(lambda: True, 1)
    save(window, "form-panel.png")


if __name__ == "__main__":
    raise SystemExit(take(scenario))
