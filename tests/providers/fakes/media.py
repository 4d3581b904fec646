"""Small real media files for fake servers to return (made in the test, never checked in)."""

from __future__ import annotations

import io
import math
from functools import lru_cache


@lru_cache(maxsize=16)
def png_bytes(
    width: int = 64, height: int = 48, colour: tuple[int, int, int] = (200, 80, 30)
) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, "PNG")
    return buffer.getvalue()


@lru_cache(maxsize=4)
def jpeg_bytes(width: int = 64, height: int = 48) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (20, 90, 160)).save(buffer, "JPEG")
    return buffer.getvalue()


@lru_cache(maxsize=4)
def mp3_bytes(seconds: float = 1.0, frequency: float = 440.0) -> bytes:
    """A real MP3 (a sine tone), as ElevenLabs and OpenAI return speech."""
    import av
    import numpy as np

    rate = 24000
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp3") as container:
        stream = container.add_stream("libmp3lame", rate=rate)
        stream.layout = "mono"
        samples = int(rate * seconds)
        t = np.arange(samples) / rate
        tone = (0.3 * np.sin(2 * math.pi * frequency * t)).astype(np.float32)
        for start in range(0, samples, 1152):
            block = tone[start : start + 1152].reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(block, format="flt", layout="mono")
            frame.sample_rate = rate
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return buffer.getvalue()


@lru_cache(maxsize=4)
def wav_bytes(seconds: float = 1.0) -> bytes:
    import wave

    import numpy as np

    rate = 16000
    t = np.arange(int(rate * seconds)) / rate
    samples = (0.3 * 32767 * np.sin(2 * math.pi * 330 * t)).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes(samples.tobytes())
    return buffer.getvalue()


@lru_cache(maxsize=4)
def mp4_bytes(seconds: float = 1.0, width: int = 64, height: int = 48, fps: int = 12) -> bytes:
    """A real H.264 MP4, as Kling and other video models return."""
    import av
    import numpy as np

    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for index in range(int(seconds * fps)):
            pixels = np.full((height, width, 3), (index * 20) % 255, dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return buffer.getvalue()
