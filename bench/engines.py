"""Speed of the offline engines, each against its target.

- speech (Piper, the default voice): seconds of speech per second of work on one core (the
  process pinned to one CPU, onnxruntime on one thread), target >= 10x real time; and the time
  from asking for a long text to the first sentence's audio being written, target < 0.5 s
  (with the voice loaded; the one-off load is printed beside it);
- speech (eSpeak NG): seconds of speech made per second of work, target >= 100x real time;
- music (procedural composer): seconds of music per second of work, target >= 50x real time;
- a 1024x1024 procedural image, rendered and written as PNG: target < 1 s.

Each figure is the best of a few runs, in wall time and in the CPU time of the working thread:
on a machine shared with other work the wall time includes waiting for a core, and the CPU
figure shows the engine's own speed. Run: python bench/engines.py
"""

from __future__ import annotations

import os
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
    speak = lambda: speech.synthesize(text, folder / "speech.wav", engine="espeak-ng")  # noqa: E731
    speech.synthesize("warm up", folder / "warm.wav", engine="espeak-ng")
    seconds = speak().seconds
    wall, cpu = _best(3, speak)
    return seconds / wall, seconds / cpu


def bench_piper(folder: Path) -> dict[str, float]:
    """Piper on one core: real-time factor, time to the first sentence, and the one-off load."""
    cores = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    if cores:
        os.sched_setaffinity(0, {min(cores)})
    try:
        started = time.perf_counter()
        speech.synthesize("Warm up.", folder / "warm.wav", engine="piper")
        load = time.perf_counter() - started
        text = NARRATION * 3  # six sentences, about 40 seconds of speech
        seconds = speech.synthesize(text, folder / "piper.wav", engine="piper").seconds
        wall, cpu = _best(2, lambda: speech.synthesize(text, folder / "piper.wav", engine="piper"))
        firsts = []
        for _ in range(3):
            began = time.perf_counter()
            first: list[float] = []

            def progress(
                fraction: float | None, message: str, began: float = began, first: list = first
            ) -> None:
                # "sentence 2 of N" is said once the first sentence's audio is written.
                if message.startswith("sentence 2 ") and not first:
                    first.append(time.perf_counter() - began)

            speech.synthesize(text, folder / "piper.wav", engine="piper", progress=progress)
            firsts.append(first[0])
    finally:
        if cores:
            os.sched_setaffinity(0, cores)
    return {
        "wall": seconds / wall,
        "cpu": seconds / cpu,
        "first": min(firsts),
        "load": load,
        "cores": len(cores) if cores else os.cpu_count() or 1,
    }


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
        piper = bench_piper(folder)
        speech_wall, speech_cpu = bench_speech(folder)
        per_mood = bench_music(folder)
        image_wall, image_cpu = bench_image(folder)
    music_wall = min(w for w, _ in per_mood.values())
    music_cpu = min(c for _, c in per_mood.values())

    def verdict(ok: bool) -> str:
        return "ok" if ok else "BELOW TARGET"

    print(
        f"piper:  {piper['wall']:6.1f}x real time on 1 of {piper['cores']} cores "
        f"(cpu {piper['cpu']:.1f}x)   target >= 10x  {verdict(piper['wall'] >= 10)}"
    )
    print(
        f"piper:  {piper['first']:6.3f} s to the first sentence's audio (voice loaded; the "
        f"first load took {piper['load']:.2f} s)   target < 0.5 s  "
        f"{verdict(piper['first'] < 0.5)}"
    )
    print(
        f"espeak: {speech_wall:6.0f}x real time (cpu {speech_cpu:.0f}x)   target >= 100x  "
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
