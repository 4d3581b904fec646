"""The video containers the studio writes and what each holds: the one list that the encoder,
the Export Video and Versions nodes and the export dialogs all offer."""

from __future__ import annotations

VIDEO_CONTAINERS = {
    "mp4": "MP4 video, H.264 + AAC",
    "webm": "WebM video, VP9 + Opus",
    "gif": "GIF animation, no sound",
}
VIDEO_FORMATS = tuple(VIDEO_CONTAINERS)

# What a version's picture track and soundtrack are made in, so that joining them copies packets
# and encodes nothing: H.264 + AAC for MP4 (GIF is re-encoded from that), VP9 + Opus for WebM.
TRACK_CONTAINERS = ("mp4", "webm")


def track_container(container: str) -> str:
    """The track container a version in `container` is joined from."""
    return "webm" if container == "webm" else "mp4"
