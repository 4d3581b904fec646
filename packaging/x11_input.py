"""Send a click or a key chord to an X display through XTest (build.sh's window check on Xvfb).

    python x11_input.py :93 click 1150 760
    python x11_input.py :93 keys Control_L Return

Only ctypes and the system's libX11/libXtst: nothing to install. Exit code 3 if they are missing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
import time

KEYSYMS = {"Control_L": 0xFFE3, "Return": 0xFF0D, "Escape": 0xFF1B}


def _libraries() -> tuple[ctypes.CDLL, ctypes.CDLL]:
    x11_name, xtst_name = ctypes.util.find_library("X11"), ctypes.util.find_library("Xtst")
    if not x11_name or not xtst_name:
        sys.exit(3)
    x11, xtst = ctypes.CDLL(x11_name), ctypes.CDLL(xtst_name)
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x11.XFlush.argtypes = [ctypes.c_void_p]
    x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
    x11.XKeysymToKeycode.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
    xtst.XTestFakeMotionEvent.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int,
                                          ctypes.c_int, ctypes.c_ulong]  # fmt: skip
    xtst.XTestFakeButtonEvent.argtypes = [ctypes.c_void_p, ctypes.c_uint, ctypes.c_int,
                                          ctypes.c_ulong]  # fmt: skip
    xtst.XTestFakeKeyEvent.argtypes = [ctypes.c_void_p, ctypes.c_uint, ctypes.c_int,
                                       ctypes.c_ulong]  # fmt: skip
    return x11, xtst


def main(argv: list[str]) -> int:
    """Run one action (`click X Y` or `keys KEYSYM...`) on the display argv[0]."""
    display_name, action, *rest = argv
    x11, xtst = _libraries()
    display = x11.XOpenDisplay(display_name.encode())
    if not display:
        print(f"cannot open display {display_name}", file=sys.stderr)
        return 2

    def flush(pause: float) -> None:
        x11.XFlush(display)
        time.sleep(pause)

    if action == "click":
        x, y = int(rest[0]), int(rest[1])
        xtst.XTestFakeMotionEvent(display, -1, x, y, 0)
        flush(0.3)
        xtst.XTestFakeButtonEvent(display, 1, 1, 0)
        flush(0.1)
        xtst.XTestFakeButtonEvent(display, 1, 0, 0)
        flush(0.1)
    elif action == "keys":
        codes = [x11.XKeysymToKeycode(display, KEYSYMS[name]) for name in rest]
        for code in codes:  # press in order, release in reverse: a chord
            xtst.XTestFakeKeyEvent(display, code, 1, 0)
            flush(0.05)
        for code in reversed(codes):
            xtst.XTestFakeKeyEvent(display, code, 0, 0)
            flush(0.05)
    else:
        print(f"unknown action {action}", file=sys.stderr)
        return 2
    x11.XCloseDisplay(display)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
