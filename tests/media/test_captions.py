"""Captions: phrases timed to the speech, a valid .srt, and text that really lands in the frame."""

from __future__ import annotations

import itertools
import math
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from studio.media.captions import (
    CaptionBurner,
    Cue,
    caption_font_warning,
    cue_at,
    cues_from_sentences,
    find_font,
    resolve_font,
    split_phrases,
    time_captions,
    to_srt,
    write_srt,
)
from studio.media.encode import i420_to_rgb

TEXT = (
    "The lighthouse wakes at dusk. Its beam sweeps the water, slow and patient, "
    "across the rocks where the old ships used to break, and further, to the horizon "
    "where the first stars appear. Then night."
)


def test_sentences_and_long_phrases_are_split_readably() -> None:
    phrases = split_phrases(TEXT)
    assert phrases[0] == "The lighthouse wakes at dusk."
    assert phrases[-1] == "Then night."
    assert all(len(p) <= 80 for p in phrases)
    assert " ".join(phrases) == " ".join(TEXT.split())  # nothing lost, nothing added
    giant = split_phrases("x" * 200)
    assert [len(p) for p in giant] == [80, 80, 40]
    assert split_phrases("   \n ") == []


def test_without_speech_segments_cues_share_the_duration_by_characters() -> None:
    cues = time_captions("One. Two two two two.", 10.0)
    assert [c.text for c in cues] == ["One.", "Two two two two."]
    assert cues[0].start == 0.0 and cues[-1].end == pytest.approx(10.0)
    assert cues[0].end == pytest.approx(10.0 * 4 / 20, abs=0.01)  # 4 of 20 characters
    assert cues[1].start == pytest.approx(cues[0].end)


def test_cues_follow_the_speech_and_never_start_in_a_silence() -> None:
    segments = [(1.0, 3.0), (5.0, 9.0)]
    cues = time_captions(TEXT, 12.0, segments)
    assert cues[0].start == pytest.approx(1.0)
    assert cues[-1].end == pytest.approx(9.0)
    for cue in cues:
        assert any(a <= cue.start < b for a, b in segments), cue
        assert cue.end > cue.start
    assert all(a.end <= b.start + 1e-6 for a, b in itertools.pairwise(cues))


def test_sentence_changes_move_into_the_pauses_between_speech() -> None:
    # Speech-time split would change captions at ~1.9 s; the voice pauses from 2.0 to 2.5 s.
    cues = time_captions(
        "The sea is calm tonight. The light comes on.", 4.5, [(0.5, 2.0), (2.5, 3.5)]
    )
    assert [(c.start, c.end) for c in cues] == [(0.5, 2.0), (2.5, 3.5)]
    # A pause far from any phrase boundary is left alone.
    cues = time_captions("One two three four five six. Seven.", 10.0, [(0.0, 1.0), (1.5, 9.0)])
    assert cues[0].end > 5.0


def test_a_hundred_thousand_characters_time_quickly_and_stay_in_range() -> None:
    text = ("A sentence of moderate length, with a comma. " * 2300)[:100_000]
    started = time.process_time()  # CPU seconds: other processes on a loaded machine don't count
    cues = time_captions(text, 600.0, [(0.5, 599.0)])
    spent = time.process_time() - started
    assert spent < 2.0, f"timing 100,000 characters took {spent:.2f} CPU s"
    assert len(cues) > 2000
    assert cues[0].start >= 0.5 and cues[-1].end <= 599.0 + 1e-6


# The spoken sentences of TEXT as a speech engine measured them (start, end, text); the speech
# splits at its own places (here the long sentence in two), captions at theirs.
SPOKEN = [
    (0.2, 1.9, "The lighthouse wakes at dusk."),
    (2.4, 6.1, "Its beam sweeps the water, slow and patient,"),
    (
        6.3,
        11.0,
        "across the rocks where the old ships used to break, and further, to the horizon "
        "where the first stars appear.",
    ),
    (11.6, 12.4, "Then night."),
]


def test_cues_start_and_end_exactly_with_the_spoken_sentences() -> None:
    cues = cues_from_sentences(TEXT, SPOKEN, 14.0)
    assert cues is not None
    assert [c.text for c in cues] == split_phrases(TEXT)
    assert (cues[0].start, cues[0].end) == (0.2, 1.9)
    assert (cues[-1].start, cues[-1].end) == (11.6, 12.4)
    # The long sentence: the captions' phrase break falls where the speech paused ("patient,"),
    # so the pause shows no caption; the next two phrases share 6.3..11.0 by their letters.
    assert [(c.start, c.end) for c in cues[1:3]] == [(2.4, 6.1), (6.3, cues[3].start)]
    assert 6.3 < cues[3].start < 11.0 and cues[3].end == 11.0
    # No caption during the pauses between spoken sentences.
    assert cue_at(cues, 2.1)[0] is None and cue_at(cues, 11.3)[0] is None
    # Estimated timing (by characters over the loud parts) would not land on these times.
    estimated = time_captions(TEXT, 14.0, [(s, e) for s, e, _ in SPOKEN])
    assert [round(c.start, 1) for c in estimated] != [round(c.start, 1) for c in cues]


def test_captions_that_are_not_the_narration_are_not_timed_by_it() -> None:
    assert cues_from_sentences("Something else entirely.", SPOKEN, 14.0) is None
    assert cues_from_sentences(TEXT, [], 14.0) is None
    # Spaces and line breaks do not matter.
    assert cues_from_sentences(TEXT.replace(" ", "\n  "), SPOKEN, 14.0) is not None
    # A narration longer than the video: cues stop at its end.
    clipped = cues_from_sentences(TEXT, SPOKEN, 8.0)
    assert clipped is not None and max(c.end for c in clipped) == 8.0


def test_captions_edited_apart_from_the_narration_keep_each_sentence_time() -> None:
    """A typo fixed or a sentence reworded in the captions moves no other caption."""
    spoken = [
        (0.2, 1.9, "The lighthouse wakes at dusk."),
        (2.4, 6.1, "Its beam sweeps the water."),
        (6.6, 9.0, "Then night."),
    ]
    said = " ".join(text for _, _, text in spoken)
    before = cues_from_sentences(said, spoken, 10.0)
    edited = cues_from_sentences(said.replace("sweeps the water", "crosses the sea"), spoken, 10.0)
    assert before is not None and edited is not None
    assert [(c.start, c.end) for c in edited] == [(c.start, c.end) for c in before]
    assert [c.text for c in edited] == [
        "The lighthouse wakes at dusk.",
        "Its beam crosses the sea.",
        "Then night.",
    ]
    # A long sentence cut into phrases keeps the very times the exact match gives it.
    long_spoken = [
        *spoken[:2],
        (
            6.6,
            12.0,
            "Then night falls over the water, slow and patient, across the rocks where "
            "the old ships used to break, and further.",
        ),
    ]
    long_said = " ".join(text for _, _, text in long_spoken)
    exact = cues_from_sentences(long_said, long_spoken, 14.0)
    paired = cues_from_sentences(long_said.replace("dusk", "dawn"), long_spoken, 14.0)
    assert exact is not None and paired is not None and len(exact) > 3
    assert [(c.start, c.end) for c in paired] == [(c.start, c.end) for c in exact]
    # A sentence more or less than was spoken: the sentences cannot be paired.
    assert cues_from_sentences(said + " And dawn.", spoken, 10.0) is None


def test_srt_is_numbered_with_comma_milliseconds(tmp_path: Path) -> None:
    cues = [Cue(0.0, 1.5, "Hello."), Cue(3661.25, 3662.0, "An hour later.")]
    expected = (
        "1\n00:00:00,000 --> 00:00:01,500\nHello.\n\n"
        "2\n01:01:01,250 --> 01:01:02,000\nAn hour later.\n"
    )
    assert to_srt(cues) == expected
    path = write_srt(tmp_path / "subs.srt", cues)
    assert path.read_text("utf-8") == expected
    assert to_srt([]) == ""


def test_cue_at_walks_forward_through_sorted_cues() -> None:
    cues = [Cue(1.0, 2.0, "a"), Cue(3.0, 4.0, "b")]
    assert cue_at(cues, 0.5)[0] is None
    cue, hint = cue_at(cues, 1.5)
    assert cue.text == "a"
    assert cue_at(cues, 2.5, hint)[0] is None
    assert cue_at(cues, 3.0, hint)[0].text == "b"
    assert cue_at(cues, 9.0, hint)[0] is None


def grey_i420(width: int, height: int, level: int = 100) -> np.ndarray:
    rgb = np.full((height, width, 3), level, np.uint8)
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420)


@pytest.mark.parametrize(("width", "height"), [(320, 180), (160, 90), (180, 320)])
def test_burned_caption_is_white_text_on_a_dark_box_near_the_bottom(
    width: int, height: int
) -> None:
    burner = CaptionBurner(width, height)
    frame = grey_i420(width, height)
    before = frame.copy()
    burner.burn(frame, "Hello there, caption")
    rgb = i420_to_rgb(frame)
    changed = np.nonzero(np.abs(frame[:height].astype(int) - before[:height]).max(axis=1))[0]
    assert changed.min() > height // 2  # only the lower part of the picture
    bottom = rgb[changed.min() : changed.max() + 1]
    assert bottom.max() > 220  # white letters
    assert bottom.min() < 60  # on a dark box
    assert np.array_equal(rgb[: height // 3], i420_to_rgb(before)[: height // 3])
    # The overlay is rendered once and reused for every frame of the caption.
    overlay = burner._cache["Hello there, caption"]
    burner.burn(grey_i420(width, height), "Hello there, caption")
    assert burner._cache["Hello there, caption"] is overlay


def test_long_caption_wraps_onto_lines_inside_the_frame() -> None:
    burner = CaptionBurner(320, 180)
    frame = grey_i420(320, 180)
    burner.burn(frame, "word " * 30)
    rows = np.nonzero(np.abs(frame[:180].astype(int) - 100 * 219 // 255 - 16).max(axis=1) > 3)[0]
    assert rows.max() - rows.min() > 2 * burner.font_size  # three or more lines


def test_shipped_font_is_found_and_a_missing_font_falls_back(tmp_path: Path) -> None:
    font = find_font()
    assert font is not None and font.suffix.lower() in (".ttf", ".otf")
    burner = CaptionBurner(320, 180, font_path=tmp_path / "missing.ttf")
    frame = grey_i420(320, 180)
    burner.burn(frame, "Still readable")
    assert i420_to_rgb(frame).max() > 220


def test_burned_captions_change_when_each_spoken_sentence_does(tmp_path: Path) -> None:
    """A real offline narration: its sentence timings go into the timeline, and the frames show
    each caption from the frame its sentence starts to the frame it ends."""
    import av
    from PIL import Image

    from studio.media.timeline import Clip, TimelineSettings, render_timeline
    from studio.providers.offline.speech import synthesize

    text = "The keeper climbs the stairs. He lights the lamp. The beam sweeps across the bay."
    spoken = synthesize(text, tmp_path / "voice.wav")
    assert spoken.engine == "piper" and len(spoken.sentences) == 3
    Image.new("RGB", (320, 180), (150, 170, 190)).save(tmp_path / "still.png")
    fps = 25
    settings = TimelineSettings(
        width=320,
        height=180,
        fps=fps,
        fit_to_narration=True,
        transition="cut",
        image_motion="still",
        quality="draft",
    )
    result = render_timeline(
        [Clip(tmp_path / "still.png", "image")],
        tmp_path / "out.mp4",
        settings=settings,
        narration=tmp_path / "voice.wav",
        captions_text=text,
        narration_sentences=spoken.sentences,
    )
    assert [(c.start, c.end, c.text) for c in result.cues] == [
        (s, e, t) for s, e, t in spoken.sentences
    ]
    with av.open(str(result.path)) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]

    def caption_region(frame: np.ndarray) -> np.ndarray:
        return frame[120:170].astype(np.int16)

    def has_caption(frame: np.ndarray) -> bool:
        return bool((caption_region(frame).max(axis=2) < 80).sum() > 200)

    shown = [has_caption(frame) for frame in frames]
    for index, showing in enumerate(shown):
        expected = cue_at(result.cues, index / fps)[0]
        assert showing == (expected is not None), f"frame {index} ({index / fps:.2f} s)"
    # Between the sentences the picture is captionless, and each caption is a different one.
    firsts = [
        next(i for i in range(len(frames)) if cue_at(result.cues, i / fps)[0] is c)
        for c in result.cues
    ]
    assert firsts == [math.ceil(c.start * fps - 1e-9) for c in result.cues]
    a, b = caption_region(frames[firsts[0]]), caption_region(frames[firsts[1]])
    assert np.abs(a - b).mean() > 2  # different words


def test_a_replaced_font_is_said_in_words(tmp_path: Path) -> None:
    shipped = find_font()
    assert caption_font_warning() is None
    font, warning = resolve_font(30, tmp_path / "Fancy.ttf")  # a font that fails to load
    assert font.path == str(shipped)  # the shipped DejaVu stands in
    assert warning == f"the caption font Fancy.ttf could not be loaded: captions use {shipped.name}"
