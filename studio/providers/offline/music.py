"""The offline composer: a short piece from mood words (and optionally a picture), then synthesised.

Not a music model: a small rule book. `music_plan` turns the mood into key, mode, tempo, a
diatonic chord progression and the band (pad, bass, lead, arpeggio, drums). Here the score is
written — the melody is a seeded walk that lands on chord tones on strong beats and repeats its
phrase with variations, which is most of what makes a tune sound like a tune — then played by
`music_synth`, given a room, and written as 48 kHz stereo, loudness-normalised, the same samples
for the same seed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from studio.errors import Cancelled
from studio.providers.offline import music_synth as synth
from studio.providers.offline.music_plan import (
    MODES,
    PROGRESSIONS,
    MusicPlan,
    mood_from_image,
    mood_from_words,
    plan_music,
)
from studio.providers.offline.procedural_image import seed_from

__all__ = [
    "MODES",
    "PROGRESSIONS",
    "MusicPlan",
    "compose",
    "mood_from_image",
    "mood_from_words",
    "plan_music",
    "render_music",
]

MAX_SECONDS = 600.0
# Integrated loudness (BS.1770 LUFS since the meter follows the standard; it read ~3 dB low
# before, so pieces made now are that much quieter than older cached ones: audio.music v2).
TARGET_LOUDNESS_DB = -18.0
Note = tuple[float, float, Any]  # start seconds, length seconds, MIDI note (or a chord's notes)


def _chord(plan: MusicPlan, degree: int, sevenths: bool) -> list[int]:
    """The diatonic chord on `degree` as MIDI notes above the root (triad or seventh)."""
    scale = MODES[plan.mode]
    steps = (0, 2, 4, 6) if sevenths else (0, 2, 4)
    notes = []
    for step in steps:
        index = degree + step
        notes.append(plan.root + scale[index % 7] + 12 * (index // 7))
    return notes


def _scale_note(plan: MusicPlan, index: int) -> int:
    scale = MODES[plan.mode]
    return plan.root + 12 + scale[index % 7] + 12 * (index // 7)


RHYTHMS_CALM = ((2.0, 2.0), (3.0, 1.0), (4.0,), (1.0, 1.0, 2.0), (1.5, 0.5, 2.0))
RHYTHMS_LIVELY = (
    (1.0, 0.5, 0.5, 1.0, 1.0),
    (0.5,) * 8,
    (0.75, 0.75, 0.5, 1.0, 1.0),
    (1.0, 1.0, 0.5, 0.5, 1.0),
    (1.5, 0.5, 1.0, 1.0),
)


def _phrase(plan: MusicPlan, rng: np.random.Generator) -> list[tuple[float, float, int | None]]:
    """One melodic phrase over the progression: (beat, length, scale index or None for a rest)."""
    rhythms = RHYTHMS_LIVELY if plan.energy > 0.1 else RHYTHMS_CALM
    notes: list[tuple[float, float, int | None]] = []
    position = int(rng.integers(4, 8))  # scale index, an octave above the root
    beat = 0.0
    for degree in plan.progression:
        chord_indices = {(degree + s) % 7 for s in (0, 2, 4)}
        for _bar in range(plan.bars_per_chord):
            rhythm = rhythms[int(rng.integers(0, len(rhythms)))]
            for i, length in enumerate(rhythm):
                if i > 0 and rng.random() < (0.25 if plan.energy < 0 else 0.12):
                    notes.append((beat, length, None))
                    beat += length
                    continue
                strong = beat % 2.0 == 0.0
                if strong:
                    # Land on the nearest chord tone: the melody follows the harmony.
                    candidates = [
                        p
                        for p in range(position - 3, position + 4)
                        if p % 7 in chord_indices and 2 <= p <= 11
                    ]
                    position = (
                        min(candidates, key=lambda p: (abs(p - position), p))
                        if candidates
                        else position
                    )
                else:
                    step = int(rng.choice((-2, -1, -1, 1, 1, 2)))
                    position = int(np.clip(position + step, 2, 11))
                notes.append((beat, length, position))
                beat += length
    return notes


def compose(plan: MusicPlan, seconds: float, rng: np.random.Generator) -> dict[str, list[Note]]:
    """The score: per instrument, (start seconds, length seconds, MIDI note or 0 for drums)."""
    beat_seconds = 60.0 / plan.tempo
    beats_per_cycle = 4 * plan.bars_per_chord * len(plan.progression)
    cycles = int(np.ceil(seconds / (beats_per_cycle * beat_seconds)))
    total_bars = cycles * plan.bars_per_chord * len(plan.progression)
    intro_bars = 2 if total_bars >= 8 else 0
    outro_bars = 2 if total_bars >= 10 else 0
    score: dict[str, list[Note]] = {
        name: [] for name in ("pad", "bass", "lead", "arp", "kick", "snare", "hat")
    }
    phrase = _phrase(plan, rng)
    variation = _phrase(plan, rng)
    for cycle in range(cycles):
        cycle_start = cycle * beats_per_cycle
        for c, degree in enumerate(plan.progression):
            chord = _chord(plan, degree, plan.sevenths)
            chord_beat = cycle_start + c * 4 * plan.bars_per_chord
            chord_len = 4 * plan.bars_per_chord
            bar_index = chord_beat // 4
            t0 = chord_beat * beat_seconds
            # One pad entry per chord; the notes are packed into the "note" as a tuple.
            score["pad"].append((t0, chord_len * beat_seconds, tuple(n + 12 for n in chord)))
            main = intro_bars <= bar_index < total_bars - outro_bars
            _bass(plan, score, chord[0] - 12, chord_beat, chord_len, beat_seconds)
            if main and "arp" in plan.instruments:
                step = 0.5 if plan.energy > 0.4 else 1.0
                order = [*chord, chord[1] + 12, *chord[::-1]]
                for i in range(int(chord_len / step)):
                    score["arp"].append(
                        (
                            (chord_beat + i * step) * beat_seconds,
                            step * beat_seconds,
                            order[i % len(order)] + 12,
                        )
                    )
            if main and "drums" in plan.instruments:
                _drums(plan, score, chord_beat, chord_len, beat_seconds, rng)
        if "lead" in plan.instruments:
            melody = variation if cycle % 4 == 3 else phrase
            for beat, length, index in melody:
                if (
                    index is not None
                    and intro_bars * 4 <= cycle_start + beat < (total_bars - outro_bars) * 4
                ):
                    score["lead"].append(
                        (
                            (cycle_start + beat) * beat_seconds,
                            length * beat_seconds,
                            _scale_note(plan, index),
                        )
                    )
    return {name: [n for n in notes if n[0] < seconds] for name, notes in score.items()}


def _bass(
    plan: MusicPlan, score: dict, note: int, beat: float, length: float, beat_seconds: float
) -> None:
    if plan.energy < -0.3:
        pattern = [(0.0, length)]
    elif plan.energy < 0.4:
        pattern = [(b, 2.0) for b in np.arange(0.0, length, 2.0)]
    else:
        pattern = [(b, 0.5) for b in np.arange(0.0, length, 1.0)] + [
            (b + 0.5, 0.5) for b in np.arange(2.0, length, 4.0)
        ]
    for offset, duration in pattern:
        score["bass"].append(((beat + offset) * beat_seconds, duration * beat_seconds * 0.95, note))


def _drums(
    plan: MusicPlan,
    score: dict,
    beat: float,
    length: float,
    beat_seconds: float,
    rng: np.random.Generator,
) -> None:
    for b in np.arange(0.0, length, 1.0):
        position = (beat + b) % 4
        t = (beat + b) * beat_seconds
        if position in (0.0, 2.0) or (plan.energy > 0.5 and position == 2.5):
            score["kick"].append((t, 0.4, 0))
        if position in (1.0, 3.0) and plan.energy > 0.1:
            score["snare"].append((t, 0.2, 0))
        score["hat"].append((t + 0.5 * beat_seconds, 0.05, 0))
        if plan.energy > 0.5:
            score["hat"].append((t, 0.05, 0))


def render_music(
    out: Path,
    prompt: str,
    *,
    duration: float = 30.0,
    tempo: float | None = None,
    seed: int = 0,
    image: Path | None = None,
    progress: Callable[[float | None, str], Any] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> MusicPlan:
    """Compose and write a 48 kHz stereo WAV; returns the plan (key, tempo, band) it used."""
    from studio.media.audio_io import write_wav

    if not 0 < duration <= MAX_SECONDS:
        raise ValueError(
            f"music duration must be more than 0 and at most {MAX_SECONDS:.0f} "
            f"seconds, got {duration}"
        )
    report = progress or (lambda fraction, message: None)
    stop = should_stop or (lambda: False)
    plan = plan_music(prompt, seed=seed, tempo=tempo, image=image)
    rng = np.random.default_rng(seed_from("music", prompt, seed, plan.summary()))
    score = compose(plan, duration, rng)
    frames = round(duration * synth.SAMPLE_RATE)
    dry, send = synth.Track(frames), synth.Track(frames)
    steps = [name for name in ("pad", "bass", "lead", "arp", "kick", "snare", "hat") if score[name]]
    for i, name in enumerate(steps):
        if stop():
            raise Cancelled("cancelled")
        report(0.8 * i / max(1, len(steps)), f"playing the {name}")
        _play(name, score[name], plan, dry, send, rng)
    if stop():
        raise Cancelled("cancelled")
    report(0.85, "adding the room")
    room = 2.6 if plan.energy < 0 else 1.6
    mix = dry.buffer + synth.reverb(send.buffer, rng, room) * np.float32(0.35)
    mix += send.buffer
    mix -= mix.mean(axis=0, keepdims=True)
    mix = np.tanh(mix * np.float32(0.8)).astype(np.float32)
    fade_in, fade_out = min(0.05, duration / 4), min(3.0, duration * 0.15)
    mix[: int(fade_in * synth.SAMPLE_RATE)] *= np.linspace(
        0, 1, int(fade_in * synth.SAMPLE_RATE), dtype=np.float32
    )[:, None]
    tail = int(fade_out * synth.SAMPLE_RATE)
    if tail:
        mix[-tail:] *= np.linspace(1, 0, tail, dtype=np.float32)[:, None] ** 2
    mix = _normalise(mix)
    report(0.95, "writing")
    write_wav(out, mix, synth.SAMPLE_RATE)
    report(1.0, plan.summary())
    return plan


def _normalise(mix: np.ndarray) -> np.ndarray:
    """Bring the piece to TARGET_LOUDNESS_DB (LUFS), never letting a peak pass -1 dBFS.

    The soft clip before it bounds the peaks, so a plain gain is enough: no limiter needed.
    """
    from studio.media.mixing import DEFAULT_CEILING_DB, measure_loudness

    loudness = measure_loudness(mix, synth.SAMPLE_RATE)
    peak = float(np.max(np.abs(mix)))
    if peak <= 0.0:
        return mix
    gain_db = min(TARGET_LOUDNESS_DB - loudness, DEFAULT_CEILING_DB - 20.0 * np.log10(peak))
    return mix * np.float32(10.0 ** (gain_db / 20.0))


def _play(
    name: str,
    notes: list[Note],
    plan: MusicPlan,
    dry: synth.Track,
    send: synth.Track,
    rng: np.random.Generator,
) -> None:
    rate = synth.SAMPLE_RATE
    beat = 60.0 / plan.tempo
    # The lead gets its own echo, so it plays into a track of its own first.
    lead = synth.Track(len(dry.buffer)) if name == "lead" else None
    # A piece repeats its chords and notes: each distinct sound is synthesised once.
    made: dict[tuple[Any, ...], np.ndarray] = {}

    def sound(*key: Any) -> np.ndarray:
        if key not in made:
            made[key] = key[0](*key[1:])
        return made[key]

    lead_voice = {"bell": (synth.bell_note, 0.29), "pluck": (synth.pluck_note, 0.25)}.get(
        plan.lead, (synth.soft_lead_note, 0.36)
    )
    for index, (start, length, note) in enumerate(notes):
        at = int(start * rate)
        if name == "pad":
            freqs = tuple(synth.midi_to_hz(n) for n in note)
            tone = sound(synth.pad_chord, freqs, length, 1.2, plan.brightness)
            send.add_stereo(at, synth.widen(tone), 0.063)
        elif name == "bass":
            tone = sound(synth.bass_note, synth.midi_to_hz(note), length, max(0.0, plan.energy))
            dry.add(at, tone, 0.14, 0.0)
        elif name == "lead":
            tone = sound(lead_voice[0], synth.midi_to_hz(note), length)
            lead.add(at, tone, lead_voice[1], 0.15)  # type: ignore[union-attr]
        elif name == "arp":
            tone = sound(synth.pluck_note, synth.midi_to_hz(note), min(length, beat))
            send.add(at, tone, 0.095, -0.35 if index % 2 else 0.35)
        elif name == "kick":
            dry.add(at, sound(synth.kick), 0.36, 0.0)
        elif name == "snare":
            send.add(at, synth.snare(rng), 0.4, 0.05)
        elif name == "hat":
            dry.add(
                at, synth.hat(rng, open_=index % 8 == 7), 0.075 * (1.0 + 0.3 * rng.random()), 0.3
            )
    if lead is not None:
        send.add_stereo(0, synth.echo(lead.buffer, beat * 0.75, 0.3, 3))
