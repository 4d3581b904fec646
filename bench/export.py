"""Export benchmark (issue 3): our timeline export against the ffmpeg command line, and flat memory.

    python bench/export.py            # 60 s 1080p30 speed + RSS of 1-minute vs 10-minute exports
    python bench/export.py --quick    # 10 s 720p30 + RSS of 10 s vs 60 s (a smoke run, ~1 min)
    python bench/export.py --skip-rss # speed only

Speed: one 1080p30 timeline (Ken Burns clips from offline pictures, crossfades, eSpeak narration,
ducked procedural music, burned-in captions) is
  1. made, frames only, and written raw (I420) to a scratch file: the "pre-made frames";
  2. encoded from that file by the ffmpeg CLI (imageio-ffmpeg's binary, libx264 veryfast, the
     same CRF as our standard preset);
  3. encoded from that file by our encoder alone (PyAV, the same settings);
  4. exported end to end by `render_timeline` (frames made + encoded + soundtrack mixed + AAC).
Targets: ffmpeg time / our encode time >= 0.95; ffmpeg time / our full export time >= 0.75.

Memory: a short and a long export each run in a fresh subprocess that prints its peak RSS
(VmHWM: the process's own high-water mark; ru_maxrss would include the parent's, which a
child inherits through exec on Linux); after the export the child also measures the film's
sound as export.video does (decoded from the MP4: integrated loudness and true peak), so that
pass counts too.
Target: long <= 1.25 x short, and long < 700 MB.

Wall-clock figures on a shared machine move with the neighbours' load: run it on a quiet machine
for figures to quote, and read the ratios (both sides ran in the same minutes) before the times.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SENTENCES = [
    "The lighthouse wakes at dusk, and its beam sweeps across the water.",
    "Far below, the waves fold over the rocks where the old ships used to break.",
    "A fishing boat turns for home, its lamp a small star on the dark sea.",
    "The keeper climbs the stairs, one hundred and twelve of them, as every night.",
    "Clouds gather in the west; the wind carries salt and the smell of rain.",
    "By midnight the harbour is asleep, and only the light keeps watch.",
]
PROMPTS = [
    "a lighthouse on a cliff at dusk",
    "stormy sea at night",
    "a harbour city at dawn",
    "a forest by the sea",
    "mountains over the ocean at sunset",
    "fire on the beach",
]
TRANSITION = 1.0  # 30 frames at 30 fps


def make_inputs(folder: Path, seconds: float, width: int, height: int) -> dict:
    """Pictures, narration, music and caption text for a timeline `seconds` long."""
    from studio.providers.offline.music import render_music
    from studio.providers.offline.procedural_image import render_png
    from studio.providers.offline.speech import synthesize

    count = max(2, round(seconds / 10))
    while (round(seconds * 30) + (count - 1) * 30) % count:  # whole frames per clip at 30 fps
        count += 1
    pictures = []
    for index in range(min(count, len(PROMPTS))):
        path = folder / f"picture{index}.png"
        render_png(path, PROMPTS[index], width=width, height=height, seed=index)
        pictures.append(path)
    clips = [pictures[i % len(pictures)] for i in range(count)]
    # About 2.6 words a second: enough sentences for the narration to fill most of the film.
    words_needed = int(seconds * 2.6)
    sentences, words = [], 0
    while words < words_needed:
        sentence = SENTENCES[len(sentences) % len(SENTENCES)]
        sentences.append(sentence)
        words += len(sentence.split())
    text = " ".join(sentences)
    narration = folder / "narration.wav"
    synthesize(text, narration)
    music = folder / "music.wav"
    render_music(music, "calm, hopeful, cinematic", duration=min(seconds, 120.0), seed=1)
    # Clip length so that clips minus crossfade overlaps make exactly `seconds`.
    clip_duration = (seconds + (count - 1) * TRANSITION) / count
    return {
        "clips": clips,
        "narration": narration,
        "music": music,
        "text": text,
        "clip_duration": clip_duration,
    }


def settings_for(inputs: dict, width: int, height: int, fps: int):
    from studio.media.timeline import TimelineSettings

    return TimelineSettings(
        width=width,
        height=height,
        fps=fps,
        clip_duration=inputs["clip_duration"],
        transition="crossfade",
        transition_seconds=TRANSITION,
        burn_captions=True,
        quality="standard",
    )


def export(inputs: dict, out: Path, width: int, height: int, fps: int, scratch: Path):
    from studio.media.timeline import Clip, render_timeline

    return render_timeline(
        [Clip(p, "image") for p in inputs["clips"]],
        out,
        settings=settings_for(inputs, width, height, fps),
        narration=inputs["narration"],
        music=inputs["music"],
        captions_text=inputs["text"],
        scratch=scratch,
    )


def premade_frames(
    inputs: dict, raw: Path, width: int, height: int, fps: int, scratch: Path
) -> tuple[int, float]:
    """Make the timeline's frames exactly as the export does, and write them raw to `raw`."""
    from studio.media.audio_io import audio_duration
    from studio.media.captions import time_captions
    from studio.media.mixing import build_soundtrack
    from studio.media.timeline import Clip, plan_slots, timeline_frames

    settings = settings_for(inputs, width, height, fps)
    clips = [Clip(p, "image") for p in inputs["clips"]]
    slots, total, _ = plan_slots(len(clips), settings, audio_duration(inputs["narration"]))
    soundtrack = build_soundtrack(
        scratch / "premade.wav",
        duration=total / fps,
        narration=inputs["narration"],
        music=inputs["music"],
    )
    cues = time_captions(inputs["text"], total / fps, soundtrack.speech_segments)
    started = time.perf_counter()
    with open(raw, "wb") as handle:
        for frame in timeline_frames(clips, slots, total, settings, cues, width, height):
            handle.write(frame.data)
    return total, time.perf_counter() - started


def cpu_seconds() -> float:
    """User + system CPU time of this process (all threads) and its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(function, *args) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one call."""
    wall, cpu = time.perf_counter(), cpu_seconds()
    function(*args)
    return time.perf_counter() - wall, cpu_seconds() - cpu


def ffmpeg_encode(raw: Path, out: Path, width: int, height: int, fps: int, crf: int) -> None:
    import imageio_ffmpeg

    command = [
        imageio_ffmpeg.get_ffmpeg_exe(),
        "-y",
        "-loglevel",
        "error",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "yuv420p",
        "-s",
        f"{width}x{height}",
        "-r",
        str(fps),
        "-i",
        str(raw),
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-crf",
        str(crf),
        "-pix_fmt",
        "yuv420p",
        "-an",
        str(out),
    ]
    subprocess.run(command, check=True)


def our_encode(raw: Path, out: Path, width: int, height: int, fps: int) -> None:
    """Our encode stage as the product runs it (`encode_frames`), fed from the raw file."""
    import numpy as np

    from studio.media.encode import encode_frames

    size = width * height * 3 // 2

    def frames():
        with open(raw, "rb") as handle:
            while chunk := handle.read(size):
                yield np.frombuffer(chunk, np.uint8).reshape(height * 3 // 2, width)

    encode_frames(frames(), out, width=width, height=height, fps=fps, quality="standard")


def peak_rss_kb() -> int:
    """This process's peak resident memory in KiB. On Linux from /proc (VmHWM): ru_maxrss keeps
    the parent's peak across fork and exec, so a child started by a big parent reported the
    parent's memory as its own."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def rss_child(job: str, width: int, height: int, fps: int) -> None:
    """In a subprocess. `prepare:SECONDS:FOLDER` makes the inputs (their own process, so the
    music synthesiser's memory does not count); `export:FOLDER` exports them and prints the
    peak RSS and timing as JSON."""
    kind, _, rest = job.partition(":")
    if kind == "prepare":
        seconds, _, folder = rest.partition(":")
        inputs = make_inputs(Path(folder), float(seconds), width, height)
        inputs["seconds"] = float(seconds)
        (Path(folder) / "inputs.json").write_text(json.dumps(inputs, default=str), "utf-8")
        return
    folder = Path(rest)
    inputs = json.loads((folder / "inputs.json").read_text("utf-8"))
    inputs["clips"] = [Path(p) for p in inputs["clips"]]
    inputs["narration"], inputs["music"] = Path(inputs["narration"]), Path(inputs["music"])
    before = peak_rss_kb()
    started = time.perf_counter()
    result = export(inputs, folder / "film.mp4", width, height, fps, folder)
    elapsed = time.perf_counter() - started
    from studio.media.export import measure_delivered

    started = time.perf_counter()
    loudness = measure_delivered(folder / "film.mp4")
    measured = time.perf_counter() - started
    peak_kb = peak_rss_kb()
    report = {
        "seconds": inputs["seconds"],
        "frames": result.frames,
        "elapsed": elapsed,
        "peak_rss_mb": peak_kb / 1024,
        "rss_before_export_mb": before / 1024,
        "soundtrack_lufs": result.loudness_lufs,
        "delivered": loudness["summary"] if loudness else "no sound",
        "measure_seconds": measured,
    }
    print(json.dumps(report))


def run_rss(seconds: float, width: int, height: int, fps: int) -> dict:
    """Make the inputs in one subprocess and export them in a fresh one; returns its figures."""
    with tempfile.TemporaryDirectory(prefix="bench-rss-") as folder:
        reports = []
        for job in (f"prepare:{seconds}:{folder}", f"export:{folder}"):
            command = [
                sys.executable,
                str(Path(__file__).resolve()),
                "--rss-child",
                job,
                "--size",
                f"{width}x{height}",
                "--fps",
                str(fps),
            ]
            done = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True)
            reports.append(done.stdout.strip())
    return json.loads(reports[-1].splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run at 720p")
    parser.add_argument("--skip-rss", action="store_true", help="speed figures only")
    parser.add_argument("--rss-child", help=argparse.SUPPRESS)
    parser.add_argument("--rss-only", action="store_true", help="memory figures only")
    parser.add_argument("--size", default=None, help="WxH (default 1920x1080; quick 1280x720)")
    parser.add_argument("--fps", type=int, default=30)
    parser.add_argument(
        "--repeat",
        type=int,
        default=2,
        help="encode runs of each side, interleaved; the best time counts",
    )
    args = parser.parse_args()
    size = args.size or ("1280x720" if args.quick else "1920x1080")
    width, height = (int(v) for v in size.split("x"))
    fps = args.fps
    if args.rss_child is not None:
        rss_child(args.rss_child, width, height, fps)
        return 0
    print(f"machine: {os.cpu_count()} CPUs (shared machines make wall times noisy)")
    if not args.rss_only:
        from studio.media.encode import QUALITY_PRESETS

        seconds = 10.0 if args.quick else 60.0
        crf = QUALITY_PRESETS["standard"].h264_crf
        print(
            f"timeline: {seconds:.0f} s at {width}x{height} {fps} fps, Ken Burns clips with "
            f"{TRANSITION} s crossfades, narration, ducked music, burned-in captions"
        )
        folder = Path(tempfile.mkdtemp(prefix="bench-export-"))
        try:
            started = time.perf_counter()
            inputs = make_inputs(folder, seconds, width, height)
            print(
                f"inputs made in {time.perf_counter() - started:.1f} s "
                f"({len(inputs['clips'])} clips)"
            )
            raw = folder / "frames.yuv"
            frames, make_time = premade_frames(inputs, raw, width, height, fps, folder)
            print(
                f"pre-made frames: {frames} frames made and written raw in {make_time:.1f} s "
                f"({frames / make_time:.0f} fps, {raw.stat().st_size / 2**30:.2f} GiB)"
            )
            # Interleaved runs, best of each: neighbours' load hits all sides alike. CPU seconds
            # (user + system, every thread) do not depend on the neighbours: the fairer figure
            # on a shared machine, while wall time is what the user waits.
            runs: dict[str, list[tuple[float, float]]] = {"ffmpeg": [], "ours": [], "export": []}
            for _ in range(max(1, args.repeat)):
                runs["ffmpeg"].append(
                    timed(ffmpeg_encode, raw, folder / "ffmpeg.mp4", width, height, fps, crf)
                )
                runs["ours"].append(timed(our_encode, raw, folder / "ours.mp4", width, height, fps))
                runs["export"].append(
                    timed(export, inputs, folder / "export.mp4", width, height, fps, folder)
                )
            raw.unlink()
            labels = {
                "ffmpeg": f"ffmpeg CLI, libx264 veryfast crf {crf}, pre-made frames",
                "ours": "our encode stage alone, same frames and settings",
                "export": "our full export (frames made + encoded + audio)",
            }
            best = {}
            for name, label in labels.items():
                walls = [w for w, _ in runs[name]]
                cpus = [c for _, c in runs[name]]
                best[name] = (min(walls), min(cpus))
                size = (folder / f"{name}.mp4").stat().st_size / 2**20
                print(
                    f"{label}: wall {', '.join(f'{w:.1f}' for w in walls)} s "
                    f"(best {frames / min(walls):.1f} fps); CPU {min(cpus):.1f} s; {size:.1f} MiB"
                )
            for name, target, what in (
                ("ours", 0.95, "encode stage"),
                ("export", 0.75, "full export"),
            ):
                wall_ratio = best["ffmpeg"][0] / best[name][0]
                cpu_ratio = best["ffmpeg"][1] / best[name][1]
                verdict = "met" if wall_ratio >= target else "NOT met"
                print(
                    f"RATIO {what} vs ffmpeg: {wall_ratio:.2f}x wall (target >= {target}: "
                    f"{verdict}); {cpu_ratio:.2f}x by CPU seconds"
                )
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    if not args.skip_rss:
        from studio.media.mixing import DEFAULT_TARGET_DB

        short_s, long_s = (10.0, 60.0) if args.quick else (60.0, 600.0)
        short = run_rss(short_s, width, height, fps)
        long = run_rss(long_s, width, height, fps)
        for run in (short, long):
            print(
                f"peak RSS, {run['seconds']:.0f} s export ({run['frames']} frames, "
                f"{run['elapsed']:.0f} s): {run['peak_rss_mb']:.0f} MB "
                f"({run['rss_before_export_mb']:.0f} MB before the export began; the media "
                "libraries load during it)"
            )
            print(
                f"  the MP4's sound, measured in {run['measure_seconds']:.1f} s: "
                f"{run['delivered']} (target {DEFAULT_TARGET_DB:.0f} LUFS)"
            )
        growth = long["peak_rss_mb"] / short["peak_rss_mb"]
        print(
            f"RSS long/short: {growth:.2f}x (target <= 1.25: "
            f"{'met' if growth <= 1.25 else 'NOT met'}); long {long['peak_rss_mb']:.0f} MB "
            f"(target < 700 MB: {'met' if long['peak_rss_mb'] < 700 else 'NOT met'})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
