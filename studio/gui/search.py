"""Node search (double-click or Tab): words of titles, help texts and synonyms, best first.

"tts", "voice" or "narration" find Speech; "ken burns" finds Image to Video; "srt" finds the
Timeline (it writes subtitles). Every word of the query must match the node somewhere; a match in
the title counts most, then its id, category and port types, then its help texts. On a dropped
wire, nodes whose first input takes it (or whose first output gives it) come first. When nothing
matches, the closest node titles are offered instead.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent
from PySide6.QtWidgets import QFrame, QLabel, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout

if TYPE_CHECKING:
    from studio.api import NodeSpec
    from studio.gui.canvas.edge_drag import PortFilter

# What people type -> words the node texts use. Keys may be phrases ("ken burns").
SYNONYMS: dict[str, tuple[str, ...]] = {
    "tts": ("speech", "speaks"),
    "text to speech": ("speech",),
    "voice": ("speech",),
    "voiceover": ("speech", "narration"),
    "narration": ("speech",),
    "narrate": ("speech", "narration"),
    "read aloud": ("speech",),
    "ken burns": ("image to video", "ken burns"),
    "animate": ("image to video", "motion"),
    "img2vid": ("image to video",),
    "i2v": ("image to video",),
    "caption": ("captions", "subtitles"),
    "captions": ("subtitles",),
    "subtitle": ("subtitles", "captions"),
    "srt": ("subtitles", "captions"),
    "mp4": ("export video", "mp4"),
    "webm": ("export video",),
    "gif": ("export video",),
    "render": ("export",),
    "save": ("export",),
    "upscale": ("frame size", "resolution"),
    "resize": ("frame size", "resolution"),
    "soundtrack": ("music",),
    "bgm": ("music",),
    "score": ("music",),
    "song": ("music",),
    "llm": ("language model",),
    "gpt": ("language model",),
    "alt text": ("describe image",),
    "vision": ("describe image",),
    "txt2img": ("generate image",),
    "text to image": ("generate image",),
    "t2i": ("generate image",),
    "picture": ("image",),
    "photo": ("image",),
    "audiogram": ("sound to video",),
    "visualiser": ("sound to video",),
    "visualizer": ("sound to video",),
    "spectrum": ("sound to video",),
    "slideshow": ("timeline",),
    "montage": ("timeline",),
    "sequence": ("timeline",),
    "edit": ("timeline",),
    "lower third": ("title card",),
    "text overlay": ("title card",),
    "import": ("load",),
    "open": ("load",),
    "translation": ("translate",),
}
PORT_WORDS = ("text", "image", "video", "audio", "visual")
TITLE_WORD, TITLE_PREFIX, TITLE_PART = 100.0, 85.0, 60.0
NAME_MATCH, HELP_MATCH = 50.0, 25.0
SYNONYM_WEIGHT = 0.85
FIRST_PORT_BONUS = 1000.0


def fuzzy_score(query: str, text: str) -> float | None:
    """How well `query` matches `text` (higher is better), or None when it does not.

    Every query character must appear in order; consecutive runs, word starts and an early
    first match score higher, so "imgen" finds "Image Generate" before "image to video".
    """
    query, text = query.lower().strip(), text.lower()
    if not query:
        return 0.0
    if query in text:
        return 100.0 - text.index(query) + (20 if text.startswith(query) else 0)
    score, position, previous = 0.0, 0, -2
    for char in query:
        if char == " ":
            continue
        found = text.find(char, position)
        if found < 0:
            return None
        score += 3 if found == previous + 1 else 1
        if found == 0 or text[found - 1] in " ._-/":
            score += 2
        previous, position = found, found + 1
    return score - position * 0.01


def search_text(spec: NodeSpec) -> str:
    ins = " ".join(p.type.value for p in spec.inputs)
    outs = " ".join(p.type.value for p in spec.outputs)
    return f"{spec.title} {spec.category} {spec.id} in {ins} out {outs}"


@dataclass(frozen=True)
class _Index:
    """A spec's texts, lower-cased, as the search reads them."""

    title: str
    title_words: tuple[str, ...]
    id: str
    name: str  # id, category and port types
    help: str
    ins: frozenset[str]
    outs: frozenset[str]


@lru_cache(maxsize=4096)
def _index(spec: NodeSpec) -> _Index:
    helps = [spec.help]
    helps += [f"{p.name} {p.title} {p.help}" for p in spec.params]
    helps += [f"{p.name} {p.help}" for p in spec.inputs]
    helps += [f"{p.name} {p.help}" for p in spec.outputs]
    title = spec.title.lower()
    return _Index(
        title=title,
        title_words=tuple(re.findall(r"[a-z0-9]+", title)),
        id=spec.id.lower(),
        # id, category, port types and port names ("subtitles" is the Timeline's output)
        name=" ".join(
            [
                search_text(spec).lower().replace(spec.title.lower(), "", 1),
                *(p.name.lower() for p in spec.inputs),
                *(p.name.lower() for p in spec.outputs),
            ]
        ),
        help=" ".join(helps).lower(),
        ins=frozenset(p.type.value.rstrip("[]") for p in spec.inputs),
        outs=frozenset(p.type.value.rstrip("[]") for p in spec.outputs),
    )


def _term_score(term: str, index: _Index) -> tuple[float, str]:
    """How well one word (or phrase) matches a spec, and where: "title", "name", "help" or
    "fuzzy" ((0, "") when it does not match)."""
    if not term:
        return 0.0, ""
    if term == index.title:
        return TITLE_WORD + 30, "title"
    if " " not in term:
        start = 15.0 if index.title.startswith(term) else 0.0  # "Prompt" before "Enhance Prompt"
        if term in index.title_words:
            return TITLE_WORD + start, "title"
        if any(w.startswith(term) for w in index.title_words):
            return TITLE_PREFIX + start, "title"
    if term in index.title:
        return TITLE_PART, "title"
    if term in index.name:
        return NAME_MATCH, "name"
    if len(term) >= 3:
        hits = len(re.findall(r"\b" + re.escape(term), index.help))
        if hits:  # a word the help uses often says more about the node
            return HELP_MATCH + min(hits - 1, 5), "help"
    if len(term) >= 4 and " " not in term:  # "imgen": letters of the title or id, in order
        fuzzy = max(
            (f for f in (fuzzy_score(term, index.title), fuzzy_score(term, index.id)) if f),
            default=0.0,
        )
        if fuzzy >= 2 * len(term):  # mostly runs of letters, not letters strewn about
            return min(40.0, fuzzy), "fuzzy"
    return 0.0, ""


def _query_terms(query: str) -> list[tuple[str, tuple[str, ...]]]:
    """The query's words (phrases that have synonyms kept whole), each with its synonyms."""
    text = " ".join(query.lower().split())
    terms: list[tuple[str, tuple[str, ...]]] = []
    for phrase in sorted((k for k in SYNONYMS if " " in k), key=len, reverse=True):
        if re.search(r"\b" + re.escape(phrase) + r"\b", text):
            terms.append((phrase, SYNONYMS[phrase]))
            text = re.sub(r"\b" + re.escape(phrase) + r"\b", " ", text)
    terms += [(word, SYNONYMS.get(word, ())) for word in text.split()]
    return terms


Terms = list[tuple[str, tuple[str, ...]]]


def _port_constraints(terms: Terms) -> tuple[Terms, list[list[str]]]:
    """'in image' / 'out audio' in the query: the node must take / give that type."""
    words = [t for t, _ in terms]
    wanted_in: list[str] = []
    wanted_out: list[str] = []
    rest: Terms = []
    i = 0
    while i < len(terms):
        word = words[i]
        if word in ("in", "out") and i + 1 < len(terms) and words[i + 1] in PORT_WORDS:
            (wanted_in if word == "in" else wanted_out).append(words[i + 1])
            i += 2
            continue
        rest.append(terms[i])
        i += 1
    return rest, [wanted_in, wanted_out]


def score_spec(spec: NodeSpec, query: str) -> tuple[float, str] | None:
    """(score, what matched beyond the title) for a query, or None when a word finds nothing."""
    index = _index(spec)
    terms, (wanted_in, wanted_out) = _port_constraints(_query_terms(query))
    if any(t not in index.ins for t in wanted_in) or any(t not in index.outs for t in wanted_out):
        return None
    total = 50.0 * (len(wanted_in) + len(wanted_out))
    because = ""
    for term, synonyms in terms:
        direct, where = _term_score(term, index)
        scores = [(direct, term if where == "help" else "")]
        scores += [(_term_score(s, index)[0] * SYNONYM_WEIGHT, s) for s in synonyms]
        scores.sort(reverse=True)
        best, via = scores[0]
        if best <= 0:
            return None
        # The best reading counts; each further synonym that also fits adds a little.
        total += best + 0.2 * sum(score for score, _ in scores[1:])
        because = because or via
    return total, because


def _first_port_fits(spec: NodeSpec, port_filter: PortFilter) -> bool:
    ports = spec.inputs if port_filter.from_output else spec.outputs
    return bool(ports) and port_filter.accepts(ports[0].type)


def rank_specs(
    specs: list[NodeSpec], query: str, port_filter: PortFilter | None = None
) -> list[tuple[NodeSpec, float, str]]:
    """(spec, score, why) of the specs matching the query, best first, limited to those that fit
    a dragged edge (those whose first port takes it first)."""
    found = []
    for spec in specs:
        bonus = 0.0
        if port_filter is not None:
            ports = spec.inputs if port_filter.from_output else spec.outputs
            if not any(port_filter.accepts(p.type) for p in ports):
                continue
            bonus = FIRST_PORT_BONUS if _first_port_fits(spec, port_filter) else 0.0
        scored = score_spec(spec, query) if query.strip() else (0.0, "")
        if scored is None:
            continue
        score, why = scored
        found.append((-(score + bonus), spec.category, spec.title, spec, why))
    found.sort(key=lambda e: e[:3])
    return [(spec, -neg, why) for neg, _c, _t, spec, why in found]


def search_specs(
    specs: list[NodeSpec], query: str, port_filter: PortFilter | None = None
) -> list[NodeSpec]:
    """Specs matching the query (best first), limited to those that fit a dragged edge."""
    return [spec for spec, _score, _why in rank_specs(specs, query, port_filter)]


def closest_specs(specs: list[NodeSpec], query: str, limit: int = 3) -> list[NodeSpec]:
    """The specs whose titles (or title words) are spelled most like the query."""
    query = query.lower().strip()

    def likeness(spec: NodeSpec) -> float:
        candidates = [spec.title.lower(), *_index(spec).title_words, spec.id.lower()]
        return max(difflib.SequenceMatcher(None, query, c).ratio() for c in candidates)

    ranked = sorted(specs, key=lambda s: (-likeness(s), s.title))
    return [s for s in ranked[:limit] if likeness(s) > 0.3]


class NodeSearch(QFrame):
    """A popup over the canvas: type to filter, Enter or click to add the node."""

    chosen = Signal(str)  # spec id

    def __init__(self, specs: list[NodeSpec], parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("NodeSearch")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.specs = specs
        self.base_specs = specs
        # More specs, asked at each popup: the graph's components and the component library.
        self.extra_specs: Callable[[], list[NodeSpec]] | None = None
        self.port_filter: PortFilter | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        self.hint = QLabel()
        self.hint.setObjectName("SearchHint")
        self.hint.setWordWrap(True)
        self.field = QLineEdit()
        self.field.setPlaceholderText("Search nodes: a title, a word of its help, e.g. narration")
        self.results = QListWidget()
        self.results.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.results.setTextElideMode(Qt.TextElideMode.ElideRight)
        layout.addWidget(self.hint)
        layout.addWidget(self.field)
        layout.addWidget(self.results)
        self.resize(460, 340)
        self.field.textChanged.connect(self.refresh)
        self.field.installEventFilter(self)
        self.results.itemActivated.connect(self._activate)
        self.results.itemClicked.connect(self._activate)
        self.hide()

    def popup(self, at: QPoint, port_filter: PortFilter | None = None) -> None:
        self.port_filter = port_filter
        if self.extra_specs is not None:
            self.specs = [*self.base_specs, *self.extra_specs()]
        parent = self.parentWidget()
        x = max(0, min(at.x(), parent.width() - self.width())) if parent else at.x()
        y = max(0, min(at.y(), parent.height() - self.height())) if parent else at.y()
        self.move(x, y)
        self.field.clear()
        self.refresh()
        self.show()
        self.raise_()
        self.field.setFocus()

    def _default_hint(self) -> str:
        if self.port_filter is None:
            return "Add a node"
        side = "input" if self.port_filter.from_output else "output"
        return f"Nodes with an {side} for {self.port_filter.port_type.value}"

    def refresh(self) -> None:
        self.results.clear()
        query = self.field.text()
        ranked = rank_specs(self.specs, query, self.port_filter)
        for spec, _score, why in ranked:
            self.results.addItem(self._item(spec, why))
        self.hint.setText(self._default_hint())
        if not ranked and query.strip():
            pool = self.specs
            if self.port_filter is not None:
                pool = [s for s, _, _ in rank_specs(self.specs, "", self.port_filter)]
            close = closest_specs(pool, query)
            names = ", ".join(s.title for s in close)
            self.hint.setText(
                f"No node matches “{query.strip()}”."
                + (f" Closest: {names}." if names else " Try a shorter word.")
            )
            for spec in close:
                item = self._item(spec, "")
                item.setText("≈ " + item.text())
                item.setForeground(QColor("#9aa0aa"))
                self.results.addItem(item)
        if self.results.count():
            self.results.setCurrentRow(0)

    @staticmethod
    def _item(spec: NodeSpec, why: str) -> QListWidgetItem:
        ins = ", ".join(p.type.value for p in spec.inputs) or "—"
        outs = ", ".join(p.type.value for p in spec.outputs) or "—"
        text = f"{spec.title}    ·  {spec.category}   ({ins} → {outs})"
        if why:
            text += f"   — “{why}”"
        item = QListWidgetItem(text)
        item.setData(Qt.ItemDataRole.UserRole, spec.id)
        item.setToolTip(spec.help)
        return item

    def _activate(self, item: QListWidgetItem) -> None:
        self.hide()
        self.chosen.emit(item.data(Qt.ItemDataRole.UserRole))

    def eventFilter(self, obj, event) -> bool:
        if (
            obj is self.field
            and isinstance(event, QKeyEvent)
            and event.type() == QKeyEvent.Type.KeyPress
        ):
            key = event.key()
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up):
                row = self.results.currentRow() + (1 if key == Qt.Key.Key_Down else -1)
                self.results.setCurrentRow(max(0, min(self.results.count() - 1, row)))
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                item = self.results.currentItem()
                if item is not None:
                    self._activate(item)
                return True
            if key == Qt.Key.Key_Escape:
                self.hide()
                return True
        return super().eventFilter(obj, event)
