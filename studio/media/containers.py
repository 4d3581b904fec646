"""The video containers the studio writes and what each holds: the one list that the encoder,
the Export Video and Versions nodes and the export dialogs all offer."""

from __future__ import annotations

VIDEO_CONTAINERS = {
    "mp4": "MP4 video, H.264 + AAC",
    "webm": "WebM video, VP9 + Opus",
    "gif": "GIF animation, no sound",
}
VIDEO_FORMATS = tuple(VIDEO_CONTAINERS)
