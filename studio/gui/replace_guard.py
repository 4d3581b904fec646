"""A run never replaces an export that is already there without the user's word.

Before a run starts, the files its export nodes would write are looked at: when one is there
already (from an earlier session, someone else, or an export the user made to that name), the
window asks Replace / Keep both / Cancel, as editing suites do on a render whose file exists.
"Keep both" points this run at the next free numbered name (lighthouse-2.mp4) without rewriting
the node; "Replace" makes the file this graph's. A file a run of this graph wrote, or was allowed
to replace, in this session is replaced by later runs without a question (iterating on a render),
until another graph is opened. A run that cannot ask (auto-run) leaves such a node stale instead.
(`studio render` replaces its output: its user named the file on the command line.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
        self.confirm: Callable[[list[Existing], bool], str | None] | None = None
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
        # Nodes made by expanding a Versions node or a component are not in the file: their
        # paths cannot be numbered for one run, only replaced.
        can_number = all(node in snapshot["nodes"] for node, _param, _path in existing)
        answer = self.confirm(existing, can_number) if self.confirm is not None else REPLACE
        if answer == REPLACE:
            self.allow(path for _node, _param, path in writes)
            return True, targets
        if answer == NUMBER and can_number:
            for node, param, path in existing:
                new = numbered_file(path)
                snapshot["nodes"][node]["params"][param] = str(new)
                chosen.add(str(new))
                runner.log_line.emit("info", f"{path.name} is kept; this run writes {new.name}")
            numbered = {_key(path) for _node, _param, path in existing}
            self.allow(path for _node, _param, path in writes if _key(path) not in numbered)
            return True, targets
        runner.log_line.emit("warning", f"Run not started: it would replace {names}")
        return False, None

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


def ask_replace(parent: QWidget, existing: list[Existing], can_number: bool) -> str | None:
    """Replace / Keep both / Cancel, the way editing suites ask before a render replaces a file."""
    from PySide6.QtWidgets import QMessageBox

    files = [path for _node, _param, path in existing]
    if len(files) == 1:
        head = f"“{files[0].name}” already exists in {files[0].parent}."
    else:
        head = f"{len(files)} files this run writes already exist:\n" + "\n".join(
            f"  {path}" for path in files
        )
    text = f"{head}\n\nReplace replaces it now and in later runs of this graph."
    if can_number:
        example = numbered_file(files[0]).name
        text += f" Keep Both leaves it and writes this run's export as “{example}”."
    box = QMessageBox(QMessageBox.Icon.Question, "Replace the export?", text, parent=parent)
    box.setObjectName("ReplaceExport")
    replace = box.addButton("Replace", QMessageBox.ButtonRole.DestructiveRole)
    keep = box.addButton("Keep Both", QMessageBox.ButtonRole.AcceptRole) if can_number else None
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
