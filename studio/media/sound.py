"""A film's sound, made once: narration over music, encoded whole, measured, and kept.

`make_sound` mixes the soundtrack (media.mixing), encodes it whole into an audio-only MP4 (AAC,
exactly the film's length: no joins, so every sample is where it belongs) and measures that file
as it will be delivered (integrated loudness, true peak: media.loudness). With a part store
(`ctx.parts`) all of it is kept under a key made of what it depends on (the narration's and the
music's content, the mixing settings, the length, the encoder), so an export after an edit of the
picture or of a caption copies the kept sound instead of mixing and encoding it again.

Captions are timed here too (`time_cues`): by the spoken sentences when the voice reports them,
else over the speech the mixer found (silence detection), which is kept with the sound.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studio.digest import file_sha256

if TYPE_CHECKING:
    from studio.media.captions import Cue
    from studio.media.segments import Parts
    from studio.media.timeline import TimelineSettings

# Bump when the same inputs would give another mix or encoding: kept sounds are then remade.
SOUND_FORMAT = 1


@dataclass
class Sound:
    """An encoded soundtrack, what it measures, and the captions timed to it."""

    path: Path  # audio-only MP4 (AAC 48 kHz stereo), exactly the film's length
    samples: int
    cues: list[Cue] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    loudness_lufs: float | None = None  # the mix, as measured before encoding
    delivered: dict[str, Any] | None = None  # the encoded file, as measured (with true peak)
    speech_segments: list[tuple[float, float]] = field(default_factory=list)
    kept: bool = False  # taken from the part store, not made now
    made_here: list[Path] = field(default_factory=list)  # scratch files for the caller to drop


def sound_key(
    *,
    samples: int,
    settings: TimelineSettings,
    narration: Path | None,
    music: Path | None,
) -> str:
    """The key of a sound: everything the mix and its encoding depend on."""
    from studio.media.encode import quality_preset
    from studio.media.segments import encoder_identity

    q = quality_preset(settings.quality)
    payload = {
        "sound": SOUND_FORMAT,
        "samples": samples,
        "narration": file_sha256(narration) if narration is not None else None,
        "music": file_sha256(music) if music is not None else None,
        "mix": [
            settings.music_volume_db,
            settings.music_fade_in,
            settings.music_fade_out,
            settings.duck_db,
            settings.loudness,
        ],
        "aac": [q.audio_kbps, q.aac_coder],
        "encoder": encoder_identity(_codec(settings), settings.quality),
    }
    blob = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def make_sound(
    scratch: Path,
    *,
    duration: float,
    samples: int,
    settings: TimelineSettings,
    narration: Path | None,
    music: Path | None,
    parts: Parts | None = None,
    progress: Callable[[float], Any] | None = None,
    check: Callable[[], None] | None = None,
) -> Sound:
    """The soundtrack, `samples` long, encoded and measured: kept in `parts`, or made now."""
    key = (
        sound_key(samples=samples, settings=settings, narration=narration, music=music)
        if parts is not None
        else ""
    )
    if parts is not None:
        found = _kept(parts, key, _codec(settings))
        if found is not None:
            return found
    from studio.media.encode import quality_preset
    from studio.media.export import measure_delivered
    from studio.media.loudness import delivery_target
    from studio.media.mixing import build_soundtrack

    scratch = Path(scratch)
    token = secrets.token_hex(4)
    wav = scratch / f".mix-{token}.wav"
    codec = _codec(settings)
    encoded = scratch / f"sound-{token}.{'webm' if codec == 'opus' else 'm4a'}"
    try:
        soundtrack = build_soundtrack(
            wav,
            duration=duration,
            narration=narration,
            music=music,
            music_volume_db=settings.music_volume_db,
            fade_in=settings.music_fade_in,
            fade_out=settings.music_fade_out,
            duck_db=settings.duck_db,
            target_lufs=delivery_target(settings.loudness).lufs,
            progress=progress,
            check=check,
        )
        from studio.media.audio_feed import encode_sound

        q = quality_preset(settings.quality)
        encode_sound(
            wav,
            encoded,
            samples=samples,
            kbps=q.audio_kbps,
            aac_coder=q.aac_coder,
            format=settings.container,
        )
    except BaseException:
        encoded.unlink(missing_ok=True)
        raise
    finally:
        wav.unlink(missing_ok=True)
    sound = Sound(
        path=encoded,
        samples=samples,
        warnings=list(soundtrack.warnings),
        loudness_lufs=soundtrack.loudness.integrated if soundtrack.loudness else None,
        delivered=measure_delivered(encoded),
        speech_segments=[(float(a), float(b)) for a, b in soundtrack.speech_segments],
    )
    if parts is None:
        sound.made_here.append(encoded)
        return sound
    facts = scratch / f"sound-{token}.json"
    facts.write_text(json.dumps(_facts(sound)), "utf-8")
    sound.path = parts.put(f"{key}#{codec}", encoded)
    parts.put(f"{key}#facts", facts)
    return sound


def _facts(sound: Sound) -> dict[str, Any]:
    return {
        "samples": sound.samples,
        "warnings": sound.warnings,
        "loudness_lufs": sound.loudness_lufs,
        "delivered": sound.delivered,
        "speech_segments": sound.speech_segments,
    }


def _codec(settings: TimelineSettings) -> str:
    """The sound's codec: what the version's container carries (AAC in MP4, Opus in WebM)."""
    return "opus" if settings.container == "webm" else "aac"


def _kept(parts: Parts, key: str, codec: str) -> Sound | None:
    encoded, facts = parts.get(f"{key}#{codec}"), parts.get(f"{key}#facts")
    if encoded is None or facts is None:
        return None
    try:
        data = json.loads(facts.read_text("utf-8"))
        return Sound(
            path=encoded,
            samples=int(data["samples"]),
            warnings=[str(w) for w in data["warnings"]],
            loudness_lufs=data["loudness_lufs"],
            delivered=data["delivered"],
            speech_segments=[(float(a), float(b)) for a, b in data["speech_segments"]],
            kept=True,
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None  # a damaged record: the sound is made again


def time_cues(
    sound: Sound,
    *,
    duration: float,
    settings: TimelineSettings,
    narration: Path | None,
    captions_text: str | None,
    narration_sentences: Sequence[Sequence[Any]] | None,
) -> None:
    """Time the captions for `sound` (its cues, notes and warnings): by the spoken sentences
    when given, else over the speech the mixer found."""
    from studio.media.captions import cues_from_sentences, time_captions

    cues: list[Cue] | None = None
    if captions_text and captions_text.strip():
        if narration is not None and narration_sentences:
            cues = cues_from_sentences(captions_text, narration_sentences, duration)
            if cues is None:
                sound.notes.append(
                    "the captions are not the narration's text, so they follow the "
                    "narration's loudness rather than its spoken sentences"
                )
        if cues is None:
            segments = sound.speech_segments if narration is not None else None
            cues = time_captions(captions_text, duration, segments)
    sound.cues = cues or []
    if sound.cues and settings.burn_captions:
        from studio.media.captions import caption_font_warning, missing_glyphs_warning

        font_warning = caption_font_warning()
        if font_warning:
            sound.warnings.append(font_warning)
        glyphs_warning = missing_glyphs_warning([cue.text for cue in sound.cues])
        if glyphs_warning:
            sound.warnings.append(glyphs_warning)


def mix_and_time(
    scratch: Path,
    *,
    duration: float,
    samples: int,
    settings: TimelineSettings,
    narration: Path | None,
    music: Path | None,
    captions_text: str | None,
    narration_sentences: Sequence[Sequence[Any]] | None,
    parts: Parts | None = None,
    progress: Callable[[float], Any] | None = None,
    check: Callable[[], None] | None = None,
) -> Sound:
    """`make_sound`, then `time_cues`: the sound and its captions in one call."""
    sound = make_sound(
        scratch,
        duration=duration,
        samples=samples,
        settings=settings,
        narration=narration,
        music=music,
        parts=parts,
        progress=progress,
        check=check,
    )
    time_cues(
        sound,
        duration=duration,
        settings=settings,
        narration=narration,
        captions_text=captions_text,
        narration_sentences=narration_sentences,
    )
    return sound
