"""What the offline painter understands of a prompt, and what it does not.

`read_prompt` sorts the prompt's words into: subjects it has a painter for (sea, boat, woman...),
the time of day, colour words (which steer the palette, and the colour of the subject they stand
before: "a red boat"), words that only describe (articles, "wide shot", "beautiful", verbs in
-ing...), and the rest: subjects it cannot paint, which the provider reports as a warning
("no painter for: dragon; painted sea, night").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from studio.providers.offline.colours import MODIFIERS, NAMED_COLOURS, RGB, colour_from_phrase

# Element → the words that ask for it. Plurals ending in s are folded by `_base`.
SUBJECTS: dict[str, tuple[str, ...]] = {
    "sea": (
        "sea",
        "ocean",
        "water",
        "lake",
        "beach",
        "coast",
        "wave",
        "harbor",
        "harbour",
        "bay",
        "river",
        "shore",
        "island",
        "seaside",
        "pond",
    ),
    "mountain": ("mountain", "hill", "valley", "peak", "alps", "ridge", "canyon", "hillside"),
    "forest": ("forest", "wood", "woods", "jungle", "pine", "grove", "woodland"),
    "tree": ("tree", "oak", "willow", "maple", "orchard", "birch", "elm"),
    "city": (
        "city",
        "town",
        "street",
        "building",
        "skyline",
        "tower",
        "urban",
        "downtown",
        "cyberpunk",
        "skyscraper",
        "metropolis",
    ),
    "house": ("house", "cottage", "cabin", "hut", "farmhouse", "barn", "home", "chalet", "village"),
    "fire": ("fire", "flame", "campfire", "lava", "volcano", "ember", "burning", "blaze"),
    "lighthouse": ("lighthouse", "beacon"),
    "cliff": ("cliff", "rock", "crag", "rocky"),
    "rain": ("rain", "storm", "rainy", "thunder", "stormy", "thunderstorm"),
    "snow": ("snow", "winter", "ice", "frozen", "snowy"),
    "desert": ("desert", "dune", "sand", "sahara"),
    "space": ("space", "galaxy", "nebula", "cosmos", "universe", "planet", "star", "stars"),
    "sun": ("sun", "sunny", "sunshine", "summer"),
    "person": (
        "person",
        "people",
        "man",
        "men",
        "woman",
        "women",
        "figure",
        "girl",
        "boy",
        "child",
        "children",
        "kid",
        "hiker",
        "walker",
        "traveller",
        "traveler",
        "fisherman",
        "lady",
        "stranger",
        "silhouette",
        "couple",
        "keeper",
        "wanderer",
        "someone",
        "sailor",
    ),
    "boat": (
        "boat",
        "ship",
        "sailboat",
        "yacht",
        "ferry",
        "vessel",
        "canoe",
        "kayak",
        "trawler",
        "sail",
        "sailing",
        "fishing boat",
    ),
    "car": ("car", "truck", "van", "taxi", "automobile", "jeep", "bus"),
    "bird": ("bird", "gull", "seagull", "crow", "flock", "swallow", "eagle", "hawk", "dove"),
    "dog": ("dog", "puppy", "hound"),
    "cat": ("cat", "kitten"),
    "horse": ("horse", "pony", "foal", "stallion", "mare"),
    "bridge": ("bridge", "viaduct", "aqueduct"),
    "road": ("road", "path", "pathway", "trail", "lane", "track", "highway"),
    "flowers": (
        "flower",
        "blossom",
        "tulip",
        "poppy",
        "poppies",
        "daisy",
        "daisies",
        "sunflower",
        "bloom",
        "garden",
        "wildflower",
    ),
    "field": ("field", "meadow", "prairie", "farmland", "grassland", "grass", "pasture", "wheat"),
}
TIMES: dict[str, tuple[str, ...]] = {
    "night": ("night", "midnight", "moon", "moonlight", "moonlit", "nocturnal", "starry"),
    "dusk": ("dusk", "sunset", "evening", "twilight", "golden hour"),
    "dawn": ("dawn", "sunrise", "morning", "daybreak"),
}
MOODS: dict[str, tuple[str, ...]] = {
    "calm": (
        "calm",
        "peaceful",
        "serene",
        "quiet",
        "gentle",
        "relaxed",
        "soft",
        "tranquil",
        "hopeful",
        "dreamy",
    ),
    "tense": ("tense", "anxious", "suspense", "dramatic", "ominous", "eerie", "urgent", "scary"),
    "joyful": (
        "joyful",
        "happy",
        "cheerful",
        "playful",
        "upbeat",
        "festive",
        "bright",
        "fun",
        "energetic",
        "warm",
    ),
    "dark": (
        "dark",
        "gloomy",
        "sad",
        "melancholic",
        "melancholy",
        "grim",
        "somber",
        "sombre",
        "mysterious",
        "lonely",
    ),
}
POSES: dict[str, tuple[str, ...]] = {
    "walking": ("walking", "walk", "walks", "strolling", "hiking", "running", "wandering"),
    "seated": ("seated", "sitting", "sits", "sat", "reading", "resting", "fishing"),
}
# Words that describe or frame a picture but name nothing to paint.
DESCRIPTIVE = frozenset(
    """a an the of on in at by with and or over under above below beside near behind across
    through into onto from to its his her their our my your this that these those is are was be
    very some many few one two three four five several lots lot full all each every while as
    up down out off far away there here against along around between beneath toward towards
    wide medium shot establishing close closeup view scene landscape picture photo photograph image
    illustration painting painted art artwork render style styled detailed highly realistic
    hyperrealistic photorealistic hd masterpiece beautiful lovely stunning epic portrait
    colours colors colour color tones tone palette light lights lighting lit glow glowing
    shadow shadows sky skies cloud clouds cloudy weather air atmosphere atmospheric background
    foreground distance distant horizon old new big small tiny huge large little tall long short
    high low ancient modern empty lone single pair group side top bottom middle centre center
    edge land ground watch keeps keep time still there comes falls below stands standing alone
    cinematic painterly watercolor watercolour impressionist noir monochrome grayscale
    greyscale neon vibrant pop sepia vintage retro minimal minimalist abstract surreal
    film analog grain sharp blurry bokeh depth hour beam rays ray front back left right
    window windows stone brick wooden glass metal autumn spring season""".split()  # noqa: SIM905
)
_SUFFIXES_THAT_DESCRIBE = ("ing", "ly", "ful", "ous", "ive", "ish", "esque")
NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "couple": 2, "pair": 2}


@dataclass
class PromptReading:
    """The prompt, sorted by what the painter can do with each word."""

    elements: set[str] = field(default_factory=set)
    time: str = "day"
    painted: list[str] = field(default_factory=list)  # words it paints, in prompt order
    unpainted: list[str] = field(default_factory=list)  # subject words it has no painter for
    colours: list[RGB] = field(default_factory=list)  # colour words of the prompt, in order
    subject_colours: dict[str, RGB] = field(default_factory=dict)  # "red boat" → boat: red
    plural: set[str] = field(default_factory=set)  # elements asked for in the plural
    counts: dict[str, int] = field(default_factory=dict)  # "three cottages" → house: 3
    pose: str = "standing"

    def count(self, element: str, low: int, high: int, rng: Any) -> int:
        """How many of `element` to paint: the number the prompt gave, else one for a
        singular and `low..high` (by the seed) for a plural."""
        if element in self.counts:
            return self.counts[element]
        return int(rng.integers(low, high + 1)) if element in self.plural else 1


def _base(word: str) -> str:
    """The word with a plural s folded ("boats" → "boat", "cliffs" → "cliff")."""
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("es") and word[:-2].endswith(("sh", "ch", "x", "ss")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


_WORD_TO_ELEMENT = {w: e for e, words in SUBJECTS.items() for w in words if " " not in w}
_WORD_TO_TIME = {w: t for t, words in TIMES.items() for w in words if " " not in w}
_MOOD_WORDS = {w for words in MOODS.values() for w in words}
_POSE_WORDS = {w: p for p, words in POSES.items() for w in words}


def read_prompt(prompt: str, style: str = "") -> PromptReading:
    """Sort the words of `prompt` (and `style`) into what gets painted and what cannot be."""
    reading = PromptReading()
    text = f"{prompt} {style}".lower()
    words = re.findall(r"[a-z]+", text)
    for phrase_time, vocabulary in TIMES.items():
        if any(" " in v and v in text for v in vocabulary):
            reading.time = phrase_time
    seen: set[str] = set()
    for index, word in enumerate(words):
        base = _base(word)
        element = _WORD_TO_ELEMENT.get(word) or _WORD_TO_ELEMENT.get(base)
        time_name = _WORD_TO_TIME.get(word) or _WORD_TO_TIME.get(base)
        if element is not None:
            reading.elements.add(element)
            if word != base and word not in ("stars", "woods", "alps", "sands"):
                reading.plural.add(element)
            if word in ("people", "men", "women", "children", "couple", "flock", "village"):
                reading.plural.add(element)
            _note(reading.painted, word, seen)
            colour = _colour_before(words, index)
            if colour is not None:
                reading.subject_colours.setdefault(element, colour)
            number = _number_before(words, index)
            if word in NUMBERS:  # "a couple walking": the word is both the subject and a count
                number = NUMBERS[word]
            if number:
                reading.counts.setdefault(element, number)
        elif time_name is not None:
            if reading.time == "day":
                reading.time = time_name
            _note(reading.painted, word, seen)
        elif word in NAMED_COLOURS or word in MODIFIERS:
            continue  # colour words: collected below as phrases
        elif word in _POSE_WORDS:
            reading.pose = _POSE_WORDS[word]
        elif _describes(word, base):
            continue
        else:
            _note(reading.unpainted, word, seen)
    reading.colours = _colour_words(prompt)
    if reading.time == "day" and "space" in reading.elements:
        reading.time = "night"
    return reading


def _note(words: list[str], word: str, seen: set[str]) -> None:
    if word not in seen:
        seen.add(word)
        words.append(word)


def _describes(word: str, base: str) -> bool:
    if word in DESCRIPTIVE or base in DESCRIPTIVE or word in _MOOD_WORDS or len(word) <= 2:
        return True
    if word.endswith("ed") and len(word) > 4:
        return True  # "painted", "weathered": a description, not a thing
    return word.endswith(_SUFFIXES_THAT_DESCRIBE) and len(word) > 5


def _number_before(words: list[str], index: int) -> int:
    """A count just before a subject: "three cottages", "two old boats" (not across "and")."""
    for back in (1, 2):
        if index - back < 0:
            return 0
        word = words[index - back]
        if word in NUMBERS:
            return NUMBERS[word]
        if word in _WORD_TO_ELEMENT or word in ("a", "an", "and", "the", "of", "with", "or"):
            return 0
    return 0


def _colour_before(words: list[str], index: int) -> RGB | None:
    """The colour named just before a subject ("a red fishing boat": up to two words back)."""
    for back in (1, 2, 3):
        if index - back < 0:
            return None
        word = words[index - back]
        if word in NAMED_COLOURS:
            phrase = word
            if index - back - 1 >= 0 and words[index - back - 1] in MODIFIERS:
                phrase = f"{words[index - back - 1]} {word}"
            return colour_from_phrase(phrase)
        if word in _WORD_TO_ELEMENT or word in DESCRIPTIVE - {"old", "little", "small", "big"}:
            return None
    return None


def _colour_words(prompt: str) -> list[RGB]:
    """The colours a prompt names ("a red boat under a golden sky" → red, golden)."""
    words = re.findall(r"[a-z]+", prompt.lower())
    colours = []
    for index, word in enumerate(words):
        if word in NAMED_COLOURS:
            phrase = word
            if index > 0 and words[index - 1] in MODIFIERS:
                phrase = f"{words[index - 1]} {word}"
            rgb = colour_from_phrase(phrase)
            if rgb is not None:
                colours.append(rgb)
    return colours


def report(reading: PromptReading, fallback: str | None) -> str | None:
    """The warning for a prompt the painter could not fully paint, or None when it could.

    fallback: the landscape painted when the prompt named nothing the painter knows.
    """
    if not reading.unpainted and fallback is None:
        return None
    painted = ", ".join(reading.painted) if reading.painted else f"a {fallback} landscape instead"
    if fallback is not None and reading.painted:
        painted += f", on a {fallback} landscape"
    if not reading.unpainted:
        return f"the prompt names nothing the offline painter knows; painted {painted}"
    return f"no painter for: {', '.join(reading.unpainted)}; painted {painted}"
