"""example.tone — a media node: a sine tone written as a WAV file, off the event loop."""

from __future__ import annotations

import array
import math
import wave
from pathlib import Path

from studio.api import NodeSpec, Output, Param, PortType

SAMPLE_RATE = 44_100
CHUNK_SECONDS = 0.5


def write_tone(path: Path, frequency: float, seconds: float, volume: float, ctx) -> None:
    """Blocking: runs in the studio's CPU pool. Reports progress and stops when cancelled."""
    total = round(seconds * SAMPLE_RATE)
    step = 2 * math.pi * frequency / SAMPLE_RATE
    amplitude = volume * 32767
    chunk = round(CHUNK_SECONDS * SAMPLE_RATE)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        for start in range(0, total, chunk):
            ctx.check_cancelled()
            end = min(total, start + chunk)
            samples = array.array(
                "h", (round(amplitude * math.sin(step * i)) for i in range(start, end))
            )
            out.writeframes(samples.tobytes())
            ctx.progress(end / total, f"{end / SAMPLE_RATE:.1f} of {seconds:.1f} s")


async def run(ctx, inputs, params):
    path = ctx.scratch / "tone.wav"
    await ctx.run_cpu(
        write_tone, path, params["frequency"], params["seconds"], params["volume"], ctx
    )
    meta = {"duration": params["seconds"], "sample_rate": SAMPLE_RATE, "channels": 1}
    return {"audio": await ctx.store(path, "audio", meta)}


SPEC = NodeSpec(
    id="example.tone",
    title="Sine Tone",
    category="Example",
    version=1,
    run=run,
    help="A pure sine tone as a mono 44.1 kHz WAV file: a test signal, or a drone under a scene.",
    outputs=(Output("audio", PortType.AUDIO, "The tone (WAV)."),),
    params=(
        Param.float(
            "frequency",
            440.0,
            help="Pitch in hertz (440 is the A above middle C).",
            minimum=20.0,
            maximum=20_000.0,
        ),
        Param.float("seconds", 2.0, help="Length of the tone.", minimum=0.1, maximum=600.0),
        Param.float(
            "volume", 0.5, help="Loudness, 0 (silent) to 1 (full scale).", minimum=0.0, maximum=1.0
        ),
    ),
)
