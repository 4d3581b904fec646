"""Where the window cannot start, `studio` says why and what to do (exit 2), before Qt aborts."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from studio.gui.display_check import XCB_LIBRARIES, problem

ALL_PLUGINS = {"xcb", "wayland", "offscreen"}


def check(env, missing=(), x11=None, plugins=ALL_PLUGINS):
    return problem(
        env=env,
        platform="linux",
        load=lambda soname: soname not in missing,
        connect_x11=lambda display: x11,
        plugins=lambda: None if plugins is None else set(plugins),
    )


@pytest.mark.parametrize("command", [["-m", "studio"], ["-m", "studio", "open"]])
def test_without_a_display_the_window_explains_and_exits_2(tmp_path, command):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "XDG_SESSION_TYPE")
    }
    env["STUDIO_LOG_DIR"] = str(tmp_path / "logs")
    done = subprocess.run(
        [sys.executable, *command], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr  # one message, and nothing from Qt
    assert lines[0].startswith("studio: the window cannot start. There is no display")
    assert "studio render GRAPH.studiograph -o out.mp4" in lines[0]
    assert "qt.qpa" not in done.stderr and "Aborted" not in done.stderr
    logged = (tmp_path / "logs" / "studio.log").read_text()
    assert "ERROR studio.gui.app: the window cannot start: There is no display" in logged


def test_a_missing_xcb_cursor_library_names_the_package_and_the_command():
    message = check({"DISPLAY": ":0"}, missing={"libxcb-cursor.so.0"})
    assert "needs libxcb-cursor.so.0, which this system lacks" in message
    assert "sudo apt install libxcb-cursor0" in message
    assert "sudo dnf install xcb-util-cursor" in message
    assert "studio render" in message


def test_every_missing_xcb_library_is_named_once_with_its_package():
    missing = {"libxcb-icccm.so.4", "libxkbcommon-x11.so.0"}
    message = check({"DISPLAY": ":0"}, missing=missing)
    assert "sudo apt install libxcb-icccm4 libxkbcommon-x11-0." in message
    assert "xcb-util-cursor" not in message  # the cursor library is there


def test_every_library_of_the_xcb_plugin_has_a_package():
    assert all(package for package in XCB_LIBRARIES.values())
    assert XCB_LIBRARIES["libxcb-cursor.so.0"] == "libxcb-cursor0"


def test_an_x_server_that_refuses_is_named():
    message = check({"DISPLAY": ":7"}, x11="cannot connect to the X display ':7'")
    assert "X11: cannot connect to the X display ':7'" in message


def test_a_wayland_session_without_the_plugin_suggests_xwayland(tmp_path):
    (tmp_path / "wayland-0").touch()
    env = {"WAYLAND_DISPLAY": "wayland-0", "XDG_RUNTIME_DIR": str(tmp_path)}
    message = check(env, plugins={"xcb", "offscreen"})
    assert "Wayland session (wayland-0) but this Qt has no Wayland platform plugin" in message
    assert "QT_QPA_PLATFORM=xcb studio" in message
    # With XWayland (DISPLAY set) Qt falls back to xcb: nothing to say.
    assert check({**env, "DISPLAY": ":0"}, plugins={"xcb"}) is None
    # An explicit Wayland request without the plugin is a problem even with XWayland.
    explicit = {**env, "DISPLAY": ":0", "QT_QPA_PLATFORM": "wayland"}
    assert "no Wayland platform plugin" in check(explicit, plugins={"xcb"})


def test_a_working_setup_and_a_chosen_headless_platform_say_nothing(tmp_path):
    (tmp_path / "wayland-0").touch()
    wayland = {"WAYLAND_DISPLAY": "wayland-0", "XDG_RUNTIME_DIR": str(tmp_path)}
    assert check({"DISPLAY": ":0"}) is None
    assert check(wayland) is None
    assert check({"QT_QPA_PLATFORM": "offscreen"}) is None
    assert check({"QT_QPA_PLATFORM": "vnc"}, missing=set(XCB_LIBRARIES)) is None
    assert problem(env={}, platform="win32") is None
    # A Qt whose plugin folder cannot be found (a frozen app) is not called broken.
    assert check({"DISPLAY": ":0"}, plugins=None) is None
    assert (
        check({"WAYLAND_DISPLAY": "wayland-0", "XDG_RUNTIME_DIR": str(tmp_path)}, plugins=None)
        is None
    )


def test_the_real_checks_pass_on_this_machine_when_x11_is_configured():
    """The probes themselves (dlopen and an X connection) against the real system."""
    from studio.gui.display_check import can_connect_x11, can_load, qt_platform_plugins

    assert "xcb" in qt_platform_plugins() and "offscreen" in qt_platform_plugins()
    assert can_load("libc.so.6") and not can_load("libdoes-not-exist.so.9")
    assert "cannot connect to the X display ':4242'" in (can_connect_x11(":4242") or "")
