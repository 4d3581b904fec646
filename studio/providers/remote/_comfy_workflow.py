"""ComfyUI workflows: loading an API-format file, and binding its inputs to a node's request.

API format (what ComfyUI's "Export (API)" writes) is `{"<node id>": {"class_type": ...,
"inputs": {...}}}`, links being `[source node id, output index]`. The UI format (`nodes` and
`links` lists) cannot be queued, so it is refused with the words that fix it.

Bindings say which workflow input takes which request field, as "<node>.inputs.<name>" →
field, e.g. `{"6.inputs.text": "prompt", "3.inputs.seed": "seed"}`. They come from a file next
to the workflow (`<name>.bindings.json`), else they are found: the text encoder feeding a
sampler's `positive` gets the prompt (`negative` the negative prompt), samplers get the seed,
empty-latent and EmptyImage nodes the size, LoadImage the input image. A field the request leaves
empty (no negative prompt) leaves the workflow's own value as written.
"""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

from studio.errors import ProviderError

FIELDS = (
    "prompt",
    "negative_prompt",
    "seed",
    "width",
    "height",
    "image",
    "duration",
    "text",
    "fps",
    "tempo",
)
SEED_INPUTS = ("seed", "noise_seed")
SIZE_TYPES = (
    "EmptyImage",
    "EmptyLatentImage",
    "EmptySD3LatentImage",
    "EmptyHunyuanLatentVideo",
    "EmptyMochiLatentVideo",
    "EmptyLTXVLatentVideo",
)


def _error(message: str) -> ProviderError:
    return ProviderError(message, provider="comfyui")


def load_workflow(path: Path) -> tuple[dict[str, Any], dict[str, str], str]:
    """(workflow, bindings, sha256 of the file). Blocking: run it through ctx.run_cpu."""
    try:
        raw = path.read_bytes()
    except OSError:
        raise _error(f"workflow file {path.name!r} cannot be read") from None
    try:
        data = json.loads(raw)
    except ValueError:
        raise _error(
            f"{path.name} is not JSON; pick a workflow saved with ComfyUI's Export (API)"
        ) from None
    check_api_format(data, path.name)
    bindings_file = path.with_name(f"{path.stem}.bindings.json")
    if bindings_file.is_file():
        try:
            bindings = json.loads(bindings_file.read_text("utf-8"))
        except ValueError:
            raise _error(f"{bindings_file.name} is not JSON") from None
        if not isinstance(bindings, dict):
            raise _error(f'{bindings_file.name} must map "<node>.inputs.<name>" to a field')
    else:
        bindings = find_bindings(data)
    return data, {str(k): str(v) for k, v in bindings.items()}, hashlib.sha256(raw).hexdigest()


def check_api_format(data: Any, name: str) -> None:
    """Refuse anything that is not an API-format workflow, saying how to get one."""
    if isinstance(data, dict) and isinstance(data.get("nodes"), list) and "links" in data:
        raise _error(
            f"{name} is a ComfyUI UI workflow, not API format: in ComfyUI choose "
            "Workflow → Export (API) and pick that file"
        )
    if (
        not isinstance(data, dict)
        or not data
        or not all(
            isinstance(node, dict) and "class_type" in node and isinstance(node.get("inputs"), dict)
            for node in data.values()
        )
    ):
        raise _error(
            f"{name} is not an API-format ComfyUI workflow (each entry needs "
            "class_type and inputs); export it with Workflow → Export (API)"
        )


def _linked_from(value: Any) -> str | None:
    return str(value[0]) if isinstance(value, list) and len(value) == 2 else None


def find_bindings(workflow: dict[str, Any]) -> dict[str, str]:
    """Bindings found by the usual node types of text-to-image and image-to-video graphs."""
    bindings: dict[str, str] = {}
    for node_id, node in workflow.items():
        inputs = node["inputs"]
        if "positive" in inputs or "negative" in inputs:
            for port, field in (("positive", "prompt"), ("negative", "negative_prompt")):
                source = _linked_from(inputs.get(port))
                target = workflow.get(source or "", {})
                if "text" in target.get("inputs", {}) and not _linked_from(
                    target["inputs"]["text"]
                ):
                    bindings[f"{source}.inputs.text"] = field
        for name in SEED_INPUTS:
            if name in inputs and not _linked_from(inputs[name]):
                bindings[f"{node_id}.inputs.{name}"] = "seed"
        if node["class_type"] in SIZE_TYPES:
            for name in ("width", "height"):
                if name in inputs:
                    bindings[f"{node_id}.inputs.{name}"] = name
        if node["class_type"] == "LoadImage" and "image" in inputs:
            bindings[f"{node_id}.inputs.image"] = "image"
    if "prompt" not in bindings.values():
        # No sampler wiring to follow: the first free text encoder takes the prompt.
        for node_id, node in sorted(workflow.items()):
            text = node["inputs"].get("text")
            if node["class_type"].startswith("CLIPTextEncode") and isinstance(text, str):
                bindings[f"{node_id}.inputs.text"] = "prompt"
                break
    return bindings


def apply_bindings(
    workflow: dict[str, Any], bindings: dict[str, str], values: dict[str, Any]
) -> dict[str, Any]:
    """A copy of the workflow with each bound input set from `values`; a missing or empty value
    (None, "") keeps the workflow's own."""
    result = copy.deepcopy(workflow)
    for target, field in bindings.items():
        if field not in FIELDS:
            raise _error(f"binding {target!r} ← {field!r}: fields are {', '.join(FIELDS)}")
        node_id, _, rest = target.partition(".")
        section, _, name = rest.partition(".")
        if section != "inputs" or not name:
            raise _error(f'binding {target!r} must look like "6.inputs.text"')
        if node_id not in result:
            raise _error(f"binding {target!r}: the workflow has no node {node_id!r}")
        if values.get(field) not in (None, ""):
            result[node_id]["inputs"][name] = values[field]
    return result


def output_files(history: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    """The files of one kind ("image", "video", "audio") a finished prompt produced, saved
    outputs first."""
    suffixes = {
        "image": (".png", ".jpg", ".jpeg", ".webp"),
        "video": (".mp4", ".webm", ".mov", ".mkv"),
        "audio": (".flac", ".mp3", ".wav", ".ogg", ".m4a"),
    }[kind]
    found = []
    outputs = history.get("outputs") or {}
    for node_id in sorted(outputs, key=lambda n: (len(n), n)):
        for files in (outputs[node_id] or {}).values():
            for item in files if isinstance(files, list) else []:
                if isinstance(item, dict) and str(item.get("filename", "")).lower().endswith(
                    suffixes
                ):
                    found.append(item)
    return sorted(found, key=lambda item: item.get("type") != "output")
