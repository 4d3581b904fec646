"""Whether a studio process still runs: run history and autosave files record their writer's pid."""

from __future__ import annotations

import os


def process_alive(pid: int) -> bool:
    """True while a process with this id exists (ours included); False for ids no process has."""
    if pid == os.getpid():
        return True
    if pid <= 0:  # 0 and negatives name process groups, never one process
        return False
    if os.name == "nt":  # os.kill(pid, 0) would terminate the process on Windows
        return _windows_process_alive(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    return True


def _windows_process_alive(pid: int) -> bool:
    import ctypes

    query_limited_information, still_active = 0x1000, 259
    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    handle = kernel32.OpenProcess(query_limited_information, False, pid)
    if not handle:
        return False
    try:
        code = ctypes.c_ulong()
        return bool(kernel32.GetExitCodeProcess(handle, ctypes.byref(code))) and (
            code.value == still_active
        )
    finally:
        kernel32.CloseHandle(handle)
