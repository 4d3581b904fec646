"""compare.speech — one text spoken by several providers and models, side by side."""

from __future__ import annotations

from nodes.audio.speech import SPEC as SPEECH
from nodes.compare._common import compare_spec
from studio.api import PortType

SPEC = compare_spec(
    SPEECH,
    node_id="compare.speech",
    title="Compare Voices",
    list_type=PortType.AUDIO_LIST,
    help="Speaks one text with several candidates, each a provider and a model (the voice, "
    "rate and pitch are shared: a voice name one service does not know fails in its cell), at "
    "once within each provider's limit, and shows them as a grid to listen to, with each "
    "one's provider, model, time and cost. Click a cell to choose the one that flows "
    "downstream: every candidate is cached, so changing the pick costs nothing.",
)
