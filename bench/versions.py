"""Versions and smart render (issue 12), printed side by side in one run.

    python bench/versions.py            # every part (long: the 10-minute timeline takes a while)
    python bench/versions.py --part a   # 3 formats x 2 languages vs one plain export
    python bench/versions.py --part b   # a 10-minute timeline: re-export after an edit
    python bench/versions.py --part c   # a WebM version: re-export after an edit

A. One 60 s piece (six offline pictures with Ken Burns motion, offline narration, offline music,
   captions), rendered from an empty cache
   1. as one plain export: Timeline 1920x1080 -> Export Video;
   2. as six versions: 16x9, 9x16 and 1x1 in English and in French (the translation comes from a
      fake Ollama on 127.0.0.1 answering with a fixed French text; the French narration is
      spoken by the offline engine).
   Target: versions time <= 2.5 x the plain export's. Captions are delivered as .srt/.vtt files;
   `--burn` burns them into the picture too (then each language needs its own picture).

B. A 10-minute timeline (60 clips, narration, music, captions from their own text node) at
   1280x720 (`--size`): the export (Timeline -> Export Video) from scratch with everything
   upstream already made; then one caption edited (one word of one sentence) and exported
   again; then exported again with no change.
   Targets: after the edit <= 0.15 x the full export; with no change <= 0.05 x.

C. A WebM version (VP9 + Opus) of a 2-minute timeline at 1280x720 (`--webm-seconds`): exported
   from scratch with everything upstream made; then one caption edited and exported again;
   beside them, what a WebM re-export cost before versions were joined from their own tracks:
   the whole file encoded to WebM (Export Video's conversion of the same piece).
   Target (the issue's "an edit re-exports in seconds, not minutes"): after the edit <= 0.15 x
   the full export, as for MP4.

Wall-clock figures on a shared machine move with the neighbours' load; both sides of each ratio
run in the same minutes, and CPU seconds (all threads) are printed beside them.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "providers"))

from fakes.llm import FakeOllama  # noqa: E402
from fakes.server import FakeServer, Recorded, Reply  # noqa: E402

from studio.graph.model import Graph, Node  # noqa: E402

SENTENCES = {
    "The lighthouse wakes at dusk, and its beam sweeps across the water.": (
        "Le phare s'éveille au crépuscule, et son faisceau balaie l'eau."
    ),
    "Far below, the waves fold over the rocks where the old ships used to break.": (
        "Tout en bas, les vagues se replient sur les rochers où se brisaient les vieux navires."
    ),
    "A fishing boat turns for home, its lamp a small star on the dark sea.": (
        "Un bateau de pêche rentre au port, sa lampe une petite étoile sur la mer sombre."
    ),
    "The keeper climbs the stairs, one hundred and twelve of them, as every night.": (
        "Le gardien monte l'escalier, cent douze marches, comme chaque nuit."
    ),
    "Clouds gather in the west; the wind carries salt and the smell of rain.": (
        "Les nuages s'amassent à l'ouest ; le vent porte le sel et l'odeur de la pluie."
    ),
    "By midnight the harbour is asleep, and only the light keeps watch.": (
        "À minuit le port dort, et seule la lumière veille."
    ),
}
PROMPTS = [
    "a lighthouse on a cliff at dusk",
    "stormy sea at night",
    "a harbour city at dawn",
    "a fishing boat on the sea",
    "mountains over the ocean at sunset",
    "a lamp in a window by the sea",
]
FORMATS = ("16x9", "9x16", "1x1")


@dataclass
class FrenchOllama(FakeOllama):
    """Translates the bench's sentences into French (a fixed text: no model is run)."""

    def chat(self, request: Recorded) -> Reply:
        text = request.json["messages"][-1]["content"]
        for english, french in SENTENCES.items():
            text = text.replace(english, french)
        self.words = (text,)
        return super().chat(request)


def narration_text(seconds: float) -> str:
    """About 2.6 spoken words a second, from the six sentences in turn."""
    words_needed, chosen, words = int(seconds * 2.6), [], 0
    english = list(SENTENCES)
    while words < words_needed:
        sentence = english[len(chosen) % len(english)]
        chosen.append(sentence)
        words += len(sentence.split())
    return " ".join(chosen)


def piece(seconds: float, clips: int, size: str, burn: bool) -> Graph:
    """Pictures, narration, music and captions into a Timeline (no export node yet)."""
    graph = Graph()
    text = narration_text(seconds)
    graph.add_node(Node("words", "text.prompt", {"template": text}))
    graph.add_node(Node("captions", "text.prompt", {"template": text}))
    graph.add_node(Node("voice", "audio.speech", {}))
    graph.connect("words", "text", "voice", "text")
    graph.add_node(Node("tune", "audio.music", {"duration": min(seconds, 120.0), "seed": 1}))
    for index, prompt in enumerate(PROMPTS):
        graph.add_node(Node(f"p{index}", "text.prompt", {"template": prompt}))
        graph.add_node(
            Node(f"img{index}", "image.generate", {"width": 1280, "height": 720, "seed": index})
        )
        graph.connect(f"p{index}", "text", f"img{index}", "prompt")
    if size not in ("1920x1080", "1080x1920", "1080x1080", "1280x720"):
        raise SystemExit(f"--size must be a timeline preset, not {size}")
    graph.add_node(
        Node(
            "timeline",
            "compose.timeline",
            {
                "preset": size,
                "fps": "30",
                "burn_captions": burn,
                "transition": "crossfade",
                "transition_seconds": 1.0,
                "quality": "standard",
            },
        )
    )
    for order in range(clips):
        graph.connect(f"img{order % len(PROMPTS)}", "image", "timeline", "clips", order)
    graph.connect("voice", "audio", "timeline", "narration")
    graph.connect("tune", "audio", "timeline", "music")
    graph.connect("captions", "text", "timeline", "captions")
    return graph


def with_export(graph: Graph, path: str = "out/piece.mp4") -> Graph:
    graph.add_node(Node("export", "export.video", {"path": path, "quality": "standard"}))
    graph.connect("timeline", "video", "export", "video")
    return graph


def with_versions(graph: Graph) -> Graph:
    lines = [f"{f} {lang}" for lang in ("en", "fr") for f in FORMATS]
    graph.add_node(
        Node(
            "versions",
            "export.versions",
            {
                "path": "out/piece",
                "versions": "\n".join(lines),
                "quality": "standard",
                "translator_model": "llama3.2",
            },
        )
    )
    graph.connect("timeline", "video", "versions", "timeline")
    return graph


def cpu_seconds() -> float:
    """User + system CPU time of this process (all threads) and its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class Runner:
    """Runs graphs with the real executor, offline providers and a cache of its own."""

    def __init__(self, folder: Path) -> None:
        from studio.engine.cache import Cache
        from studio.engine.registry import load_registry
        from studio.providers.setup import default_providers

        self.folder = folder
        self.cache = Cache(folder / "cache")
        self.registry = load_registry()
        self.providers = default_providers()

    def run(self, graph: Graph) -> tuple[float, float, object]:
        from studio.engine.executor import Executor

        self.events: list = []
        executor = Executor(self.registry, self.cache, self.events.append, providers=self.providers)
        wall, cpu = time.perf_counter(), cpu_seconds()
        try:
            result = asyncio.run(executor.run(graph, graph_dir=self.folder))
        finally:
            executor.close()
        wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
        if result.status != "succeeded":
            raise SystemExit(f"the run failed: {result.failures}")
        return wall, cpu, result


def part_a(burn: bool) -> dict[str, float]:
    seconds, clips = 60.0, 6
    print(
        f"A. a {seconds:.0f} s piece ({clips} offline pictures with Ken Burns motion, offline "
        f"narration and music, captions {'burned in and ' if burn else ''}as subtitle files)"
    )
    times = {}
    with FakeServer() as server:
        FrenchOllama(server)
        import os

        os.environ["STUDIO_OLLAMA_URL"] = server.url
        for label, build in (
            ("plain", lambda: with_export(piece(seconds, clips, "1920x1080", burn))),
            ("versions", lambda: with_versions(piece(seconds, clips, "1920x1080", burn))),
        ):
            folder = Path(tempfile.mkdtemp(prefix=f"bench-versions-{label}-"))
            try:
                wall, cpu, result = Runner(folder).run(build())
                times[label] = wall
                written = sorted(p.name for p in (folder / "out").iterdir())
                videos = [n for n in written if n.endswith(".mp4")]
                print(
                    f"  {label:8s}: wall {wall:6.1f} s, CPU {cpu:6.1f} s, {len(result.executed)} "
                    f"nodes ran; wrote {len(videos)} videos and "
                    f"{len(written) - len(videos)} subtitle files"
                )
                times[f"{label}_cpu"] = cpu
            finally:
                shutil.rmtree(folder, ignore_errors=True)
    ratio = times["versions"] / times["plain"]
    cpu_ratio = times["versions_cpu"] / times["plain_cpu"]
    verdict = "met" if ratio <= 2.5 else "NOT met"
    print(
        f"RATIO 3 formats x 2 languages / one plain export: {ratio:.2f}x wall "
        f"(target <= 2.5: {verdict}); {cpu_ratio:.2f}x by CPU seconds"
    )
    return times


def make_upstream(runner: Runner, graph: Graph, exports: tuple[str, ...]) -> float:
    """Run everything upstream of the timeline first (the figures are then the export's)."""
    upstream = Graph()
    for node_id, node in graph.nodes.items():
        if node_id not in ("timeline", *exports):
            upstream.add_node(Node(node_id, node.type, dict(node.params)))
    for edge in graph.edges:
        if edge.dst in upstream.nodes and edge.src in upstream.nodes:
            upstream.connect(edge.src, edge.src_port, edge.dst, edge.dst_port, edge.order)
    wall, _, _ = runner.run(upstream)
    return wall


def edit_one_caption(graph: Graph) -> None:
    text = graph.nodes["captions"].params["template"]
    edited = text.replace("one hundred and twelve", "one hundred and thirteen", 1)
    assert edited != text
    graph.set_param("captions", "template", edited)


def part_b(size: str) -> dict[str, float]:
    seconds, clips = 600.0, 60
    print(
        f"B. a {seconds / 60:.0f}-minute timeline at {size} ({clips} clips, narration, music, "
        "captions), exported; then one caption edited; then nothing changed"
    )
    folder = Path(tempfile.mkdtemp(prefix="bench-smart-render-"))
    try:
        runner = Runner(folder)
        graph = with_export(piece(seconds, clips, size, burn=True))
        wall = make_upstream(runner, graph, ("export",))
        print(f"  upstream (pictures, 10 minutes of narration, music) made in {wall:.0f} s")
        full, full_cpu, result = runner.run(graph)
        log = segments_line(runner.events)
        print(f"  full export      : wall {full:6.1f} s, CPU {full_cpu:6.1f} s ({log})")
        edit_one_caption(graph)
        edit, edit_cpu, result = runner.run(graph)
        print(
            f"  one caption edit : wall {edit:6.1f} s, CPU {edit_cpu:6.1f} s "
            f"({segments_line(runner.events)})"
        )
        same, same_cpu, result = runner.run(graph)
        print(
            f"  no change        : wall {same:6.1f} s, CPU {same_cpu:6.1f} s "
            f"({len(result.executed)} node ran: {', '.join(result.executed)})"
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    for label, value, target in (("one caption edit", edit, 0.15), ("no change", same, 0.05)):
        ratio = value / full
        verdict = "met" if ratio <= target else "NOT met"
        print(f"RATIO {label} / full export: {ratio:.3f}x wall (target <= {target}: {verdict})")
    return {"full": full, "edit": edit, "same": same}


def part_c(seconds: float) -> dict[str, float]:
    clips = max(2, round(seconds / 10))
    print(
        f"C. a WebM version of a {seconds:.0f} s timeline at 1280x720 ({clips} clips, narration, "
        "music, captions burned in): exported; then one caption edited; beside it, the whole "
        "file encoded to WebM (what every WebM re-export cost before)"
    )
    from studio.media.export import export_video

    folder = Path(tempfile.mkdtemp(prefix="bench-webm-version-"))
    try:
        runner = Runner(folder)
        graph = piece(seconds, clips, "1280x720", burn=True)
        graph.add_node(
            Node(
                "versions",
                "export.versions",
                {"path": "out/piece", "versions": "1280x720 webm", "quality": "standard"},
            )
        )
        graph.connect("timeline", "video", "versions", "timeline")
        wall = make_upstream(runner, graph, ("versions",))
        print(f"  upstream made in {wall:.0f} s")
        full, full_cpu, _ = runner.run(graph)
        said = picture_line(runner)
        print(f"  full WebM version : wall {full:6.1f} s, CPU {full_cpu:6.1f} s ({said})")
        edit_one_caption(graph)
        edit, edit_cpu, _ = runner.run(graph)
        said = picture_line(runner)
        print(f"  one caption edit  : wall {edit:6.1f} s, CPU {edit_cpu:6.1f} s ({said})")
        made = folder / "out" / "piece.1280x720.en.webm"
        started, cpu = time.perf_counter(), cpu_seconds()
        export_video(made, folder / "whole.webm", format="webm", quality="standard")
        whole, whole_cpu = time.perf_counter() - started, cpu_seconds() - cpu
        print(f"  whole-file WebM   : wall {whole:6.1f} s, CPU {whole_cpu:6.1f} s (encoded whole)")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    ratio = edit / full
    verdict = "met" if ratio <= 0.15 else "NOT met"
    print(
        f"RATIO one caption edit / full WebM version: {ratio:.3f}x wall (target <= 0.15: {verdict})"
    )
    print(f"RATIO one caption edit / whole-file WebM encode: {edit / whole:.3f}x wall")
    return {"full": full, "edit": edit, "whole": whole}


def picture_line(runner: Runner) -> str:
    """The picture track's own account of its segments (the WebM version's)."""
    said = [
        e.message
        for e in runner.events
        if type(e).__name__ == "NodeLog" and "picture:" in e.message
    ]
    return said[-1] if said else "the picture came from the cache"


def segments_line(events: list) -> str:
    """The timeline's own account of its picture: segments made and reused."""
    said = [
        e.message
        for e in events
        if type(e).__name__ == "NodeLog" and e.node == "timeline" and "segments" in e.message
    ]
    return said[-1] if said else "the timeline came from the cache"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("a", "b", "c", "both"), default="both")
    parser.add_argument("--webm-seconds", type=float, default=120.0, help="part C's length")
    parser.add_argument("--burn", action="store_true", help="part A with burned-in captions")
    parser.add_argument(
        "--size", default="1280x720", help="part B's frame size: a timeline preset (WxH)"
    )
    args = parser.parse_args()
    import os

    print(f"machine: {os.cpu_count()} CPUs (shared machines make wall times noisy)")
    if args.part in ("a", "both"):
        part_a(args.burn)
    if args.part in ("b", "both"):
        part_b(args.size)
    if args.part in ("c", "both"):
        part_c(args.webm_seconds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
