"""Three local image services for the compare tests: fake fal, Black Forest Labs and OpenAI
servers on 127.0.0.1, with keys in the environment, each returning its own distinct picture."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "providers"))
from fakes.bfl import FakeBfl
from fakes.fal import FakeFal
from fakes.openai import FakeOpenAI
from fakes.server import FakeServer

KEYS = {"FAL_KEY": "fal-compare-1", "BFL_API_KEY": "bfl-compare-2", "OPENAI_API_KEY": "oa-3"}
QUICK_HTTP = {
    "STUDIO_HTTP_CONNECT_TIMEOUT": "5",
    "STUDIO_HTTP_READ_TIMEOUT": "30",
    "STUDIO_HTTP_RETRIES": "0",
    "STUDIO_HTTP_BACKOFF": "0.01",
    "STUDIO_HTTP_POLL_INTERVAL": "0.01",
}
# What each service paints: a sky and a sun in its own colours (tell the cells apart at a glance).
LOOKS = {
    "fal": ((250, 170, 70), (255, 240, 160)),  # warm dusk
    "bfl": ((40, 120, 150), (220, 240, 250)),  # cool sea
    "openai": ((90, 50, 120), (240, 200, 90)),  # violet night
}


def picture(service: str, size: tuple[int, int]) -> bytes:
    """A small PNG: a vertical gradient in the service's colour with a round sun."""
    from PIL import Image, ImageDraw

    sky, sun = LOOKS[service]
    width, height = size
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    for y in range(height):
        shade = 0.45 + 0.55 * y / max(1, height - 1)
        draw.line([(0, y), (width, y)], fill=tuple(int(c * shade) for c in sky))
    radius = height // 5
    cx, cy = width * 2 // 3, height // 3
    draw.ellipse([cx - radius, cy - radius, cx + radius, cy + radius], fill=sun)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


@dataclass
class ImageServices:
    fal: FakeFal
    bfl: FakeBfl
    openai: FakeOpenAI

    def generations(self) -> dict[str, list]:
        """The generation requests each service received."""
        return {
            "fal": [r for r in self.fal.api.received("POST") if "/fal-ai/" in r.path],
            "bfl": self.bfl.api.received("POST"),
            "openai": self.openai.server.received("POST", "/v1/images/generations"),
        }


@contextmanager
def image_services(
    monkeypatch: pytest.MonkeyPatch, size: tuple[int, int] = (256, 160)
) -> Iterator[ImageServices]:
    """Start the three services and point the providers at them (keys in the environment)."""
    with ExitStack() as stack:
        servers = [stack.enter_context(FakeServer()) for _ in range(5)]
        fal_api, fal_cdn, bfl_api, bfl_cdn, openai = servers
        fal = FakeFal(fal_api, fal_cdn, media={"image.png": picture("fal", size)})
        bfl = FakeBfl(bfl_api, bfl_cdn, pending_polls=1, image=picture("bfl", size))
        oa = FakeOpenAI(openai, image=picture("openai", size))
        for name, value in {**KEYS, **QUICK_HTTP}.items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("STUDIO_FAL_URL", fal_api.url)
        monkeypatch.setenv("STUDIO_FAL_REST_URL", fal_api.url)
        monkeypatch.setenv("STUDIO_BFL_URL", bfl_api.url)
        monkeypatch.setenv("STUDIO_OPENAI_URL", oa.base_url)
        from studio.providers import keys

        keys.forget_cached()
        yield ImageServices(fal, bfl, oa)
