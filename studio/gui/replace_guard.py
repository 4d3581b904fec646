"""A run never replaces an export that is already there without the user's word.

Before a run starts, the files its export nodes would write are looked at: when one is there
already (from an earlier session, someone else, or an export the user made to that name), the
window asks Replace / Keep both / Cancel, as editing suites do on a render whose file exists.
"Keep both" points this run at the next free numbered name (lighthouse-2.mp4; a Versions node's
whole set through its base name, piece-2.9x16.fr.mp4) without rewriting the node; "Replace"
makes the file this graph's. A file a run of this graph wrote, or was allowed to replace, in
this session is replaced by later runs without a question (iterating on a render), until
another graph is opened. A run that cannot ask (auto-run) leaves such a node stale instead.
(`studio render` replaces its output: its user named the file on the command line.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studio.engine.versions import VERSIONS_TYPE
from studio.graph.outputs import choose_output, numbered_file, output_file

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from studio.gui.run_controller import RunController

# (node id, output param, file that is there already)
Existing = tuple[str, str, Path]
REPLACE, NUMBER = "replace", "number"


def _key(path: Path) -> str:
    return str(path.resolve())


class ReplaceGuard:
    def __init__(self, runner: RunController) -> None:
        self.runner = runner
        # Asked when a run would replace files: REPLACE, NUMBER (keep both) or None (do not
        # run). The window sets a question (ask_replace); None replaces without asking
        # (tests, headless use).
        self.confirm: Callable[[list[Existing], dict[Path, Path] | None], str | None] | None = None
        self._allowed: set[str] = set()  # files this graph's runs may replace (this session)

    def forget(self) -> None:
        self._allowed.clear()

    def allow(self, paths: Iterable[Path]) -> None:
        self._allowed.update(_key(path) for path in paths)

    def settle(
        self,
        snapshot: dict[str, Any],
        chosen: set[str],
        targets: list[str] | None,
        interactive: bool,
    ) -> tuple[bool, list[str] | None]:
        """Whether to run and what (None: the whole graph), after asking about files that exist.

        "Keep both" changes `snapshot` (this run's copy of the graph) and `chosen` in place. The
        files a run that goes ahead writes are its graph's from then on: a later run replaces
        them without asking (iterating on a render), until another graph is opened.
        """
        from studio.graph.fileformat import graph_from_dict

        runner, doc = self.runner, self.runner.document
        assert doc is not None
        graph = graph_from_dict(snapshot)
        for value in chosen:
            choose_output(graph, value)
        writes = self.writes(graph, targets, doc.graph_dir)
        existing = self._in_the_way(writes)
        if not existing:
            self.allow(path for _node, _param, path in writes)
            return True, targets
        names = ", ".join(path.name for _node, _param, path in existing)
        if not interactive:
            if targets is None:
                return False, None
            left = [t for t in targets if t not in {node for node, _p, _f in existing}]
            runner.log_line.emit(
                "info", f"Auto-run left the export stale: it would replace {names}; press Run"
            )
            writes = self.writes(graph, left, doc.graph_dir) if left else []
            if not left or self._in_the_way(writes):
                return False, None
            self.allow(path for _node, _param, path in writes)
            return True, left
        numbering = self._numbering(snapshot, existing, writes)
        kept = numbering.kept if numbering is not None else None
        answer = self.confirm(existing, kept) if self.confirm is not None else REPLACE
        if answer == REPLACE:
            self.allow(path for _node, _param, path in writes)
            return True, targets
        if answer == NUMBER and numbering is not None:
            for node, param, value in numbering.params:
                snapshot["nodes"][node].setdefault("params", {})[param] = value
                if value in numbering.chosen:
                    chosen.add(value)
            for line in numbering.lines:
                runner.log_line.emit("info", line)
            numbered = {_key(path) for path in numbering.kept}
            self.allow(path for _node, _param, path in writes if _key(path) not in numbered)
            return True, targets
        runner.log_line.emit("warning", f"Run not started: it would replace {names}")
        return False, None

    def _numbering(
        self, snapshot: dict[str, Any], existing: list[Existing], writes: list[Existing]
    ) -> Numbering | None:
        """How "Keep both" would rename this run's exports, or None when it cannot.

        An Export node's file is numbered (lighthouse-2.mp4); a Versions node's files through
        its base name, all of them, so they stay one set (piece-2.9x16.fr.mp4). An export inside
        a component is shared by every use of it: it can only be replaced.
        """
        plan = Numbering()
        owners = {node: versions_owner(snapshot, node) for node, _param, _path in existing}
        for node, param, path in existing:
            if owners[node] is None:
                if node not in snapshot["nodes"]:
                    return None
                new = numbered_file(path)
                plan.params.append((node, param, str(new)))
                plan.chosen.add(str(new))
                plan.kept[path] = new
                plan.lines.append(f"{path.name} is kept; this run writes {new.name}")
        for owner in sorted({o for o in owners.values() if o is not None}):
            files = [p for node, _param, p in writes if versions_owner(snapshot, node) == owner]
            self._number_versions(snapshot, owner, files, plan)
        return plan

    def _number_versions(
        self, snapshot: dict[str, Any], owner: str, files: list[Path], plan: Numbering
    ) -> None:
        """The first numbered base name for the Versions node `owner` under which none of its
        versions' files (`files`, named from the base) is there."""
        from studio.media.versions import strip_extension

        spec = self.runner.executor.registry.get(VERSIONS_TYPE)
        default = next((p.default for p in spec.params if p.name == "path"), "") if spec else ""
        value = str(snapshot["nodes"][owner].get("params", {}).get("path", default))
        head, slash, name = strip_extension(value).replace("\\", "/").rpartition("/")
        tails = [path.name[len(name) :] for path in files if path.name.startswith(name)]
        stem, number = name, 2
        left, dash, count = name.rpartition("-")
        if dash and left and count.isdigit():
            stem, number = left, int(count) + 1
        while any((files[0].parent / f"{stem}-{number}{tail}").exists() for tail in tails):
            number += 1
        new = f"{stem}-{number}"
        plan.params.append((owner, "path", f"{head}{slash}{new}"))
        if Path(value).is_absolute():  # chosen by the user outside the folder, like the old one
            plan.chosen.add(f"{head}{slash}{new}")
        for path in files:
            plan.kept[path] = path.with_name(new + path.name[len(name) :])
        plan.lines.append(f"The versions {name}.* are kept; this run writes {new}.*")

    def _in_the_way(self, writes: list[Existing]) -> list[Existing]:
        """The files among `writes` that are there and not this graph's to replace."""
        return [w for w in writes if w[2].is_file() and _key(w[2]) not in self._allowed]

    def writes(
        self, graph: Any, targets: list[str] | None, graph_dir: Path | None
    ) -> list[Existing]:
        """Each file the run would write (through a node's output path)."""
        from studio.errors import GraphErrors

        try:
            plans = self.runner.executor.plan(graph, targets or None, graph_dir)
        except GraphErrors:
            return []  # the run reports the problems itself
        found = []
        for plan in plans:
            if plan.bypass:
                continue
            fmt = plan.params.get("format") or plan.params.get("container")
            for param in plan.spec.params:
                if param.kind != "output":
                    continue
                path = output_file(str(plan.params.get(param.name, "")), graph_dir, fmt)
                if path is not None:
                    found.append((plan.node_id, param.name, path))
        return found


@dataclass
class Numbering:
    """What "Keep both" changes in a run's copy of the graph."""

    params: list[tuple[str, str, str]] = field(default_factory=list)  # (node, param, value)
    chosen: set[str] = field(default_factory=set)  # values chosen outside the graph's folder
    kept: dict[Path, Path] = field(default_factory=dict)  # a file there -> what the run writes
    lines: list[str] = field(default_factory=list)  # for the run log


def versions_owner(snapshot: dict[str, Any], node_id: str) -> str | None:
    """The Versions node in `snapshot` whose expansion made `node_id` (OWNER__ROLE), if any."""
    for owner, node in snapshot["nodes"].items():
        if node.get("type") == VERSIONS_TYPE and node_id.startswith(f"{owner}__"):
            return str(owner)
    return None


def ask_replace(
    parent: QWidget, existing: list[Existing], kept: dict[Path, Path] | None
) -> str | None:
    """Replace / Keep both / Cancel, the way editing suites ask before a render replaces a file.
    `kept`: what Keep both writes instead of each file (None: the run cannot keep both)."""
    from PySide6.QtWidgets import QMessageBox

    files = [path for _node, _param, path in existing]
    if len(files) == 1:
        head = f"“{files[0].name}” already exists in {files[0].parent}."
    else:
        head = f"{len(files)} files this run writes already exist:\n" + "\n".join(
            f"  {path}" for path in files
        )
    text = f"{head}\n\nReplace replaces it now and in later runs of this graph."
    if kept:
        example = kept.get(files[0], next(iter(kept.values()))).name
        text += f" Keep Both leaves it and writes this run's export as “{example}”."
        if len(kept) > 1:
            text += f" ({len(kept)} files are numbered.)"
    box = QMessageBox(QMessageBox.Icon.Question, "Replace the export?", text, parent=parent)
    box.setObjectName("ReplaceExport")
    replace = box.addButton("Replace", QMessageBox.ButtonRole.DestructiveRole)
    keep = box.addButton("Keep Both", QMessageBox.ButtonRole.AcceptRole) if kept else None
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(keep or cancel)
    box.setEscapeButton(cancel)
    box.exec()
    clicked = box.clickedButton()
    if clicked is replace:
        return REPLACE
    if keep is not None and clicked is keep:
        return NUMBER
    return None
