"""`studio desktop install|uninstall|status`: the studio in the app menu, its files open with it.

Install puts, under the user's XDG data folder (`$XDG_DATA_HOME`, else ~/.local/share):

    applications/<APP_ID>.desktop            the menu entry; Exec names this very studio
    mime/packages/<APP_ID>.xml               the file types: *.studiograph, *.studiopack (and
                                             .json graphs, recognised by their format field)
    icons/hicolor/<N>x<N>/apps/<APP_ID>.png  the icon at the usual sizes, and scalable/ (SVG)
    metainfo/<APP_ID>.metainfo.xml           AppStream data for software centres

then refreshes the MIME and desktop databases (`update-mime-database`, `update-desktop-database`,
from shared-mime-info and desktop-file-utils) and makes the studio the default application for
its two file types in `$XDG_CONFIG_HOME/mimeapps.list` (unless `--no-default`). Uninstall removes
exactly those files and the default entries that point at the studio. Linux desktops only.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from studio.cli import EXIT_BAD_INPUT, EXIT_OK

APP_ID = "io.github.multimodal_studio.Studio"
DESKTOP_FILE = f"{APP_ID}.desktop"
MIME_TYPES = ("application/x-multimodal-studio-graph", "application/x-multimodal-studio-pack")
ICON_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
DEFAULTS_SECTION = "[Default Applications]"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "desktop",
        help="add the studio to the app menu and make graphs and bundles open with it",
        description="Desktop integration for Linux: a menu entry, an icon, and the file types "
        "of graphs (.studiograph) and bundles (.studiopack), under the user's XDG data folder.",
    )
    actions = parser.add_subparsers(dest="desktop_action", metavar="ACTION")
    install = actions.add_parser("install", help="install the menu entry, icon and file types")
    install.add_argument(
        "--no-default",
        action="store_true",
        help="do not make the studio the default application for its file types",
    )
    actions.add_parser("uninstall", help="remove what `install` put in place")
    actions.add_parser("status", help="what is installed, and where")
    parser.set_defaults(handler=run_desktop, desktop_parser=parser)


@dataclass
class Places:
    """Where the desktop files go (the XDG base folders of this user)."""

    data: Path
    config: Path

    @classmethod
    def of_user(cls) -> Places:
        home = Path.home()
        data = os.environ.get("XDG_DATA_HOME") or str(home / ".local" / "share")
        config = os.environ.get("XDG_CONFIG_HOME") or str(home / ".config")
        return cls(Path(data), Path(config))

    @property
    def desktop_entry(self) -> Path:
        return self.data / "applications" / DESKTOP_FILE

    @property
    def mime_package(self) -> Path:
        return self.data / "mime" / "packages" / f"{APP_ID}.xml"

    @property
    def metainfo(self) -> Path:
        return self.data / "metainfo" / f"{APP_ID}.metainfo.xml"

    @property
    def mimeapps(self) -> Path:
        return self.config / "mimeapps.list"

    def icons(self) -> list[Path]:
        hicolor = self.data / "icons" / "hicolor"
        pngs = [hicolor / f"{n}x{n}" / "apps" / f"{APP_ID}.png" for n in ICON_SIZES]
        return [*pngs, hicolor / "scalable" / "apps" / f"{APP_ID}.svg"]

    def files(self) -> list[Path]:
        return [self.desktop_entry, self.mime_package, self.metainfo, *self.icons()]


@dataclass
class Report:
    written: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def run_desktop(args: argparse.Namespace) -> int:
    action = args.desktop_action
    if action is None:
        args.desktop_parser.print_help()
        return EXIT_BAD_INPUT
    if not sys.platform.startswith("linux"):
        print(
            "error: `studio desktop` sets up Linux desktops (freedesktop.org); on Windows and "
            "macOS see docs/guide/install.md",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    places = Places.of_user()
    if action == "install":
        report = install(places, make_default=not args.no_default)
        for path in report.written:
            print(f"wrote {path}")
        for note in report.notes:
            print(note)
        print(f"installed: Multimodal Studio is in the app menu; it opens {launch_hint()}")
    elif action == "uninstall":
        report = uninstall(places)
        for path in report.written:
            print(f"removed {path}")
        for note in report.notes:
            print(note)
        print("uninstalled" if report.written else "nothing was installed")
    else:
        for path in places.files():
            print(f"{'installed' if path.exists() else 'missing  '}  {path}")
        defaults = read_defaults(places.mimeapps)
        for mime in MIME_TYPES:
            print(f"default for {mime}: {defaults.get(mime) or '(none)'}")
    return EXIT_OK


def launch_hint() -> str:
    return "graphs (.studiograph, and .json graphs) and bundles (.studiopack)"


# -- what to write ----------------------------------------------------------------------------
def launch_command() -> list[str]:
    """How the desktop should start this very studio: the bundle, the console script, or python."""
    if getattr(sys, "frozen", False):
        return [str(Path(sys.executable).absolute())]
    script = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if script is not None and script.name == "studio" and script.is_file():
        # Not resolved: pipx's ~/.local/bin/studio is a link that survives upgrades.
        return [str(script.absolute())]
    return [str(Path(sys.executable).absolute()), "-m", "studio"]


def exec_quote(argument: str) -> str:
    """One argument of a desktop entry's Exec key (freedesktop Desktop Entry spec, "Exec")."""
    argument = argument.replace("%", "%%")
    if re.fullmatch(r"[A-Za-z0-9_@+=:,./-]+", argument.replace("%%", "")):
        return argument
    inner = re.sub(r'(["`$\\])', r"\\\1", argument)
    # The string-value escape applies on top of the quoting one: a backslash is written twice.
    return '"' + inner.replace("\\", "\\\\") + '"'


def desktop_entry_text(template: str, command: list[str]) -> str:
    """The template with Exec and TryExec naming `command`."""
    exec_line = " ".join(exec_quote(part) for part in command) + " open %f"
    lines = []
    for line in template.splitlines():
        if line.startswith("Exec="):
            line = f"Exec={exec_line}"
        elif line.startswith("TryExec="):
            line = f"TryExec={command[0]}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def resources() -> Path:
    from studio.paths import resources_dir

    return resources_dir()


# -- install and uninstall --------------------------------------------------------------------
def install(places: Places, make_default: bool = True) -> Report:
    from studio.atomic import write_bytes_atomic, write_text_atomic

    source = resources() / "desktop"
    report = Report()
    template = (source / DESKTOP_FILE).read_text(encoding="utf-8")
    plan: list[tuple[Path, bytes]] = [
        (places.desktop_entry, desktop_entry_text(template, launch_command()).encode()),
        (places.mime_package, (source / f"{APP_ID}.mime.xml").read_bytes()),
        (places.metainfo, (source / f"{APP_ID}.metainfo.xml").read_bytes()),
    ]
    icons = places.icons()
    for size, target in zip(ICON_SIZES, icons, strict=False):
        plan.append((target, (source / "icons" / f"{size}.png").read_bytes()))
    plan.append((icons[-1], (resources() / "icons" / "app.svg").read_bytes()))
    for target, data in plan:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(target, data)
        report.written.append(target)
    report.notes += refresh_databases(places)
    if make_default:
        text = set_defaults(read_text(places.mimeapps), dict.fromkeys(MIME_TYPES, DESKTOP_FILE))
        places.mimeapps.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(places.mimeapps, text)
        report.notes.append(f"the default application for its file types ({places.mimeapps})")
    return report


def uninstall(places: Places) -> Report:
    from studio.atomic import write_text_atomic

    report = Report()
    for path in places.files():
        if path.exists():
            path.unlink()
            report.written.append(path)
    current = read_text(places.mimeapps)
    if current:
        updated = remove_defaults(current, DESKTOP_FILE)
        if updated != current:
            write_text_atomic(places.mimeapps, updated)
            report.notes.append(f"no longer the default application ({places.mimeapps})")
    if report.written:
        report.notes += refresh_databases(places)
    return report


def refresh_databases(places: Places) -> list[str]:
    """Run the tools that make desktops see the new files; say which are missing."""
    notes = []
    steps = [
        (
            "update-mime-database",
            [str(places.data / "mime")],
            "shared-mime-info",
            "the file types take effect once it is installed",
        ),
        (
            "update-desktop-database",
            [str(places.data / "applications")],
            "desktop-file-utils",
            "most desktops still find the entry",
        ),
        (
            "gtk-update-icon-cache",
            ["-f", "-t", "-q", str(places.data / "icons" / "hicolor")],
            "gtk-update-icon-cache",
            "the icon still shows",
        ),
    ]
    for tool, arguments, package, consequence in steps:
        found = shutil.which(tool)
        if found is None:
            notes.append(f"note: {tool} is not installed (package {package}); {consequence}")
            continue
        Path(arguments[-1]).mkdir(parents=True, exist_ok=True)
        done = subprocess.run([found, *arguments], capture_output=True, text=True)
        if done.returncode != 0:
            reason = " ".join((done.stderr or done.stdout).split())[:200]
            notes.append(f"note: {tool} failed ({reason})")
    return notes


# -- mimeapps.list: edit our two keys, keep every other line as it was ----------------------------
def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ""


def read_defaults(path: Path) -> dict[str, str]:
    defaults: dict[str, str] = {}
    section = ""
    for line in read_text(path).splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            section = stripped
        elif section == DEFAULTS_SECTION and "=" in stripped:
            key, _, value = stripped.partition("=")
            defaults[key.strip()] = value.strip()
    return defaults


def set_defaults(text: str, defaults: dict[str, str]) -> str:
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip() == DEFAULTS_SECTION), None)
    if start is None:
        if lines and lines[-1].strip():
            lines.append("")
        lines.append(DEFAULTS_SECTION)
        start = len(lines) - 1
    end = next(
        (i for i in range(start + 1, len(lines)) if lines[i].strip().startswith("[")), len(lines)
    )
    kept = [
        line for line in lines[start + 1 : end] if line.split("=", 1)[0].strip() not in defaults
    ]
    while kept and not kept[-1].strip():
        kept.pop()
    ours = [f"{mime}={desktop};" for mime, desktop in defaults.items()]
    after = ["", *lines[end:]] if end < len(lines) else []
    return "\n".join([*lines[: start + 1], *kept, *ours, *after]) + "\n"


def remove_defaults(text: str, desktop: str) -> str:
    lines = []
    section = ""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            section = stripped
        elif section == DEFAULTS_SECTION and "=" in stripped:
            values = [v for v in stripped.partition("=")[2].split(";") if v.strip()]
            if values and all(v.strip() == desktop for v in values):
                continue
        lines.append(line)
    return "\n".join(lines) + "\n"
