"""Take the screenshots of the welcome screen and its template gallery, under Xvfb at 1600x1000:

    xvfb-run -a -s '-screen 0 1600x1000x24' python docs/screenshots/take_welcome_screenshots.py

Writes welcome.png (the screen as the studio starts: the ways in, recent files with a picture of
their graph, the gallery) and template-gallery.png (the gallery, the pointer on a card) beside
this file. Throw-away folders: the recent files are two projects opened here first.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from shots import example_copy, save, take


async def scenario(window, home: Path) -> None:
    from PySide6.QtCore import QPoint
    from PySide6.QtTest import QTest

    from studio.gui.welcome import show_welcome
    from studio.templates import find_template

    # Two graphs opened before, so the recent list has pictures of them.
    podcast = find_template("podcast_audiogram")
    assert podcast is not None
    folder = home / "Videos"
    sources = [(podcast.graph, "harbour-lights.studiograph"), (None, "lighthouse.studiograph")]
    for source, name in sources:
        if source is None:
            graph = example_copy(folder / "lighthouse", name)
        else:
            (folder / "harbour").mkdir(parents=True, exist_ok=True)
            graph = folder / "harbour" / name
            graph.write_bytes(source.read_bytes())
        window.open_path(graph)
        await asyncio.sleep(1.0)
        window.view.fit_all()
        await asyncio.sleep(0.5)
        window._save_to(graph)  # the picture of the graph is taken when it is saved
        await asyncio.sleep(0.3)
    window.new_document()
    await asyncio.sleep(0.5)

    screen = show_welcome(window)
    await asyncio.sleep(1.5)
    save(screen, "welcome.png")

    card = next(c for c in screen.cards if c.title.text() == "Lighthouse explainer")
    QTest.mouseMove(card, QPoint(120, 80))  # the pointer on a card: its border lights up
    await asyncio.sleep(0.8)
    gallery = screen.cards[0].parentWidget()
    cards = screen.cards[0].geometry()
    for other in screen.cards[1:]:
        cards = cards.united(other.geometry())
    save(gallery.grab(cards.adjusted(-8, -8, 8, 8)), "template-gallery.png")


def main() -> int:
    # A short, fixed folder: the recent list shows where each graph is.
    home = Path(tempfile.gettempdir()) / "mms"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir()
    return take(scenario, home=home)


if __name__ == "__main__":
    raise SystemExit(main())
