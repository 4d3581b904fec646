"""Speed of the offline engines, each against its target.

- speech (eSpeak NG): seconds of speech made per second of work, target >= 100x real time;
- music (procedural composer): seconds of music per second of work, target >= 50x real time;
- a 1024x1024 procedural image, rendered and written as PNG: target < 1 s.

Each figure is the best of a few runs, in wall time and in the CPU time of the working thread:
on a machine shared with other work the wall time includes waiting for a core, and the CPU
figure shows the engine's own speed. Run: python bench/engines.py
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from studio.providers.offline import music, procedural_image, speech

NARRATION = (
    "The lighthouse stands on the cliff at dusk. Every evening the keeper climbs the spiral "
    "stairs, winds the clockwork and lights the lamp, and the beam sweeps across the bay. "
)
MUSIC_PROMPTS = ("calm, hopeful", "tense, dark", "joyful, energetic")


def _best(runs: int, work) -> tuple[float, float]:
    """The shortest (wall, cpu) seconds of `runs` calls of `work`."""
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.thread_time()
        work()
        cpus.append(time.thread_time() - cpu)
        walls.append(time.perf_counter() - wall)
    return min(walls), min(cpus)


def bench_speech(folder: Path) -> tuple[float, float]:
    text = NARRATION * 60  # about 16,000 characters, some 17 minutes of speech
    speech.synthesize("warm up", folder / "warm.wav")
    seconds = speech.synthesize(text, folder / "speech.wav")
    wall, cpu = _best(3, lambda: speech.synthesize(text, folder / "speech.wav"))
    return seconds / wall, seconds / cpu


def bench_music(folder: Path) -> dict[str, tuple[float, float]]:
    duration = 60.0
    per_mood = {}
    for prompt in MUSIC_PROMPTS:
        wall, cpu = _best(
            3,
            lambda p=prompt: music.render_music(folder / "music.wav", p, duration=duration, seed=1),
        )
        per_mood[prompt] = (duration / wall, duration / cpu)
    return per_mood


def bench_image(folder: Path) -> tuple[float, float]:
    procedural_image.render("warm up", width=256, height=256)
    return _best(
        5,
        lambda: procedural_image.render_png(
            folder / "image.png",
            "a lighthouse on a cliff at dusk by the sea, forest, mountains",
            width=1024,
            height=1024,
            seed=3,
            mood="calm",
            palette="deep blue, amber",
            style="cinematic",
        ),
    )


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="studio-bench-") as tmp:
        folder = Path(tmp)
        speech_wall, speech_cpu = bench_speech(folder)
        per_mood = bench_music(folder)
        image_wall, image_cpu = bench_image(folder)
    music_wall = min(w for w, _ in per_mood.values())
    music_cpu = min(c for _, c in per_mood.values())

    def verdict(ok: bool) -> str:
        return "ok" if ok else "BELOW TARGET"

    print(
        f"speech: {speech_wall:6.0f}x real time (cpu {speech_cpu:.0f}x)   target >= 100x  "
        f"{verdict(speech_wall >= 100)}"
    )
    print(
        f"music:  {music_wall:6.0f}x real time (cpu {music_cpu:.0f}x)   target >= 50x   "
        f"{verdict(music_wall >= 50)}   slowest of: "
        + ", ".join(f"{p} {w:.0f}x" for p, (w, _) in per_mood.items())
    )
    print(
        f"image:  {image_wall:6.3f} s for 1024x1024 (cpu {image_cpu:.3f} s)   target < 1 s  "
        f"{verdict(image_wall < 1.0)}"
    )


if __name__ == "__main__":
    main()
