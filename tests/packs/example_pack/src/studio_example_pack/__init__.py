"""An example node pack for Multimodal Studio.

The studio calls `node_specs()` through the entry point `multimodal_studio.nodes` (see
pyproject.toml) and registers every spec it returns under this distribution's name.
"""

from __future__ import annotations

__version__ = "1.0.0"


def node_specs():
    """Every node of the pack. Imported lazily, so listing entry points stays cheap."""
    from studio_example_pack import reverse, tone

    return [reverse.SPEC, tone.SPEC]
