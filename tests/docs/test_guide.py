"""The user guide (docs/guide): generated pages current, every node documented, links that work,
and a README that keeps its two commands."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "guide"
REGENERATE = "run `python docs/guide/generate.py` and commit the pages it writes"


def test_every_builtin_node_has_a_page_with_every_port_and_setting(registry):
    missing = []
    for spec in registry.specs():
        if spec.pack != "multimodal-studio":
            continue
        page = GUIDE / "nodes" / f"{spec.id}.md"
        if not page.is_file():
            missing.append(f"{spec.id}: no page docs/guide/nodes/{spec.id}.md")
            continue
        text = page.read_text()
        names = [f"`{p.name}`" for p in (*spec.inputs, *spec.outputs, *spec.params)]
        missing += [f"{spec.id}: {name} not on its page" for name in names if name not in text]
        index = (GUIDE / "nodes" / "README.md").read_text()
        if f"]({spec.id}.md)" not in index:
            missing.append(f"{spec.id}: not in docs/guide/nodes/README.md")
    assert not missing, "\n".join(missing) + f"\n{REGENERATE}"


def test_generated_pages_are_current():
    """In a fresh interpreter, as a user runs it: other tests may change a provider's state."""
    env = {
        k: v for k, v in os.environ.items() if not (k.startswith("STUDIO_") and k.endswith("_URL"))
    }
    done = subprocess.run(
        [sys.executable, str(GUIDE / "generate.py"), "--check"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, f"{done.stdout}{done.stderr[-2000:]}\n{REGENERATE}"


def test_the_providers_page_quotes_the_dated_price_table():
    table = json.loads((ROOT / "studio" / "providers" / "prices.json").read_text())
    page = (GUIDE / "providers.md").read_text()
    assert f"list prices as of {table['as_of']}" in page
    for provider, entry in table["providers"].items():
        assert f"### {provider}\n" in page
        for model in entry.get("models", {}):
            assert f"| `{model}` | " in page, f"{provider} {model} has no price line"
    assert "| `gpt-4o` | $2.5 in, $10 out per million tokens |" in page
    assert "| `fal-ai/flux/schnell` | $0.003 per megapixel |" in page


def test_the_shortcuts_page_lists_the_shortcut_table():
    from studio.gui.shortcuts import SHORTCUTS

    page = (GUIDE / "shortcuts.md").read_text()
    for what, keys in SHORTCUTS:
        escaped = keys.replace("|", "\\|")
        assert f"| {what} | {escaped} |" in page


def markdown_files() -> list[Path]:
    return [ROOT / "README.md", *sorted(GUIDE.rglob("*.md"))]


def headings(path: Path) -> set[str]:
    """GitHub's anchors for the headings of a page."""
    found = set()
    for line in path.read_text().splitlines():
        if line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            found.add(re.sub(r"[^\w\- ]", "", title).replace(" ", "-"))
    return found


@pytest.mark.parametrize("page", markdown_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_and_picture_of_the_guide_exists(page):
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text()):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        path_part, _, anchor = target.partition("#")
        file = (page.parent / path_part).resolve() if path_part else page
        if not file.exists() or (anchor and file.suffix == ".md" and anchor not in headings(file)):
            broken.append(target)
    assert not broken, f"{page.relative_to(ROOT)}: broken links {broken}"


def test_the_readme_stays_short_and_keeps_its_two_commands_first():
    text = (ROOT / "README.md").read_text()
    commands = [
        line
        for block in re.findall(r"```bash\n(.*?)```", text, re.S)
        for line in block.splitlines()
        if line.strip()
    ]
    assert commands[0].startswith("pip install . && studio demo ")
    assert commands[1].startswith('pip install -e ".[test]" && python -m pytest ')
    assert len(text.splitlines()) <= 60
    assert "docs/guide/README.md" in text
    assert re.search(r"!\[[^\]]*\]\(docs/[^)]+\.png\)", text), "the README shows a screenshot"
