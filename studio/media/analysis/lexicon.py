"""A small English sentiment lexicon for narration: words with a clear feeling, -3..+3.

Written for this studio (in the manner of word lists such as AFINN, not copied from one): words
whose feeling does not depend on the scene. Neutral scene words ("night", "sea", "fall") are
left out on purpose: a night can be peaceful. A negation ("not", "never", "no", "n't",
"without") within the three words before a word turns its feeling half the other way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_WORDS = {
    3: (
        "joy joyful joyous delight delighted delightful wonderful marvelous marvellous "
        "triumph triumphant love loved lovely beloved bliss blissful ecstatic elated "
        "magnificent glorious celebrate celebration jubilant thrilled fantastic amazing"
    ),
    2: (
        "happy happiness hope hopeful bright brighter brightest warm warmth smile smiles "
        "smiling laugh laughter beautiful beauty glad cheerful cheer kind kindness safe "
        "safety peace peaceful gentle comfort comforting free freedom welcome friend friends "
        "friendship home together alive bloom blossom shine shining sunny sunshine golden "
        "proud grateful thankful trust brave courage heal healing win victory fun playful "
        "sweet tender promise dream dreams wonder rescue saved success succeed"
    ),
    1: (
        "calm good fine light morning dawn sunrise spring grow grows growing new fresh "
        "clear soft steady strong rest rested quiet open easy care cares caring "
        "guide guides shelter wish play sing song dance rise rises rising"
    ),
    -1: (
        "cold grey gray alone tired lost hard heavy empty shadow shadows "
        "fade fades fading worry worried strange doubt hollow distant broken storm storms"
    ),
    -2: (
        "sad sadness sorrow lonely loneliness fear afraid scared dark darkness danger "
        "dangerous cry cries crying tears pain hurt hurts suffer suffering angry anger "
        "bitter regret grief ruin ruined fail failed failure threat wound wounded cruel "
        "sick sickness desperate despair gloom gloomy bleak grim dread weep mourn"
    ),
    -3: (
        "death dead die dies dying kill killed murder horror horrible terrible terror "
        "hate hated disaster devastated agony tragedy tragic catastrophe nightmare doom"
    ),
}
LEXICON: dict[str, int] = {word: score for score, words in _WORDS.items() for word in words.split()}
NEGATIONS = frozenset(("not", "no", "never", "nothing", "nobody", "without", "nor", "neither"))
_TOKEN = re.compile(r"[A-Za-z]+(?:'[a-z]+)?")


@dataclass(frozen=True)
class Sentiment:
    score: float  # -1..1: the mean feeling of the words that carry one, scaled by 3
    words: int  # how many words were read
    hits: list[str] = field(default_factory=list)  # "+hopeful", "-lonely", "~bright (negated)"

    def describe(self) -> str:
        tone = "positive" if self.score > 0.15 else "negative" if self.score < -0.15 else "neutral"
        found = ", ".join(self.hits[:8]) or "no feeling words"
        return f"{tone} words ({self.score:+.2f}: {found})"


def tokens(text: str) -> list[str]:
    return [t.lower() for t in _TOKEN.findall(text or "")]


def sentiment(text: str) -> Sentiment:
    """The feeling of a text's words: the mean of its feeling words' scores, divided by 3.

    Texts with few feeling words are damped towards 0 (a mean over at least 4 words), so one
    "lonely" in a long calm sentence does not make the whole sentence sad.
    """
    words = tokens(text)
    scores: list[float] = []
    hits: list[str] = []
    for index, word in enumerate(words):
        found = LEXICON.get(word)
        if found is None:
            continue
        value = float(found)
        before = words[max(0, index - 3) : index]
        negated = any(w in NEGATIONS or w.endswith("n't") for w in before)
        if negated:
            value = -value / 2
            hits.append(f"~{word} (negated)")
        else:
            hits.append(f"{'+' if value > 0 else '-'}{word}")
        scores.append(value)
    if not scores:
        return Sentiment(0.0, len(words), [])
    score = sum(scores) / max(4, len(scores)) / 3.0
    return Sentiment(max(-1.0, min(1.0, score)), len(words), hits)
