"""Offline "template" text engine: rewrites a brief or an idea into a prompt for one modality.

No language model is involved: it picks the brief's words (subject, mood, style, palette) and fills
a fixed template for the target it detects (image, video/motion, narration/speech, music). The
result is predictable and always the same for the same input — useful to wire up a graph before a
real LLM is available, and honest about being nothing more.
"""

from __future__ import annotations

import re

BRIEF_FIELDS = ("subject", "mood", "style", "palette")
TARGETS: dict[str, tuple[str, ...]] = {
    "music": ("music", "soundtrack", "song", "score", "melody"),
    "narration": (
        "narration",
        "narrate",
        "voiceover",
        "voice-over",
        "speech",
        "spoken",
        "script",
        "story",
    ),
    "video": ("video", "motion", "camera", "animation", "animate", "clip"),
    "image": ("image", "picture", "photo", "illustration", "painting", "still", "frame"),
}


def detect_target(*texts: str) -> str:
    """Which modality the request asks for; an image prompt when nothing says otherwise."""
    words = set(re.findall(r"[a-z-]+", " ".join(texts).lower()))
    for target, vocabulary in TARGETS.items():
        if words & set(vocabulary):
            return target
    return "image"


def parse_brief_fields(text: str) -> dict[str, str]:
    """ "subject: ..." lines into a dict (the brief format of `studio.api.parse_brief`; providers
    sit below the node API, so they read it themselves)."""
    fields = dict.fromkeys(BRIEF_FIELDS, "")
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip().lower() in fields:
            fields[key.strip().lower()] = value.strip()
    return fields


def _fields(prompt: str) -> dict[str, str]:
    fields = parse_brief_fields(prompt)
    if not any(fields.values()):
        # Not a brief: the whole text is the subject.
        fields["subject"] = " ".join(prompt.split())
    elif not fields["subject"]:
        leftover = [
            line
            for line in prompt.splitlines()
            if line.strip() and line.partition(":")[0].strip().lower() not in fields
        ]
        fields["subject"] = " ".join(" ".join(leftover).split())
    return fields


def _join(*parts: str) -> str:
    return ", ".join(p.strip() for p in parts if p and p.strip())


def rewrite(prompt: str, system: str = "") -> str:
    """Rewrite `prompt` (a brief or a plain idea) for the modality `system` and `prompt` ask for."""
    target = detect_target(system, prompt)
    f = _fields(prompt)
    subject = f["subject"] or "an open landscape"
    mood, style, palette = f["mood"], f["style"], f["palette"]
    if target == "music":
        return _join(
            f"{mood} instrumental music" if mood else "instrumental music",
            f"{style} style" if style else "",
            f"evoking {subject}",
            "slow tempo" if _calm(mood) else "",
            "warm pads, soft bass, gentle melody",
        )
    if target == "narration":
        opening = subject[0].upper() + subject[1:]
        sentences = [f"{opening}."]
        if mood:
            sentences.append(f"The feeling is {mood}.")
        if palette:
            sentences.append(f"Colours of {palette} fill the scene.")
        if style:
            sentences.append(f"It unfolds in a {style} way, one moment at a time.")
        return " ".join(sentences)
    if target == "video":
        camera = "slow cinematic camera move" if _calm(mood) else "dynamic camera move"
        return _join(
            subject,
            camera,
            f"{mood} atmosphere" if mood else "",
            f"{style} look" if style else "",
            f"colours of {palette}" if palette else "",
        )
    return _join(
        subject,
        f"{style} style" if style else "",
        f"{mood} mood" if mood else "",
        f"palette of {palette}" if palette else "",
        "detailed, balanced composition",
    )


def _calm(mood: str) -> bool:
    return bool(
        set(re.findall(r"[a-z]+", mood.lower()))
        & {"calm", "peaceful", "serene", "quiet", "gentle", "hopeful", "sad", "slow"}
    )
