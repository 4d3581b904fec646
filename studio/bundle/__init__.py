"""Project bundles (`.studiopack`): a graph with its assets, optionally its cached results.

A bundle is a zip::

    graph.json                     the graph, file params rewritten to point into assets/
    assets/...                     every file the graph's file params refer to
    results/objects/<sha256><ext>  media outputs of cached results (only with --with-results)
    manifest.json                  sha256 and size of every other member, the node packs used,
                                   and per included result its outputs and provenance

Unpacking trusts nothing in the zip: every name, type, size and digest is checked before a byte is
written, the files go to a temp folder beside the target that is renamed into place at the end, and
imported results enter the cache only through `Cache.ingest` after their digests were checked.
Nothing in a bundle is ever imported or executed.
"""

from __future__ import annotations

from studio.bundle.format import BundleError, BundleInfo, BundleLimits
from studio.bundle.pack import pack_graph
from studio.bundle.unpack import unpack_bundle

__all__ = ["BundleError", "BundleInfo", "BundleLimits", "pack_graph", "unpack_bundle"]
