"""Compose nodes: the timeline that puts clips, narration, music and captions together."""
