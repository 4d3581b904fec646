"""The public node API: the one surface a node pack (built-in or third-party) imports.

A node type is data plus one coroutine::

    from studio.api import NodeSpec, Input, Output, Param, PortType

    async def run(ctx, inputs, params):
        return {"text": params["template"].format(**inputs)}

    SPEC = NodeSpec(id="text.example", title="Example", category="Text", version=1,
                    inputs=[Input("a", PortType.TEXT, optional=True)],
                    outputs=[Output("text", PortType.TEXT)],
                    params=[Param.string("template", "{a}", help="What to write")], run=run)

Values on ports: text is a `str`; image, video and audio are `Artifact`s (a file in the cache plus
its digest); a list port carries a Python list of those in edge order.
A pack exposes a callable returning its specs under the entry-point group `multimodal_studio.nodes`.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from studio.errors import Cancelled, NodeError, ProviderError
from studio.graph.types import PortType
from studio.providers.base import (
    Capability,
    ImageRequest,
    MediaResult,
    MusicRequest,
    SpeechRequest,
    TextRequest,
    TextResult,
    VideoRequest,
)

__all__ = [
    "Artifact",
    "Call",
    "CallResult",
    "Cancelled",
    "Capability",
    "ImageRequest",
    "Input",
    "MediaResult",
    "MusicRequest",
    "NodeError",
    "NodeSpec",
    "Output",
    "Param",
    "PartStore",
    "PortType",
    "ProviderError",
    "RunContext",
    "SpeechRequest",
    "TextRequest",
    "TextResult",
    "VideoRequest",
    "format_template",
    "parse_brief",
]

ENTRY_POINT_GROUP = "multimodal_studio.nodes"
NODE_TYPE_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")


@dataclass(frozen=True)
class Artifact:
    """A media file in the content-addressed cache. Nodes pass these, never the bytes."""

    kind: str  # "image", "video" or "audio"
    path: Path
    digest: str  # sha256 hex of the file's bytes
    meta: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Input:
    name: str
    type: PortType
    optional: bool = False
    help: str = ""


@dataclass(frozen=True)
class Output:
    name: str
    type: PortType
    help: str = ""


PARAM_KINDS = (
    "int",
    "float",
    "bool",
    "string",
    "text",
    "choice",
    "seed",
    "file",
    "output",
    "color",
    "provider",
    "candidates",
)
# A compare node's candidates: at most this many rows (each one a paid call, perhaps).
MAX_CANDIDATES = 16
CANDIDATE_FIELDS = ("provider", "model", "seed")


@dataclass(frozen=True)
class Param:
    """A typed parameter: enough for the inspector to build its editor and for validation.

    kinds: int, float, bool, string (one line), text (multi-line, may hold `{variables}`),
    choice (one of `choices`), seed (int, with a dice button), file (a path relative to the graph
    file; `file_kinds` limits it to image/video/audio/font/any), output (where a node writes a
    file: relative to the graph's folder and inside it, unless the user chose the place in this
    session — a graph file never names where to write), color ("#rrggbb"), provider (the id of a
    provider offering `capability`), candidates (rows of {provider, model, seed}, each naming a
    provider offering `capability`; an empty list lets the node choose).
    """

    name: str
    kind: str
    default: Any
    help: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    file_kinds: tuple[str, ...] = ()
    capability: Capability | None = None
    title: str = ""
    optional: bool = False  # a file/string that may be left empty
    # Values a string param commonly takes (the inspector offers them; others are allowed), e.g.
    # the offline voices, while a remote provider accepts its own voice ids.
    suggestions: tuple[str, ...] = ()

    # -- constructors, so specs read as data ---------------------------------------------------
    @staticmethod
    def int(
        name: str,
        default: builtins.int,
        *,
        help: str,
        minimum: builtins.int | None = None,
        maximum: builtins.int | None = None,
        title: str = "",
    ) -> Param:
        return Param(name, "int", default, help, minimum, maximum, title=title)

    @staticmethod
    def float(
        name: str,
        default: builtins.float,
        *,
        help: str,
        minimum: builtins.float | None = None,
        maximum: builtins.float | None = None,
        title: str = "",
    ) -> Param:
        return Param(name, "float", default, help, minimum, maximum, title=title)

    @staticmethod
    def bool(name: str, default: builtins.bool, *, help: str, title: str = "") -> Param:
        return Param(name, "bool", default, help, title=title)

    @staticmethod
    def string(
        name: str, default: str, *, help: str, title: str = "", suggestions: Sequence[str] = ()
    ) -> Param:
        return Param(name, "string", default, help, title=title, suggestions=tuple(suggestions))

    @staticmethod
    def text(name: str, default: str, *, help: str, title: str = "") -> Param:
        return Param(name, "text", default, help, title=title)

    @staticmethod
    def choice(
        name: str, default: str, choices: Sequence[str], *, help: str, title: str = ""
    ) -> Param:
        return Param(name, "choice", default, help, choices=tuple(choices), title=title)

    @staticmethod
    def seed(
        name: str = "seed",
        default: builtins.int = 0,
        *,
        help: str = "Same seed, same result.",
        title: str = "",
    ) -> Param:
        return Param(name, "seed", default, help, 0, 2**31 - 1, title=title)

    @staticmethod
    def file(
        name: str,
        *,
        help: str,
        kinds: Sequence[str] = ("any",),
        optional: builtins.bool = False,
        title: str = "",
    ) -> Param:
        return Param(
            name, "file", "", help, file_kinds=tuple(kinds), optional=optional, title=title
        )

    @staticmethod
    def output(name: str, default: str, *, help: str, title: str = "") -> Param:
        """Where the node writes a file for the user (an export)."""
        return Param(name, "output", default, help, title=title)

    @staticmethod
    def color(name: str, default: str, *, help: str, title: str = "") -> Param:
        return Param(name, "color", default, help, title=title)

    @staticmethod
    def provider(
        capability: Capability,
        *,
        default: str = "offline",
        name: str = "provider",
        help: str = "Which engine runs this node.",
    ) -> Param:
        return Param(name, "provider", default, help, capability=capability, title="Provider")

    @staticmethod
    def candidates(
        capability: Capability,
        *,
        name: str = "candidates",
        help: str,
        title: str = "Candidates",
        fields: Sequence[str] = CANDIDATE_FIELDS,
    ) -> Param:
        """Rows of {provider, model, seed}, one per candidate of a compare node (a list in the
        graph file, never JSON inside a string); the default, an empty list, lets the node
        choose its candidates. `fields` (kept in `choices`) are the columns the inspector
        shows: a node whose candidates take no seed leaves it out."""
        return Param(
            name, "candidates", (), help, choices=tuple(fields), capability=capability, title=title
        )

    # -- validation ----------------------------------------------------------------------------
    def coerce(self, value: Any) -> Any:
        """Return the value in this param's type, or raise ValueError saying what is wrong."""
        kind = self.kind
        if kind in ("int", "seed"):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"expects a whole number, got {_describe(value)}")
            if isinstance(value, float) and not value.is_integer():
                raise ValueError(f"expects a whole number, got {value}")
            value = int(value)
        elif kind == "float":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"expects a number, got {_describe(value)}")
            value = float(value)
            if value != value or value in (float("inf"), float("-inf")):
                raise ValueError("expects a finite number")
        elif kind == "bool":
            if not isinstance(value, bool):
                raise ValueError(f"expects true or false, got {_describe(value)}")
        elif kind in ("string", "text", "file", "output", "provider"):
            if not isinstance(value, str):
                raise ValueError(f"expects text, got {_describe(value)}")
        elif kind == "choice":
            if value not in self.choices:
                raise ValueError(f"expects one of {', '.join(self.choices)}; got {value!r}")
        elif kind == "color":
            if not isinstance(value, str) or not re.fullmatch(r"#[0-9a-fA-F]{6}", value):
                raise ValueError(f"expects a colour like #1e90ff, got {_describe(value)}")
        elif kind == "candidates":
            value = _coerce_candidates(value)
        if kind in ("int", "seed", "float") and self.minimum is not None and value < self.minimum:
            raise ValueError(f"must be at least {self.minimum}, got {value}")
        if kind in ("int", "seed", "float") and self.maximum is not None and value > self.maximum:
            raise ValueError(f"must be at most {self.maximum}, got {value}")
        return value

    def describe(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "kind": self.kind,
            "default": self.default,
            "help": self.help,
            "title": self.title or self.name,
        }
        if self.minimum is not None:
            data["minimum"] = self.minimum
        if self.maximum is not None:
            data["maximum"] = self.maximum
        if self.choices:
            data["fields" if self.kind == "candidates" else "choices"] = list(self.choices)
        if self.file_kinds:
            data["file_kinds"] = list(self.file_kinds)
        if self.suggestions:
            data["suggestions"] = list(self.suggestions)
        if self.capability is not None:
            data["capability"] = self.capability.value
        return data


def _describe(value: Any) -> str:
    text = repr(value)
    return f"{type(value).__name__} {text[:40]}"


def _coerce_candidates(value: Any) -> list[dict[str, Any]]:
    """Candidate rows as plain dicts {provider, model, seed}, or ValueError naming the row."""
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"expects a list of candidates, got {_describe(value)}")
    if len(value) > MAX_CANDIDATES:
        raise ValueError(f"takes at most {MAX_CANDIDATES} candidates, got {len(value)}")
    rows = []
    for number, row in enumerate(value, start=1):
        if not isinstance(row, Mapping):
            raise ValueError(
                f"candidate {number} expects {{provider, model, seed}}, got {_describe(row)}"
            )
        unknown = sorted(set(row) - set(CANDIDATE_FIELDS))
        if unknown:
            raise ValueError(
                f"candidate {number} has no field {unknown[0]!r} (fields: provider, model, seed)"
            )
        provider, model, seed = row.get("provider"), row.get("model", ""), row.get("seed", 0)
        if not isinstance(provider, str) or not provider.strip():
            raise ValueError(f"candidate {number} names no provider")
        if not isinstance(model, str):
            raise ValueError(f"candidate {number}: model expects text, got {_describe(model)}")
        if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= 2**31 - 1:
            raise ValueError(
                f"candidate {number}: seed expects a whole number 0..{2**31 - 1}, "
                f"got {_describe(seed)}"
            )
        rows.append({"provider": provider.strip(), "model": model.strip(), "seed": seed})
    return rows


Outputs = dict[str, Any]
RunFunction = Callable[["RunContext", dict[str, Any], dict[str, Any]], Awaitable[Outputs]]


@dataclass(frozen=True)
class Call:
    """One run of another node type inside a node: a compare node's candidate.

    A node lists its calls in `NodeSpec.calls`; the executor plans them with the node (so the
    run's estimate prices each one before anything is paid) and `ctx.run_calls(inputs)` runs
    them exactly as that node type runs on its own: its own cache entry, its provider's
    concurrency limit. The call receives the calling node's inputs of the same names.
    """

    node_type: str
    params: Mapping[str, Any]
    label: str = ""  # how the user knows it: "fal fal-ai/flux/schnell seed 3"


@dataclass(frozen=True)
class CallResult:
    """What one call gave: its outputs, or the reason it failed (a failed call raises nothing)."""

    call: Call
    outputs: Mapping[str, Any] | None  # None when it failed
    error: str = ""
    provenance: Mapping[str, Any] = field(default_factory=dict)
    seconds: float | None = None  # how long it ran (when it was made, for a cached result)
    cached: bool = False
    cost_usd: float | None = None  # what it cost when it was made: 0.0 free, None unknown

    @property
    def ok(self) -> bool:
        return self.outputs is not None


CallsFunction = Callable[[Mapping[str, Any], Any], Sequence[Call]]


@dataclass(frozen=True)
class NodeSpec:
    """A node type: stable id, display data, typed ports and params, and its `run` coroutine.

    Bump `version` whenever the same inputs would give different outputs: that invalidates the
    cache entries of older versions.
    """

    id: str
    title: str
    category: str
    version: int
    run: RunFunction
    inputs: tuple[Input, ...] = ()
    outputs: tuple[Output, ...] = ()
    params: tuple[Param, ...] = ()
    help: str = ""
    # Nodes that must run every time (an export writing a file the user may have moved).
    always_run: bool = False
    pack: str = ""
    # Other node types this node runs inside itself (a compare node's candidates), from its
    # params and the provider registry (None in a context without providers), known before the
    # run; raise ValueError naming what is wrong. See `Call`.
    calls: CallsFunction | None = None

    def __post_init__(self) -> None:
        # Accept lists in specs written by hand; store tuples so a spec stays immutable.
        object.__setattr__(self, "inputs", tuple(self.inputs))
        object.__setattr__(self, "outputs", tuple(self.outputs))
        object.__setattr__(self, "params", tuple(self.params))

    def input(self, name: str) -> Input | None:
        return next((p for p in self.inputs if p.name == name), None)

    def output(self, name: str) -> Output | None:
        return next((p for p in self.outputs if p.name == name), None)

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def default_params(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params}

    def provider_of(self, params: Mapping[str, Any]) -> str | None:
        """The provider id this node will call with these params (for limits and the cache key)."""
        for param in self.params:
            if param.kind == "provider":
                return str(params.get(param.name, param.default))
        return None

    def describe(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "category": self.category,
            "version": self.version,
            "pack": self.pack,
            "help": self.help,
            "inputs": [
                {"name": p.name, "type": p.type.value, "optional": p.optional, "help": p.help}
                for p in self.inputs
            ],
            "outputs": [
                {"name": p.name, "type": p.type.value, "help": p.help} for p in self.outputs
            ],
            "params": [p.describe() for p in self.params],
        }


class PartStore(Protocol):
    """Pieces of a node's work kept in the result cache under keys the node computes itself, so
    a re-run after a small edit reuses the unchanged pieces (an export's encoded segments).

    The key must name everything the piece depends on (a digest of the node's inputs and
    settings for that piece, and a version of the code that makes it). Blocking calls: use them
    from work running in `ctx.run_cpu`. `studio cache clear` empties it with the rest.
    """

    def get(self, key: str) -> Path | None:
        """The stored file for `key` (checked against its digest), or None when absent."""

    def put(self, key: str, path: Path) -> Path:
        """Move the finished file at `path` into the cache under `key`; returns where it lives."""


class RunContext(Protocol):
    """What a running node gets from the studio: its only channel to the app."""

    node_id: str
    scratch: Path  # a private folder for this node's temporary files
    graph_dir: Path | None  # folder of the graph file, for resolving asset paths
    # Where the result came from: provider, model, seed, job_id, cost_usd. Providers fill it in
    # (a failed paid call too), and it goes into the run history.
    provenance: dict[str, Any]

    @property
    def providers(self) -> Any:
        """The provider registry: `ctx.providers.get(params["provider"], Capability.IMAGE)`."""

    @property
    def cancelled(self) -> bool: ...

    def check_cancelled(self) -> None:
        """Raise `Cancelled` if the user cancelled; call it between steps of long work."""

    def progress(self, fraction: float | None, message: str = "") -> None:
        """Report progress in 0..1, or None for indeterminate."""

    def sub_progress(self, start: float, end: float) -> RunContext:
        """A context whose progress 0..1 maps onto start..end of this one (multi-step work)."""

    def preview(self, value: Any) -> None:
        """Show an intermediate result (a text or an Artifact) on the node while it runs."""

    def log(self, message: str) -> None: ...

    def warn(self, message: str) -> None:
        """Say the result is degraded but usable (a damaged video shortened, a font replaced, a
        subject the offline painter could not draw): shown as a badge on the node, printed by the
        CLI, kept in the history and repeated when the result comes from the cache."""

    def on_cancel(self, callback: Callable[[], Any]) -> None:
        """Call `callback` (sync or async) if the run is cancelled, e.g. to cancel a remote job."""

    async def run_cpu(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run CPU-heavy work in the worker pool, off the event loop."""

    async def run_calls(self, inputs: Mapping[str, Any]) -> list[CallResult]:
        """Run the node's planned calls (`NodeSpec.calls`) at once, each within its provider's
        limit and through the cache; results in the calls' order. A failed call is a
        CallResult with its reason, never an exception (cancelling still raises)."""

    async def store(self, path: Path, kind: str, meta: Mapping[str, Any] | None = None) -> Artifact:
        """Move a finished media file into the cache and return its Artifact."""

    def resolve_path(self, relative: str) -> Path:
        """Resolve a file param against the graph's folder (refusing paths that escape it)."""

    @property
    def parts(self) -> PartStore:
        """The keyed store for pieces of this node's work (see `PartStore`)."""


# -- helpers shared by text nodes ------------------------------------------------------------------
BRIEF_FIELDS = ("subject", "mood", "style", "palette")
_VARIABLE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def parse_brief(text: str | None) -> dict[str, str]:
    """Read a brief ("subject: ...", one field a line) into a dict; absent fields are ''."""
    fields = dict.fromkeys(BRIEF_FIELDS, "")
    for line in (text or "").splitlines():
        key, sep, value = line.partition(":")
        key = key.strip().lower()
        if sep and key in fields:
            fields[key] = value.strip()
    return fields


def format_template(template: str, variables: Mapping[str, str]) -> str:
    """Fill `{name}` from variables; `{{` and `}}` stay literal braces. Unknown names raise."""
    missing = sorted(
        {
            m
            for m in _VARIABLE.findall(template.replace("{{", "").replace("}}", ""))
            if m not in variables
        }
    )
    if missing:
        known = ", ".join(sorted(variables)) or "none"
        raise NodeError(f"template uses {{{missing[0]}}}, which is not set (known: {known})")
    parts = re.split(r"(\{\{|\}\})", template)
    out = []
    for part in parts:
        if part == "{{":
            out.append("{")
        elif part == "}}":
            out.append("}")
        else:
            out.append(_VARIABLE.sub(lambda m: str(variables[m.group(1)]), part))
    return "".join(out)


def template_variables(template: str) -> list[str]:
    """The `{names}` a template uses, in order of first use (for the inspector's highlighting)."""
    seen: list[str] = []
    for name in _VARIABLE.findall(template.replace("{{", "").replace("}}", "")):
        if name not in seen:
            seen.append(name)
    return seen


def is_template(param: Param) -> bool:
    """A text param whose `{names}` are filled in from the node's inputs."""
    return param.kind == "text" and (param.name == "template" or "{" in param.help)


def template_sources(spec: NodeSpec) -> dict[str, str]:
    """Variable name -> the input that gives it: every input by its name, and a brief's fields
    through a `brief` input."""
    sources = {inp.name: inp.name for inp in spec.inputs}
    if "brief" in sources:
        sources.update(dict.fromkeys(BRIEF_FIELDS, "brief"))
    return sources


def literal_braces(text: str, variables: Iterable[str]) -> str:
    """`text` with every `{name}` that is not one of `variables` made literal (`{{name}}`), so
    words typed in braces by someone filling a form print as typed instead of failing the run;
    `{subject}` and the other names the node can fill still work."""
    keep = set(variables)

    def escape(match: re.Match[str]) -> str:
        name = match.group(1)
        return match.group(0) if name in keep else f"{{{{{name}}}}}"

    return re.sub(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)\}(?!\})", escape, text)


__all__ += [
    "BRIEF_FIELDS",
    "ENTRY_POINT_GROUP",
    "is_template",
    "literal_braces",
    "template_sources",
    "template_variables",
]

# Media functions for nodes (`await ctx.run_cpu(media.render_timeline, ...)`); the facade imports
# av/cv2 lazily, inside its functions.
from studio.media import facade as media  # noqa: E402

# The offline speech voices for a speech node's menu: installed Piper voices first, then eSpeak NG's
# common languages (the tests check every one against eSpeak's own list).
from studio.providers.offline.speech import COMMON_VOICES as OFFLINE_VOICES  # noqa: E402
from studio.providers.offline.speech import voice_suggestions as offline_voices  # noqa: E402

__all__ += ["OFFLINE_VOICES", "media", "offline_voices"]

# Languages for translation and voices (`languages.language_name("fr")`, `find_translator`).
from studio.providers import translation as languages  # noqa: E402

__all__ += ["languages"]
