"""Can the window start here? Asked before Qt is, because Qt's answer is an abort.

Without a display, without a system library its X11 plugin needs (a fresh Ubuntu or Debian lacks
libxcb-cursor0), or in a Wayland session when its Wayland plugin is missing, Qt prints a few lines
about platform plugins and aborts the process. `problem()` finds those cases first and says what
to do in one message; `studio` prints it and exits with 2.

It follows Qt's choice of platform: QT_QPA_PLATFORM (a `;`-separated list Qt tries in order),
otherwise Wayland where a Wayland session is announced, then X11 (xcb). The window can start when
any platform Qt would try can; a check that cannot tell (another OS, a headless platform the user
chose) says nothing, so a false alarm never stops a window that would have opened.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

# Platforms that need no display server: the user asked for them on purpose.
HEADLESS = {"offscreen", "minimal", "minimalegl", "vnc", "eglfs", "linuxfb", "vkkhrdisplay"}
# What Qt's xcb plugin links (ldd of libqxcb.so and libQt6XcbQpa.so) -> the Debian/Ubuntu package.
XCB_LIBRARIES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb.so.1": "libxcb1",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libfontconfig.so.1": "libfontconfig1",
}
WAYLAND_LIBRARIES = {
    "libwayland-client.so.0": "libwayland-client0",
    "libwayland-cursor.so.0": "libwayland-cursor0",
    "libxkbcommon.so.0": "libxkbcommon0",
}
HEADLESS_HINT = (
    "For work without a window, render headless: `studio render GRAPH.studiograph -o out.mp4` "
    "(or `studio demo`)."
)


def can_load(soname: str) -> bool:
    """Whether the dynamic linker finds a library (or a desktop bundle carries it)."""
    bundled = getattr(sys, "_MEIPASS", None)
    if bundled and any(Path(bundled).rglob(soname)):
        return True
    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def can_connect_x11(display: str) -> str | None:
    """None when the X server at `display` accepts this user; else why not."""
    try:
        xcb = ctypes.CDLL("libxcb.so.1")
    except OSError:
        return None  # the library check names the missing package
    xcb.xcb_connect.restype = ctypes.c_void_p
    xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
    xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
    connection = xcb.xcb_connect(display.encode(), None)
    error = xcb.xcb_connection_has_error(connection)
    xcb.xcb_disconnect(connection)
    if error:
        return (
            f"cannot connect to the X display {display!r} (is the X server running, and may "
            "this user use it? check DISPLAY and XAUTHORITY)"
        )
    return None


def qt_platform_plugins() -> set[str] | None:
    """The platform plugins this Qt has, by name (`xcb`, `wayland`, ...); None when the plugin
    folder cannot be found (a frozen app may keep it elsewhere): then nothing is claimed."""
    from PySide6.QtCore import QCoreApplication, QLibraryInfo

    folders = [QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)]
    folders += os.environ.get("QT_PLUGIN_PATH", "").split(os.pathsep)
    folders += QCoreApplication.libraryPaths()
    names: set[str] = set()
    found = False
    for folder in filter(None, folders):
        platforms = Path(folder) / "platforms"
        if not platforms.is_dir():
            continue
        found = True
        for plugin in platforms.glob("libq*.so"):
            name = plugin.name[len("libq") : -len(".so")]
            names.add("wayland" if name.startswith("wayland") else name)
    return names if found else None


def problem(
    env: Mapping[str, str] | None = None,
    platform: str = sys.platform,
    load: Callable[[str], bool] = can_load,
    connect_x11: Callable[[str], str | None] = can_connect_x11,
    plugins: Callable[[], set[str] | None] = qt_platform_plugins,
) -> str | None:
    """None when the window can start here; else one message saying why not and what to do."""
    env = os.environ if env is None else env
    if not platform.startswith("linux"):
        return None
    requested = [p.split(":")[0].strip().lower() for p in env.get("QT_QPA_PLATFORM", "").split(";")]
    requested = [p for p in requested if p]
    if any(p in HEADLESS for p in requested):
        return None
    if not requested:
        wayland_session = env.get("WAYLAND_DISPLAY") or env.get("XDG_SESSION_TYPE") == "wayland"
        requested = ["wayland", "xcb"] if wayland_session else ["xcb"]
    if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        return (
            "There is no display to open the window on (neither DISPLAY nor WAYLAND_DISPLAY is "
            "set): this looks like a server, a container or an SSH session without X forwarding. "
            + HEADLESS_HINT
            + " To see the window, start it from a desktop session or connect with `ssh -X`."
        )
    reasons: list[str] = []
    for name in requested:
        if name == "xcb":
            reason = _xcb_problem(env, load, connect_x11, plugins)
        elif name == "wayland":
            reason = _wayland_problem(env, load, plugins)
        else:
            return None  # a platform this check does not know: let Qt try it
        if reason is None:
            return None
        reasons.append(reason)
    return " ".join(reasons) + " " + HEADLESS_HINT


def _xcb_problem(
    env: Mapping[str, str],
    load: Callable[[str], bool],
    connect: Callable[[str], str | None],
    plugins: Callable[[], set[str] | None],
) -> str | None:
    display = env.get("DISPLAY")
    if not display:
        return "X11: DISPLAY is not set."
    if "xcb" not in (plugins() or {"xcb"}):
        return "X11: this Qt has no X11 platform plugin (xcb); reinstall PySide6 or the bundle."
    missing = {soname: package for soname, package in XCB_LIBRARIES.items() if not load(soname)}
    if missing:
        names = ", ".join(missing)
        packages = " ".join(dict.fromkeys(missing.values()))
        return (
            f"X11: Qt's X11 plugin (xcb) needs {names}, which this system lacks. On Debian or "
            f"Ubuntu install it with: sudo apt install {packages}"
            + (
                " (Fedora: sudo dnf install xcb-util-cursor; Arch: sudo pacman -S xcb-util-cursor)."
                if "libxcb-cursor.so.0" in missing
                else "."
            )
        )
    reason = connect(display)
    return f"X11: {reason}." if reason else None


def _wayland_problem(
    env: Mapping[str, str], load: Callable[[str], bool], plugins: Callable[[], set[str] | None]
) -> str | None:
    name = env.get("WAYLAND_DISPLAY")
    if not name:
        return "Wayland: WAYLAND_DISPLAY is not set."
    if "wayland" not in (plugins() or {"wayland"}):
        return (
            f"Wayland: this is a Wayland session ({name}) but this Qt has no Wayland platform "
            "plugin; start the studio through XWayland with `QT_QPA_PLATFORM=xcb studio`, or "
            "use a studio whose Qt includes the plugin (the PySide6 wheels do)."
        )
    missing = [soname for soname in WAYLAND_LIBRARIES if not load(soname)]
    if missing:
        packages = " ".join(WAYLAND_LIBRARIES[s] for s in missing)
        return (
            f"Wayland: Qt's Wayland plugin needs {', '.join(missing)}; on Debian or Ubuntu: "
            f"sudo apt install {packages}."
        )
    socket = Path(name) if os.path.isabs(name) else Path(env.get("XDG_RUNTIME_DIR", "")) / name
    if not socket.exists():
        return f"Wayland: no compositor is listening at {socket}."
    return None
