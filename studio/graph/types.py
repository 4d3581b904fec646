"""Port types and the rule for which outputs may feed which inputs."""

from __future__ import annotations

from enum import Enum


class PortType(str, Enum):
    """What travels along an edge. List forms take many connections in a defined order."""

    TEXT = "text"
    IMAGE = "image"
    VIDEO = "video"
    AUDIO = "audio"
    TEXT_LIST = "text[]"
    IMAGE_LIST = "image[]"
    VIDEO_LIST = "video[]"
    AUDIO_LIST = "audio[]"
    # A visual clip: an image or a video (the compositor takes both, in one ordered list).
    VISUAL_LIST = "visual[]"

    @property
    def is_list(self) -> bool:
        return self.value.endswith("[]")

    @property
    def item_types(self) -> frozenset[PortType]:
        """The single types one connection into this port may carry."""
        if self is PortType.VISUAL_LIST:
            return frozenset({PortType.IMAGE, PortType.VIDEO})
        if self.is_list:
            return frozenset({PortType(self.value[:-2])})
        return frozenset({self})


def can_connect(output: PortType, input: PortType) -> bool:
    """True when an output of type `output` may be wired into an input of type `input`.

    Outputs are always single values; a list input gathers one value per connection.
    """
    if output.is_list:
        return output is input
    return output in input.item_types


MEDIA_TYPES = frozenset({PortType.IMAGE, PortType.VIDEO, PortType.AUDIO})
