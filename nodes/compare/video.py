"""compare.video — one picture set in motion by several providers, models and seeds."""

from __future__ import annotations

from nodes.compare._common import compare_spec
from nodes.video.from_image import SPEC as FROM_IMAGE
from studio.api import PortType

SPEC = compare_spec(
    FROM_IMAGE,
    node_id="compare.video",
    title="Compare Motion",
    list_type=PortType.VIDEO_LIST,
    help="Sets one picture in motion with several candidates, each a provider, a model and a "
    "seed, at once within each provider's limit, and shows the clips as a grid to play, with "
    "each one's provider, model, time and cost. Click a cell to choose the one that flows "
    "downstream: every candidate is cached, so changing the pick costs nothing.",
)
