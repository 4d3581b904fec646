"""The offline engines: every modality on this computer, with no network and no account."""

from __future__ import annotations

from studio.providers.offline.provider import OfflineProvider

PROVIDERS = [OfflineProvider()]

__all__ = ["PROVIDERS", "OfflineProvider"]
