"""The coherence check: do picture, music and narration tell the same story, segment by segment?

Each segment of the timeline gets the mood of its picture, of the music under it and of the
narration in it (valence and energy, -1..1, with the numbers they come from), and each pair of
modalities is compared: a clash is two moods on opposite sides (each beyond ±0.25 for valence,
±0.3 for energy) and at least half the scale (1.0) apart; the energy of music and narration is
not compared, as a calm bed under a brisk voice is ordinary. A pair on opposite sides that
comes within 0.3 of a clash is told as a close call, not flagged. A clash comes with a
suggestion, and where a param of an upstream node would fix it, with an action the GUI can
apply in one click. Nothing is changed here. Signal processing throughout, no model.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from studio.media.analysis import narration as narration_analysis
from studio.media.analysis.segments import Segment

METHOD = (
    "offline signal analysis: picture brightness, warmth, saturation, contrast and motion; "
    "music key mode (chroma against key profiles), tempo (onset autocorrelation), RMS loudness "
    "and spectral centroid; narration sentiment (a small word list), speaking rate and pitch "
    "range. Moods are rules on these measures, not a model's judgement."
)
VALENCE_SIDE, VALENCE_GAP = 0.25, 1.0
ENERGY_SIDE, ENERGY_GAP = 0.3, 1.0
NEAR = 0.3  # how close to a clash a pair is told as a close call
RATE = 16_000
MODALITIES = ("picture", "music", "narration")

Progress = Callable[[float | None, str], Any] | None


def check_coherence(
    *,
    clips: Sequence[tuple[Path, str]] = (),
    timeline: Path | None = None,
    narration: Path | None = None,
    narration_sentences: Sequence[Sequence[Any]] | None = None,
    music: Path | None = None,
    captions: str | None = None,
    clip_duration: float = 5.0,
    fit_to_narration: bool = True,
    transition: str = "crossfade",
    transition_seconds: float = 0.75,
    fps: int = 30,
    still_motion: bool = True,
    frames_dir: Path | None = None,
    progress: Progress = None,
    check: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """The report as a dict (JSON-ready): segments with each modality's mood, the clashes.

    `clips` [(path, "image"|"video")] place the segments as the timeline does (with the
    timeline's clip_duration, fit_to_narration and transition settings); without them a
    finished `timeline` video is cut where its picture changes. `music` defaults to the
    timeline's soundtrack (then a mix of music and voice, and said so). With `frames_dir`,
    each segment's middle picture is saved there as a PNG (`picture["frame"]`), for a model to
    look at.
    """
    from studio.media.analysis import sources
    from studio.media.analysis.segments import (
        segments_from_clips,
        segments_from_frames,
        timed_words,
        voiced_stretches,
    )

    def step(fraction: float | None, message: str) -> None:
        if check is not None:
            check()
        if progress is not None:
            progress(fraction, message)

    notes: list[str] = []
    warnings: list[str] = []
    step(0.0, "reading the narration")
    voice = sources.mono(narration, RATE, warnings) if narration is not None else None
    narration_seconds = len(voice) / RATE if voice is not None else None
    timeline_frames = None
    if clips:
        segments, plan_notes = segments_from_clips(
            len(clips),
            narration_seconds=narration_seconds,
            clip_duration=clip_duration,
            fit_to_narration=fit_to_narration,
            transition=transition,
            transition_seconds=transition_seconds,
            fps=fps,
        )
        notes += plan_notes
        notes.append("segments placed from the clips as the timeline places them")
    elif timeline is not None:
        step(0.05, "reading the timeline's pictures")
        timeline_frames = sources.clip_frames(timeline, warnings=warnings)
        duration = len(timeline_frames) / sources.FRAMES_PER_SECOND
        segments = segments_from_frames(timeline_frames, sources.FRAMES_PER_SECOND, duration)
        changes = len(segments) - 1
        notes.append(
            f"segments found in the timeline's pictures ({changes} change"
            f"{'s' if changes != 1 else ''} of scene)"
        )
    else:
        raise ValueError("nothing to check: connect the clips or a finished timeline")
    total = segments[-1].end
    soundtrack = music
    if soundtrack is None and timeline is not None:
        soundtrack = timeline
        notes.append(
            "no music connected: the timeline's soundtrack (music and voice mixed) stands in for it"
        )
    step(0.15, "reading the music")
    score = sources.mono(soundtrack, RATE, warnings) if soundtrack is not None else None
    if score is not None and not _audible(score):
        notes.append(
            "the timeline has no sound" if soundtrack is timeline else "the music is silent"
        )
        score = None
    piece_key = None
    if score is not None:
        from studio.media.analysis.music import estimate_key

        # The key is the whole piece's: a few seconds from its middle are too few to find it.
        piece_key = estimate_key(score, RATE)
        notes.append(f"the music's key, {piece_key[0]}, is found over the whole piece")
    words: list[tuple[float, float, str]] = []
    if voice is not None or captions:
        stretches = voiced_stretches(voice, RATE) if voice is not None else []
        words, words_from = timed_words(captions, narration_sentences, stretches)
        notes.append(f"narration words timed by {words_from}")

    report_segments = []
    for number, segment in enumerate(segments):
        step(0.2 + 0.75 * number / len(segments), f"segment {segment.index} of {len(segments)}")
        entry: dict[str, Any] = {
            "index": segment.index,
            "start": round(segment.start, 3),
            "end": round(segment.end, 3),
            "clip": segment.clip,
            "picture": _picture(segment, clips, timeline_frames, still_motion, warnings),
            "music": _music(segment, score, total, piece_key),
            "narration": _narration(segment, voice, words),
        }
        if frames_dir is not None and entry["picture"] is not None:
            entry["picture"]["frame"] = str(
                _save_frame(segment, clips, timeline_frames, Path(frames_dir))
            )
        if soundtrack is timeline and entry["music"] is not None:
            entry["music"]["source"] = "soundtrack (music and voice mixed)"
        entry["mismatches"] = find_mismatches(entry)
        entry["close_calls"] = find_mismatches(entry, margin=NEAR)
        entry["close_calls"] = [
            {k: c[k] for k in ("between", "aspect", "values", "gap", "text")}
            for c in entry["close_calls"]
            if (c["between"], c["aspect"])
            not in [(m["between"], m["aspect"]) for m in entry["mismatches"]]
        ]
        report_segments.append(entry)
    clashes = [m for s in report_segments for m in s["mismatches"]]
    flagged = [s["index"] for s in report_segments if s["mismatches"]]
    step(1.0, "done")
    return {
        "format": "studio.coherence",
        "version": 1,
        "method": METHOD,
        "duration": round(total, 3),
        "segments": report_segments,
        "mismatches": len(clashes),
        "flagged_segments": flagged,
        "coherent": not clashes,
        "notes": notes,
        "warnings": warnings,
    }


# -- one segment -----------------------------------------------------------------------------------
def _mood(analysis: Any, **extra: Any) -> dict[str, Any]:
    return {
        "valence": round(analysis.valence, 2),
        "energy": round(analysis.energy, 2),
        "words": list(getattr(analysis, "described", None) or analysis.words),
        "numbers": analysis.numbers(),
        "text": analysis.describe(),
        **extra,
    }


def _picture(
    segment: Segment,
    clips: Sequence[tuple[Path, str]],
    timeline_frames: Sequence[Any] | None,
    still_motion: bool,
    warnings: list[str],
) -> dict[str, Any] | None:
    from studio.media.analysis import sources
    from studio.media.analysis.picture import analyse_frames

    if clips and segment.clip is not None:
        path, kind = clips[segment.clip - 1]
        if kind == "image":
            frames = [sources.still_frame(Path(path))]
            return _mood(analyse_frames(frames, still=still_motion), source=f"clip {segment.clip}")
        frames = sources.clip_frames(Path(path), warnings=warnings)
        keep = max(1, round(segment.length * sources.FRAMES_PER_SECOND))
        return _mood(analyse_frames(frames[:keep]), source=f"clip {segment.clip}")
    if timeline_frames is not None:
        first = round(segment.start * sources.FRAMES_PER_SECOND)
        last = round(segment.end * sources.FRAMES_PER_SECOND)
        # A crossfade's half second on either side belongs to both clips: leave it out.
        margin = 2 if last - first > 8 else 0
        frames = list(timeline_frames[first + margin : last - margin]) or list(
            timeline_frames[first:last]
        )
        if frames:
            return _mood(analyse_frames(frames), source="timeline")
    return None


def _save_frame(
    segment: Segment,
    clips: Sequence[tuple[Path, str]],
    timeline_frames: Sequence[Any] | None,
    folder: Path,
) -> Path:
    """The segment's middle picture as a 640 px PNG (what a vision model is shown)."""
    from PIL import Image

    from studio.media.analysis import sources

    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"segment-{segment.index}.png"
    if clips and segment.clip is not None:
        path, kind = clips[segment.clip - 1]
        if kind == "image":
            frame = sources.still_frame(Path(path), 640, 360)
        else:
            frames = sources.clip_frames(Path(path), fps=1.0, width=640, height=360)
            frame = frames[min(len(frames) - 1, int(segment.length / 2))]
    else:
        assert timeline_frames is not None
        middle = round((segment.start + segment.end) / 2 * sources.FRAMES_PER_SECOND)
        frame = timeline_frames[min(len(timeline_frames) - 1, middle)]
    Image.fromarray(frame).save(out)
    return out


def _audible(samples: Any) -> bool:
    import numpy as np

    return bool(len(samples)) and float(np.sqrt(np.mean(samples**2))) > 1e-4  # -80 dBFS


def _music(
    segment: Segment, score: Any, total: float, key: tuple[str, str, float] | None
) -> dict[str, Any] | None:
    import numpy as np

    from studio.media.analysis.music import analyse_music

    if score is None or not len(score):
        return None
    first, last = int(segment.start * RATE), int(segment.end * RATE)
    if len(score) < int(total * RATE):  # the timeline loops music shorter than itself
        repeats = int(total * RATE) // len(score) + 1
        score = np.tile(score, repeats)
    return _mood(analyse_music(score[first:last], RATE, key=key), source="music")


def _narration(
    segment: Segment, voice: Any, words: Sequence[tuple[float, float, str]]
) -> dict[str, Any] | None:
    if voice is None and not words:
        return None
    text, speaking = narration_analysis.words_between(words, segment.start, segment.end)
    samples = None
    if voice is not None:
        samples = voice[int(segment.start * RATE) : int(segment.end * RATE)]
    mood = narration_analysis.analyse_narration(
        text, samples, RATE, speaking_seconds=speaking if words else None
    )
    return _mood(mood, spoken=text)


# -- clashes and what to do about them -------------------------------------------------------------
def find_mismatches(segment: dict[str, Any], margin: float = 0.0) -> list[dict[str, Any]]:
    """The clashes between the modalities of one segment (empty when they agree); with a
    `margin`, also the pairs that come that close to a clash."""
    found = []
    pairs = (("picture", "music"), ("picture", "narration"), ("music", "narration"))
    for a, b in pairs:
        first, second = segment.get(a), segment.get(b)
        if not first or not second:
            continue
        if b == "narration" and not second["numbers"].get("words"):
            continue  # nothing is said here: the narration has no mood to clash with
        for aspect, side, gap in (
            ("valence", VALENCE_SIDE, VALENCE_GAP),
            ("energy", ENERGY_SIDE, ENERGY_GAP),
        ):
            if aspect == "energy" and (a, b) == ("music", "narration"):
                continue  # a calm bed under a brisk voice is how documentaries sound
            x, y = first[aspect], second[aspect]
            if x * y < 0 and min(abs(x), abs(y)) >= side - margin and abs(x - y) >= gap - margin:
                found.append(_mismatch(segment, a, b, aspect, x, y))
    return found


def _mismatch(
    segment: dict[str, Any], a: str, b: str, aspect: str, x: float, y: float
) -> dict[str, Any]:
    where = f"segment {segment['index']} ({segment['start']:.1f}-{segment['end']:.1f} s)"
    first, second = segment[a], segment[b]
    feel = {"valence": ("sad", "happy"), "energy": ("calm", "lively")}[aspect]
    said = (
        f"{where}: the {a} is {feel[1] if x > 0 else feel[0]} ({aspect} {x:+.2f}: "
        f"{', '.join(first['words'])}) but the {b} is {feel[1] if y > 0 else feel[0]} "
        f"({aspect} {y:+.2f}: {', '.join(second['words'])})"
    )
    suggestion, actions = _suggest(segment, a, b, aspect, x, y)
    return {
        "segment": segment["index"],
        "between": [a, b],
        "aspect": aspect,
        "values": [x, y],
        "gap": round(abs(x - y), 2),
        "text": said,
        "suggestion": suggestion,
        "actions": actions,
    }


def _suggest(
    segment: dict[str, Any], a: str, b: str, aspect: str, x: float, y: float
) -> tuple[str, list[dict[str, Any]]]:
    """Words saying what to change, and the one-click param edits that would do it.

    An action names the check's input it starts from, the inputs to follow upstream (`path`),
    and the param to set on the node it reaches; the GUI finds that node in the graph.
    """
    music, picture = segment.get("music") or {}, segment.get("picture") or {}
    if "music" in (a, b):
        other = b if a == "music" else a
        music_value, other_value = (x, y) if a == "music" else (y, x)
        numbers = music.get("numbers", {})
        tempo = f"{numbers.get('tempo_bpm', 0):.0f} bpm" if numbers.get("tempo_bpm") else "no beat"
        heard = f"music {numbers.get('mode', '?')} mode, {tempo}"
        seen = ", ".join((segment.get(other) or {}).get("words", []))
        if aspect == "valence":
            mood = "joyful" if other_value > 0 else "somber"
            if other == "picture":
                text = (
                    f"{heard} under a {seen} segment: set the music mood to '{mood}' or "
                    f"re-grade the pictures {'darker' if music_value < 0 else 'brighter'}"
                )
            else:
                text = f"{heard} under {seen} narration: set the music mood to '{mood}'"
            # The music's mood words come from its brief or its prompt, whichever it has.
            return text, [
                _action(
                    f"Set the mood of the music's brief to '{mood}'",
                    "music",
                    ["brief"],
                    "mood",
                    mood,
                ),
                _action(
                    f"Set the music's prompt to '{mood}'", "music", ["prompt"], "template", mood
                ),
            ]
        tempo_value = 124 if other_value > 0 else 72
        text = (
            f"{heard} under a {seen} {other}: set the music tempo to {tempo_value} bpm "
            f"({'livelier' if other_value > 0 else 'calmer'})"
        )
        return text, [
            _action(
                f"Set the music's tempo to {tempo_value} bpm", "music", [], "tempo", tempo_value
            )
        ]
    # picture and narration
    spoken = (segment.get("narration") or {}).get("spoken", "")
    if aspect == "energy":
        rate = 1.15 if x > 0 else 0.9
        text = (
            f"a {', '.join(picture.get('words', []))} picture under "
            f"{', '.join((segment.get('narration') or {}).get('words', []))}: speak "
            f"{'faster' if x > 0 else 'slower'} (rate {rate}) or change the picture's pace"
        )
        return text, [_action(f"Set the narration's rate to {rate}", "narration", [], "rate", rate)]
    text = (
        f'the words "{spoken[:80]}" feel {"happy" if y > 0 else "sad"} over a '
        f"{', '.join(picture.get('words', []))} picture: change the words of this segment or "
        "choose another picture for it"
    )
    return text, []


def _action(label: str, input_name: str, path: list[str], param: str, value: Any) -> dict[str, Any]:
    return {"label": label, "input": input_name, "path": path, "param": param, "value": value}


# -- the same report in words ----------------------------------------------------------------------
def report_text(report: dict[str, Any]) -> str:
    """The report for people: one paragraph per segment, the clashes, what to do."""
    lines = [
        "Coherence check — "
        + (
            "coherent"
            if report["coherent"]
            else f"{report['mismatches']} mismatch"
            f"{'es' if report['mismatches'] != 1 else ''} in segment"
            f"{'s' if len(report['flagged_segments']) != 1 else ''} "
            + ", ".join(str(i) for i in report["flagged_segments"])
        ),
        f"Method: {report['method']}",
        "",
    ]
    for segment in report["segments"]:
        clip = f", clip {segment['clip']}" if segment.get("clip") else ""
        lines.append(
            f"Segment {segment['index']} ({segment['start']:.1f}-{segment['end']:.1f} s{clip})"
        )
        for name in MODALITIES:
            mood = segment.get(name)
            if mood is None:
                lines.append(f"  {name}: not connected")
                continue
            source = f" [{mood['source']}]" if mood.get("source") not in (None, name) else ""
            lines.append(
                f"  {name}{source}: valence {mood['valence']:+.2f}, energy {mood['energy']:+.2f}"
                f" — {mood['text']}"
            )
            if name == "narration" and mood.get("spoken"):
                lines.append(f'    says: "{mood["spoken"]}"')
            if mood.get("model"):
                lines.append(f"    model's reading: {mood['model']}")
        if segment["mismatches"]:
            for clash in segment["mismatches"]:
                lines.append(f"  MISMATCH: {clash['text']}")
                lines.append(f"    suggestion: {clash['suggestion']}")
        else:
            lines.append("  coherent")
        for near in segment.get("close_calls", []):
            lines.append(f"  close call, not flagged (gap {near['gap']:.2f}): {near['text']}")
        lines.append("")
    for note in report.get("notes", []):
        lines.append(f"Note: {note}")
    for warning in report.get("warnings", []):
        lines.append(f"Warning: {warning}")
    return "\n".join(lines).rstrip() + "\n"
