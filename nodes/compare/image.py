"""compare.image — one prompt painted by several providers, models and seeds, side by side."""

from __future__ import annotations

from nodes.compare._common import compare_spec
from nodes.image.generate import SPEC as GENERATE
from studio.api import PortType

SPEC = compare_spec(
    GENERATE,
    node_id="compare.image",
    title="Compare Images",
    list_type=PortType.IMAGE_LIST,
    help="Sends one prompt (and brief) to several candidates, each a provider, a model and a "
    "seed, at once within each provider's limit, and shows the pictures as a grid with each "
    "one's provider, model, time and cost. Click a cell to choose the one that flows "
    "downstream: every candidate is cached, so changing the pick costs nothing. A candidate "
    "that fails shows its reason in its cell; the node fails only when all of them do.",
)
