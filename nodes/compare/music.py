"""compare.music — one musical brief composed by several providers, models and seeds."""

from __future__ import annotations

from nodes.audio.music import SPEC as MUSIC
from nodes.compare._common import compare_spec
from studio.api import PortType

SPEC = compare_spec(
    MUSIC,
    node_id="compare.music",
    title="Compare Music",
    list_type=PortType.AUDIO_LIST,
    help="Composes one mood (prompt, brief, picture) with several candidates, each a provider, "
    "a model and a seed, at once within each provider's limit, and shows them as a grid to "
    "listen to, with each one's provider, model, time and cost. Click a cell to choose the "
    "one that flows downstream: every candidate is cached, so changing the pick costs nothing.",
)
