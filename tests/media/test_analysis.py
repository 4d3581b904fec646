"""The coherence check's signal analyses on signals whose answer is known by construction:
chords in a key, clicks at a tempo, a voice gliding over a known pitch range, pictures of known
colour, words with a known feeling, a timeline's own slots, a cut between two pictures."""

from __future__ import annotations

import math

import numpy as np
import pytest

from studio.media.analysis.lexicon import sentiment
from studio.media.analysis.music import analyse_music
from studio.media.analysis.narration import pitch_track, syllables, words_between
from studio.media.analysis.picture import analyse_frames
from studio.media.analysis.segments import (
    parse_srt,
    segments_from_clips,
    segments_from_frames,
    spread_words,
)

RATE = 16_000


def tone(freq: float, seconds: float, partials: int = 4) -> np.ndarray:
    t = np.arange(int(RATE * seconds)) / RATE
    wave = sum(np.sin(2 * math.pi * freq * k * t) / k for k in range(1, partials + 1))
    fade = np.minimum(1.0, np.minimum(t, seconds - t) / 0.02)
    return (wave * fade).astype(np.float32)


def midi(note: int) -> float:
    return 440.0 * 2 ** ((note - 69) / 12)


def chords(progression: list[list[int]], seconds: float = 1.0) -> np.ndarray:
    """Each chord (MIDI notes) for `seconds`, its root an octave down in the bass."""
    parts = []
    for chord in progression:
        notes = [tone(midi(n), seconds) for n in chord] + [tone(midi(chord[0] - 12), seconds)]
        parts.append(sum(notes) / len(notes))
    return np.concatenate(parts) * 0.3


@pytest.mark.parametrize(
    ("progression", "key"),
    [
        # I-IV-V-I in C major, and i-iv-v-i in A minor (the same notes, another centre).
        ([[60, 64, 67], [65, 69, 72], [67, 71, 74], [60, 64, 67]] * 2, "C major"),
        ([[57, 60, 64], [62, 65, 69], [64, 67, 71], [57, 60, 64]] * 2, "A minor"),
        ([[62, 66, 69], [67, 71, 74], [69, 73, 76], [62, 66, 69]] * 2, "D major"),
        ([[64, 67, 71], [69, 72, 76], [71, 74, 78], [64, 67, 71]] * 2, "E minor"),
    ],
)
def test_the_key_and_mode_of_chords_are_found(progression, key):
    mood = analyse_music(chords(progression), RATE)
    assert mood.key == key
    assert mood.clarity > 0.05


@pytest.mark.parametrize("bpm", [72, 96, 120, 140])
def test_the_tempo_of_a_click_track_is_found(bpm):
    seconds = 12.0
    track = np.zeros(int(RATE * seconds), dtype=np.float32)
    click = tone(1000.0, 0.03)
    for beat in np.arange(0, seconds - 0.05, 60.0 / bpm):
        start = int(beat * RATE)
        track[start : start + click.size] += click
    mood = analyse_music(track * 0.5, RATE)
    assert mood.bpm == pytest.approx(bpm, rel=0.04)
    assert mood.pulse > 0.3


def test_silence_is_told_as_silence_not_as_a_key():
    mood = analyse_music(np.zeros(RATE * 3, dtype=np.float32), RATE)
    assert (mood.mode, mood.words, mood.bpm) == ("unclear", ["silent"], 0.0)


def test_loud_bright_fast_music_has_more_energy_than_soft_dark_slow_music():
    progression = [[60, 64, 67], [65, 69, 72], [67, 71, 74], [60, 64, 67]]
    soft = chords(progression * 2, 1.5) * 0.1
    clicks = np.zeros_like(soft)
    for beat in np.arange(0, soft.size / RATE - 0.05, 60 / 140):
        clicks[int(beat * RATE) : int(beat * RATE) + 480] += tone(3000.0, 0.03)
    loud = soft * 8 + clicks
    assert analyse_music(loud, RATE).energy > analyse_music(soft, RATE).energy + 0.5


def test_pitch_range_of_a_glide_is_measured_in_semitones():
    seconds = 3.0
    t = np.arange(int(RATE * seconds)) / RATE
    # 100 Hz up to 200 Hz (12 semitones) and back, like an animated voice.
    freq = 100 * 2 ** (np.abs(np.sin(math.pi * t / seconds)))
    phase = 2 * math.pi * np.cumsum(freq) / RATE
    voice = (np.sin(phase) + 0.5 * np.sin(2 * phase) + 0.3 * np.sin(3 * phase)).astype(np.float32)
    median, spread, voiced = pitch_track(voice * 0.3, RATE)
    assert 130 < median < 190
    assert 8.5 < spread < 12.5  # 10th to 90th percentile of a 0..12 semitone glide
    assert voiced == pytest.approx(seconds, abs=0.1)
    flat = np.sin(2 * math.pi * 120 * t).astype(np.float32) * 0.3
    assert pitch_track(flat, RATE)[0] == pytest.approx(120, abs=2)
    assert pitch_track(flat, RATE)[1] < 0.5


def solid(colour: tuple[int, int, int], shade: float = 0.0) -> np.ndarray:
    frame = np.zeros((90, 160, 3), dtype=np.float32)
    frame[:] = colour
    frame[:45] *= 1 - shade  # a darker top half gives contrast
    return frame.clip(0, 255).astype(np.uint8)


def test_picture_mood_follows_brightness_warmth_and_saturation():
    sunny = analyse_frames([solid((250, 190, 90), 0.3)])
    night = analyse_frames([solid((20, 30, 70), 0.3)])
    grey = analyse_frames([solid((128, 128, 128))])
    assert sunny.brightness > 0.6 and sunny.warmth > 0.5 and sunny.valence > 0.5
    assert night.brightness < 0.15 and night.warmth < 0 and night.valence < -0.5
    assert grey.saturation == pytest.approx(0.0) and grey.warmth == pytest.approx(0.0)
    assert sunny.words[:2] == ["bright", "warm"] and night.words[:2] == ["dark", "cool"]


def test_motion_is_the_change_between_frames():
    still = [solid((100, 120, 140))] * 8
    flicker = [solid((30, 30, 30)) if i % 2 else solid((220, 220, 220)) for i in range(8)]
    assert analyse_frames(still).motion == 0.0
    fast = analyse_frames(flicker)
    assert fast.motion > 0.5 and "fast-cut" in fast.words
    assert fast.energy > analyse_frames(still).energy


def test_the_lexicon_reads_feeling_and_turns_negations():
    assert sentiment("A joyful, hopeful morning full of light.").score > 0.3
    assert sentiment("Alone in the dark, with fear and tears.").score < -0.3
    assert sentiment("The boats sit in the harbour.").score == 0.0
    negated = sentiment("It was not happy.")
    assert negated.score < 0 and negated.hits == ["~happy (negated)"]
    assert syllables("lighthouse") == 2 and syllables("above") == 2 and syllables("the") == 1


def test_words_between_split_a_sentence_at_a_segment_boundary():
    sentences = [(0.0, 4.0, "one two three four five six seven eight"), (5.0, 6.0, "nine ten")]
    assert words_between(sentences, 0.0, 2.0) == ("one two three four", 2.0)
    assert words_between(sentences, 2.0, 5.5) == ("five six seven eight nine", 2.5)


def test_segments_from_clips_are_the_timelines_own_slots():
    from studio.media.timeline import TimelineSettings, plan_slots

    segments, _ = segments_from_clips(
        3,
        narration_seconds=12.0,
        clip_duration=5.0,
        fit_to_narration=True,
        transition="crossfade",
        transition_seconds=0.75,
    )
    slots, total, _ = plan_slots(
        3, TimelineSettings(fit_to_narration=True, transition_seconds=0.75), 12.0
    )
    assert segments[-1].end == pytest.approx(total / 30)
    for segment, slot, after in zip(segments, slots, slots[1:], strict=False):
        # The boundary is the middle of the crossfade between the two clips.
        assert segment.end == pytest.approx((after.start + slot.start + slot.length) / 2 / 30)
    assert [s.clip for s in segments] == [1, 2, 3]


def test_a_cut_in_a_finished_video_is_a_segment_boundary():
    frames = [solid((20, 30, 70))] * 12 + [solid((250, 190, 90))] * 12  # a cut at 3.0 s
    segments = segments_from_frames(frames, 4.0, 6.0)
    assert [(round(s.start, 2), round(s.end, 2)) for s in segments] == [(0, 3.0), (3.0, 6.0)]


def test_subtitles_and_plain_captions_give_timed_words():
    srt = "1\n00:00:01,000 --> 00:00:02,500\nHello there\n\n2\n00:00:03,000 --> 00:00:04,000\nBye"
    assert parse_srt(srt) == [(1.0, 2.5, "Hello there"), (3.0, 4.0, "Bye")]
    assert parse_srt("Just words.") is None
    assert spread_words("a b c d", [(0.0, 1.0), (2.0, 3.0)]) == [
        (0.0, 1.0, "a b"),
        (2.0, 3.0, "c d"),
    ]


def test_the_same_music_in_minor_reads_sadder_than_in_major():
    major = chords([[60, 64, 67], [65, 69, 72], [67, 71, 74], [60, 64, 67]] * 2)
    minor = chords([[60, 63, 67], [65, 68, 72], [67, 70, 74], [60, 63, 67]] * 2)
    happy, sad = analyse_music(major, RATE), analyse_music(minor, RATE)
    assert (happy.mode, sad.mode) == ("major", "minor")
    assert happy.valence > sad.valence + 0.3
