"""`studio desktop install|uninstall`: the menu entry, icons and file types under the user's XDG
folders, checked with the desktop's own tools (xdg-utils, desktop-file-utils, shared-mime-info,
appstream, GLib's gio) where they are installed; CI installs none of them by apt, so those checks
skip there, saying which package they need."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image

from studio.cli import main
from studio.cli.desktop import (
    APP_ID,
    DESKTOP_FILE,
    ICON_SIZES,
    MIME_TYPES,
    desktop_entry_text,
    exec_quote,
    remove_defaults,
    set_defaults,
)
from studio.paths import resources_dir

DESKTOP = resources_dir() / "desktop"


def needs(tool: str, package: str):
    return pytest.mark.skipif(
        shutil.which(tool) is None, reason=f"{tool} is not installed (Debian package {package})"
    )


@pytest.fixture
def xdg(tmp_path, monkeypatch):
    """A user's XDG folders in tmp; the system's data folders stay readable (json, zip types)."""
    data, config = tmp_path / "data", tmp_path / "config"
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    monkeypatch.setenv("XDG_DATA_DIRS", "/usr/local/share:/usr/share")
    monkeypatch.delenv("XDG_CURRENT_DESKTOP", raising=False)  # xdg-utils' generic mode
    monkeypatch.delenv("DESKTOP_SESSION", raising=False)
    return data, config


def run(*command: str) -> str:
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"{command}: {done.stdout} {done.stderr}"
    return done.stdout.strip()


def installed_entry(data: Path) -> dict[str, str]:
    text = (data / "applications" / DESKTOP_FILE).read_text()
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


def test_install_writes_every_file_and_names_this_studio(xdg, capsys):
    data, config = xdg
    assert main(["desktop", "install"]) == 0
    out = capsys.readouterr().out
    assert f"wrote {data / 'applications' / DESKTOP_FILE}" in out
    for size in ICON_SIZES:
        icon = data / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        with Image.open(icon) as image:
            assert image.size == (size, size)
    svg = data / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg"
    assert svg.read_bytes() == (resources_dir() / "icons" / "app.svg").read_bytes()
    assert (data / "mime" / "packages" / f"{APP_ID}.xml").is_file()
    assert (data / "metainfo" / f"{APP_ID}.metainfo.xml").is_file()
    entry = installed_entry(data)
    # Run in-process from pytest: the entry starts this interpreter with `-m studio`.
    assert entry["Exec"] == f"{sys.executable} -m studio open %f"
    assert entry["TryExec"] == sys.executable
    assert entry["MimeType"] == ";".join(MIME_TYPES) + ";"
    mimeapps = (config / "mimeapps.list").read_text()
    assert "[Default Applications]" in mimeapps
    for mime in MIME_TYPES:
        assert f"{mime}={DESKTOP_FILE};" in mimeapps


def test_the_installed_entry_starts_a_working_studio(xdg, capsys):
    data, _ = xdg
    assert main(["desktop", "install"]) == 0
    command = shlex.split(installed_entry(data)["Exec"])
    assert command[-2:] == ["open", "%f"]
    version = run(*command[:-2], "--version")
    assert version.splitlines()[0] == "studio 0.1.0"


@needs("desktop-file-validate", "desktop-file-utils")
def test_the_entry_is_valid_as_shipped_and_as_installed(xdg):
    data, _ = xdg
    run("desktop-file-validate", str(DESKTOP / DESKTOP_FILE))
    assert main(["desktop", "install"]) == 0
    run("desktop-file-validate", str(data / "applications" / DESKTOP_FILE))


@needs("xdg-mime", "xdg-utils")
def test_xdg_mime_names_the_studio_as_the_default_for_graphs_and_bundles(xdg):
    assert main(["desktop", "install"]) == 0
    for mime in MIME_TYPES:
        assert run("xdg-mime", "query", "default", mime) == DESKTOP_FILE


@needs("xdg-mime", "xdg-utils")
@needs("update-mime-database", "shared-mime-info")
def test_the_file_types_are_registered(xdg, tmp_path):
    data, _ = xdg
    assert main(["desktop", "install"]) == 0
    assert (data / "mime" / "application" / "x-multimodal-studio-graph.xml").is_file()
    graph = tmp_path / "story.studiograph"
    shutil.copy(resources_dir() / "examples" / "lighthouse.json", graph)
    bundle = tmp_path / "share.studiopack"
    bundle.write_bytes(b"PK\x05\x06" + bytes(18))  # an empty zip
    assert run("xdg-mime", "query", "filetype", str(graph)) == MIME_TYPES[0]
    assert run("xdg-mime", "query", "filetype", str(bundle)) == MIME_TYPES[1]


@needs("gio", "libglib2.0-bin")
@needs("update-mime-database", "shared-mime-info")
def test_a_json_graph_is_a_graph_and_other_json_stays_json(xdg, tmp_path):
    """GLib (what GTK file managers use) decides a *.json by its content: the format field."""
    assert main(["desktop", "install"]) == 0
    old = tmp_path / "old-graph.json"
    shutil.copy(resources_dir() / "examples" / "lighthouse.json", old)
    other = tmp_path / "package.json"
    other.write_text('{"name": "something else", "version": "1.0.0"}\n')

    def content_type(path: Path) -> str:
        return run("gio", "info", "-a", "standard::content-type", str(path)).split()[-1]

    assert content_type(old) == MIME_TYPES[0]
    assert content_type(other) == "application/json"


@needs("appstreamcli", "appstream")
def test_the_metainfo_is_valid_for_appstream():
    out = run("appstreamcli", "validate", "--no-net", str(DESKTOP / f"{APP_ID}.metainfo.xml"))
    assert "Validation was successful" in out


def test_the_mime_package_and_metainfo_agree_with_the_entry():
    ns = {"m": "http://www.freedesktop.org/standards/shared-mime-info"}
    types = ET.parse(DESKTOP / f"{APP_ID}.mime.xml").getroot().findall("m:mime-type", ns)
    globs = {t.get("type"): [g.get("pattern") for g in t.findall("m:glob", ns)] for t in types}
    assert globs == {
        MIME_TYPES[0]: ["*.studiograph", "*.json"],
        MIME_TYPES[1]: ["*.studiopack"],
    }
    meta = ET.parse(DESKTOP / f"{APP_ID}.metainfo.xml").getroot()
    assert meta.findtext("id") == APP_ID
    assert meta.findtext("launchable") == DESKTOP_FILE
    assert [m.text for m in meta.iter("mediatype")] == list(MIME_TYPES)


def test_uninstall_removes_what_install_wrote_and_keeps_the_users_other_defaults(xdg, capsys):
    data, config = xdg
    config.mkdir(parents=True)
    (config / "mimeapps.list").write_text(
        "[Default Applications]\ntext/plain=org.gnome.TextEditor.desktop;\n\n"
        "[Added Associations]\napplication/json=code.desktop;\n"
    )
    assert main(["desktop", "install"]) == 0
    assert main(["desktop", "uninstall"]) == 0
    out = capsys.readouterr().out
    assert "uninstalled" in out
    leftovers = [p for p in data.rglob("*") if APP_ID in p.name]
    assert leftovers == []
    assert (config / "mimeapps.list").read_text() == (
        "[Default Applications]\ntext/plain=org.gnome.TextEditor.desktop;\n\n"
        "[Added Associations]\napplication/json=code.desktop;\n"
    )
    assert main(["desktop", "uninstall"]) == 0
    assert "nothing was installed" in capsys.readouterr().out


def test_status_says_what_is_installed(xdg, capsys):
    assert main(["desktop", "status"]) == 0
    assert "missing" in capsys.readouterr().out
    main(["desktop", "install", "--no-default"])
    capsys.readouterr()
    assert main(["desktop", "status"]) == 0
    out = capsys.readouterr().out
    assert "missing" not in out
    assert f"default for {MIME_TYPES[0]}: (none)" in out


@pytest.mark.parametrize(
    ("argument", "written"),
    [
        ("/usr/bin/studio", "/usr/bin/studio"),
        ("/home/ann/My Apps/studio", '"/home/ann/My Apps/studio"'),
        ('/opt/a"b$c`d', '"/opt/a\\\\"b\\\\$c\\\\`d"'),
        ("/opt/100%/studio", "/opt/100%%/studio"),
    ],
)
def test_exec_arguments_are_quoted_as_the_desktop_entry_spec_says(argument, written):
    assert exec_quote(argument) == written


def test_an_install_path_with_spaces_survives_into_exec():
    template = (DESKTOP / DESKTOP_FILE).read_text()
    text = desktop_entry_text(template, ["/home/ann/My Apps/studio"])
    assert 'Exec="/home/ann/My Apps/studio" open %f' in text
    assert "TryExec=/home/ann/My Apps/studio" in text


def test_mimeapps_edits_touch_only_the_studios_keys():
    before = "[Added Associations]\nimage/png=gimp.desktop;\n"
    after = set_defaults(before, {MIME_TYPES[0]: DESKTOP_FILE})
    assert after == (
        "[Added Associations]\nimage/png=gimp.desktop;\n\n"
        f"[Default Applications]\n{MIME_TYPES[0]}={DESKTOP_FILE};\n"
    )
    assert set_defaults(after, {MIME_TYPES[0]: DESKTOP_FILE}) == after
    assert remove_defaults(after, DESKTOP_FILE) == (
        "[Added Associations]\nimage/png=gimp.desktop;\n\n[Default Applications]\n"
    )


def test_a_graph_file_given_instead_of_a_command_opens_in_the_window(tmp_path, monkeypatch):
    """What a double-click runs (`studio open FILE`) also works as `studio FILE`."""
    from studio.cli import open as open_command

    opened = []
    monkeypatch.setattr(open_command, "open_window", lambda path: opened.append(path) or 0)
    graph = tmp_path / "story.studiograph"
    shutil.copy(resources_dir() / "examples" / "lighthouse.json", graph)
    assert main([str(graph)]) == 0
    assert main(["open", str(graph)]) == 0
    assert opened == [str(graph), str(graph)]


def test_a_folder_with_a_studiograph_renders_like_a_json_graph(tmp_path, capsys):
    from studio.graph.fileformat import save_graph
    from studio.graph.model import Graph, Node

    graph = Graph()
    graph.add_node(Node("brief", "text.brief", {"subject": "a harbour"}))
    save_graph(graph, tmp_path / "harbour.studiograph")
    assert main(["validate", str(tmp_path)]) == 0
    assert ": ok (1 nodes, 0 edges)" in capsys.readouterr().out
