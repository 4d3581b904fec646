"""Multimodal Studio: a node-graph studio for images, video, speech and music."""

__version__ = "0.1.0"
