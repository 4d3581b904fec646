"""One ComfyUI server as the studio talks to it: its settings, whether it is ComfyUI at all, its
queue, a prompt's whereabouts, uploads named by their content, taking a prompt back, and the
server's own words for what went wrong.

Shapes read from ComfyUI 0.3.64 (recorded in tests/providers/fixtures/comfyui/): queue entries are
`[number, prompt_id, prompt, extra_data, outputs_to_execute]`; a history entry has `outputs` and
`status {status_str, completed, messages: [[event, data], ...]}`; `node_errors` map a node id to
`{class_type, errors: [{type, message, details, extra_info}], dependent_outputs}`.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from studio.errors import ProviderError
from studio.providers import settings
from studio.providers.http import ProviderClient
from studio.providers.remote._media import dig, mime_type

PROVIDER = "comfyui"
INTERRUPTED = (
    "was interrupted on the server: someone pressed Cancel in ComfyUI, or another client of "
    "this server interrupted it"
)


# -- settings --------------------------------------------------------------------------------------
def setting_name() -> str:
    """Where the ComfyUI URL is set, in words a user can find it by."""
    try:
        source = settings.url_source(PROVIDER)
    except settings.SettingsError:
        source = "default"
    return settings.env_var_for(PROVIDER) if source == "default" else source


def raw_setting() -> str:
    """The URL setting as written (for a cache key when it cannot be used)."""
    env = os.environ.get(settings.env_var_for(PROVIDER), "").strip()
    if env:
        return env
    try:
        return str(settings.load_settings().get("urls", {}).get(PROVIDER, "")).strip()
    except (settings.SettingsError, AttributeError):
        return ""


def server_urls() -> list[str]:
    """The configured ComfyUI servers. An unusable URL (no http://) is this provider's error,
    in the settings' words, which name the setting: the node fails saying so."""
    try:
        return settings.base_urls(PROVIDER)
    except settings.SettingsError as exc:
        raise ProviderError(str(exc), provider=PROVIDER) from None


# -- what the server said --------------------------------------------------------------------------
def not_comfyui(url: str, exc: ProviderError, what: str = "GET /queue") -> ProviderError:
    """A server that answers, but refuses us (a proxy's login) or does not speak ComfyUI."""
    if exc.status in (401, 403):
        return ProviderError(
            f"{url} answered {exc.status}: not ComfyUI or behind auth (a proxy asking for a "
            f"login); point {setting_name()} at the ComfyUI server itself",
            provider=PROVIDER,
            status=exc.status,
        )
    if exc.status == 404 or (exc.status is not None and exc.status < 300):  # missing, not JSON
        return ProviderError(
            f"{url} answers, but not like ComfyUI ({what}: {exc.message}); point "
            f"{setting_name()} at ComfyUI",
            provider=PROVIDER,
            status=exc.status,
        )
    return exc


def node_label(node_id: Any, class_type: Any) -> str:
    return f"{class_type or 'a node'} (node {node_id})"


def prompt_errors(answer: Any, prompt: dict[str, Any]) -> str:
    """ComfyUI's validation errors, each with its node and its details:
    "ImageScale (node 5): upscale_method: 'supersample' not in [...]"."""
    answer = answer if isinstance(answer, dict) else {}
    errors = answer.get("node_errors")
    parts = []
    for node_id, info in errors.items() if isinstance(errors, dict) else []:
        info = info if isinstance(info, dict) else {}
        kind = info.get("class_type") or prompt.get(node_id, {}).get("class_type")
        reasons = []
        for error in info.get("errors") or []:
            if isinstance(error, dict):
                reasons.append(str(error.get("details") or error.get("message") or error))
            else:
                reasons.append(str(error))
        parts.append(f"{node_label(node_id, kind)}: {'; '.join(reasons) or 'invalid'}")
    if not parts:
        error = answer.get("error")
        if isinstance(error, dict):
            words = str(error.get("message") or error.get("type") or "invalid prompt")
            details = str(error.get("details") or "").strip()
            parts.append(f"{words}: {details}" if details and details != words else words)
        else:
            parts.append(str(error or "invalid prompt"))
    return " | ".join(parts)


def failure_words(event: str, data: Any) -> str | None:
    """The user's words for an `execution_error` / `execution_interrupted` (websocket message or
    history entry alike), else None."""
    data = data if isinstance(data, dict) else {}
    where = node_label(data.get("node_id"), data.get("node_type"))
    if event == "execution_error":
        message = str(data.get("exception_message") or data.get("exception_type") or "").strip()
        return f"{where} failed: {message or 'an error'}"
    if event == "execution_interrupted":
        return f"{where} {INTERRUPTED}" if data.get("node_id") else f"the prompt {INTERRUPTED}"
    return None


def history_failure(entry: dict[str, Any]) -> tuple[str, str] | None:
    """(event, words) of a history entry that ended badly, in the same words as the websocket;
    None if it did not."""
    status = entry.get("status") or {}
    if not isinstance(status, dict) or status.get("status_str") != "error":
        return None
    for message in status.get("messages") or []:
        if isinstance(message, list) and len(message) == 2:
            words = failure_words(str(message[0]), message[1])
            if words:
                return str(message[0]), words
    return "execution_error", "ComfyUI reports an error but not which node"


def queue_ids(queue: Any, part: str) -> list[str]:
    """Prompt ids in `queue_running` or `queue_pending` of a GET /queue answer."""
    ids = []
    for item in (queue.get(part) if isinstance(queue, dict) else None) or []:
        if isinstance(item, list) and len(item) > 1:
            ids.append(str(item[1]))
        elif isinstance(item, dict) and item.get("prompt_id"):
            ids.append(str(item["prompt_id"]))
    return ids


# -- one server ------------------------------------------------------------------------------------
class ComfyServer:
    """The requests the studio makes to one ComfyUI server."""

    def __init__(self, client: ProviderClient) -> None:
        self.client = client
        self.url = client.base_url

    async def queue(self) -> dict[str, Any]:
        try:
            answer = await self.client.request_json("GET", "/queue")
        except ProviderError as exc:
            raise not_comfyui(self.url, exc) from None
        if not isinstance(answer, dict) or "queue_running" not in answer:
            raise ProviderError(
                f"{self.url} answers, but not like ComfyUI (GET /queue has no queue_running); "
                f"point {setting_name()} at ComfyUI",
                provider=PROVIDER,
            )
        return answer

    async def queue_size(self) -> int:
        queue = await self.queue()
        return len(queue_ids(queue, "queue_running")) + len(queue_ids(queue, "queue_pending"))

    async def history_entry(self, prompt_id: str) -> dict[str, Any] | None:
        answer = await self.client.request_json("GET", f"/history/{prompt_id}")
        entry = answer.get(prompt_id) if isinstance(answer, dict) else None
        return entry if isinstance(entry, dict) and entry else None

    async def whereabouts(self, prompt_id: str) -> str:
        """ "running", "pending", "done" (in the history) or "gone" (cleared from outside, or the
        server restarted). The queue is read first: a prompt leaves it and enters the history
        in one step, so reading in this order never misses it."""
        queue = await self.queue()
        if prompt_id in queue_ids(queue, "queue_running"):
            return "running"
        if prompt_id in queue_ids(queue, "queue_pending"):
            return "pending"
        return "done" if await self.history_entry(prompt_id) else "gone"

    async def take_back(self, prompt_id: str) -> None:
        """Stop a prompt of ours wherever it is: out of the queue, and interrupted if it runs.
        Deleting first closes the race of a prompt starting between a look and a delete."""
        await self.client.send("POST", "/queue", json={"delete": [prompt_id]})
        queue = await self.queue()
        if prompt_id in queue_ids(queue, "queue_running"):
            # Servers that know targeted interrupts stop only this prompt; older ones stop
            # whatever runs, which is ours (just checked).
            await self.client.send("POST", "/interrupt", json={"prompt_id": prompt_id})

    async def upload(self, image: Path, ctx: Any) -> str:
        """Upload an input image under a name made from its content, or reuse the copy the
        server already has: the same still sent twice is one file on the server."""
        data = await ctx.run_cpu(Path(image).read_bytes)
        suffix = Path(image).suffix.lower() or ".png"
        name = f"studio-{hashlib.sha256(data).hexdigest()[:32]}{suffix}"
        if await self._has_input(name, len(data)):
            ctx.log(f"ComfyUI at {self.url} already has {name}; not uploading it again")
            return name
        # Without "overwrite", ComfyUI keeps one copy of identical bytes under one name (and
        # would rename, not clobber, a different file of that name).
        answer = await self.client.request_json(
            "POST",
            "/upload/image",
            files={"image": (name, data, mime_type(Path(image)))},
            data={"type": "input"},
            retry_unsafe=lambda response: True,  # same name, same bytes: safe to send again
        )
        stored = dig(answer, "name", provider=PROVIDER, what="the uploaded image's name")
        sub = answer.get("subfolder") or ""
        return f"{sub}/{stored}" if sub else str(stored)

    async def _has_input(self, name: str, size: int) -> bool:
        try:
            response = await self.client.send(
                "HEAD",
                "/view",
                params={"filename": name, "type": "input", "subfolder": ""},
                accept=(400, 403, 404),
            )
        except ProviderError:
            return False  # cannot tell: upload it
        length = response.headers.get("content-length")
        return response.status_code == 200 and length == str(size)
