"""Versions as ordinary nodes: a deliverables node expands, before a run, into the work it needs.

A Versions node (`export.versions`) takes one Timeline and a list of versions (format, language,
container, loudness; see media.versions). The executor runs the graph with it expanded
(`expand_versions`), so every piece of work is an ordinary node with an ordinary cache key, and
identical work is one node or one key:

- one picture track per format (`compose.picture`): the same picture serves every language,
  unless captions are burned in, then one per format and language (their segments without a
  caption are still shared, by key, through the part store); WebM versions get their own, in
  VP9, so that a version is joined from its tracks by copying packets (MP4 and GIF share the
  H.264 one);
- per language other than the piece's: one `text.translate` per text that needs it (captions,
  the narration's words) and a copy of the Speech node speaking that language;
- one soundtrack per language and loudness (`compose.soundtrack`), shared by the formats (in
  Opus for WebM versions, AAC for the others);
- one `export.version` per version, writing BASE.FORMAT.LANGUAGE.EXT with its subtitles;
- the Versions node itself collects the versions' files (it keeps its id, so the canvas and the
  history show it as the node that ran).

The Timeline node is left out unless something else uses it or the run is up to it. Which
versions run is chosen for a run (`choose_versions`, `studio render --versions`); the file names
do not depend on the choice. Expansion is deterministic: the same graph always gives the same
node ids, so planning and running agree.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from studio.errors import GraphError, GraphErrors
from studio.graph.model import BYPASS, Edge, Graph, Node
from studio.graph.outputs import CHOSEN_KEY, choose_output, is_chosen

if TYPE_CHECKING:
    from studio.engine.registry import NodeRegistry
    from studio.media.versions import Version

VERSIONS_TYPE = "export.versions"
TIMELINE_TYPE = "compose.timeline"
SPEECH_TYPE = "audio.speech"
SELECTION_KEY = "_versions"  # graph.meta: {versions node id or "*": "all" | [names]} for a run
EXPANDED_KEY = "_versions_expanded"  # graph.meta: {versions node id: [(version, node id), ...]}
TRANSLATIONS_KEY = "_versions_translations"  # graph.meta: [(node id, language, provider), ...]

# The timeline params each piece takes over (the rest are the piece's own).
PICTURE_SETTINGS = (
    "clip_duration",
    "fit_to_narration",
    "fit",
    "reframe",
    "reframe_clips",
    "transition",
    "transition_seconds",
    "image_motion",
    "burn_captions",
    "fps",
)
SOUND_SETTINGS = (
    "clip_duration",
    "fit_to_narration",
    "transition",
    "transition_seconds",
    "music_volume_db",
    "music_fade_in",
    "music_fade_out",
    "duck_db",
    "fps",
)


def choose_versions(graph: Graph, names: str | Iterable[str], node_id: str = "*") -> None:
    """Ask this run for some versions only ("all", or names such as 9x16.fr)."""
    selection = graph.meta.setdefault(SELECTION_KEY, {})
    selection[node_id] = names if isinstance(names, str) else list(names)


def versions_nodes(graph: Graph) -> list[str]:
    """The Versions nodes that will run (not muted, not bypassed)."""
    silenced = graph.silenced()
    return sorted(
        node_id
        for node_id, node in graph.nodes.items()
        if node.type == VERSIONS_TYPE and node_id not in silenced and node.mode != BYPASS
    )


def read_versions(graph: Graph, registry: NodeRegistry, node_id: str) -> list[Version]:
    """Every version a Versions node lists (not only those chosen), or GraphErrors."""
    from studio.media.versions import VersionError, parse_versions

    params = _params(graph, registry, node_id)
    try:
        return parse_versions(str(params["versions"]), str(params["language"]))
    except VersionError as exc:
        raise GraphErrors(
            [GraphError(str(exc), node=node_id, path=f"$.nodes.{node_id}.params.versions")]
        ) from None


def chosen_versions(graph: Graph, registry: NodeRegistry, node_id: str) -> list[Version]:
    """The versions of a Versions node that this run makes (see `choose_versions`)."""
    from studio.media.versions import VersionError, select_versions

    versions = read_versions(graph, registry, node_id)
    selection = graph.meta.get(SELECTION_KEY, {})
    wanted = selection.get(node_id, selection.get("*", "all"))
    try:
        return select_versions(versions, wanted)
    except VersionError as exc:
        raise GraphErrors([GraphError(str(exc), node=node_id)]) from None


def expand_versions(graph: Graph, registry: NodeRegistry, keep: Iterable[str] = ()) -> Graph:
    """The graph as it runs: each Versions node replaced by its versions' ordinary nodes.

    Returns `graph` itself when it has no Versions node; otherwise a new graph (the user's is
    never changed). Nodes in `keep` (the targets of a run) stay even when only the Versions
    node used them. Raises GraphErrors naming the Versions node for a list that cannot be
    read or a graph it cannot expand.
    """
    found = versions_nodes(graph)
    if not found or EXPANDED_KEY in graph.meta:
        return graph
    out = _copy(graph)
    expanded: dict[str, list[tuple[str, str]]] = {}
    problems: list[GraphError] = []
    for node_id in found:
        try:
            expanded[node_id] = _Expansion(out, registry, node_id, set(keep)).run()
        except GraphErrors as exc:
            problems.extend(exc.errors)
    if problems:
        raise GraphErrors(problems)
    out.meta[EXPANDED_KEY] = expanded
    return out


def version_nodes(graph: Graph) -> dict[str, list[tuple[str, str]]]:
    """For an expanded graph: {Versions node: [(version name, export node id), ...]}."""
    result: dict[str, list[tuple[str, str]]] = graph.meta.get(EXPANDED_KEY, {})
    return result


def translations(graph: Graph) -> list[tuple[str, str, str]]:
    """For an expanded graph: (node id, language, provider id) of every translation it needs,
    for the check before a run (`studio.providers.translation.translation_problem`)."""
    found: list[tuple[str, str, str]] = graph.meta.get(TRANSLATIONS_KEY, [])
    return list(found)


# -- the expansion of one Versions node ------------------------------------------------------------
class _Expansion:
    def __init__(self, graph: Graph, registry: NodeRegistry, node_id: str, keep: set[str]):
        self.g = graph
        self.registry = registry
        self.vid = node_id
        self.keep = keep
        self.made: dict[str, str] = {}  # role -> node id

    def fail(self, message: str) -> GraphErrors:
        return GraphErrors([GraphError(message, node=self.vid)])

    def run(self) -> list[tuple[str, str]]:
        g, vid = self.g, self.vid
        into = g.edges_into(vid, "timeline")
        if len(into) != 1 or g.nodes[into[0].src].type != TIMELINE_TYPE:
            raise self.fail("connect one Timeline's video to the Versions node's timeline input")
        timeline_id = into[0].src
        self.t_params = _params(g, self.registry, timeline_id)
        self.v_params = _params(g, self.registry, vid)
        self.timeline_inputs = {
            port: sorted(g.edges_into(timeline_id, port), key=lambda e: e.order)
            for port in ("clips", "narration", "music", "captions")
        }
        if not self.timeline_inputs["clips"]:
            raise self.fail("the Timeline has no clips: connect at least one image or video")
        from studio.providers.translation import LanguageError, normalise_language

        try:
            self.source = normalise_language(str(self.v_params["language"]) or "en")
        except LanguageError as exc:
            raise self.fail(f"the piece's language: {exc}") from None
        versions = chosen_versions(g, self.registry, vid)
        exports = [(version.full_name, self._version(version)) for version in versions]
        g.remove_edge(into[0])
        for order, (_, export_id) in enumerate(exports):
            g.connect(export_id, "video", vid, "timeline", order)
        others = [e for e in g.edges_from(timeline_id) if e.dst != vid]
        if timeline_id not in self.keep and not others:
            g.remove_node(timeline_id)
        return [(name, export_id) for name, export_id in exports]

    # -- pieces, each made once per role ----------------------------------------------------------
    def _node(self, role: str, type_id: str, params: dict[str, Any]) -> tuple[str, bool]:
        """The node for `role`, made now (True) or already there (False)."""
        if role in self.made:
            return self.made[role], False
        node_id = _node_id(self.g, self.vid, role)
        self.g.add_node(Node(node_id, type_id, params))
        self.made[role] = node_id
        return node_id, True

    def _feed(self, node_id: str, port: str, edges: list[Edge]) -> None:
        for order, edge in enumerate(edges):
            self.g.connect(edge.src, edge.src_port, node_id, port, order)

    def _translated(self, edge: Edge, language: str) -> tuple[str, str]:
        """(node, port) giving the text of `edge` in `language`."""
        if language == self.source:
            return edge.src, edge.src_port
        params = {
            "language": language,
            "provider": self.v_params["translator"],
            "model": self.v_params["translator_model"],
        }
        node_id, new = self._node(
            f"tr-{language}-{edge.src}-{edge.src_port}", "text.translate", params
        )
        if new:
            self.g.connect(edge.src, edge.src_port, node_id, "text")
            self.g.meta.setdefault(TRANSLATIONS_KEY, []).append(
                (node_id, language, str(params["provider"]))
            )
        return node_id, "text"

    def _voice(self, language: str) -> tuple[str, str] | None:
        """(node, port) of the narration in `language`; None: the timeline's own."""
        narration = self.timeline_inputs["narration"]
        if language == self.source or not narration:
            return None
        speaker = self.g.nodes[narration[0].src]
        if speaker.type != SPEECH_TYPE:
            raise self.fail(
                f"a {language} version needs the narration spoken in {language}, but it comes "
                f"from {speaker.id!r} ({speaker.type}), not a Speech node: speak it with a "
                "Speech node, or make the versions in the piece's language"
            )
        text = self.g.edges_into(speaker.id, "text")
        if not text:
            raise self.fail(f"the Speech node {speaker.id!r} has no text to translate")
        params = {**speaker.params, "language": language}
        node_id, new = self._node(f"say-{language}", SPEECH_TYPE, params)
        if new:
            source, port = self._translated(text[0], language)
            self.g.connect(source, port, node_id, "text")
        return node_id, "audio"

    def _soundtrack(self, language: str, loudness: str, tracks: str) -> str:
        params = {name: self.t_params[name] for name in SOUND_SETTINGS}
        params.update(
            clip_count=len(self.timeline_inputs["clips"]),
            loudness=loudness,
            quality=self.v_params["quality"],
            container=tracks,
        )
        role = f"snd-{language}-{loudness}" + _tracks_suffix(tracks)
        node_id, new = self._node(role, "compose.soundtrack", params)
        if new:
            self._feed(node_id, "narration", self.timeline_inputs["narration"])
            self._feed(node_id, "music", self.timeline_inputs["music"])
            voice = self._voice(language)
            if voice is not None:
                self.g.connect(*voice, node_id, "voice")
            captions = self.timeline_inputs["captions"]
            if captions:
                self.g.connect(*self._translated(captions[0], language), node_id, "captions")
        return node_id

    def _picture(self, version: Version, soundtrack: str, tracks: str) -> str:
        params = {name: self.t_params[name] for name in PICTURE_SETTINGS}
        params.update(
            width=version.width,
            height=version.height,
            quality=self.v_params["quality"],
            container=tracks,
        )
        burned = bool(params["burn_captions"] and self.timeline_inputs["captions"])
        # Burned captions differ by language; without them one picture serves every language.
        role = f"pic-{version.format}" + (f"-{version.language}" if burned else "")
        role += _tracks_suffix(tracks)
        node_id, new = self._node(role, "compose.picture", params)
        if new:
            self._feed(node_id, "clips", self.timeline_inputs["clips"])
            self._feed(node_id, "narration", self.timeline_inputs["narration"])
            if burned:
                self.g.connect(soundtrack, "captions", node_id, "burn_in")
                voice = self._voice(version.language)
                if voice is not None:
                    self.g.connect(*voice, node_id, "voice")
        return node_id

    def _version(self, version: Version) -> str:
        from studio.media.containers import track_container

        tracks = track_container(version.container)
        soundtrack = self._soundtrack(version.language, version.loudness, tracks)
        picture = self._picture(version, soundtrack, tracks)
        base = str(self.v_params["path"])
        path = version.path_for(base)
        if is_chosen(self.g, base):
            choose_output(self.g, path)  # the user chose the base: its versions go beside it
        params = {
            "path": path,
            "container": version.container,
            "quality": self.v_params["quality"],
            "name": version.name,
        }
        node_id, _ = self._node(f"out-{version.full_name}", "export.version", params)
        self.g.connect(picture, "video", node_id, "picture")
        if version.container != "gif":
            self.g.connect(soundtrack, "audio", node_id, "sound")
        if self.timeline_inputs["captions"]:
            self.g.connect(soundtrack, "captions", node_id, "subtitles")
        return node_id


# -- helpers ------------------------------------------------------------------------------------
def _tracks_suffix(tracks: str) -> str:
    """Role names of tracks made for WebM end in -webm; MP4's keep their plain names."""
    return "" if tracks == "mp4" else f"-{tracks}"


def _params(graph: Graph, registry: NodeRegistry, node_id: str) -> dict[str, Any]:
    from studio.graph.validate import effective_params

    node = graph.nodes[node_id]
    spec = registry.get(node.type)
    if spec is None:
        raise GraphErrors([GraphError(f"unknown node type {node.type!r}", node=node_id)])
    try:
        return effective_params(node, spec)
    except ValueError as exc:
        raise GraphErrors([GraphError(f"a param {exc}", node=node_id)]) from None


def _copy(graph: Graph) -> Graph:
    """A copy to expand: nodes and params copied, the user's graph left as it is."""
    out = Graph()
    for node_id, node in graph.nodes.items():
        out.nodes[node_id] = dataclasses.replace(node, params=dict(node.params))
    out.edges = list(graph.edges)
    out.positions = dict(graph.positions)
    out.groups = list(graph.groups)
    out.meta = dict(graph.meta)
    if CHOSEN_KEY in graph.meta:
        out.meta[CHOSEN_KEY] = set(graph.meta[CHOSEN_KEY])
    return out


_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def _node_id(graph: Graph, owner: str, role: str) -> str:
    """A stable, readable id for an expanded node: OWNER__ROLE (hashed when too long)."""
    text = f"{owner}__{_UNSAFE.sub('-', role)}"
    if len(text) > 64:
        digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]
        text = f"{text[:50]}-{digest}"
    candidate, n = text, 2
    while candidate in graph.nodes:
        candidate = f"{text[:60]}-{n}"
        n += 1
    return candidate
